"""The pipeline's three steps, used alike by the Lambda handlers and the CLI.

poll_once       feeds that are due -> conditional GET -> entries -> ArticleQueue (new/changed only)
ingest_message  one queue message -> fetch page -> extract -> attribute -> record + pending mark
publish_pending pending marks -> JSON Feed pages (all partners and per partner)

Each step reports what it did and what failed as plain data; one broken feed or page is a
`Failure` in the report, never an exception that stops the others.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from pydantic import ValidationError

from .attribution.record import build_record
from .dedup.merge import Copy, merge_copies
from .dedup.urls import UrlRules, canonicalize_url
from .extract import ExtractError, extract_article
from .feeds import schedule
from .feeds.parse import FeedError, parse_feed
from .fetch import FetchError
from .idempotency import idempotent_ingest
from .model import ArticleMessage, FeedEntry, Record
from .ports import PreconditionFailed, StorageError
from .publish.jsonfeed import build_feed_pages
from .registry import FeedConfig, Partner, RegistryError
from .services import Services

log = logging.getLogger("syndicate.pipeline")

MAX_RECEIVES = 5


@dataclass
class Failure:
    stage: str
    partner: str
    url: str
    reason: str

    def __str__(self) -> str:
        return f"{self.stage} failed for {self.partner} {self.url}: {self.reason}"


@dataclass
class Skipped:
    partner: str
    url: str
    reason: str


@dataclass
class PollReport:
    skipped: list[Skipped] = field(default_factory=list)
    feeds_polled: int = 0
    feeds_not_modified: int = 0
    entries_seen: int = 0
    enqueued: int = 0
    failures: list[Failure] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class IngestResult:
    record_id: str | None
    changed: bool
    url: str
    partner: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PublishReport:
    published: bool = False
    items: int = 0
    objects_written: int = 0
    keys: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RunReport:
    poll: PollReport
    ingested: list[IngestResult]
    publish: PublishReport
    failures: list[Failure]

    @property
    def ok(self) -> bool:
        return not self.failures

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class IngestError(Exception):
    """A message that could not become a record; names the partner, URL and problem."""

    def __init__(self, partner: str, url: str, reason: str) -> None:
        super().__init__(f"{partner} {url}: {reason}")
        self.partner = partner
        self.url = url
        self.reason = reason


def _iso(svc: Services) -> str:
    return svc.now().isoformat(timespec="seconds").replace("+00:00", "Z")


def url_rules(svc: Services) -> UrlRules:
    """How URLs canonicalize here: https upgrades and host aliases from the registry."""
    return svc.registry.url_rules()


def entry_hash(entry: FeedEntry) -> str:
    """What makes an entry 'changed': its link, title, dates and summary."""
    basis = json.dumps([entry.url, entry.title, entry.published, entry.updated, entry.summary], ensure_ascii=False)
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()


def _poll_feed(
    svc: Services,
    partner: Partner,
    feed: FeedConfig,
    report: PollReport,
    hosts: UrlRules,
    *,
    respect_schedule: bool,
    force: bool,
) -> None:
    feed_url = feed.url
    now = svc.now()
    health = {**(_read_quietly(svc, "feed", feed_url) or {}), "partner": partner.id}
    wait = schedule.due(health, now, respect_schedule=respect_schedule, force=force)
    if wait:
        report.skipped.append(Skipped(partner.id, feed_url, wait))
        return
    try:
        result = svc.http.get_feed(feed_url, etag=health.get("etag"), last_modified=health.get("last_modified"))
        report.feeds_polled += 1
        digest = None if result.not_modified else hashlib.sha256(result.body).hexdigest()
        if result.not_modified or digest == health.get("body_sha256"):
            report.feeds_not_modified += 1
            svc.state.put(
                "feed",
                feed_url,
                schedule.after_success(
                    health,
                    now,
                    feed.poll_minutes,
                    last_status=result.status,
                    etag=result.etag or health.get("etag"),
                    last_modified=result.last_modified or health.get("last_modified"),
                ),
            )
            return
        entries = parse_feed(result.body, feed_url)
    except (FetchError, FeedError) as exc:
        status = getattr(exc, "status", None)
        blocked = getattr(exc, "kind", "") == "blocked" or status == 403
        report.failures.append(Failure("poll", partner.id, feed_url, exc.reason))
        svc.state.put(
            "feed",
            feed_url,
            schedule.after_failure(
                health,
                now,
                reason=exc.reason,
                status=status,
                retry_after=getattr(exc, "retry_after", None),
                blocked=blocked,
                policy=svc.backoff,
            ),
        )
        return
    _enqueue_new(svc, partner, feed_url, entries, hosts, report)
    svc.state.put(
        "feed",
        feed_url,
        schedule.after_success(
            health,
            now,
            feed.poll_minutes,
            etag=result.etag,
            last_modified=result.last_modified,
            last_status=result.status,
            items_seen=len(entries),
            body_sha256=digest,
        ),
    )


def _read_quietly(svc: Services, pk: str, sk: str) -> dict[str, Any] | None:
    """A state read whose failure only costs politeness or a duplicate, never correctness."""
    try:
        return svc.state.get(pk, sk)
    except StorageError as exc:
        log.warning("state read %s/%s failed, carrying on without it: %s", pk, sk, exc)
        return None


def _enqueue_new(
    svc: Services, partner: Partner, feed_url: str, entries: list[FeedEntry], hosts: UrlRules, report: PollReport
) -> None:
    """Queue the entries that are new or changed since we last saw them (by canonical URL)."""
    report.entries_seen += len(entries)
    fresh: list[tuple[str, str, ArticleMessage]] = []
    for entry in entries:
        canonical = canonicalize_url(entry.url, hosts)
        digest_entry = entry_hash(entry)
        seen = _read_quietly(svc, "entry", canonical)  # unknown counts as new: a duplicate is harmless
        if seen and seen.get("entry_hash") == digest_entry:
            continue
        message = ArticleMessage(
            partner=partner.id, feed_url=feed_url, canonical_url=canonical, entry=entry, entry_hash=digest_entry
        )
        fresh.append((canonical, digest_entry, message))
    if fresh:
        svc.queue.send([m.model_dump_json() for _, _, m in fresh])
        report.enqueued += len(fresh)
        for canonical, digest_entry, _ in fresh:
            try:
                svc.state.put(
                    "entry", canonical, {"entry_hash": digest_entry, "partner": partner.id, "seen_at": _iso(svc)}
                )
            except StorageError as exc:  # the entry is queued; the next poll may queue it again, harmlessly
                log.warning("could not mark %s as seen: %s", canonical, exc)


def backfill(svc: Services, partner_id: str, pages: int) -> PollReport:
    """Walk a partner's WordPress feed pages `?paged=2..pages` and queue what is new.

    Feeds carry only the latest items; older ones are reachable page by page. A 404 is the
    end of the archive, not a failure. Feed health (ETag, schedule) is left alone.
    """
    report = PollReport()
    partner = svc.registry.partner(partner_id)
    hosts = url_rules(svc)
    for feed in partner.feeds:
        for page in range(2, pages + 1):
            joiner = "&" if "?" in feed.url else "?"
            url = f"{feed.url}{joiner}paged={page}"
            try:
                result = svc.http.get_feed(url)
                report.feeds_polled += 1
                entries = parse_feed(result.body, url)
            except FetchError as exc:
                if getattr(exc, "status", None) == 404:
                    break
                report.failures.append(Failure("backfill", partner.id, url, exc.reason))
                break
            except FeedError as exc:
                report.failures.append(Failure("backfill", partner.id, url, exc.reason))
                break
            if not entries:
                break
            _enqueue_new(svc, partner, feed.url, entries, hosts, report)
    return report


def redrive(svc: Services) -> int:
    """Put dead-lettered ingest messages back on the queue (after a fix); returns how many.

    Locally the dead letters are items of the `dead` partition (with the reason each
    failed); in the cloud they are messages of the ArticleQueue's DLQ.
    """
    moved = 0
    if svc.dead_letter_queue is not None:
        while batch := svc.dead_letter_queue.receive(10):
            svc.queue.send([m.body for m in batch])
            for m in batch:
                svc.dead_letter_queue.delete(m.receipt)
            moved += len(batch)
    for message_id, item in svc.state.query("dead"):
        svc.queue.send([item["body"]])
        svc.state.delete("dead", message_id)
        moved += 1
    return moved


def poll_once(svc: Services, *, respect_schedule: bool = False, force: bool = False) -> PollReport:
    """Poll every feed in the registry once; enqueue entries that are new or changed.

    Feeds in backoff (after failures, a Retry-After or a 403) are skipped unless `force`;
    `respect_schedule` (the Lambda poller) also skips feeds polled less than their
    `poll_minutes` ago. A 304, or a body identical to the last one, costs no parsing.
    """
    report = PollReport()
    hosts = url_rules(svc)
    for partner in svc.registry.partners:
        for feed in partner.feeds:
            try:
                _poll_feed(svc, partner, feed, report, hosts, respect_schedule=respect_schedule, force=force)
            except StorageError as exc:  # our storage, not the feed, failed: the other feeds go on
                report.failures.append(Failure("poll", partner.id, feed.url, f"storage error: {exc}"))
    return report


def ingest_message(svc: Services, body: str) -> IngestResult:
    """Turn one ArticleQueue message body into a stored record. Raises IngestError.

    Idempotent twice over: with `svc.idempotency` (powertools Idempotency) a redelivered
    message returns the first result without fetching the page again; and a page whose
    content has not changed writes nothing.
    """
    try:
        message = ArticleMessage.model_validate_json(body)
    except ValidationError as exc:
        raise IngestError("?", "?", f"malformed queue message: {exc.errors()[0]['msg']}") from exc
    if svc.idempotency is None:
        return _ingest(svc, message)

    def run(message: dict[str, Any]) -> dict[str, Any]:
        return _ingest(svc, ArticleMessage.model_validate(message)).as_dict()

    wrapped = idempotent_ingest(run, svc.idempotency, svc.lambda_context)
    result = wrapped(message=message.model_dump(mode="json"))
    return IngestResult(**result)


def _ingest(svc: Services, message: ArticleMessage) -> IngestResult:
    url = message.entry.url
    try:
        partner = svc.registry.partner(message.partner)
    except RegistryError as exc:
        raise IngestError(message.partner, url, str(exc)) from exc
    try:
        page = svc.http.get_page(url)  # robots.txt, then the page, which must be HTML
        article = extract_article(page.body, page.url, partner.profile)
    except (FetchError, ExtractError) as exc:
        raise IngestError(partner.id, url, exc.reason) from exc
    message = _with_page_canonical(svc, partner, message, article.canonical_url)
    record = build_record(partner, message, article, fetched_at=_iso(svc), summary_chars=svc.settings.summary_chars)
    return _merge_and_store(svc, partner, record, f"{record.title}\n\n{article.text}")


def _with_page_canonical(
    svc: Services, partner: Partner, message: ArticleMessage, page_canonical: str | None
) -> ArticleMessage:
    """The page's rel=canonical decides the copy's URL, when it points at the same partner.

    Feeds may link an AMP or tracking variant; the page knows its real address. A canonical
    pointing at another site is not trusted (a page could claim anyone's URL that way).
    """
    if not page_canonical:
        return message
    rules = svc.registry.url_rules()
    canonical = canonicalize_url(page_canonical, rules)
    if canonical == message.canonical_url or svc.registry.partner_for_url(canonical) is not partner:
        return message
    return message.model_copy(update={"canonical_url": canonical})


def _copy_of(item: dict[str, Any], registry_rank: dict[str, tuple[str, int]]) -> Copy:
    record = Record.model_validate(item["record"])
    name, rank = registry_rank.get(record.syndicate.partner, (record.syndicate.partner, 999))
    return Copy(record=record, partner_name=name, rank=rank)


class Busy(IngestError):
    """Another ingest holds the merge lock of this record: retry the message later."""


LOCK_SECONDS = 30.0  # a merge takes well under a second; a dead holder blocks others at most this long


def _lease_seconds(svc: Services) -> float:
    """No longer than the invocation holding it can live (Lambda's remaining time, if known)."""
    remaining = getattr(svc.lambda_context, "get_remaining_time_in_millis", None)
    return min(LOCK_SECONDS, remaining() / 1000) if callable(remaining) else LOCK_SECONDS


def _lock(svc: Services, name: str) -> str | None:
    """A lease in the state table (a conditional create); None when someone else holds it."""
    token = uuid.uuid4().hex
    now = time.time()
    lease = _lease_seconds(svc)
    if svc.state.put_if_absent("lock", name, {"token": token, "expires": now + lease}):
        return token
    held = svc.state.get("lock", name)
    if held is not None and float(held.get("expires", 0)) < now:  # its holder died: take it over
        svc.state.delete("lock", name)
        if svc.state.put_if_absent("lock", name, {"token": token, "expires": now + lease}):
            return token
    return None


def _unlock(svc: Services, name: str, token: str) -> None:
    held = svc.state.get("lock", name)
    if held is not None and held.get("token") == token:
        svc.state.delete("lock", name)


def _gather(svc: Services, copy_id: str, fp: Any, mine: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """This copy, its near-duplicates, and every member of the records they belong to."""
    items: dict[str, dict[str, Any]] = {copy_id: mine}
    groups: set[str] = {mine["published_as"]} if mine.get("published_as") else set()
    for match in svc.index.find_duplicates(copy_id, fp):
        item = svc.state.get("copy", match.doc_id)
        if item is not None:
            items[match.doc_id] = item
            if item.get("published_as"):
                groups.add(item["published_as"])
    for group in sorted(groups):
        for member, _ in svc.state.query(f"members#{group}"):
            if member not in items and (item := svc.state.get("copy", member)) is not None:
                items[member] = item
    return items, groups


def _merge_and_store(svc: Services, partner: Partner, copy_record: Record, text: str) -> IngestResult:
    """Find the copy's near-duplicates, merge the group into one record, store it.

    Each copy is kept in the state table under its own id (`copy`), indexed by MinHash/LSH,
    and listed under the merged record it belongs to (`members#<record id>`). The copy is
    indexed *before* it looks for its duplicates, so of two near-duplicates ingested at the
    same moment at least one sees the other; the merged record is then written under a lease
    on its id (a conditional create in the state table), re-reading its members under the
    lease, so a merge that saw fewer copies can never overwrite one that saw more. A merge
    that moves the canonical URL (an earlier original arrives later) retires the old record.
    """
    copy_id = copy_record.id
    ranks = {p.id: (p.name, p.rank) for p in svc.registry.partners}
    rules = svc.registry.url_rules()
    fp = svc.index.fingerprint(text)
    known = svc.state.get("copy", copy_id)
    mine = {
        "partner": partner.id,
        "record": copy_record.to_item(),
        "published_as": known.get("published_as") if known else None,
    }
    svc.state.put("copy", copy_id, mine)
    svc.index.add(copy_id, fp)
    items, groups = _gather(svc, copy_id, fp, mine)
    merged = merge_copies([_copy_of(items[m], ranks) for m in sorted(items)], rules)
    token = _lock(svc, merged.id)
    if token is None:
        raise Busy(
            partner.id, copy_record.syndicate.source_url, f"record {merged.id} is being merged by another ingest"
        )
    try:
        late = False
        for member, _ in svc.state.query(f"members#{merged.id}"):
            if member not in items and (item := svc.state.get("copy", member)) is not None:
                items[member] = item
                late = True
        if late:  # a concurrent ingest joined this record since we gathered: merge with it too
            merged = merge_copies([_copy_of(items[m], ranks) for m in sorted(items)], rules)
        for member in sorted(items):
            svc.state.put("copy", member, {**items[member], "published_as": merged.id})
            svc.state.put(f"members#{merged.id}", member, {"at": _iso(svc)})
        for group in sorted(groups - {merged.id}):
            _retire(svc, group)
        return _store_record(svc, merged)
    finally:
        _unlock(svc, merged.id, token)


def _retire(svc: Services, record_id: str) -> None:
    """A record merged into another one: out of the index; the next publish drops it."""
    for member, _ in svc.state.query(f"members#{record_id}"):
        svc.state.delete(f"members#{record_id}", member)
    svc.state.delete("record", record_id)
    svc.store.delete(f"records/{record_id}.json")
    svc.state.put("pending", record_id, {"at": _iso(svc), "retired": True})


def _store_record(svc: Services, record: Record) -> IngestResult:
    ext = record.syndicate
    known = svc.state.get("record", record.id)
    # What a reader would see change: everything but the bookkeeping of when and how often.
    visible = record.to_item()
    visible.pop("date_modified", None)
    bookkeeping = visible.get("_syndicate")
    if isinstance(bookkeeping, dict):
        for key in ("fetched_at", "version"):
            bookkeeping.pop(key, None)
    fingerprint = hashlib.sha256(json.dumps(visible, sort_keys=True).encode()).hexdigest()
    if known and known.get("fingerprint") == fingerprint:
        return IngestResult(record.id, False, ext.source_url, ext.partner)
    if known:
        record.syndicate.version = int(known.get("version", 1)) + 1
        record.date_modified = ext.fetched_at
    svc.store.put(f"records/{record.id}.json", json.dumps(record.to_item(), ensure_ascii=False).encode("utf-8"))
    meta = {
        "partner": ext.partner,
        "date_published": record.date_published,
        "version": ext.version,
        "fingerprint": fingerprint,
    }
    svc.state.put("record", record.id, meta)
    svc.state.put("pending", record.id, {"at": ext.fetched_at})
    return IngestResult(record.id, True, ext.source_url, ext.partner)


class PublishConflict(RuntimeError):
    """Other publishers kept moving the pointer files; this publish gave up (the next one repairs)."""


def publish_pending(svc: Services, *, attempts: int = 5) -> PublishReport:
    """Rebuild the published feeds when the record index differs from what was last published.

    Immutable content-addressed pages are written first, the small first pages (the
    pointers) last and only conditionally (If-Match on the ETag read before the index was
    read), so a publish that raced another one and lost rebuilds from the newer index rather
    than overwriting it: two publishes at once cannot lose an item. A crash anywhere between
    a record write and a publish is repaired by the next publish, because what it compares is
    the whole index with the digest of what was last published, not only the pending marks.
    """
    for _ in range(attempts):
        try:
            return _publish_once(svc)
        except PreconditionFailed as exc:
            log.info("publish lost a race on %s; rebuilding from the newer index", exc.key)
    raise PublishConflict(f"gave up after {attempts} attempts: the pointer files kept changing")


def _feed_specs(svc: Services) -> list[tuple[str, str, str | None, str | None, str | None]]:
    """(first key, title, partner id or None for all, home page, description) of every feed."""
    title = svc.settings.feed_title
    specs: list[tuple[str, str, str | None, str | None, str | None]] = [
        ("feed.json", title, None, None, "Articles republished from our partners, with attribution.")
    ]
    for partner in svc.registry.partners:
        specs.append((f"feeds/{partner.id}.json", f"{partner.name} via {title}", partner.id, partner.homepage, None))
    return specs


def _partners_of(item: dict[str, Any]) -> set[str]:
    """A merged record appears in the feed of every partner that published a copy."""
    ext = item.get("_syndicate", {})
    return {ext.get("partner"), *(p.get("partner") for p in ext.get("also_published_at", []))}


def _get_retrying(svc: Services, key: str, attempts: int = 4) -> bytes | None:
    """Reads are idempotent: retry a few times so one flaky read does not sink a whole publish."""
    for attempt in range(attempts):
        try:
            return svc.store.get(key)
        except StorageError:
            if attempt == attempts - 1:
                raise
    return None


def _publish_once(svc: Services) -> PublishReport:
    report = PublishReport()
    specs = _feed_specs(svc)
    pointers = {spec[0]: svc.store.get_with_etag(spec[0]) for spec in specs}
    pending = svc.state.query("pending")
    index = svc.state.query("record")
    digest = hashlib.sha256(
        json.dumps([[rid, meta.get("fingerprint")] for rid, meta in index] + [[s[0] for s in specs]]).encode()
    ).hexdigest()
    last = svc.state.get("publish", "last") or {}
    if not pending and last.get("digest") == digest and all(pointers.values()):
        return report
    items: list[dict[str, Any]] = []
    for record_id, _meta in index:
        raw = _get_retrying(svc, f"records/{record_id}.json")
        if raw is None:
            log.warning("record %s is indexed but its object is missing; skipped", record_id)
            continue
        items.append(json.loads(raw))
    settings = svc.settings
    written_keys: list[str] = []
    for first_key, title, partner_id, home, description in specs:
        mine = [i for i in items if partner_id is None or partner_id in _partners_of(i)]
        pages = build_feed_pages(
            mine,
            title=title,
            first_key=first_key,
            base_url=settings.public_base_url,
            page_size=settings.page_size,
            home_page_url=home,
            description=description,
        )
        for key, body in pages.items():
            written_keys.append(key)
            if key == first_key:
                continue
            if svc.store.get(key) is None:  # content-addressed: an existing key has these bytes
                svc.store.put(key, body, "application/feed+json")
                report.objects_written += 1
                report.keys.append(key)
        current = pointers[first_key]
        if current is None or current[0] != pages[first_key]:
            svc.store.put(
                first_key,
                pages[first_key],
                "application/feed+json",
                if_match=current[1] if current else None,
                if_none_match=current is None,
            )
            report.objects_written += 1
            report.keys.append(first_key)
    # Pages of the publish before the last one are unreachable now (readers that started on
    # the last generation may still be walking it): remove them.
    keep = set(written_keys) | set(last.get("keys", []))
    for spec in specs:
        stem = spec[0].removesuffix(".json") + "/"
        for key in svc.store.list_keys(stem):
            if key not in keep and "/" not in key[len(stem) :]:
                svc.store.delete(key)
    svc.state.put("publish", "last", {"digest": digest, "keys": sorted(written_keys), "at": _iso(svc)})
    for record_id, _ in pending:
        svc.state.delete("pending", record_id)
    report.published = True
    report.items = len(items)
    return report


def drain_queue(svc: Services) -> tuple[list[IngestResult], list[Failure]]:
    """Ingest every message waiting in the queue (the local run's stand-in for SQS->Lambda).

    A failed message stays in the queue for a later retry until it has been received
    MAX_RECEIVES times; then it is parked under the `dead` partition with its reason.
    """
    results: list[IngestResult] = []
    failures: list[Failure] = []
    while True:
        batch = svc.queue.receive(10)
        if not batch:
            break
        for msg in batch:
            try:
                results.append(ingest_message(svc, msg.body))
            except IngestError as exc:
                failures.append(Failure("ingest", exc.partner, exc.url, exc.reason))
                if msg.receive_count >= MAX_RECEIVES:
                    log.error("message %s dead-lettered after %d receives: %s", msg.message_id, msg.receive_count, exc)
                    svc.state.put(
                        "dead", msg.message_id, {"body": msg.body, "reason": str(exc), "receives": msg.receive_count}
                    )
                    svc.queue.delete(msg.receipt)
                continue
            svc.queue.delete(msg.receipt)
    return results, failures


def run(svc: Services, *, force: bool = False) -> RunReport:
    """poll, ingest everything queued, publish: the whole pipeline once."""
    poll = poll_once(svc, force=force)
    ingested, ingest_failures = drain_queue(svc)
    publish = publish_pending(svc)
    return RunReport(poll=poll, ingested=ingested, publish=publish, failures=poll.failures + ingest_failures)
