"""Which copies make one record: the grouping rule, a function of the set of copies.

Two kinds of evidence join copies (`LshIndex.is_duplicate`):

- similarity (Jaccard >= min_jaccard): the two are the same text, give or take boilerplate
  and edits. Such links join whole groups, transitively, as before.
- containment only: the smaller text is (mostly) inside the larger one. That is how an
  excerpt looks next to its original, but also how a one-paragraph excerpt looks next to a
  different article that quotes that very paragraph. Followed transitively, the excerpt would
  bridge its original and the quoting article into one record (issue 14: 6 same-event pairs
  of the full bench). So each copy keeps at most ONE containment link, to its best container
  (`container_rank`: the largest share of it contained, then the most similar title; an
  excerpt keeps its original's headline, a quoting article has its own), and a copy that is
  merely *contained in* a copy never pulls that copy's other containers along.

The groups are the connected parts of the similarity links plus each copy's best
containment link (`groups`). They depend only on which copies exist, never on their arrival
order: the pipeline recomputes them over every copy a new arrival touches (the copies it
matches, and all members of their records), so a copy whose best container arrives later
moves to it, leaving the record it sat in (pipeline/merge.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from itertools import combinations
from typing import NamedTuple

from .minhash import Fingerprint
from .text import tokens

__all__ = ["Link", "best_containers", "container_rank", "groups", "links_between", "title_similarity"]

#: How much a perfectly matching title adds to a container's contained share when ranking
#: containers. An excerpt's title is its original's (retitled at most), so its title shingles
#: are usually in the original already; the title weighs in where the shares are close (the
#: quoting article also carries the partner's boilerplate the excerpt has). Measured on the
#: bench (docs/dedup.md): the original's share minus the quoting article's is >= -0.03 where
#: they compete, and title similarity 0.6-1.0 against 0-0.3.
TITLE_WEIGHT = 0.25


class Link(NamedTuple):
    """A containment-only match: `small` is at least min_containment inside `large`."""

    small: str
    large: str
    containment: float
    title_similarity: float = 0.0


def title_similarity(a: str, b: str) -> float:
    """Jaccard of the two titles' normalized word sets (0.0 when either has none)."""
    x, y = set(tokens(a)), set(tokens(b))
    if not x or not y:
        return 0.0
    return len(x & y) / len(x | y)


def container_rank(link: Link) -> tuple[float, float]:
    """How good a container `link.large` is for `link.small`, higher is better: the share
    contained plus TITLE_WEIGHT times the titles' similarity, then the share alone."""
    return (link.containment + TITLE_WEIGHT * link.title_similarity, link.containment)


def best_containers(links: Iterable[Link]) -> dict[str, Link]:
    """Each smaller copy's best containment link. A total order (exact ties: the smallest id),
    so the choice is the same whichever container arrived first."""
    best: dict[str, Link] = {}
    for link in links:
        held = best.get(link.small)
        if held is None or _better(link, held):
            best[link.small] = link
    return best


def _better(link: Link, held: Link) -> bool:
    mine, theirs = container_rank(link), container_rank(held)
    return mine > theirs or (mine == theirs and link.large < held.large)


def groups(ids: Iterable[str], similar: Iterable[tuple[str, str]], contained: Iterable[Link]) -> list[frozenset[str]]:
    """The copies `ids` cut into records: connected by similarity links, plus each copy's best
    containment link only. Sorted by smallest member; every id is in exactly one group."""
    parent: dict[str, str] = {doc: doc for doc in ids}

    def root(doc: str) -> str:
        parent.setdefault(doc, doc)
        while parent[doc] != doc:
            parent[doc] = parent[parent[doc]]
            doc = parent[doc]
        return doc

    def join(a: str, b: str) -> None:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for a, b in similar:
        join(a, b)
    for link in best_containers(contained).values():
        join(link.small, link.large)
    out: dict[str, set[str]] = {}
    for doc in list(parent):
        out.setdefault(root(doc), set()).add(doc)
    return sorted((frozenset(g) for g in out.values()), key=min)


def smaller(a: str, fa: Fingerprint, b: str, fb: Fingerprint) -> bool:
    """True when `a` is the smaller of the two (fewer shingles; ties by id), the one whose
    containment `Fingerprint.contained_share` measures."""
    return (fa.shingle_count, a) < (fb.shingle_count, b)


def links_between(
    fingerprints: Mapping[str, Fingerprint],
    titles: Mapping[str, str],
    decide: Callable[[Fingerprint, Fingerprint], tuple[float, float] | None],
    min_jaccard: float,
) -> tuple[list[tuple[str, str]], list[Link]]:
    """Every pair's link among a few copies: (similar pairs, containment-only links).

    `decide(a, b)` is the index's pair decision, (Jaccard, contained share) or None. Pairwise,
    so for the handful of copies one arrival touches, not for a whole index.
    """
    similar: list[tuple[str, str]] = []
    contained: list[Link] = []
    for a, b in combinations(sorted(fingerprints), 2):
        found = decide(fingerprints[a], fingerprints[b])
        if found is None:
            continue
        jac, share = found
        if jac >= min_jaccard:
            similar.append((a, b))
            continue
        small, large = (a, b) if smaller(a, fingerprints[a], b, fingerprints[b]) else (b, a)
        contained.append(Link(small, large, share, title_similarity(titles.get(small, ""), titles.get(large, ""))))
    return similar, contained
