"""Normalization, spelling variants and shingles: what makes two copies of one article shingle alike."""

from __future__ import annotations

import pytest

from syndicate.dedup.text import (
    SPELLING_WORDS,
    canonical_spelling,
    common_shingles,
    normalize_text,
    shingles,
    tokens,
)

# (British, American) as the two copies of the seed article and other partner pages write them.
VARIANTS = [
    ("colour", "color"),
    ("colours", "colors"),
    ("coloured", "colored"),
    ("neighbouring", "neighboring"),
    ("neighbour", "neighbor"),
    ("labourers", "laborers"),
    ("favourite", "favorite"),
    ("honourable", "honorable"),
    ("behaviour", "behavior"),
    ("organisation", "organization"),
    ("organisations", "organizations"),
    ("realised", "realized"),
    ("prioritising", "prioritizing"),
    ("criticises", "criticizes"),
    ("analyse", "analyze"),
    ("analysed", "analyzed"),
    ("paralysing", "paralyzing"),
    ("centre", "center"),
    ("centres", "centers"),
    ("centred", "centered"),
    ("theatre", "theater"),
    ("metres", "meters"),
    ("fibre", "fiber"),
    ("catalogue", "catalog"),
    ("dialogues", "dialogs"),
    ("spiralling", "spiraling"),
    ("travelled", "traveled"),
    ("cancelled", "canceled"),
    ("fuelled", "fueled"),
    ("modelling", "modeling"),
    ("counsellor", "counselor"),
    ("defence", "defense"),
    ("licence", "license"),
    ("programme", "program"),
    ("grey", "gray"),
    ("sceptical", "skeptical"),
    ("eastwards", "eastward"),
    ("manoeuvres", "maneuvers"),
]

# Words an ending rule must not rewrite into another word.
DISTINCT = [
    ("four", "for"),
    ("our", "or"),
    ("hour", "hor"),
    ("filled", "filed"),
    ("filling", "filing"),
    ("called", "caled"),
    ("willing", "wiling"),
    ("flour", "flor"),
    ("rewards", "reward"),
]


@pytest.mark.parametrize(("british", "american"), VARIANTS)
def test_british_and_american_spellings_become_one_token(british: str, american: str) -> None:
    assert canonical_spelling(british) == canonical_spelling(american) == american


@pytest.mark.parametrize(("word", "other"), DISTINCT)
def test_spelling_rules_do_not_merge_different_words(word: str, other: str) -> None:
    assert canonical_spelling(word) != canonical_spelling(other)


@pytest.mark.parametrize(
    "word",
    [
        "four",
        "hour",
        "your",
        "yours",
        "tour",
        "flour",
        "contour",
        "detour",
        "hatred",
        "crises",
        "rising",
        "arising",
        "smaller",
        "called",
        "filled",
        "rogue",
        "color",
        "center",
        "analyzed",
    ],
)
def test_words_without_a_british_variant_stay(word: str) -> None:
    assert canonical_spelling(word) == word


def test_canonical_spelling_is_idempotent_over_the_tables() -> None:
    words = [w for pair in VARIANTS for w in pair] + list(SPELLING_WORDS) + list(SPELLING_WORDS.values())
    for word in words:
        once = canonical_spelling(word)
        assert canonical_spelling(once) == once, word


def test_non_ascii_words_are_left_alone() -> None:
    assert canonical_spelling("développeur") == "développeur"
    assert canonical_spelling("политика") == "политика"


def test_normalize_unifies_typography_case_and_punctuation() -> None:
    curly = "Beijing\u2019s \u201cWait-and-See\u201d Approach \u2014 in Kazakhstan!"
    straight = 'beijing\'s "wait and see" approach - in KAZAKHSTAN'
    assert normalize_text(curly) == normalize_text(straight) == "beijings wait and see approach in kazakhstan"


def test_normalize_applies_nfkc_and_drops_invisible_characters() -> None:
    assert normalize_text("\uff2b\uff41\uff5a\uff41\uff4b\uff48") == "kazakh"  # full-width letters
    assert normalize_text("spi\u00adralling") == "spiralling"  # soft hyphen inside a word
    assert normalize_text("co\u200boperation") == "cooperation"
    assert normalize_text("ﬁnance") == "finance"  # ligature


def test_apostrophes_join_words_but_quotes_separate_them() -> None:
    assert normalize_text("don't 'quote' l'état") == "dont quote létat"


def test_tokens_make_the_seed_article_sentences_identical() -> None:
    lse = (
        "When protests broke out on 2 January, Xi described the violence as an attempted colour revolution; "
        "it shares Moscow\u2019s interest in keeping instability from spiralling across a neighbouring state."
    )
    cgsp = (
        "When protests broke out on January 2, Xi described the violence as an attempted color revolution; "
        "it shares Moscow's interest in keeping instability from spiraling across a neighboring state."
    )
    assert tokens(lse) == tokens(cgsp)


def test_day_month_dates_are_put_in_month_day_order() -> None:
    assert tokens("on 14 January 2022") == tokens("on January 14, 2022") == ["on", "january", "14", "2022"]
    assert tokens("32 may") == ["32", "may"]  # not a day


def test_shingles_are_five_word_windows_in_order_without_repeats() -> None:
    words = ["a", "b", "c", "d", "e", "f", "a", "b", "c", "d", "e"]
    got = shingles(words)
    assert got[0] == "a b c d e"
    assert got[1] == "b c d e f"
    assert len(got) == len(set(got)) == 6  # 7 windows, "a b c d e" twice
    assert shingles(words, size=2)[:3] == ["a b", "b c", "c d"]


def test_short_and_empty_texts() -> None:
    assert shingles(["only", "three", "words"]) == ["only three words"]
    assert shingles([]) == []
    with pytest.raises(ValueError, match="shingle size"):
        shingles(["a"], size=0)


def test_common_shingles_finds_a_partners_boilerplate_not_its_articles() -> None:
    footer = (
        "This article gives the views of the author, and not the position of the China Foresight Forum, "
        "LSE IDEAS, nor The London School of Economics and Political Science."
    )
    bodies = [
        f"Article number {i} discusses topic {i * 7} in country {i * 13} with evidence {i * 17}." for i in range(10)
    ]
    texts = [f"{body}\n\n{footer}" if i < 8 else body for i, body in enumerate(bodies)]
    common = common_shingles(texts, min_share=0.5)
    footer_shingles = set(shingles(tokens(footer)))
    assert footer_shingles <= common
    assert not common & set(shingles(tokens(bodies[0])))
    assert common_shingles(texts[:1]) == frozenset()  # one page cannot show what is common
    assert common_shingles(texts, min_share=0.9) == frozenset()  # the footer is on 8 of 10
    with pytest.raises(ValueError, match="min_share"):
        common_shingles(texts, min_share=0)
