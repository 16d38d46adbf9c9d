"""The search index port: what publish writes into and what the search API reads from.

A `SearchIndex` holds one `SearchDoc` per published record: the words a reader may search
(title, author names and the *republishable* text, never more than the record publishes)
and the fields results are filtered on (partner, author, date, licence). Two adapters are
meant to sit behind it: `search.tantivy_index` (tantivy segments as immutable objects in the
bucket, the default) and, for a deployment that outgrows one index, Amazon OpenSearch
(designed in docs/search.md, not built).

Writes are batched: `upsert` and `delete` queue changes, `commit` makes them visible to
readers at once (one new segment per commit in the tantivy adapter).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

__all__ = ["CommitReport", "SearchDoc", "SearchHit", "SearchIndex", "SearchQuery", "SearchResults"]


@dataclass(frozen=True)
class SearchDoc:
    """One record as the index sees it. `text` is only what the record republishes: the full
    text for `full`, the excerpt for `excerpt`, nothing for `link` (see search.documents)."""

    id: str
    title: str
    url: str
    authors: tuple[str, ...] = ()
    text: str = ""
    partner: str = ""
    #: the record's partner and every partner that published a copy (the partner filter)
    partners: tuple[str, ...] = ()
    licence: str = ""
    decision: str = "link"
    date: str | None = None  # ISO 8601, as published


@dataclass(frozen=True)
class SearchQuery:
    """Free text (the index's query syntax: words, "a phrase", -not) and exact filters."""

    text: str = ""
    partner: str | None = None
    author: str | None = None
    licence: str | None = None
    date_from: date | None = None  # inclusive, whole days (UTC)
    date_to: date | None = None  # inclusive
    offset: int = 0
    limit: int = 10


@dataclass(frozen=True)
class SearchHit:
    id: str
    title: str
    url: str
    authors: tuple[str, ...]
    date: str | None
    partner: str
    licence: str
    decision: str
    score: float
    #: plain text cut from the indexed (republishable) text only; "" for a link-only record
    snippet: str
    #: (start, end) character offsets into `snippet` of the words that matched
    highlights: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class SearchResults:
    total: int
    hits: list[SearchHit] = field(default_factory=list)


@dataclass
class CommitReport:
    """What one commit cost: objects and bytes written, and the index's shape afterwards."""

    upserted: int = 0
    deleted: int = 0
    objects_written: int = 0
    bytes_written: int = 0
    objects_deleted: int = 0
    segments: int = 0
    docs: int = 0
    attempts: int = 1


class SearchIndex(Protocol):
    """Upsert/delete by record id, commit, search. Implementations are safe to share between
    a writer and readers in other processes: a reader sees the last committed state."""

    def upsert(self, docs: Sequence[SearchDoc]) -> None:
        """Queue documents to add, replacing any with the same id."""
        ...

    def delete(self, ids: Sequence[str]) -> None:
        """Queue record ids to remove (a missing id is not an error)."""
        ...

    def commit(self) -> CommitReport:
        """Make the queued changes visible to readers (nothing queued: nothing written)."""
        ...

    def exists(self) -> bool:
        """Whether an index has ever been committed (a first update indexes every record)."""
        ...

    def search(self, query: SearchQuery) -> SearchResults:
        """Ranked hits, best first; no index yet means no hits."""
        ...
