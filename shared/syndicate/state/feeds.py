"""Feed health (`feed` / feed URL) and the entries already queued (`entry` / canonical URL)."""

from __future__ import annotations

from dataclasses import dataclass

from ._partition import Partition

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


class FeedHealthTable(Partition[FeedHealth]):
    """Keyed by the feed's URL as the registry gives it."""

    pk = FEED_PK
    shape = FeedHealth


@dataclass
class SeenEntry:
    """An entry queued for ingest, and the hash of the version that was queued."""

    entry_hash: str
    partner: str
    seen_at: str


class SeenEntries(Partition[SeenEntry]):
    """Keyed by the entry's canonical URL (never by its guid: guids are unique per site only)."""

    pk = ENTRY_PK
    shape = SeenEntry
