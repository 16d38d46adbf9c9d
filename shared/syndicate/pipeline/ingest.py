"""Ingest: one queue message -> fetch the page -> extract -> attribute -> merge and store.

`page_record` (page bytes -> the copy's record) is the same code `syndicate extract` runs,
so a preview and a run give the same record and the same id. Idempotency (a redelivered
message changes nothing) is applied around `ingest_message` by whoever runs it: the Lambda
handler with powertools' decorator, the local worker through `Services.ingest_guard`.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

from pydantic import ValidationError

from ..attribution.record import build_record
from ..clock import iso_z
from ..dedup.minhash import Fingerprint, MinHashConfig, fingerprint
from ..dedup.urls import canonicalize_url
from ..extract import ExtractError, extract_article
from ..fetch import FetchError
from ..fetch.result import FetchResult
from ..model import Article, ArticleMessage, FeedEntry, Record
from ..registry import Partner, Registry, RegistryError
from ..services import Deadline, Services
from .merge import ForeignCopy, MergeBusy, merge_and_store
from .raw import PackedPage, packed, save_raw_page

#: Outside Lambda, how long a worker may hold one message (as long as the queue hides it).
WORKER_SECONDS = 300.0


@dataclass
class IngestResult:
    """What one message did. `kind`: `new` (a record that did not exist), `updated` (a new
    version of a record), `duplicate` (a copy that joined another partner's record),
    `unchanged` (nothing a reader would see changed, nothing written)."""

    record_id: str | None
    changed: bool
    url: str
    partner: str
    kind: str = "updated"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class IngestError(Exception):
    """A message that could not become a record; names the partner, URL and problem.

    `permanent`: the same message will fail the same way however often it is retried (the
    page is gone, robots.txt forbids it, the URL is invalid or refused, the page holds no
    article, the partner is not in the registry). Whoever runs ingest parks such a message
    as a dead letter at once instead of retrying it; the rest are retried, then parked.
    A malformed message is not marked permanent: it stays with the queue's own
    retry-and-DLQ path, where a producer bug is looked for.
    """

    def __init__(
        self, partner: str, url: str, reason: str, *, permanent: bool = False, kind: str = "message"
    ) -> None:
        super().__init__(f"{partner} {url}: {reason}")
        self.partner = partner
        self.url = url
        self.reason = reason
        self.permanent = permanent
        #: Where it failed, for metrics and progress counts: message, registry, fetch,
        #: extract, busy or merge.
        self.kind = kind

    def __reduce__(self) -> tuple[Any, ...]:
        """Picklable with its fields (it travels back from an extraction worker process)."""
        return (_rebuild_error, (type(self), self.partner, self.url, self.reason, self.permanent, self.kind))


def _rebuild_error(
    cls: type[IngestError], partner: str, url: str, reason: str, permanent: bool, kind: str = "message"
) -> IngestError:
    return cls(partner, url, reason, permanent=permanent, kind=kind)


class Busy(IngestError):
    """Another ingest is merging this article right now: the message is retried later."""


def worker_deadline(seconds: float = WORKER_SECONDS) -> Deadline:
    """A deadline `seconds` from now, for runs outside Lambda."""
    end = time.monotonic() + seconds
    return lambda: max(0.0, end - time.monotonic())


def parse_message(body: str) -> ArticleMessage:
    """The queue message, or IngestError saying what is wrong with it."""
    try:
        return ArticleMessage.model_validate_json(body)
    except ValidationError as exc:
        raise IngestError("?", "?", f"malformed queue message: {exc.errors()[0]['msg']}") from exc


def ingest_message(
    svc: Services, body: str, *, deadline: Deadline | None = None, prepared: Prepared | None = None
) -> IngestResult:
    """Turn one ArticleQueue message body into a stored record. Raises IngestError.

    With `svc.ingest_guard` (powertools Idempotency) a redelivered message returns the first
    result without fetching the page again; and a page whose content has not changed writes
    nothing either way. `deadline` bounds the merge lease and the idempotency claim.
    `prepared`: the page already fetched and extracted for this message (`prepare`), as the
    local worker's pipelined drain does; it is used only if the guard lets the message run.
    """
    message = parse_message(body)
    deadline = deadline or worker_deadline()
    if svc.ingest_guard is None:
        return ingest_article(svc, message, deadline, prepared)

    def run(message: dict[str, Any], deadline: Deadline) -> dict[str, Any]:
        return ingest_article(svc, ArticleMessage.model_validate(message), deadline, prepared).as_dict()

    result = svc.ingest_guard(run, deadline)(message=message.model_dump(mode="json"), deadline=deadline)
    return IngestResult(**result)


@dataclass
class Fetched:
    """A message's page, fetched: everything extraction needs, and nothing that cannot be
    pickled, so it can go to another process."""

    registry: Registry
    partner: Partner
    message: ArticleMessage
    body: bytes
    url: str
    fetched_at: str
    summary_chars: int
    content_type: str | None
    headers: dict[str, str]  # the response's (lowercase names): kept with the raw page


@dataclass
class Prepared:
    """A message's page fetched and extracted, or the IngestError that stopped it."""

    record: Record | None = None
    article: Article | None = None
    error: IngestError | None = None
    fetched: Fetched | None = None  # the page it came from, kept for `syndicate reprocess`
    #: the copy's near-duplicate fingerprint, when the extraction worker computed it too
    fingerprint: Fingerprint | None = None
    #: the page packed for the raw store, when the extraction worker did that too
    raw: PackedPage | None = None


#: What a worker needs to fingerprint a copy as the index would: its config and ignored shingles.
FingerprintWith = tuple[MinHashConfig, frozenset[str]]


def fetch_message(svc: Services, message: ArticleMessage, deadline: Deadline) -> Fetched:
    """The partner's page for `message` (robots.txt, politeness, caps). Raises IngestError."""
    url = message.entry.url
    registry = svc.current_registry()
    try:
        partner = registry.partner(message.partner)
    except RegistryError as exc:
        raise IngestError(message.partner, url, str(exc), permanent=True, kind="registry") from exc
    try:
        # robots.txt, then the page, which must be HTML; politeness waits end before `deadline`
        page = svc.http.get_page(url, deadline=deadline)
    except FetchError as exc:
        raise IngestError(partner.id, url, exc.reason, permanent=not exc.transient, kind="fetch") from exc
    return Fetched(
        registry, partner, message, page.body, page.url, iso_z(svc.now()), svc.settings.summary_chars,
        page.headers.get("content-type"), dict(page.headers),
    )


def extract_fetched(fetched: Fetched, fingerprint_with: FingerprintWith | None = None) -> Prepared:
    """The page's record and article (pure: runs in a worker process as well as inline).

    With `fingerprint_with` (the index's config and ignored shingles) the copy's fingerprint
    is computed here too, and the page packed for the raw store: both are pure (~20% of a
    page's work), and in a worker process they leave the merging process free (issue 13).
    """
    try:
        record, article = page_record(
            fetched.registry, fetched.partner, fetched.message, fetched.body, fetched.url,
            fetched_at=fetched.fetched_at, summary_chars=fetched.summary_chars, content_type=fetched.content_type,
        )
    except ExtractError as exc:  # the same bytes extract the same way every time
        return Prepared(
            error=IngestError(fetched.partner.id, fetched.message.entry.url, exc.reason, permanent=True, kind="extract")
        )
    fp = raw = None
    if fingerprint_with is not None:  # in a worker process: the pure rest of the page's work too
        fp = fingerprint(copy_text(record, article), *fingerprint_with)
        raw = packed(record.id, fetched.message, _fetch_result(fetched), fetched.fetched_at)
    return Prepared(record, article, fetched=fetched, fingerprint=fp, raw=raw)


def _fetch_result(page: Fetched) -> FetchResult:
    return FetchResult(page.url, 200, page.headers, page.body)


def copy_text(record: Record, article: Article) -> str:
    """The text a copy is fingerprinted by: its title and its article text."""
    return f"{record.title}\n\n{article.text}"


def prepare(svc: Services, message: ArticleMessage, deadline: Deadline) -> Prepared:
    """Fetch and extract, inline; an IngestError is returned in `Prepared.error`."""
    try:
        return extract_fetched(fetch_message(svc, message, deadline))
    except IngestError as exc:
        return Prepared(error=exc)


def ingest_article(
    svc: Services, message: ArticleMessage, deadline: Deadline, prepared: Prepared | None = None
) -> IngestResult:
    """Fetch, extract, attribute, then merge with the article's other copies and store."""
    done = prepared or prepare(svc, message, deadline)
    if done.error is not None:
        raise done.error
    record, article = done.record, done.article
    assert record is not None and article is not None
    if done.fetched is not None:  # for `syndicate reprocess`; skipped when the same page is kept
        page = done.fetched
        ready = done.raw if page.message == message else None  # packed with this very message
        save_raw_page(svc, record.id, message, _fetch_result(page), page.fetched_at, ready)
    return store_copy(svc, record.syndicate.partner, record, article, deadline, fp=done.fingerprint)


def store_copy(
    svc: Services, partner_id: str, record: Record, article: Article, deadline: Deadline,
    *, modified_at: str | None = None, fp: Fingerprint | None = None,
) -> IngestResult:
    """Merge a page's record with the article's other copies and store it (ingest and reprocess).

    `fp`: the copy's fingerprint when already computed (`extract_fetched`), else merge makes it.
    """
    try:
        stored = merge_and_store(svc, record, copy_text(record, article), deadline, modified_at=modified_at, fp=fp)
    except MergeBusy as exc:  # another ingest is merging this article: SQS retries us later
        raise Busy(partner_id, record.syndicate.source_url, str(exc), kind="busy") from exc
    except ForeignCopy as exc:
        raise IngestError(partner_id, record.syndicate.source_url, str(exc), permanent=True, kind="merge") from exc
    return IngestResult(stored.record_id, stored.changed, record.syndicate.source_url, partner_id, stored.kind)


def message_for_page(registry: Registry, partner: Partner, url: str, title: str = "") -> ArticleMessage:
    """The message a poll would have queued for a page at `url` (for `syndicate extract`)."""
    canonical = canonicalize_url(url, registry.url_rules()) if url.startswith("http") else url
    entry = FeedEntry(url=url, title=title)
    return ArticleMessage(partner=partner.id, feed_url=url, canonical_url=canonical, entry=entry, entry_hash="")


def page_record(
    registry: Registry,
    partner: Partner,
    message: ArticleMessage,
    body: bytes,
    page_url: str,
    *,
    fetched_at: str,
    summary_chars: int = 400,
    content_type: str | None = None,
) -> tuple[Record, Article]:
    """One page -> its copy's record (before merging with other copies) and the article.

    `content_type` is the response's header: its charset counts when the page declares none.
    Raises ExtractError. The page's rel=canonical decides the copy's URL when it points at
    the same partner (see `with_page_canonical`).
    """
    article = extract_article(
        body, page_url, partner.profile, content_type=content_type, with_html=may_republish_html(partner)
    )
    message = with_page_canonical(registry, partner, message, article.canonical_url)
    record = build_record(partner, message, article, fetched_at=fetched_at, summary_chars=summary_chars)
    return record, article


def may_republish_html(partner: Partner) -> bool:
    """Whether any page of `partner` can end up republished in full, so needs its HTML.

    The registry's licence is the ceiling (attribution.licences.decide_licence): unless it
    says "full", or the partner's pages are trusted to widen it, no record of the partner
    carries `content_html`, and trafilatura's second (rich) pass would be wasted: it is about
    40% of an extraction (bench/README.md).
    """
    return partner.licence.republish == "full" or partner.pages_state_licence


def with_page_canonical(
    registry: Registry, partner: Partner, message: ArticleMessage, page_canonical: str | None
) -> ArticleMessage:
    """The page's rel=canonical decides the copy's URL, when it points at the same partner.

    Feeds may link an AMP or tracking variant; the page knows its real address. A canonical
    pointing at another site is not trusted (a page could claim anyone's URL that way).
    """
    if not page_canonical:
        return message
    canonical = canonicalize_url(page_canonical, registry.url_rules())
    if canonical == message.canonical_url or registry.partner_for_url(canonical) is not partner:
        return message
    return message.model_copy(update={"canonical_url": canonical})
