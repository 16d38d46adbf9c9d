"""The local worker: drain the queue through ingest, redrive dead letters, and `run` the
whole pipeline once (poll, ingest everything queued, publish) — the local stand-in for
EventBridge -> poll Lambda -> SQS -> ingest Lambda -> publish Lambda.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from ..ports import QueueMessage
from ..services import Services
from ..state import DeadLetter
from .failure import Failure
from .ingest import (
    IngestError,
    IngestResult,
    Prepared,
    extract_fetched,
    fetch_message,
    ingest_message,
    parse_message,
    worker_deadline,
)

if TYPE_CHECKING:  # run() imports them: the ingest handler uses this module but neither stage
    from .poll import PollReport
    from .publish import PublishReport

log = logging.getLogger("syndicate.pipeline.worker")

#: Deliveries of one message before the local worker dead-letters it (the template's maxReceiveCount).
MAX_RECEIVES = 5


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


#: Marks a dead letter parked at once because retrying could not help (see `is_permanent`).
PERMANENT_PREFIX = "permanent: "


def dead_letter_for(body: str, error: IngestError, receives: int) -> DeadLetter:
    """The dead letter of a failed message; a permanent failure's reason says so.

    The state table's `dead` items keep their layout (body, reason, receives): the reason is
    the one place a permanent failure can be told from a message that ran out of retries.
    """
    prefix = PERMANENT_PREFIX if error.permanent else f"gave up after {receives} receives: "
    return DeadLetter(body, prefix + str(error), receives)


def is_permanent(letter: DeadLetter) -> bool:
    """True for a dead letter parked at once because retrying could not help."""
    return letter.reason.startswith(PERMANENT_PREFIX)


@dataclass
class ParkedMessage:
    """A dead letter as `syndicate status` shows it: whose feed, which page, why."""

    message_id: str
    partner: str
    feed_url: str
    url: str
    reason: str
    permanent: bool
    receives: int


def parked_messages(svc: Services) -> list[ParkedMessage]:
    """Every dead letter in the state table, with the partner, feed and page its body names
    ("?" for a body that is not a readable ArticleMessage)."""
    parked: list[ParkedMessage] = []
    for message_id, letter in svc.db.dead.all():
        try:
            body = json.loads(letter.body)
            partner, feed_url = str(body.get("partner", "?")), str(body.get("feed_url", "?"))
            url = str((body.get("entry") or {}).get("url", "?"))
        except (ValueError, AttributeError):
            partner = feed_url = url = "?"
        reason = letter.reason.removeprefix(PERMANENT_PREFIX)
        parked.append(ParkedMessage(message_id, partner, feed_url, url, reason, is_permanent(letter), letter.receives))
    return parked


#: Told about each message's outcome as it happens (a progress display, a counter).
OnItem = Callable[[IngestResult | Failure], None]


def _ignore(_outcome: IngestResult | Failure) -> None:
    return None


def drain_queue(
    svc: Services, on_item: OnItem = _ignore, *, workers: int = 1
) -> tuple[list[IngestResult], list[Failure]]:
    """Ingest every message waiting in the queue (the local run's stand-in for SQS->Lambda).

    A permanent failure (`IngestError.permanent`: a 404, robots.txt, an invalid or refused
    URL...) is parked as a dead letter with its reason on the first receive. Any other failed
    message stays in the queue for a later retry until it has been received MAX_RECEIVES
    times; then it is parked too.

    `workers` > 1 pipelines the drain: pages are fetched by threads (the HTTP client's
    per-host politeness limits still hold) while earlier pages are extracted by a pool of
    `workers` processes, and every message is then merged and stored in this process in the
    order it was received, so the records are the same as with one worker.
    """
    results: list[IngestResult] = []
    failures: list[Failure] = []

    def ingest(msg: QueueMessage, prepared: Prepared | None) -> None:
        try:
            result = ingest_message(svc, msg.body, prepared=prepared)
        except IngestError as exc:
            on_item(_settle_failure(svc, msg, exc, failures))
            return
        results.append(result)
        on_item(result)
        svc.queue.delete(msg.receipt)

    if workers <= 1:
        while batch := svc.queue.receive(10):
            for msg in batch:
                ingest(msg, None)
        return results, failures
    with _Prefetcher(svc, workers) as prefetch:
        batch = prefetch.start(svc.queue.receive(10))
        while batch:
            after = prefetch.start(svc.queue.receive(10))  # the next window is on its way meanwhile
            for msg in batch:
                ingest(msg, prefetch.result(msg))
            batch = after
    return results, failures


def _settle_failure(svc: Services, msg: QueueMessage, exc: IngestError, failures: list[Failure]) -> Failure:
    park = exc.permanent or msg.receive_count >= MAX_RECEIVES
    failure = Failure(
        "ingest",
        exc.partner,
        exc.url,
        exc.reason,
        permanent=exc.permanent,
        dead_lettered=park and not exc.permanent,
        kind=exc.kind,
    )
    failures.append(failure)
    if park:
        if exc.permanent:
            log.warning("message %s failed permanently, dead-lettered: %s", msg.message_id, exc)
        else:
            log.error("message %s dead-lettered after %d receives: %s", msg.message_id, msg.receive_count, exc)
        svc.db.dead.put(msg.message_id, dead_letter_for(msg.body, exc, msg.receive_count))
        svc.queue.delete(msg.receipt)
    return failure


#: Concurrent page fetches; the client's per-host limit (2 in flight) still applies per host.
_FETCH_THREADS = 8


def _warm_up() -> None:
    """Import trafilatura and the profiles in a new extraction worker before its first page."""
    from ..extract.profiles import get_profile

    get_profile(None)


def _extraction_pool(workers: int) -> ProcessPoolExecutor:
    """`workers` extraction processes, all started before this returns.

    Forked when this process runs no other thread and the platform can: a child starts with
    the extraction code this process has imported already, where a spawned one spends about
    0.7 s of CPU importing it again (on 2 cores, two such starts cost a 200-page run about a
    sixth of its time; issue 13). The processes are started here, before the fetch threads
    exist; with any other thread running (a progress display's refresh, a test's server, a
    native library's pool) a child could inherit a lock that thread held at the fork, such as
    a stream's, so then they are spawned, and each imports the extraction code once and keeps it.
    """
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() and _single_threaded() else "spawn"
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method), initializer=_warm_up)
    for started in [pool.submit(_warm_up) for _ in range(workers)]:
        started.result()
    return pool


def _single_threaded() -> bool:
    """True when this process runs one thread, native ones counted (Linux's /proc); False
    when that cannot be told."""
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


class _Prefetcher:
    """Fetch (threads) and extract (processes) the messages of a window ahead of the merges."""

    def __init__(self, svc: Services, workers: int) -> None:
        self.svc = svc
        self.extractors = _extraction_pool(workers)
        self.fetchers = ThreadPoolExecutor(_FETCH_THREADS, thread_name_prefix="syndicate-fetch")
        self.pending: dict[str, Future[Prepared]] = {}
        # the workers fingerprint each copy as the index would (built here, in one thread)
        self.fingerprint_with = (svc.index.config, frozenset(svc.index.ignore_shingles))

    def __enter__(self) -> _Prefetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        for future in self.pending.values():
            future.cancel()
        self.fetchers.shutdown(wait=True, cancel_futures=True)
        self.extractors.shutdown(wait=True, cancel_futures=True)

    def start(self, batch: list[QueueMessage]) -> list[QueueMessage]:
        for msg in batch:
            self.pending[msg.receipt] = self.fetchers.submit(self._fetch_and_extract, msg.body)
        return batch

    def _fetch_and_extract(self, body: str) -> Prepared:
        try:
            message = parse_message(body)
            fetched = fetch_message(self.svc, message, worker_deadline())
        except IngestError as exc:
            return Prepared(error=exc)
        return self.extractors.submit(extract_fetched, fetched, self.fingerprint_with).result()

    def result(self, msg: QueueMessage) -> Prepared | None:
        """The message's prepared page; None (ingest fetches it itself) if preparing broke."""
        future = self.pending.pop(msg.receipt, None)
        if future is None:
            return None
        try:
            return future.result()
        except Exception:  # a worker that died, a pickling problem: fall back to the inline path
            log.exception("preparing message %s in the background failed; ingesting it inline", msg.message_id)
            return None


def redrive(svc: Services) -> int:
    """Put dead-lettered ingest messages back on the queue (after a fix); returns how many.

    Locally the dead letters are in the state table (with the reason each failed); in the
    cloud they are messages of the ArticleQueue's DLQ.
    """
    moved = 0
    if svc.dead_letter_queue is not None:
        while batch := svc.dead_letter_queue.receive(10):
            svc.queue.send([m.body for m in batch])
            for m in batch:
                svc.dead_letter_queue.delete(m.receipt)
            moved += len(batch)
    for message_id, letter in svc.db.dead.all():
        svc.queue.send([letter.body])
        svc.db.dead.delete(message_id)
        moved += 1
    return moved


def run(
    svc: Services,
    *,
    force: bool = False,
    on_item: OnItem = _ignore,
    expect: Callable[[int], None] | None = None,
    workers: int = 1,
) -> RunReport:
    """poll, ingest everything queued, publish: the whole pipeline once.

    `expect` hears how many messages the poll queued (a progress bar's total), `on_item`
    each message's outcome as it is ingested; `workers`: see drain_queue.
    """
    from .poll import poll_once
    from .publish import publish_pending

    poll = poll_once(svc, force=force)
    if expect is not None:
        expect(poll.enqueued)
    ingested, ingest_failures = drain_queue(svc, on_item, workers=workers)
    publish = publish_pending(svc)
    return RunReport(poll=poll, ingested=ingested, publish=publish, failures=poll.failures + ingest_failures)
