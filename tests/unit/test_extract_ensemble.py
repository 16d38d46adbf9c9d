"""The generic profile's per-page choice between trafilatura and readability-lxml.

The rule (`syndicate.extract.ensemble`): readability's text wins only when it is a shorter
core of trafilatura's (nearly all its 4-word shingles occur there, and it keeps at least half
of the words); the winner gives both the text and the HTML. Partner profiles keep plain
trafilatura with their own pruning.
"""

from __future__ import annotations

import re

import pytest

from syndicate.extract import extract_article, sanitize_html
from syndicate.extract.ensemble import (
    CONTAINED,
    MIN_SHARE,
    choose_body,
    containment,
    prefer_readability,
    readability_body,
)
from syndicate.extract.profiles import GENERIC, Profile

URL = "https://valley.example/news/weir"


def _para(i: int) -> str:
    return (f"<p>Paragraph {i} of the story tells how the river board met on Tuesday, argued about the weir, "
            "and voted seven to two to rebuild it before the spring floods return to the valley.</p>")


def _page(story: str, after: str = "", before: str = "") -> str:
    return (
        "<html><head><title>Weir vote</title></head><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<main><article><h1>Board votes to rebuild the weir</h1>{before}<div class='story-body'>{story}</div>{after}"
        "</article></main><footer><p>Copyright 2024 The Valley Times</p></footer></body></html>"
    )


#: trafilatura keeps the newsletter box inside the article; readability drops it and keeps the
#: six paragraphs both agree on: readability wins.
NEWSLETTER = ("<div class='promo'><h3>Pick Six Newsletter</h3><p>Get the day's big stories and fun stuff you "
              "love like mock drafts, picks and power rankings, every morning in your inbox.</p></div>")
PROMO_PAGE = _page("".join(_para(i) for i in range(6)), after=NEWSLETTER)

#: readability keeps a photo caption in the middle of the story that trafilatura leaves out:
#: readability's text is not contained in trafilatura's, so trafilatura wins.
CAPTION = "The old weir at dusk, seen from the footbridge. Photo: Ana Ruiz, Valley Times staff photographer"
CAPTION_PAGE = _page(
    "".join(_para(i) for i in range(3))
    + f"<figure><img src='/weir.jpg'><figcaption>{CAPTION}</figcaption></figure>"
    + "".join(_para(i) for i in range(3, 6))
)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def _html_words(fragment: str) -> list[str]:
    return _words(re.sub(r"<[^>]+>", " ", sanitize_html(fragment, URL)))


def test_contained_shorter_core_prefers_readability() -> None:
    core = " ".join(f"sentence {i} says something different about the weir vote" for i in range(20))
    assert prefer_readability(core + " Pick Six Newsletter: get the day's big stories in your inbox", core)


@pytest.mark.parametrize(
    ("base", "alt", "why"),
    [
        ("one two three four five six seven eight", "one two three four five six seven eight nine ten",
         "readability longer: its extra is captions or bylines as often as content"),
        ("one two three four five six seven eight", "one two three four five six seven eight",
         "equal: nothing to settle"),
        ("one two three four five six seven eight nine ten", "one two three four zzz six seven eight",
         "readability's text is not inside trafilatura's"),
        ("one two three four five six seven eight nine ten eleven twelve", "one two three four",
         "readability kept less than half: a lone contained paragraph is not the article"),
        ("one two three four", "", "readability found nothing"),
    ],
)
def test_other_disagreements_keep_trafilatura(base: str, alt: str, why: str) -> None:
    assert not prefer_readability(base, alt), why


def test_thresholds_are_the_measured_ones() -> None:
    assert 0.99 <= CONTAINED <= 1.0 and MIN_SHARE == 0.5


def test_containment_counts_repeated_shingles() -> None:
    assert containment("a b c d", "x a b c d y") == 1.0
    assert containment("a b c d a b c d", "a b c d") == pytest.approx(1 / 5)
    assert containment("", "a b c d") == 0.0


def test_readability_wins_on_a_page_with_a_promo_box_and_gives_text_and_html() -> None:
    article = extract_article(PROMO_PAGE, URL, None)
    assert "Newsletter" not in article.text and "mock drafts" not in article.text
    assert "Newsletter" not in article.html and "mock drafts" not in article.html
    assert all(f"Paragraph {i} of the story" in article.text for i in range(6))
    # the HTML we republish holds exactly the text's words, from the same (readability's) tree
    assert _html_words(article.html) == _words(article.text)
    body = readability_body(PROMO_PAGE)
    assert body is not None and body.source == "readability" and body.text == article.text


def test_trafilatura_wins_when_readability_adds_a_caption() -> None:
    article = extract_article(CAPTION_PAGE, URL, None)
    assert "Photo: Ana Ruiz" not in article.text and "Photo: Ana Ruiz" not in article.html
    assert all(f"Paragraph {i} of the story" in article.text for i in range(6))
    assert _html_words(article.html) == _words(article.text)
    alt = readability_body(CAPTION_PAGE)
    assert alt is not None and CAPTION in alt.text  # readability did disagree


def test_choose_body_keeps_the_given_trafilatura_body_when_readability_finds_nothing() -> None:
    chosen = choose_body("<html><body></body></html>", "the text", ["child"])
    assert (chosen.text, chosen.children, chosen.source) == ("the text", ["child"], "trafilatura")


def test_only_the_generic_profile_uses_the_ensemble() -> None:
    assert GENERIC.ensemble
    partner = Profile("some_partner")
    assert not partner.ensemble
    article = extract_article(PROMO_PAGE, URL, partner)  # plain trafilatura: keeps the promo box
    assert "Pick Six Newsletter" in article.text
