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

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names below load on first use (see __getattr__); mypy sees them here
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

#: Where each public name lives. A handler touches only its own stage, so importing this
#: package loads nothing: poll need not import trafilatura, nor publish feedparser and
#: httpx (issue 13, cold starts).
_HOME = {
    "Failure": "failure",
    "Busy": "ingest", "IngestError": "ingest", "IngestResult": "ingest", "ingest_article": "ingest",
    "ingest_message": "ingest", "page_record": "ingest", "worker_deadline": "ingest",
    "LEASE_SECONDS": "merge", "MergeBusy": "merge",
    "PollReport": "poll", "Skipped": "poll", "backfill": "poll", "entry_hash": "poll", "poll_once": "poll",
    "PublishConflict": "publish", "PublishReport": "publish", "publish_pending": "publish",
    "ReprocessOutcome": "reprocess", "ReprocessReport": "reprocess", "iter_reprocess": "reprocess",
    "parse_since": "reprocess", "reprocess": "reprocess",
    "MAX_RECEIVES": "worker", "ParkedMessage": "worker", "RunReport": "worker", "dead_letter_for": "worker",
    "drain_queue": "worker", "is_permanent": "worker", "parked_messages": "worker", "redrive": "worker",
    "run": "worker",
}
_STAGES = {"failure", "ingest", "merge", "poll", "publish", "raw", "reprocess", "worker"}


def __getattr__(name: str) -> Any:
    """Load a stage (or a name of one) on first use and keep it, as a plain import would."""
    if name in _HOME:
        value = getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
    elif name in _STAGES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOME) | _STAGES)


class _Package(types.ModuleType):
    """`pipeline.reprocess` is the function, as it was when this package imported eagerly:
    loading the `reprocess` stage module must not rebind the name to the module."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "reprocess" and isinstance(value, types.ModuleType):
            value = value.reprocess
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

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
