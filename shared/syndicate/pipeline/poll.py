"""Poll: feeds that are due -> conditional GET -> entries -> ArticleQueue (new or changed only).

Each feed's health (schedule, backoff, validators) is read from and written to the state
table; a 304, or a body identical to the last one, costs no parsing and queues nothing. A
storage failure while polling one feed is that feed's failure, never the run's.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from ..clock import iso_z
from ..dedup.urls import canonicalize_url
from ..feeds import schedule
from ..feeds.parse import FeedError, parse_feed
from ..fetch import FetchError
from ..model import ArticleMessage, FeedEntry
from ..ports import StorageError
from ..registry import FeedConfig, Partner, Registry
from ..services import Services
from ..state import FeedHealth, SeenEntry
from .failure import Failure

log = logging.getLogger("syndicate.pipeline.poll")


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


def entry_hash(entry: FeedEntry) -> str:
    """What makes an entry 'changed': its link, title, dates and summary."""
    basis = json.dumps([entry.url, entry.title, entry.published, entry.updated, entry.summary], ensure_ascii=False)
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()


def poll_once(svc: Services, *, respect_schedule: bool = False, force: bool = False) -> PollReport:
    """Poll every feed in the registry once; enqueue entries that are new or changed.

    Feeds in backoff (after failures, a Retry-After or a 403) are skipped unless `force`;
    `respect_schedule` (the Lambda poller) also skips feeds polled less than their
    `poll_minutes` ago.
    """
    report = PollReport()
    registry = svc.current_registry()
    for partner in registry.partners:
        for feed in partner.feeds:
            try:
                _poll_feed(svc, registry, partner, feed, report, respect_schedule=respect_schedule, force=force)
            except StorageError as exc:  # our storage, not the feed, failed: the other feeds go on
                report.failures.append(Failure("poll", partner.id, feed.url, f"storage error: {exc}"))
    return report


def _poll_feed(
    svc: Services,
    registry: Registry,
    partner: Partner,
    feed: FeedConfig,
    report: PollReport,
    *,
    respect_schedule: bool,
    force: bool,
) -> None:
    now = svc.now()
    health = _health(svc, feed.url, partner.id)
    wait = schedule.due(health, now, respect_schedule=respect_schedule, force=force)
    if wait:
        report.skipped.append(Skipped(partner.id, feed.url, wait))
        return
    try:
        result = svc.http.get_feed(feed.url, etag=health.etag, last_modified=health.last_modified)
        report.feeds_polled += 1
        digest = None if result.not_modified else hashlib.sha256(result.body).hexdigest()
        if result.not_modified or digest == health.body_sha256:
            report.feeds_not_modified += 1
            health = schedule.after_success(
                health,
                now,
                feed.poll_minutes,
                last_status=result.status,
                etag=result.etag or health.etag,
                last_modified=result.last_modified or health.last_modified,
            )
            svc.db.feeds.put(feed.url, health)
            return
        entries = parse_feed(result.body, feed.url, result.headers.get("content-type"))
    except (FetchError, FeedError) as exc:
        status = getattr(exc, "status", None)
        report.failures.append(Failure("poll", partner.id, feed.url, exc.reason))
        health = schedule.after_failure(
            health,
            now,
            reason=exc.reason,
            status=status,
            retry_after=getattr(exc, "retry_after", None),
            blocked=getattr(exc, "kind", "") == "blocked" or status == 403,
            policy=svc.backoff,
        )
        svc.db.feeds.put(feed.url, health)
        return
    enqueue_new(svc, registry, partner, feed.url, entries, report)
    health = schedule.after_success(
        health,
        now,
        feed.poll_minutes,
        etag=result.etag,
        last_modified=result.last_modified,
        last_status=result.status,
        items_seen=len(entries),
        body_sha256=digest,
    )
    svc.db.feeds.put(feed.url, health)


def _health(svc: Services, feed_url: str, partner_id: str) -> FeedHealth:
    """The feed's health; a failed read only costs politeness (we poll as if it were new)."""
    try:
        known = svc.db.feeds.get(feed_url)
    except StorageError as exc:
        log.warning("reading the health of %s failed, carrying on without it: %s", feed_url, exc)
        known = None
    health = known or FeedHealth()
    health.partner = partner_id
    return health


def _seen(svc: Services, canonical: str) -> SeenEntry | None:
    """The entry as last queued; a failed read counts as new (a duplicate message is harmless)."""
    try:
        return svc.db.entries.get(canonical)
    except StorageError as exc:
        log.warning("reading entry %s failed, queueing it again: %s", canonical, exc)
        return None


def enqueue_new(
    svc: Services, registry: Registry, partner: Partner, feed_url: str, entries: list[FeedEntry], report: PollReport
) -> None:
    """Queue the entries that are new or changed since we last saw them (by canonical URL).

    An entry linking outside the partner's own site (its homepage, host aliases) is refused
    as a failure naming it: a partner's feed cannot republish another site's article under
    its name and licence, nor touch another partner's record (DESIGN's rights rules).
    """
    report.entries_seen += len(entries)
    rules = registry.url_rules()
    fresh: list[ArticleMessage] = []
    for entry in entries:
        canonical = canonicalize_url(entry.url, rules)
        if registry.partner_for_url(canonical) is not partner:
            reason = f"entry links outside {partner.name}'s site ({partner.homepage}): refused"
            report.failures.append(Failure("poll", partner.id, entry.url, reason))
            continue
        digest = entry_hash(entry)
        seen = _seen(svc, canonical)
        if seen and seen.entry_hash == digest:
            continue
        message = ArticleMessage(
            partner=partner.id, feed_url=feed_url, canonical_url=canonical, entry=entry, entry_hash=digest
        )
        fresh.append(message)
    if not fresh:
        return
    svc.queue.send([m.model_dump_json() for m in fresh])
    report.enqueued += len(fresh)
    at = iso_z(svc.now())
    for message in fresh:
        try:
            svc.db.entries.put(message.canonical_url, SeenEntry(message.entry_hash, partner.id, at))
        except StorageError as exc:  # the entry is queued; the next poll may queue it again, harmlessly
            log.warning("could not mark %s as seen: %s", message.canonical_url, exc)


def backfill(svc: Services, partner_id: str, pages: int) -> PollReport:
    """Walk a partner's WordPress feed pages `?paged=2..pages` and queue what is new.

    Feeds carry only the latest items; older ones are reachable page by page. A 404 is the
    end of the archive, not a failure. Feed health (ETag, schedule) is left alone.
    """
    report = PollReport()
    registry = svc.current_registry()
    partner = registry.partner(partner_id)
    for feed in partner.feeds:
        for page in range(2, pages + 1):
            joiner = "&" if "?" in feed.url else "?"
            url = f"{feed.url}{joiner}paged={page}"
            try:
                result = svc.http.get_feed(url)
                report.feeds_polled += 1
                entries = parse_feed(result.body, url, result.headers.get("content-type"))
            except (FetchError, FeedError) as exc:
                if not (isinstance(exc, FetchError) and getattr(exc, "status", None) == 404):
                    report.failures.append(Failure("backfill", partner.id, url, exc.reason))
                break
            if not entries:
                break
            enqueue_new(svc, registry, partner, feed.url, entries, report)
    return report
