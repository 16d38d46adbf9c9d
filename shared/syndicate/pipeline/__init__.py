"""The pipeline's stages, used alike by the Lambda handlers and the CLI. One stage a module:

    poll.py     feeds that are due -> conditional GET -> entries -> ArticleQueue (new/changed only)
    ingest.py   one queue message -> fetch page -> extract -> attribute -> merge
    merge.py    a copy + its near-duplicates -> one record, stored under a lease
    publish.py  record index -> JSON Feed pages (all partners and per partner)
    worker.py   the local queue worker, redrive, and `run` (poll + ingest all + publish)
    raw.py      the raw page store: each fetched page kept (gzip) for reprocess
    reprocess.py  stored pages -> extract again with today's registry -> merge -> publish

Each stage reports what it did and what failed as plain data; one broken feed or page is a
`Failure` in the report, never an exception that stops the others. State goes through the
repositories of `syndicate.state`, objects and messages through the ports.
"""

from .failure import Failure
from .ingest import Busy, IngestError, IngestResult, ingest_article, ingest_message, page_record, worker_deadline
from .merge import LEASE_SECONDS, MergeBusy
from .poll import PollReport, Skipped, backfill, entry_hash, poll_once
from .publish import PublishConflict, PublishReport, publish_pending
from .reprocess import ReprocessOutcome, ReprocessReport, iter_reprocess, parse_since, reprocess
from .worker import (
    MAX_RECEIVES,
    ParkedMessage,
    RunReport,
    dead_letter_for,
    drain_queue,
    is_permanent,
    parked_messages,
    redrive,
    run,
)

__all__ = [
    "LEASE_SECONDS",
    "MAX_RECEIVES",
    "Busy",
    "Failure",
    "IngestError",
    "IngestResult",
    "MergeBusy",
    "ParkedMessage",
    "PollReport",
    "PublishConflict",
    "PublishReport",
    "ReprocessOutcome",
    "ReprocessReport",
    "RunReport",
    "Skipped",
    "backfill",
    "dead_letter_for",
    "drain_queue",
    "entry_hash",
    "ingest_article",
    "ingest_message",
    "is_permanent",
    "iter_reprocess",
    "page_record",
    "parked_messages",
    "parse_since",
    "poll_once",
    "publish_pending",
    "redrive",
    "reprocess",
    "run",
    "worker_deadline",
]
