"""MinHash fingerprints of article text, computed with rensa.

rensa rather than datasketch (DESIGN.md): same detection quality on our corpus, 0.5-2 ms per
signature, and 1.2 MB installed against datasketch's numpy + scipy (about 205 MB, most of a
Lambda layer's 250 MB). Only rensa's `RMinHash` is used: its in-memory LSH would have to be
held whole in memory and pickled (100-135 MB at 100,000 articles), so the bands live in the
state table instead (see `index.py`).

A `Fingerprint` carries two things: the 128-value MinHash signature, which the LSH bands are
cut from, and a 32-bit hash of every shingle, which lets a candidate be verified with the
exact Jaccard similarity instead of the signature's estimate (standard error about 0.044 at
Jaccard 0.5 with 128 permutations: enough to find candidates, too coarse to decide near the
threshold). Both are stored compactly (base64 of little-endian uint32 arrays), a
1,200-word article's fingerprint is about 7 KB of JSON.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import itertools
import struct
import zlib
from array import array
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

import rensa

from .text import SHINGLE_WORDS, shingles, tokens

__all__ = [
    "DEFAULT_CONFIG",
    "Fingerprint",
    "MinHashConfig",
    "containment_keys",
    "decode_u32",
    "encode_u32",
    "fingerprint",
    "jaccard",
]

_U32 = 0xFFFFFFFF


@dataclass(frozen=True)
class MinHashConfig:
    """How fingerprints are made and cut into LSH bands; an index refuses to mix two configs.

    The defaults are the measured ones (DESIGN.md): 128 permutations in 32 bands of 4 rows,
    which puts the LSH threshold near Jaccard 0.5 ((1/32) ** (1/4) = 0.42 is where a pair
    becomes a candidate with probability about 0.5; at 0.6 it is 0.99), below the 0.8 where
    cross-posts with spelling changes start to be lost.
    """

    num_perm: int = 128
    bands: int = 32
    seed: int = 20220114
    shingle_words: int = SHINGLE_WORDS
    #: Containment keys (`containment_keys`): about one anchor shingle in `anchor_every`, and
    #: at most `max_containment_keys` keys a text, so that a lookup's band and containment
    #: keys together stay within one DynamoDB BatchGetItem (100 keys).
    anchor_every: int = 6
    max_containment_keys: int = 64

    def __post_init__(self) -> None:
        if self.num_perm <= 0 or self.bands <= 0 or self.num_perm % self.bands:
            raise ValueError(f"num_perm ({self.num_perm}) must be a positive multiple of bands ({self.bands})")
        if self.shingle_words < 1:
            raise ValueError(f"shingle_words must be >= 1, got {self.shingle_words}")
        if self.anchor_every < 1 or self.max_containment_keys < 0:
            raise ValueError(
                f"anchor_every must be >= 1 and max_containment_keys >= 0, got "
                f"{self.anchor_every} and {self.max_containment_keys}"
            )

    @property
    def rows(self) -> int:
        """Signature values per band."""
        return self.num_perm // self.bands

    def identity(self) -> dict[str, int | str | list[int]]:
        """What an index stores to recognise fingerprints it can compare with.

        `probe` is the start of the signature of a fixed text: if a rensa upgrade changed its
        hashing or permutations, the probe changes and the index says so instead of silently
        finding nothing (every stored signature would be incomparable with new ones).
        """
        probe = fingerprint("syndicate near-duplicate probe: colour revolution in Kazakhstan", self)
        return {
            "num_perm": self.num_perm,
            "bands": self.bands,
            "seed": self.seed,
            "shingle_words": self.shingle_words,
            "containment": [self.anchor_every, self.max_containment_keys],
            "algorithm": f"rensa.RMinHash/{rensa.RMinHash.ALGORITHM_VERSION}",
            "probe": list(probe.signature[:8]),
        }


DEFAULT_CONFIG = MinHashConfig()


def _shingle_hashes(parts: Iterable[str]) -> list[int]:
    """32-bit hashes of shingles, stable across processes, platforms and library versions.

    CRC-32 rather than a cryptographic hash: the hashes only have to tell distinct shingles
    apart (two of a text's ~1,000 shingles collide with probability about 1e-4, which moves
    a Jaccard by 0.001), nobody gains by forging them, and it is three times faster than
    blake2b here, a third of a fingerprint's time. Python's own `hash` would differ between
    processes.
    """
    return list(map(zlib.crc32, map(str.encode, parts)))


def jaccard(a: Collection[int], b: Collection[int]) -> float:
    """|a ∩ b| / |a ∪ b| of two sets of shingle hashes; 0.0 when both are empty."""
    sa = a if isinstance(a, set | frozenset) else set(a)
    sb = b if isinstance(b, set | frozenset) else set(b)
    if not sa and not sb:
        return 0.0
    inter = len(sa & sb)
    return inter / (len(sa) + len(sb) - inter)


#: Shingle hashes a fingerprint keeps: the smallest this many (a bottom-k sketch). Articles up
#: to about 8,000 words keep all of theirs (exact Jaccard); a longer one keeps a sample whose
#: Jaccard estimate is within about 1/sqrt(k) = 1% of the truth, and whose stored item stays
#: near 44 KB, far under DynamoDB's 400 KB item limit (a 600 kB article has ~100,000 shingles:
#: 530 KB of hashes).
MAX_SHINGLE_HASHES = 8192


def bottom_k(hashes: Collection[int], k: int = MAX_SHINGLE_HASHES) -> frozenset[int]:
    """The `k` smallest hashes (all of them when there are no more than `k`)."""
    if len(hashes) <= k:
        return hashes if isinstance(hashes, frozenset) else frozenset(hashes)
    return frozenset(heapq.nsmallest(k, hashes))


@dataclass(frozen=True)
class Fingerprint:
    """A text's MinHash signature and the hashes of its shingles (empty text: both empty).

    `shingle_hashes` is the bottom-k sample of the text's shingle hashes (`bottom_k`: all of
    them for texts under MAX_SHINGLE_HASHES shingles) and `shingle_count` the full count.
    """

    signature: tuple[int, ...]
    shingle_hashes: frozenset[int] = field(repr=False)
    shingle_count: int = -1  # -1: len(shingle_hashes)
    #: `containment_keys` of the text: (anchor, next anchor) shingle-hash pairs, a bounded sample.
    containment_keys: frozenset[tuple[int, int]] = field(default=frozenset(), repr=False)

    def __post_init__(self) -> None:
        sample = bottom_k(self.shingle_hashes)
        if sample is not self.shingle_hashes:
            object.__setattr__(self, "shingle_hashes", sample)
        if self.shingle_count < len(self.shingle_hashes):
            object.__setattr__(self, "shingle_count", len(self.shingle_hashes))

    @property
    def empty(self) -> bool:
        """True for a text without words: it is never anyone's near-duplicate."""
        return not self.shingle_hashes

    @property
    def sampled(self) -> bool:
        """True when only the bottom-k sample of the shingle hashes is kept."""
        return self.shingle_count > len(self.shingle_hashes)

    def jaccard(self, other: Fingerprint) -> float:
        """The Jaccard similarity of the two shingle sets (up to 32-bit hash collisions): exact
        when both keep all their hashes, else the bottom-k estimate (Broder): of the k smallest
        hashes of the union, the share that both texts have."""
        if not (self.sampled or other.sampled):
            return jaccard(self.shingle_hashes, other.shingle_hashes)
        union = heapq.nsmallest(MAX_SHINGLE_HASHES, self.shingle_hashes | other.shingle_hashes)
        if not union:
            return 0.0
        both = sum(1 for h in union if h in self.shingle_hashes and h in other.shingle_hashes)
        return both / len(union)

    def containment(self, other: Fingerprint) -> float:
        """The share of this text's shingles that are also `other`'s: |A ∩ B| / |A|.

        Exact when both keep all their hashes. Otherwise estimated on the hashes below both
        samples' cut-offs (each bottom-k sample holds *every* hash of its text below its
        largest kept one, so below the lower cut-off membership in the other text is known
        exactly): of this text's hashes there, the share the other one has.
        """
        if self.empty or other.empty:
            return 0.0
        if not (self.sampled or other.sampled):
            return len(self.shingle_hashes & other.shingle_hashes) / len(self.shingle_hashes)
        cut = min(max(f.shingle_hashes) if f.sampled else _U32 for f in (self, other))
        mine = [h for h in self.shingle_hashes if h <= cut]
        if not mine:
            return 0.0
        return sum(1 for h in mine if h in other.shingle_hashes) / len(mine)

    def contained_share(self, other: Fingerprint) -> float:
        """The containment of the SMALLER of the two texts in the larger (symmetric).

        This is what decides excerpts: a 40% excerpt has Jaccard about 0.4 with its original
        but nearly all of its own shingles in it, while two reports of one event that share a
        quotation have only the quotation's share of the smaller one in common.
        """
        small, large = (self, other) if self.shingle_count <= other.shingle_count else (other, self)
        return small.containment(large)

    def estimated_jaccard(self, other: Fingerprint) -> float:
        """The signatures' estimate: the share of positions where the minimum agrees."""
        if self.empty or other.empty or len(self.signature) != len(other.signature):
            return 0.0
        same = sum(1 for x, y in zip(self.signature, other.signature, strict=True) if x == y)
        return same / len(self.signature)

    def band_keys(self, config: MinHashConfig = DEFAULT_CONFIG) -> list[str]:
        """One short hex key per band: the hash of that band's rows of the signature.

        Two texts share band i's key exactly when their signatures agree on all of band i's
        rows; that equality is what LSH turns into a table lookup.
        """
        if self.empty:
            return []
        if len(self.signature) != config.num_perm:
            raise ValueError(f"signature has {len(self.signature)} values, config expects {config.num_perm}")
        rows = config.rows
        keys = []
        for band in range(config.bands):
            chunk = struct.pack(f"<{rows}I", *self.signature[band * rows : (band + 1) * rows])
            keys.append(hashlib.blake2b(chunk, digest_size=8).hexdigest())
        return keys

    def to_item(self) -> dict[str, str | int]:
        """The JSON-safe form stored in the state table."""
        item: dict[str, str | int] = {
            "sig": encode_u32(self.signature),
            "sh": encode_u32(sorted(self.shingle_hashes)),
            "n": self.shingle_count,
        }
        if self.containment_keys:
            item["ck"] = encode_u32(v for pair in sorted(self.containment_keys) for v in pair)
        return item

    def containment_key_strings(self) -> list[str]:
        """The containment keys as the index stores them: 16 hex digits each, sorted."""
        return [f"{a:08x}{b:08x}" for a, b in sorted(self.containment_keys)]

    @classmethod
    def from_item(cls, item: dict[str, object]) -> Fingerprint:
        """Inverse of `to_item`; a malformed item raises ValueError."""
        sig, sh = item.get("sig"), item.get("sh")
        if not isinstance(sig, str) or not isinstance(sh, str):
            raise ValueError("fingerprint item lacks 'sig' or 'sh' strings")
        count = item.get("n")
        ck = item.get("ck")
        flat = decode_u32(ck) if isinstance(ck, str) else []
        if len(flat) % 2:
            raise ValueError("fingerprint item's 'ck' holds an odd number of values")
        return cls(
            signature=tuple(decode_u32(sig)),
            shingle_hashes=frozenset(decode_u32(sh)),
            shingle_count=count if isinstance(count, int) else -1,
            containment_keys=frozenset(zip(flat[::2], flat[1::2], strict=True)),
        )


def encode_u32(values: Iterable[int]) -> str:
    """Base64 of a little-endian uint32 array: 4 bytes a value instead of up to 10 JSON digits."""
    packed = array("I", values)
    if packed.itemsize != 4:  # pragma: no cover - every platform Lambda or CI runs on has 4-byte "I"
        raise RuntimeError("array('I') is not 32-bit on this platform")
    if struct.pack("=I", 1) != struct.pack("<I", 1):  # pragma: no cover - big-endian hosts
        packed.byteswap()
    return base64.b64encode(packed.tobytes()).decode("ascii")


def decode_u32(text: str) -> list[int]:
    """Inverse of `encode_u32`."""
    raw = base64.b64decode(text.encode("ascii"), validate=True)
    if len(raw) % 4:
        raise ValueError(f"uint32 array has {len(raw)} bytes, not a multiple of 4")
    values = array("I")
    values.frombytes(raw)
    if struct.pack("=I", 1) != struct.pack("<I", 1):  # pragma: no cover - big-endian hosts
        values.byteswap()
    return values.tolist()


def containment_keys(
    shingle_hashes: Sequence[int], anchor_every: int, limit: int
) -> frozenset[tuple[int, int]]:
    """Keys that a text shares with any long enough passage copied from it, at any offset.

    Anchors are the shingles whose hash is 0 modulo `anchor_every` (about one in that many,
    chosen by content, so an excerpt has the same anchors as its original over the part it
    copies); a key is a pair of consecutive anchors. Two texts share a key only when they
    share the passage between two anchors, about `anchor_every` words: a copied paragraph
    does, two articles using the same stock phrases do not. A text keeps at most `limit`
    keys, the ones whose own hash is smallest (consistent sampling: a passage copied into a
    longer text keeps about `limit * |passage| / |text|` of its keys among the longer text's).
    """
    anchors = [h for h in shingle_hashes if h % anchor_every == 0]
    pairs = set(itertools.pairwise(anchors))
    if len(pairs) <= limit:
        return frozenset(pairs)
    return frozenset(heapq.nsmallest(limit, pairs, key=lambda p: zlib.crc32(struct.pack("<II", *p))))


def fingerprint(
    text: str,
    config: MinHashConfig = DEFAULT_CONFIG,
    ignore_shingles: Collection[str] = frozenset(),
) -> Fingerprint:
    """Normalize `text`, cut it into shingles (minus `ignore_shingles`, e.g. a partner's
    boilerplate from `text.common_shingles`) and compute the MinHash signature.

    An empty text (or one made only of ignored shingles) gives an empty fingerprint, which the
    index stores but never matches: otherwise every empty page would be a duplicate of every
    other.
    """
    parts = shingles(tokens(text), config.shingle_words)
    if ignore_shingles:
        parts = [s for s in parts if s not in ignore_shingles]
    if not parts:
        return Fingerprint(signature=(), shingle_hashes=frozenset())
    minhash = rensa.RMinHash(config.num_perm, config.seed)
    minhash.update(parts)
    signature = tuple(int(v) & _U32 for v in minhash.digest())
    ordered = _shingle_hashes(parts)  # in text order: containment keys need the order
    hashes = frozenset(ordered)
    keys = containment_keys(ordered, config.anchor_every, config.max_containment_keys)
    return Fingerprint(signature=signature, shingle_hashes=hashes, shingle_count=len(hashes), containment_keys=keys)
