"""What the last publish wrote (`publish` / `last`): the digest of the index it published and
the page keys it wrote, so the next publish knows when nothing changed and which old page
generation readers may still be walking."""

from __future__ import annotations

from dataclasses import dataclass, field

from ._partition import Partition

PUBLISH_PK = "publish"
LAST_SK = "last"


@dataclass
class PublishMark:
    digest: str
    keys: list[str] = field(default_factory=list)
    at: str = ""


class PublishMarks(Partition[PublishMark]):
    pk = PUBLISH_PK
    shape = PublishMark

    def last(self) -> PublishMark | None:
        return self.get(LAST_SK)

    def put_last(self, mark: PublishMark) -> None:
        self.put(LAST_SK, mark)


FEED_PK = "pubfeed"
PUBLISHED_PK = "pubrec"


@dataclass
class FeedManifest:
    """One feed's page layout, what a publish reads instead of walking the feed's pages.

    Items get a *slot* per feed when first published (arrival order, never reused); archive
    page k (1 = the oldest) holds slots [(k-1)*page_size, k*page_size) and never changes
    except when one of its records is updated or retired. `pages[k-1]` is the content hash
    in page k's key (`<stem>/archive-<k:06d>-<hash>.json`); `head` record id -> slot
    on the head page (slots from len(pages)*page_size on); `head_digest` the SHA-256 of the
    head object as written, so a publish that finds another head knows this manifest is
    stale (a crash between the two writes, or a writer without the lease) and rebuilds.
    `garbage`: [key, superseded at] of old page generations, deleted after a grace period.
    """

    page_size: int
    next_slot: int = 0
    items: int = 0
    pages: list[str] = field(default_factory=list)
    head: dict[str, int] = field(default_factory=dict)
    head_digest: str = ""
    garbage: list[list[str]] = field(default_factory=list)


class FeedManifests(Partition[FeedManifest]):
    """`pubfeed` / feed stem (`feed`, `feeds/<partner>`) -> FeedManifest."""

    pk = FEED_PK
    shape = FeedManifest


@dataclass
class PublishedRecord:
    """The compact index of a published record: where it sits in each feed that shows it.

    `slots`: feed stem -> the record's slot in that feed (its page follows from the feed's
    page size); `fingerprint`: the record index's fingerprint when it was published, so a
    reconciling publish finds records whose change was never marked pending.
    """

    date_published: str | None = None
    partners: list[str] = field(default_factory=list)
    fingerprint: str = ""
    slots: dict[str, int] = field(default_factory=dict)


class PublishedRecords(Partition[PublishedRecord]):
    """`pubrec` / record id -> PublishedRecord."""

    pk = PUBLISHED_PK
    shape = PublishedRecord
