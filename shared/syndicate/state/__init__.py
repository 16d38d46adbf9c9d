"""The state table, one typed repository per partition: the table layout lives here only.

The state table is the hardest thing to change once deployed (items written by one version
are read by the next), so its layout is written down once, here, and every stage, command
and test reaches it through these repositories instead of spelling keys out. Each
repository owns its key scheme and its item shape (a dataclass with `to_item`/`from_item`).

The table is a `StateStore` (ports.py): DynamoDB in the cloud (hash key `pk`, range key
`sk`, the item as JSON text in `data`, sets as a String Set `members`), SQLite locally (the
same JSON text). DynamoDB limits an item to 400 KB; both adapters enforce that.

pk / sk -> item (typical size) ........................................ repository
`feed` / feed URL -> FeedHealth: last poll, status, failures, backoff,    feeds.FeedHealthTable
    blocked, ETag, Last-Modified, body digest, items seen (~0.5 KB)
`entry` / canonical entry URL -> SeenEntry: entry hash, partner,          feeds.SeenEntries
    seen at (~0.2 KB)
`copy` / copy id -> StoredCopy: partner, digest of the copy's record       copies.CopyTable
    (kept in the private object store, copies/<id>.json), the merged
    record it is published as (~0.2 KB)
`members#<record id>` / copy id -> Membership: when it joined (~0.1 KB)   copies.CopyTable
`record` / record id -> RecordMeta: partner, date, version, digest of     records.RecordIndex
    what a reader sees (~0.2 KB)
`raw` / copy id -> RawPageMeta: partner, final URL, fetched at, digest   raw.RawPages
    of the stored page and its inputs, sizes (the page itself is in the
    private object store, raw/<copy id>.html.gz) (~0.3 KB)
`pending` / record id -> PendingMark: changed at, retired? (~0.1 KB)      records.PendingMarks
`lock` / record id, or copy/<copy id> -> Lease: token, expiry in epoch   leases.Leases
    seconds (~0.1 KB)
`dead` / queue message id -> DeadLetter: body, reason, receives (~1 KB)   deadletters.DeadLetters
`publish` / `last` -> PublishMark: index digest, page keys written, at    publishing.PublishMarks
    (~0.1 KB + 60 B per page key)
`pubfeed` / feed stem (`feed`, `feeds/<partner>`) -> FeedManifest: page      publishing.FeedManifests
    size, next slot, item count, one content hash per archive page, the head
    page's record ids and slots, the head's digest, old page keys awaiting
    deletion (~0.3 KB + 20 B per archive page + 40 B per head item: 50,000
    records at 50 a page are 1,000 pages, ~22 KB; the 400 KB limit is reached
    near 18,000 pages, 900,000 records at 50 a page)
`pubrec` / record id -> PublishedRecord: date, partners, fingerprint, slot   publishing.PublishedRecords
    per feed that shows it (~0.2 KB)
`lsh#config` / `v1` -> the MinHash config and index layout (~0.2 KB)      lsh.LshTable
`lsh#b<band>#<bucket>` / `ids` -> a SET of copy ids in that band bucket   lsh.LshTable
    (~40 B per id; 32 bands per copy)
`lsh#doc#<copy id>` / `fp` -> fingerprint: signature, shingle hashes,     lsh.LshTable
    shingle count (~1-44 KB: at most 8,192 hashes, dedup/minhash.py)
`idempotency` / idempotency key -> powertools Idempotency record          (powertools, through
    (status, expiry, result; TTL attribute `expires_at`) (~0.5 KB)         adapters/idempotency.py)

Record ids and copy ids are 32 hex characters (`dedup.urls.record_id` of a canonical URL).
Anything that grows with an article's text lives in the object store, not here: the published
JSON (records, feed pages) under `public/`, each copy's own record under `private/`. The
contract suite (tests/contract/test_state.py) checks that ingesting a page at the size cap
leaves no item over a few tens of KB.

The object store (`ObjectStore` ports: S3 prefixes in the cloud, folders locally):

public/  (local: the out folder) what readers fetch
    feed.json, feed/<page>.json, feeds/<partner>.json, feeds/<partner>/<page>.json   JSON Feed pages
    records/<record id>.json           one published record
private/ (local: <out>/.state/private) what only the pipeline reads; never served
    copies/<copy id>.json              each copy's own record, before merging (`copies.copy_key`)
    raw/<copy id>.html.gz              the copy's source page as fetched, gzip: one line of JSON
                                       (final URL, partner, fetch time, content-type header, the
                                       queue message with the feed entry) then the page's bytes
                                       exactly as received (`raw.raw_key`, `pipeline.raw`); written
                                       by ingest when it changed, read by `syndicate reprocess`
config/partners.yaml (local: <out>/.state/config/)   the deployed registry (`syndicate config`)
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from ..ports import StateStore
from .copies import CopyTable, Membership, StoredCopy
from .deadletters import DeadLetter, DeadLetters
from .feeds import FeedHealth, FeedHealthTable, SeenEntries, SeenEntry
from .leases import Lease, Leases
from .lsh import LshTable
from .publishing import FeedManifest, FeedManifests, PublishedRecord, PublishedRecords, PublishMark, PublishMarks
from .raw import RawPageMeta, RawPages
from .records import PendingMark, PendingMarks, RecordIndex, RecordMeta

#: The partition powertools' Idempotency writes to (DynamoDB and local persistence layers).
IDEMPOTENCY_PK = "idempotency"

__all__ = [
    "IDEMPOTENCY_PK",
    "CopyTable",
    "DeadLetter",
    "DeadLetters",
    "FeedHealth",
    "FeedHealthTable",
    "FeedManifest",
    "FeedManifests",
    "Lease",
    "Leases",
    "LshTable",
    "Membership",
    "PendingMark",
    "PendingMarks",
    "PublishMark",
    "PublishMarks",
    "PublishedRecord",
    "PublishedRecords",
    "RawPageMeta",
    "RawPages",
    "RecordIndex",
    "RecordMeta",
    "SeenEntries",
    "SeenEntry",
    "State",
    "StoredCopy",
]


class State:
    """Every repository over one state table: what the stages use instead of raw keys."""

    def __init__(self, table: StateStore) -> None:
        self.table = table
        self.feeds = FeedHealthTable(table)
        self.entries = SeenEntries(table)
        self.copies = CopyTable(table)
        self.records = RecordIndex(table)
        self.pending = PendingMarks(table)
        self.leases = Leases(table)
        self.dead = DeadLetters(table)
        self.publish = PublishMarks(table)
        self.feeds_published = FeedManifests(table)
        self.published = PublishedRecords(table)
        self.lsh = LshTable(table)
        self.raw = RawPages(table)

    def batch(self) -> AbstractContextManager[None]:
        """`with db.batch():` the repositories' writes in the block go out together (StateStore.batch)."""
        return self.table.batch()

    def __repr__(self) -> str:
        return f"State({self.table!r})"
