"""A page to a record: extraction with the partner profile, then attribution and rights."""

from __future__ import annotations

from pathlib import Path

import pytest

from syndicate.attribution.licences import decide_licence, licence_label, spdx_from_text, spdx_from_url
from syndicate.attribution.record import build_record
from syndicate.extract import ExtractError, extract_article, sanitize_html
from syndicate.model import ArticleMessage, FeedEntry, Licence
from syndicate.registry import parse_registry

SITE = Path(__file__).resolve().parents[2] / "demo" / "syndicate_demo" / "site"
BASE = "http://127.0.0.1:8000"
LSE_SEED = "lse/cff/2022/01/14/beijings-wait-and-see-approach-in-kazakhstan/"
CGSP_SEED = "cgsp/analysis/beijings-wait-and-see-approach-in-kazakhstan/"

REGISTRY = parse_registry(
    (SITE / "partners.yaml.template").read_text().replace("{{BASE}}", BASE), source="demo-partners.yaml"
)

LSE_BOILERPLATE = [
    "0 comments",
    "Estimated reading time",
    "This was published by",
    "This article gives the views of the author",
    "The blog image",
    "About the author",
    "Posted In",
    "Leave a Reply",
    "Required fields are marked",
]


def page(path: str) -> bytes:
    return (SITE / path / "index.html").read_text(encoding="utf-8").replace("{{BASE}}", BASE).encode("utf-8")


def test_lse_profile_removes_boilerplate_and_keeps_text_once():
    article = extract_article(page(LSE_SEED), f"{BASE}/{LSE_SEED}", "lse_blogs")
    for phrase in LSE_BOILERPLATE:
        assert phrase not in article.text, phrase
    assert article.text.count("said remarkably little") == 1
    assert "colour revolution" in article.text and "spiralling" in article.text
    assert [a.name for a in article.authors] == ["Lukas Fiala", "Hugo Jones"]
    assert article.date == "2022-01-14"
    assert article.text.startswith("When protests over a sudden rise in fuel prices")


def test_generic_profile_keeps_what_the_lse_profile_removes():
    article = extract_article(page(LSE_SEED), f"{BASE}/{LSE_SEED}", None)
    assert any(p in article.text for p in LSE_BOILERPLATE)


def test_cgsp_page_is_american_spelling():
    article = extract_article(page(CGSP_SEED), f"{BASE}/{CGSP_SEED}", "cgsp")
    assert "color revolution" in article.text and "neighboring" in article.text
    assert "Sign up" not in article.text


@pytest.mark.parametrize("body", [b"\x00\x01\x02\x03" * 100, b"<html><body></body></html>", b""])
def test_pages_without_an_article_name_the_url(body):
    with pytest.raises(ExtractError) as info:
        extract_article(body, "https://example.org/x/", None)
    assert str(info.value).startswith("https://example.org/x/: ")


def message(partner: str, path: str, **entry) -> ArticleMessage:
    url = f"{BASE}/{path}"
    return ArticleMessage(
        partner=partner, feed_url=f"{BASE}/feed/", canonical_url=url, entry=FeedEntry(url=url, **entry), entry_hash="h"
    )


def test_lse_record_full_text_with_attribution():
    partner = REGISTRY.partner("lse-blogs")
    msg = message("lse-blogs", LSE_SEED, title="Beijing’s ‘Wait and See’ Approach in Kazakhstan",
                  authors=["Lukas Fiala", "Hugo Jones"], published="2022-01-14T15:30:00Z")
    article = extract_article(page(LSE_SEED), msg.entry.url, partner.profile)
    record = build_record(partner, msg, article, fetched_at="2026-11-28T00:00:00Z")
    item = record.to_item()
    ext = item["_syndicate"]
    assert ext["licence"] == {"spdx": "CC-BY-4.0", "url": "https://creativecommons.org/licenses/by/4.0/",
                              "source": "page", "republish": "full"}
    assert ext["attribution"] == (
        f"'Beijing’s ‘Wait and See’ Approach in Kazakhstan' by Lukas Fiala and Hugo Jones, originally published on "
        f"LSE Blogs ({BASE}/{LSE_SEED}) (first published by China Global South Project on 14 January 2022), "
        "licensed under CC BY 4.0. Changes: boilerplate removed."
    )
    html = item["content_html"]
    assert f'src="{BASE}/lse/cff/files/2022/01/kazakhstan-protests-aqtobe-800x450.png"' in html, "images made absolute"
    assert "Zhanaozen" in html and "content_text" not in item
    assert item["summary"].startswith("Beijing’s muted response")


def test_cgsp_record_is_excerpt_only():
    partner = REGISTRY.partner("cgsp")
    msg = message("cgsp", CGSP_SEED, title="Beijing’s “Wait and See” Approach", authors=["LSE IDEAS"])
    article = extract_article(page(CGSP_SEED), msg.entry.url, partner.profile)
    item = build_record(partner, msg, article, fetched_at="2026-11-28T00:00:00Z", summary_chars=120).to_item()
    assert "content_html" not in item
    assert item["content_text"] == item["summary"] and len(item["summary"]) <= 121
    assert item["_syndicate"]["licence"]["republish"] == "excerpt"
    assert "all rights reserved" in item["_syndicate"]["attribution"]


def test_licence_parsing():
    assert spdx_from_url("https://creativecommons.org/licenses/by-nc-nd/3.0/") == (
        "CC-BY-NC-ND-3.0", "https://creativecommons.org/licenses/by-nc-nd/3.0/")
    assert spdx_from_text("is licensed under CC BY-SA 4.0.")[0] == "CC-BY-SA-4.0"
    assert spdx_from_url("https://example.org/terms") is None
    reg = Licence(spdx="CC-BY-4.0", republish="full")
    assert decide_licence(reg, None) is reg
    page = Licence(spdx="CC-BY-NC-ND-2.0", url="https://creativecommons.org/licenses/by-nc-nd/2.0/", source="page")
    nd = decide_licence(reg, page)
    assert nd.spdx == "CC-BY-NC-ND-2.0" and nd.source == "page"
    assert licence_label(nd) == "CC BY-NC-ND 2.0"


def test_sanitizer_strips_active_content_and_absolutizes():
    dirty = (
        '<p onclick="x()">Hi <a href="/a">a</a> <a href="javascript:alert(1)">j</a></p>'
        '<script>alert(1)</script><iframe src="https://evil"></iframe><img src="i.png" onerror="x()" style="a">'
    )
    clean = sanitize_html(dirty, "https://blogs.lse.ac.uk/cff/post/")
    for bad in ("onclick", "<script", "alert", "iframe", "onerror", "style=", "javascript:"):
        assert bad not in clean, bad
    assert 'href="https://blogs.lse.ac.uk/a"' in clean
    assert 'src="https://blogs.lse.ac.uk/cff/post/i.png"' in clean


@pytest.mark.parametrize(
    "fragment",
    [
        '&lt;a href="https://evil.test/"&gt;&lt;img src=x&gt;&lt;/a&gt; text<p>after <a href="/a">a</a></p>',
        '<div>&lt;a href="https://evil.test/"&gt;&lt;img src=x&gt;&lt;/a&gt; text</div><p>p</p>',  # div stripped
        '<!-- c -->&lt;a href="https://evil.test/"&gt;&lt;img src=x&gt;&lt;/a&gt; text',
    ],
)
def test_escaped_markup_at_the_start_stays_escaped(fragment):
    """The text before the first element is text: the link pass must escape it too."""
    clean = sanitize_html(fragment, "https://blogs.lse.ac.uk/cff/post/")
    assert clean.startswith('&lt;a href="https://evil.test/"&gt;&lt;img src=x&gt;&lt;/a&gt; text'), clean
    assert "<img" not in clean and '<a href="https://evil.test/"' not in clean
