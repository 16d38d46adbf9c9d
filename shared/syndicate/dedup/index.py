"""The near-duplicate index: MinHash LSH bands kept in the state table.

Where it is kept: `state/lsh.py` (one set item per LSH band bucket, one fingerprint item per
document, the config item), under `namespace` ("lsh" by default).

`<bucket>` is a hash of the document's signature rows in that band, so documents that agree
on a whole band share a set. A lookup is then ONE `get_sets` of the 32 band keys (a single
DynamoDB BatchGetItem) plus one `get` per candidate to verify it, and an `add` one
`add_to_set` per band plus one `put` for the fingerprint: the cost of a lookup depends on how
many documents collide with this one, not on how many are stored. An earlier layout kept one
item per band per document and ran 32 queries per lookup: 32 round trips in DynamoDB, and a
full table scan each under moto. Keeping the bands in one object instead (rensa's in-memory
LSH, pickled) would mean reading and rewriting 100+ MB per article at 100,000 articles.

A bucket's set grows with the documents that share it; DynamoDB caps an item at 400 KB,
about 10,000 ids of 30 characters in one bucket. Only texts agreeing on a whole band (4
MinHash rows) share a bucket, so reaching that takes thousands of near-identical documents
(the same boilerplate stub indexed over and over); the store then refuses the add with a
StorageError rather than silently dropping the id.

Candidates are verified with the exact Jaccard similarity of the two shingle sets, so LSH's
false positives (different articles that happen to share a band) never become merges; its
false negatives (copies that share no band) are what the 32 x 4 banding keeps rare above
Jaccard 0.5.

Excerpts (the first paragraphs and a link to the rest) have a low Jaccard with their
original (a 40% excerpt about 0.4) though nearly every shingle of theirs is in it, and no
banding finds pairs that far down without drowning in different articles. So a document is
also filed under its containment keys (`minhash.containment_keys`: pairs of consecutive
content-chosen anchor shingles, at most 64): an excerpt shares the keys of the passage it
copied wherever it begins, and two different articles share one only where they share a
passage. They are read in the same `get_sets` as the bands (32 + 64 keys, one
BatchGetItem), and a candidate is a duplicate when its Jaccard is at least `min_jaccard`
or when the SMALLER text is at least `min_containment` contained in the larger one (a
shared quotation is a small share of the smaller text: docs/dedup.md has the measured
margin). A key already holding `HOT_KEY_MEMBERS` ids is a stock passage (boilerplate that
extraction left in, a much-quoted statement), not evidence: adds stop growing it and lookups
ignore it, which keeps reads per lookup, and the item, bounded.

Concurrency: adds are idempotent (set ADD) and write the fingerprint last, so a crash mid-add
leaves band members whose candidates are skipped (no fingerprint yet) and a retry completes it. Two
near-duplicates added at the same instant can miss each other (each looks up before the other
has written); the caller closes that gap with its own conditional writes or a reconcile pass.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple, TypeVar

from ..ports import StateStore
from ..state.lsh import LshTable
from .minhash import DEFAULT_CONFIG, Fingerprint, MinHashConfig, fingerprint

__all__ = [
    "DEFAULT_MIN_CONTAINMENT",
    "HOT_KEY_MEMBERS",
    "LAYOUT",
    "MIN_CONTAINED_SHINGLES",
    "MIN_SHARED_KEYS",
    "IndexConfigError",
    "LshIndex",
    "Match",
]

# Exact Jaccard at or above which a candidate is a near-duplicate. Cross-posts measured here
# have a median of 0.81 (10th percentile 0.68) after normalization; different articles on one
# topic stay at or below about 0.1. 0.5 sits where the 32 x 4 banding still finds nearly all
# pairs and far above anything unrelated.
DEFAULT_MIN_JACCARD = 0.5

# Share of the smaller text contained in the larger at or above which the two are one
# article (an excerpt, or a copy with a few paragraphs cut). Measured on the full bench
# (docs/dedup.md): partial copies median 0.88, p05 0.61, p01 0.43 (short excerpts carrying as
# much partner boilerplate as text); a different article quoting a paragraph at most 0.25;
# two unrelated short excerpts sharing only their partner's boilerplate up to 0.43.
DEFAULT_MIN_CONTAINMENT = 0.5

# A text needs this many shingles before its containment in another one decides anything: a
# two-sentence teaser is contained in its article, but also in anything quoting those lines.
MIN_CONTAINED_SHINGLES = 40

# A containment key shared by this many documents is a stock passage, not a copy.
HOT_KEY_MEMBERS = 32

# A document becomes a candidate through containment keys only when it shares this many of
# them with the text looked up: one or two shared keys are a shared sentence (stock phrasing,
# a quoted line), which on the bench's 20,000 generated articles made candidates, and so
# reads per lookup, grow with the index; four keep them flat while an excerpt shares its
# whole passage's keys (docs/dedup.md).
MIN_SHARED_KEYS = 4

# Stored with the config: an index written in the earlier one-item-per-band-per-document
# layout is refused ("rebuild the index") instead of silently finding nothing.
LAYOUT = "band-sets-v1"

_T = TypeVar("_T")
_R = TypeVar("_R")


class IndexConfigError(RuntimeError):
    """The stored index was built with another MinHash config (or another rensa hashing)."""


class Match(NamedTuple):
    """A stored document found to be a near-duplicate, with the exact Jaccard similarity and
    the share of the smaller of the two texts that the larger one contains."""

    doc_id: str
    jaccard: float
    containment: float = 0.0


class LshIndex:
    """Find and record near-duplicate documents, persisted in any `StateStore`.

    Typical use in ingest, per extracted article:

        fp = index.fingerprint(text)
        matches = index.find_duplicates(doc_id, fp)   # [(other_id, jaccard)], best first
        ... merge with matches[0].doc_id if any ...
        index.add(doc_id, fp)

    `ignore_shingles` (for example `text.common_shingles` of a partner's recent pages) are
    dropped from every fingerprint this index makes; it must be the same set for every call,
    so it is part of the index's configuration in spirit, though not checked.

    `workers` > 1 sends a lookup's candidate reads concurrently: against DynamoDB each is a
    network round trip of a few milliseconds. It needs a thread-safe store (boto3 clients are;
    the SQLite store opens a connection per thread, so keep 1 locally).
    """

    def __init__(
        self,
        state: StateStore,
        *,
        config: MinHashConfig = DEFAULT_CONFIG,
        namespace: str = "lsh",
        min_jaccard: float = DEFAULT_MIN_JACCARD,
        ignore_shingles: frozenset[str] = frozenset(),
        workers: int = 1,
        min_containment: float = DEFAULT_MIN_CONTAINMENT,
    ) -> None:
        if not 0 < min_jaccard <= 1:
            raise ValueError(f"min_jaccard must be within (0, 1], got {min_jaccard}")
        if not 0 < min_containment <= 1:
            raise ValueError(f"min_containment must be within (0, 1], got {min_containment}")
        self.min_containment = min_containment
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.workers = workers
        self.state = state
        self.table = LshTable(state, namespace)
        self.config = config
        self.namespace = namespace
        self.min_jaccard = min_jaccard
        self.ignore_shingles = ignore_shingles
        self._checked = False

    def __repr__(self) -> str:
        return f"LshIndex({self.state!r}, namespace={self.namespace!r})"

    def _map(self, fn: Callable[[_T], _R], items: Sequence[_T]) -> list[_R]:
        """`fn` over `items`, in order; concurrently when the index has workers to spare."""
        if self.workers == 1 or len(items) < 2:
            return [fn(item) for item in items]
        with ThreadPoolExecutor(max_workers=min(self.workers, len(items))) as pool:
            return list(pool.map(fn, items))

    def _check_config(self) -> None:
        """Record this index's config on first use, or refuse a stored one that differs.

        One read per LshIndex instance (plus one write the very first time): a mismatch would
        otherwise make every lookup silently return nothing.
        """
        if self._checked:
            return
        wanted: dict[str, Any] = {**self.config.identity(), "layout": LAYOUT}
        stored = self.table.config()
        if stored is None and not self.table.create_config(wanted):
            stored = self.table.config()  # another writer created it first
        if stored is not None and stored != wanted:
            raise IndexConfigError(
                f"near-duplicate index {self.namespace!r} in {self.state!r} was built with {stored}, "
                f"this code uses {wanted}: rebuild the index (or use another namespace)"
            )
        self._checked = True

    # ------------------------------------------------------------------------------- API

    def fingerprint(self, text: str) -> Fingerprint:
        """The fingerprint of `text` under this index's config and ignored shingles."""
        return fingerprint(text, self.config, self.ignore_shingles)

    def candidates(self, fp: Fingerprint) -> set[str]:
        """Ids of stored documents sharing a band, or MIN_SHARED_KEYS (not hot) containment
        keys, with `fp` (unverified).

        Exactly one `get_sets` of all the bands and keys, whatever the number of stored
        documents (none for an empty text, which has neither).
        """
        self._check_config()
        banded, keyed = self.table.members(list(enumerate(fp.band_keys(self.config))), fp.containment_key_strings())
        shared: Counter[str] = Counter()
        for members in keyed.values():
            if len(members) < HOT_KEY_MEMBERS:
                shared.update(members)
        return banded | {doc for doc, n in shared.items() if n >= MIN_SHARED_KEYS}

    def is_duplicate(
        self, a: Fingerprint, b: Fingerprint, *, min_jaccard: float | None = None, min_containment: float | None = None
    ) -> Match | None:
        """The decision on one pair: a Match (doc_id left empty) when `a` and `b` are one article."""
        threshold = self.min_jaccard if min_jaccard is None else min_jaccard
        share = self.min_containment if min_containment is None else min_containment
        score = a.jaccard(b)
        contained = a.contained_share(b)
        if score >= threshold or (
            contained >= share and min(a.shingle_count, b.shingle_count) >= MIN_CONTAINED_SHINGLES
        ):
            return Match("", score, contained)
        return None

    def get(self, doc_id: str) -> Fingerprint | None:
        """The stored fingerprint of `doc_id`, or None when it was never (completely) added."""
        item = self.table.fingerprint(doc_id)
        return None if item is None else Fingerprint.from_item(item)

    def find_duplicates(
        self,
        doc_id: str,
        text: str | Fingerprint,
        *,
        min_jaccard: float | None = None,
        min_containment: float | None = None,
    ) -> list[Match]:
        """Stored documents other than `doc_id` whose exact Jaccard with `text` is at least
        `min_jaccard`, or of which the smaller text is at least `min_containment` contained
        in the larger (the index's defaults when None), best first, ties by id.

        Costs one `get_sets` (all bands at once) plus one get per LSH candidate; writes nothing,
        so it is safe to call before deciding what to do with the article.
        """
        fp = text if isinstance(text, Fingerprint) else self.fingerprint(text)
        others = sorted(self.candidates(fp) - {doc_id})
        matches: list[Match] = []
        for other, stored in zip(others, self._map(self.get, others), strict=True):
            if stored is None:
                continue  # an add still in progress (or crashed before its last write)
            found = self.is_duplicate(fp, stored, min_jaccard=min_jaccard, min_containment=min_containment)
            if found is not None:
                matches.append(found._replace(doc_id=other))
        matches.sort(key=lambda m: (-m.jaccard, -m.containment, m.doc_id))
        return matches

    def add(self, doc_id: str, fp: Fingerprint) -> None:
        """Record `doc_id` with fingerprint `fp`, replacing whatever it had before.

        One get (the previous fingerprint) and one `get_sets` of its containment keys (those
        already holding HOT_KEY_MEMBERS ids are left as they are), then one `add_to_set` per
        band and per other key, and one put for the fingerprint, which goes last so that a
        reader never verifies against a half-written entry. Adding the same fingerprint again
        writes nothing (a redelivered message costs one read). When the text changed, the id
        is removed from the old version's band sets and keys that the new one does not share,
        so a changed article stops matching what it no longer resembles.
        """
        if not doc_id:
            raise ValueError("doc_id must be non-empty")
        self._check_config()
        previous = self.get(doc_id)
        if previous == fp:
            return
        new_keys = fp.band_keys(self.config)
        old_keys = previous.band_keys(self.config) if previous is not None else []
        for band, bucket in enumerate(new_keys):
            self.table.add_to_bucket(band, bucket, doc_id)
        for band, bucket in enumerate(old_keys):
            if band >= len(new_keys) or new_keys[band] != bucket:
                self.table.remove_from_bucket(band, bucket, doc_id)
        new_ck = fp.containment_key_strings()
        old_ck = set(previous.containment_key_strings()) if previous is not None else set()
        fresh = [key for key in new_ck if key not in old_ck]
        if fresh:
            for key, members in self.table.containment_members(fresh).items():
                if len(members) < HOT_KEY_MEMBERS:
                    self.table.add_to_containment(key, doc_id)
        for key in sorted(old_ck - set(new_ck)):
            self.table.remove_from_containment(key, doc_id)
        self.table.put_fingerprint(doc_id, fp.to_item())

    def remove(self, doc_id: str) -> None:
        """Forget `doc_id` (its fingerprint first, so it stops verifying at once, then its bands)."""
        self._check_config()
        previous = self.get(doc_id)
        if previous is None:
            return
        self.table.delete_fingerprint(doc_id)
        for band, bucket in enumerate(previous.band_keys(self.config)):
            self.table.remove_from_bucket(band, bucket, doc_id)
        for key in previous.containment_key_strings():
            self.table.remove_from_containment(key, doc_id)
