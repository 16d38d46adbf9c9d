"""The local worker: drain the queue through ingest, redrive dead letters, and `run` the
whole pipeline once (poll, ingest everything queued, publish) — the local stand-in for
EventBridge -> poll Lambda -> SQS -> ingest Lambda -> publish Lambda.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

from ..services import Services
from ..state import DeadLetter
from .failure import Failure
from .ingest import IngestError, IngestResult, ingest_message
from .poll import PollReport, poll_once
from .publish import PublishReport, publish_pending

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


def drain_queue(svc: Services) -> tuple[list[IngestResult], list[Failure]]:
    """Ingest every message waiting in the queue (the local run's stand-in for SQS->Lambda).

    A failed message stays in the queue for a later retry until it has been received
    MAX_RECEIVES times; then it is parked as a dead letter with its reason.
    """
    results: list[IngestResult] = []
    failures: list[Failure] = []
    while batch := svc.queue.receive(10):
        for msg in batch:
            try:
                results.append(ingest_message(svc, msg.body))
            except IngestError as exc:
                failures.append(Failure("ingest", exc.partner, exc.url, exc.reason))
                if msg.receive_count >= MAX_RECEIVES:
                    log.error("message %s dead-lettered after %d receives: %s", msg.message_id, msg.receive_count, exc)
                    svc.db.dead.put(msg.message_id, DeadLetter(msg.body, str(exc), msg.receive_count))
                    svc.queue.delete(msg.receipt)
                continue
            svc.queue.delete(msg.receipt)
    return results, failures


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


def run(svc: Services, *, force: bool = False) -> RunReport:
    """poll, ingest everything queued, publish: the whole pipeline once."""
    poll = poll_once(svc, force=force)
    ingested, ingest_failures = drain_queue(svc)
    publish = publish_pending(svc)
    return RunReport(poll=poll, ingested=ingested, publish=publish, failures=poll.failures + ingest_failures)
