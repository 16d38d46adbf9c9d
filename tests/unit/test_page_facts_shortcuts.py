"""The quick tests read_page_facts runs before its exact ones (issue 13) must never reject what
the exact test accepts: each hint has to cover every word or pattern it stands in front of, so a
word added to a list later without its hint fails here, not silently on some partner's page."""

from __future__ import annotations

import re

import lxml.html
import pytest

from syndicate.attribution import page


@pytest.mark.parametrize("word", sorted(page._BYLINE_WORDS))
def test_byline_hints_cover_every_byline_word(word: str) -> None:
    assert any(hint in word for hint in page._BYLINE_HINTS)
    el = lxml.html.fromstring(f'<span class="x-{word.capitalize()}-y">A</span>')
    assert page._is_byline_element(el), "camel case and dashes are split into words as before"


@pytest.mark.parametrize(
    "classes",
    ["comments", "comment-list", "commentlist", "disqus-x", "widget_text", "Sidebar-right", "related-posts",
     "yarpp-related", "jp-relatedposts"],
)
def test_excluded_class_hint_covers_every_excluded_token(classes: str) -> None:
    assert page._EXCLUDED_CLASS.match(classes), "a token the exact rule excludes"
    assert page._EXCLUDED_CLASS_HINT.search(classes)
    assert page._is_excluded(lxml.html.fromstring(f'<div class="a {classes}">x</div>'))


def test_excluded_and_footer_tests_still_reject_lookalikes() -> None:
    assert not page._is_excluded(lxml.html.fromstring('<div class="commentary footer-widgets">x</div>'))
    assert not page._is_excluded(lxml.html.fromstring('<div class="entry-content">x</div>'))
    assert page._is_footer(lxml.html.fromstring('<div id="Site-Copyright">x</div>'))
    assert page._is_footer(lxml.html.fromstring('<div class="credits">x</div>'))
    assert not page._is_footer(lxml.html.fromstring('<div class="credit-card">x</div>'))
    assert not page._is_footer(lxml.html.fromstring('<div class="entry">x</div>'))


@pytest.mark.parametrize("text", ["  a\u00a0 b\n\tc \u2003", "", "\u2028 x \u3000", "one"])
def test_text_of_collapses_whitespace_as_the_regex_did(text: str) -> None:
    el = lxml.html.fromstring("<p></p>")
    el.text = text
    assert page.text_of(el) == re.sub(r"\s+", " ", text).strip()


def test_image_credit_needs_its_label_colon() -> None:
    el = lxml.html.fromstring("<figcaption>Demonstranten. Foto： Ana Ruiz</figcaption>")
    found = page.image_credit_in(el, page.text_of(el), "https://example.org/a/", None)
    assert found is not None and found.credit == "Ana Ruiz"
    assert page.image_credit_in(el, "Photo by Ana Ruiz", "https://example.org/a/", None) is None
