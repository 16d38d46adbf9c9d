"""Feed health (`feed` / feed URL) and the entries already queued (`entry` / canonical URL)."""

from __future__ import annotations

from dataclasses import dataclass

from ..ports import StateStore
from ._item import from_item, to_item

FEED_PK = "feed"
ENTRY_PK = "entry"


@dataclass
class FeedHealth:
    """How polling one feed went: what `syndicate status` shows and the schedule decides on.

    Timestamps are ISO 8601 UTC strings (`clock.iso_z`); `etag`/`last_modified` are the
    validators for the next conditional GET; `body_sha256` lets an unchanged 200 cost nothing.
    """

    partner: str = ""
    last_poll: str | None = None
    last_status: int | None = None
    last_error: str | None = None
    failures: int = 0
    blocked: bool = False
    backoff_until: str | None = None
    next_poll: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    items_seen: int | None = None
    body_sha256: str | None = None


class FeedHealthTable:
    def __init__(self, table: StateStore) -> None:
        self.table = table

    def get(self, feed_url: str) -> FeedHealth | None:
        item = self.table.get(FEED_PK, feed_url)
        return None if item is None else from_item(FeedHealth, item)

    def put(self, feed_url: str, health: FeedHealth) -> None:
        self.table.put(FEED_PK, feed_url, to_item(health))


@dataclass
class SeenEntry:
    """An entry queued for ingest, and the hash of the version that was queued."""

    entry_hash: str
    partner: str
    seen_at: str


class SeenEntries:
    def __init__(self, table: StateStore) -> None:
        self.table = table

    def get(self, canonical_url: str) -> SeenEntry | None:
        item = self.table.get(ENTRY_PK, canonical_url)
        return None if item is None else from_item(SeenEntry, item)

    def put(self, canonical_url: str, entry: SeenEntry) -> None:
        self.table.put(ENTRY_PK, canonical_url, to_item(entry))
