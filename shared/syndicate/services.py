"""The bundle of ports and settings a pipeline run works with.

Built once per process by `syndicate.runtime` (from CLI flags or a Lambda's environment)
and handed to every stage in `syndicate.pipeline`. Nothing here knows which backend is in
use, and nothing here imports boto3: the adapters and the handlers are the only places that
do (tests/unit/test_import_rule.py checks it in a fresh interpreter).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .clock import utcnow
from .feeds.schedule import BackoffPolicy
from .ports import ObjectStore, Queue, StateStore
from .state import State

if TYPE_CHECKING:
    from .dedup.index import LshIndex
    from .fetch.client import HttpClient
    from .registry import Registry
    from .search import SearchIndex

#: Seconds left before the current invocation must be done (Lambda's remaining time).
Deadline = Callable[[], float]
#: `run(message=<dict>, deadline=<Deadline>) -> dict`: ingest of one message, as plain data.
IngestRun = Callable[..., dict[str, Any]]
#: Wraps an IngestRun so each message is processed once (powertools Idempotency, from adapters/).
IngestGuard = Callable[[IngestRun, Deadline], IngestRun]

__all__ = ["Deadline", "IngestGuard", "IngestRun", "Services", "Settings"]


@dataclass
class Settings:
    """Knobs that are not partner knowledge (that lives in the registry)."""

    public_base_url: str = "http://localhost:8000/"
    page_size: int = 50
    feed_title: str = "syndicate"
    summary_chars: int = 400
    #: the search API the embed (site/) queries: the SearchFunction's URL in the cloud
    search_url: str | None = None


@dataclass
class Services:
    """Everything a stage needs: the registry, the three ports, the HTTP client, settings.

    `registry_source`, when set, is asked for the registry on every use (it reloads the file or
    object when it changes), so a long-lived process picks up a partner added without a
    redeploy; otherwise `registry` is fixed.
    """

    registry: Registry
    store: ObjectStore  # what readers see: feeds and records (`public/` in the bucket)
    private: ObjectStore  # what only the pipeline reads: copies' records, raw pages (`private/`)
    state: StateStore
    queue: Queue
    http: HttpClient
    settings: Settings = field(default_factory=Settings)
    publish_queue: Queue | None = None
    dead_letter_queue: Queue | None = None
    backoff: BackoffPolicy = field(default_factory=BackoffPolicy)
    #: powertools Idempotency persistence layer for ingest (opaque here: built in adapters/)
    idempotency: Any = None
    #: applies that persistence around one ingest (None: no idempotency, e.g. in unit tests)
    ingest_guard: IngestGuard | None = None
    #: near-duplicate index (MinHash/LSH over the state table); built on first use
    index_workers: int = 1
    clock: Callable[[], datetime] = utcnow
    registry_source: Callable[[], Registry] | None = None
    #: the search index publish updates and the search API reads (None: no search)
    search: SearchIndex | None = None
    _index: Any = field(default=None, repr=False)
    _db: State | None = field(default=None, repr=False)

    @property
    def index(self) -> LshIndex:
        if self._index is None or self._index.state is not self.state:
            from .dedup.index import LshIndex

            self._index = LshIndex(self.state, workers=self.index_workers)
        return self._index

    @property
    def db(self) -> State:
        """The state table's repositories (state/), over whatever `state` is now."""
        if self._db is None or self._db.table is not self.state:
            self._db = State(self.state)
        return self._db

    def current_registry(self) -> Registry:
        """The registry as it is now (reloaded by `registry_source` when it changed)."""
        if self.registry_source is not None:
            self.registry = self.registry_source()
        return self.registry

    def now(self) -> datetime:
        return self.clock()
