"""The grouping rule (dedup/groups.py): similarity links join transitively, a copy matched by
containment only joins its best container alone, and the result is a function of the set."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

from syndicate.adapters.local import SqliteStateStore
from syndicate.dedup.groups import Link, best_containers, groups, links_between, title_similarity
from syndicate.dedup.index import LshIndex
from syndicate.dedup.minhash import Fingerprint

ORIGINAL_TITLE = "Beijing's wait-and-see approach in Kazakhstan"
QUOTED = (
    "What China has built is considerable. Kazakhstan is a transit hub for the Belt and Road, the terminus of a "
    "pipeline that carries Central Asian gas east, and host to dozens of Chinese firms in oil, mining and "
    "construction. Beijing has invested in relationships with the political elite for three decades, and those "
    "relationships survived the transition from the first president to the second. None of that depended on taking "
    "sides in the street, and none of it would be helped by doing so now, whatever the commentary abroad suggests."
)


def _sentences(seed: int, n: int) -> str:
    rng = random.Random(seed)
    words = ["grain", "port", "loans", "railway", "tariff", "customs", "pipeline", "election", "border",
             "minister", "treaty", "bank", "steel", "coal", "solar", "harbour", "visa", "court", "strike"]
    return " ".join(" ".join(rng.choice(words) for _ in range(12)).capitalize() + "." for _ in range(n))


ORIGINAL = f"{ORIGINAL_TITLE}\n\n{_sentences(1, 20)}\n\n{QUOTED}\n\n{_sentences(2, 20)}"
QUOTING_TITLE = "Chinese firms in Kazakhstan count the cost of unrest"
QUOTING = f"{QUOTING_TITLE}\n\n{_sentences(3, 15)}\n\n{QUOTED}\n\n{_sentences(4, 15)}"
EXCERPT = f"{ORIGINAL_TITLE}\n\n{QUOTED}"


def test_an_excerpt_joins_its_best_container_only() -> None:
    links = [Link("excerpt", "original", 0.75, 1.0), Link("excerpt", "quoting", 0.55, 0.3)]
    assert groups(["original", "quoting", "excerpt"], [], links) == [
        frozenset({"excerpt", "original"}), frozenset({"quoting"})
    ]


def test_similarity_links_join_transitively_and_containment_adds_one_link() -> None:
    similar = [("a", "b"), ("b", "c")]
    links = [Link("x", "c", 0.9), Link("x", "d", 0.6), Link("y", "x", 0.8)]
    assert groups("abcdxy", similar, links) == [frozenset("abcxy"), frozenset("d")]


def test_the_grouping_is_a_function_of_the_set_whatever_the_order() -> None:
    similar = [("a", "b"), ("c", "d")]
    links = [Link("e", "a", 0.7, 0.2), Link("e", "c", 0.7, 0.9), Link("f", "e", 0.6), Link("f", "b", 0.55)]
    expected = groups("abcdef", similar, links)
    assert expected == [frozenset("ab"), frozenset("cdef")], "the title decides between equal shares"
    for ids, sims, lks in zip(
        itertools.permutations("abcdef"), itertools.cycle(itertools.permutations(similar)),
        itertools.cycle(itertools.permutations(links)), strict=False,
    ):
        assert groups(ids, [tuple(reversed(p)) for p in sims], lks) == expected


def test_exact_ties_go_to_the_smallest_id() -> None:
    for links in itertools.permutations([Link("e", "z", 0.6, 0.5), Link("e", "m", 0.6, 0.5), Link("e", "q", 0.6, 0.5)]):
        assert best_containers(links)["e"].large == "m"


def test_title_similarity() -> None:
    assert title_similarity("Beijing’s Wait-and-See Approach", "beijings wait and see approach") == 1.0
    assert title_similarity("", "anything") == 0.0
    assert 0 < title_similarity(ORIGINAL_TITLE, QUOTING_TITLE) < 0.3


def test_links_between_real_fingerprints_keep_the_quoting_article_apart(tmp_path: Path) -> None:
    """The issue's case on text: the excerpt IS the quoted paragraph (with its original's
    headline), so it is a duplicate of both; the original and the quoting article are not."""
    index = LshIndex(SqliteStateStore(tmp_path / "state.sqlite"))
    fps: dict[str, Fingerprint] = {
        "original": index.fingerprint(ORIGINAL),
        "quoting": index.fingerprint(QUOTING),
        "excerpt": index.fingerprint(EXCERPT),
    }
    titles = {"original": ORIGINAL_TITLE, "quoting": QUOTING_TITLE, "excerpt": ORIGINAL_TITLE}

    def decide(a: Fingerprint, b: Fingerprint) -> tuple[float, float] | None:
        found = index.is_duplicate(a, b)
        return None if found is None else (found.jaccard, found.containment)

    similar, contained = links_between(fps, titles, decide, index.min_jaccard)
    assert similar == []
    assert {(lk.small, lk.large) for lk in contained} == {("excerpt", "original"), ("excerpt", "quoting")}
    assert groups(fps, similar, contained) == [frozenset({"excerpt", "original"}), frozenset({"quoting"})]
    for present in itertools.combinations(fps, 2):  # before the third copy exists
        sub = {k: fps[k] for k in present}
        grouped = groups(sub, *links_between(sub, titles, decide, index.min_jaccard))
        if set(present) == {"original", "quoting"}:
            assert len(grouped) == 2
        else:
            assert len(grouped) == 1, "with one container only, the excerpt joins it"
