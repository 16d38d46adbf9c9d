"""The bundle of ports and settings a pipeline run works with.

Built once per process by `syndicate.runtime` (from CLI flags or a Lambda's environment)
and handed to every stage function in `syndicate.pipeline`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer

from .feeds.schedule import BackoffPolicy
from .ports import ObjectStore, Queue, StateStore

if TYPE_CHECKING:
    from .dedup.index import LshIndex
    from .fetch.client import HttpClient
    from .registry import Registry


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Settings:
    """Knobs that are not partner knowledge (that lives in the registry)."""

    public_base_url: str = "http://localhost:8000/"
    page_size: int = 50
    feed_title: str = "syndicate"
    summary_chars: int = 400


@dataclass
class Services:
    registry: Registry
    store: ObjectStore
    state: StateStore
    queue: Queue
    http: HttpClient
    settings: Settings = field(default_factory=Settings)
    publish_queue: Queue | None = None
    dead_letter_queue: Queue | None = None
    backoff: BackoffPolicy = field(default_factory=BackoffPolicy)
    #: powertools Idempotency persistence for ingest (DynamoDB in the cloud, the state table locally)
    idempotency: BasePersistenceLayer | None = None
    #: near-duplicate index (MinHash/LSH over the state table); built on first use
    index_workers: int = 1
    _index: Any = None
    #: the current Lambda invocation's context, when there is one (set by the handler)
    lambda_context: Any = None
    clock: Callable[[], datetime] = utcnow

    @property
    def index(self) -> LshIndex:
        if self._index is None:
            from .dedup.index import LshIndex

            self._index = LshIndex(self.state, workers=self.index_workers)
        return self._index

    def now(self) -> datetime:
        return self.clock()
