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
import struct
import zlib
from array import array
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

import rensa

from .text import SHINGLE_WORDS, shingles, tokens

__all__ = [
    "DEFAULT_CONFIG",
    "Fingerprint",
    "MinHashConfig",
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

    def __post_init__(self) -> None:
        if self.num_perm <= 0 or self.bands <= 0 or self.num_perm % self.bands:
            raise ValueError(f"num_perm ({self.num_perm}) must be a positive multiple of bands ({self.bands})")
        if self.shingle_words < 1:
            raise ValueError(f"shingle_words must be >= 1, got {self.shingle_words}")

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
            "algorithm": f"rensa.RMinHash/{rensa.RMinHash.ALGORITHM_VERSION}",
            "probe": list(probe.signature[:8]),
        }


DEFAULT_CONFIG = MinHashConfig()


def _shingle_hashes(parts: Iterable[str]) -> frozenset[int]:
    """32-bit hashes of shingles, stable across processes, platforms and library versions.

    CRC-32 rather than a cryptographic hash: the hashes only have to tell distinct shingles
    apart (two of a text's ~1,000 shingles collide with probability about 1e-4, which moves
    a Jaccard by 0.001), nobody gains by forging them, and it is three times faster than
    blake2b here, a third of a fingerprint's time. Python's own `hash` would differ between
    processes.
    """
    return frozenset(map(zlib.crc32, map(str.encode, parts)))


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
        return {
            "sig": encode_u32(self.signature),
            "sh": encode_u32(sorted(self.shingle_hashes)),
            "n": self.shingle_count,
        }

    @classmethod
    def from_item(cls, item: dict[str, object]) -> Fingerprint:
        """Inverse of `to_item`; a malformed item raises ValueError."""
        sig, sh = item.get("sig"), item.get("sh")
        if not isinstance(sig, str) or not isinstance(sh, str):
            raise ValueError("fingerprint item lacks 'sig' or 'sh' strings")
        count = item.get("n")
        return cls(
            signature=tuple(decode_u32(sig)),
            shingle_hashes=frozenset(decode_u32(sh)),
            shingle_count=count if isinstance(count, int) else -1,
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
    hashes = _shingle_hashes(parts)
    return Fingerprint(signature=signature, shingle_hashes=hashes, shingle_count=len(hashes))
