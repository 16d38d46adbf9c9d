"""A page to a record: extraction with the partner profile, then attribution and rights."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

import pytest

from syndicate.attribution.licences import decide_licence, licence_label, spdx_from_text, spdx_from_url
from syndicate.attribution.record import (
    MAX_AFFILIATION_CHARS,
    MAX_BIO_CHARS,
    MAX_NAME_CHARS,
    MAX_TAG_CHARS,
    MAX_TAGS,
    MAX_TITLE_CHARS,
    build_record,
)
from syndicate.dedup.merge import Copy, merge_copies
from syndicate.extract import ExtractError, extract_article, sanitize_html
from syndicate.model import Article, ArticleMessage, Author, FeedEntry, Image, Licence
from syndicate.registry import Partner, parse_registry

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
    assert decide_licence(reg, None).licence is reg
    page = Licence(spdx="CC-BY-NC-ND-2.0", url="https://creativecommons.org/licenses/by-nc-nd/2.0/", source="page")
    nd, claimed = decide_licence(reg, page)
    assert nd.spdx == "CC-BY-NC-ND-2.0" and nd.source == "page" and claimed is None
    assert licence_label(nd) == "CC BY-NC-ND 2.0"


# --- the registry's licence is the ceiling -------------------------------------------------------

ALL_RIGHTS_EXCERPT = Licence(spdx="LicenseRef-All-Rights-Reserved", republish="excerpt")
CC_BY_FULL = Licence(spdx="CC-BY-4.0", url="https://creativecommons.org/licenses/by/4.0/", republish="full")
PAGE_CC_BY = Licence(spdx="CC-BY-4.0", url="https://creativecommons.org/licenses/by/4.0/", source="page")
PAGE_NC_ND_3 = Licence(spdx="CC-BY-NC-ND-3.0", url="https://creativecommons.org/licenses/by-nc-nd/3.0/", source="page")


def test_an_untrusted_page_cannot_widen_the_registry_licence():
    """Registry: all rights reserved, excerpts. A page claiming CC BY is kept for review only."""
    decided, claimed = decide_licence(ALL_RIGHTS_EXCERPT, PAGE_CC_BY)
    assert decided == ALL_RIGHTS_EXCERPT
    assert claimed is not None and (claimed.spdx, claimed.source, claimed.republish) == ("CC-BY-4.0", "page", "full")


def test_a_trusted_page_widens_up_to_what_its_licence_permits():
    decided, claimed = decide_licence(ALL_RIGHTS_EXCERPT, PAGE_CC_BY, trusted=True)
    assert (decided.spdx, decided.source, decided.republish, claimed) == ("CC-BY-4.0", "page", "full", None)


@pytest.mark.parametrize("trusted", [False, True])
def test_a_page_licence_at_the_same_level_changes_the_terms(trusted: bool):
    """Registry CC BY, full; the page says CC BY-NC-ND 3.0 (an older blog): the page's terms."""
    decided, claimed = decide_licence(CC_BY_FULL, PAGE_NC_ND_3, trusted=trusted)
    assert (decided.spdx, decided.url, decided.source, decided.republish) == (
        "CC-BY-NC-ND-3.0", "https://creativecommons.org/licenses/by-nc-nd/3.0/", "page", "full")
    assert claimed is None


@pytest.mark.parametrize("trusted", [False, True])
def test_a_narrower_page_licence_always_applies(trusted: bool):
    """A page naming a licence that permits less than the registry's decision narrows it."""
    reserved = Licence(spdx="LicenseRef-All-Rights-Reserved", source="page")
    decided, claimed = decide_licence(CC_BY_FULL, reserved, trusted=trusted)
    assert (decided.spdx, decided.republish, claimed) == ("LicenseRef-All-Rights-Reserved", "excerpt", None)


@pytest.mark.parametrize("page", [None, PAGE_CC_BY, PAGE_NC_ND_3], ids=["no page licence", "cc-by", "nc-nd"])
@pytest.mark.parametrize("trusted", [False, True])
def test_a_paywall_makes_any_licence_link_only(page: Licence | None, trusted: bool):
    for registry in (CC_BY_FULL, ALL_RIGHTS_EXCERPT):
        decided, _ = decide_licence(registry, page, trusted=trusted, paywalled=True)
        assert decided.republish == "link"


def test_the_page_stating_the_registry_licence_keeps_the_registry_decision():
    """An agreement can restrict what the licence alone permits: CC BY, but excerpts only."""
    agreed = Licence(spdx="CC-BY-4.0", republish="excerpt")
    decided, claimed = decide_licence(agreed, PAGE_CC_BY)
    assert (decided.spdx, decided.source, decided.republish, claimed) == ("CC-BY-4.0", "page", "excerpt", None)


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


# --- link-only records and plain-text fields -------------------------------------------------------

LINK_PARTNER = Partner(
    id="coastal-ledger", name="Coastal Ledger", homepage="https://coastal-ledger.test/", feeds=(),
    profile="generic", licence=Licence(spdx="LicenseRef-All-Rights-Reserved", republish="link"),
)
CC_BY = Licence(spdx="CC-BY-4.0", url="https://creativecommons.org/licenses/by/4.0/", republish="full")
FULL_PARTNER = dataclasses.replace(LINK_PARTNER, licence=CC_BY)
ARTICLE_URL = "https://coastal-ledger.test/news/2024/10/07/ferry/"


def _article(**fields) -> Article:
    base = dict(
        url=ARTICLE_URL,
        title="Ferry Operator Adds Winter Sailings",
        text="Islanders will be able to reach the mainland twice a day this winter. " * 20,
        html="<p>Islanders will be able to reach the mainland twice a day this winter.</p>",
        authors=[Author(name="Jane Roe", url="https://coastal-ledger.test/jane/",
                        bio="Jane Roe covers transport for the Coastal Ledger.", affiliation="Coastal Ledger")],
        description="The island ferry will run twice a day through the winter.",
        images=[Image(url="https://coastal-ledger.test/ferry.jpg", credit="Photo: Harbour Archive")],
    )
    return Article(**(base | fields))


def _message(**entry) -> ArticleMessage:
    return ArticleMessage(partner="coastal-ledger", feed_url="https://coastal-ledger.test/feed/",
                          canonical_url=ARTICLE_URL, entry=FeedEntry(url=ARTICLE_URL, **entry), entry_hash="h")


@pytest.mark.parametrize("paywalled", [False, True])
def test_link_only_record_carries_no_partner_text(paywalled):
    """Title, authors, URL, dates and attribution: no description, feed summary, body, bio or credit."""
    msg = _message(title="Ferry Operator Adds Winter Sailings", authors=["Jane Roe"],
                   summary="A feed summary the partner wrote.", published="2024-10-07T06:00:00Z", tags=["Transport"])
    partner = FULL_PARTNER if paywalled else LINK_PARTNER  # a paywall makes even a full partner link-only
    item = build_record(partner, msg, _article(paywalled=paywalled), fetched_at="2026-11-28T00:00:00Z").to_item()
    ext = item["_syndicate"]
    assert ext["licence"]["republish"] == "link"
    lead = "Members-only article; read it at" if paywalled else "Read it at"
    assert item["summary"] == f"{lead} Coastal Ledger: {ARTICLE_URL}"
    assert item["content_text"] == ext["attribution"] and "content_html" not in item
    assert ext["authors"] == [{"name": "Jane Roe", "url": "https://coastal-ledger.test/jane/",
                               "affiliation": "Coastal Ledger"}]
    assert ext["images"] == []
    published = json.dumps(item, ensure_ascii=False)
    for partner_text in ("Islanders", "twice a day", "feed summary", "covers transport", "Harbour Archive"):
        assert partner_text not in published, partner_text
    assert item["title"] == "Ferry Operator Adds Winter Sailings" and item["tags"] == ["Transport"]
    assert item["date_published"] == "2024-10-07T06:00:00Z" and item["url"] == ARTICLE_URL


def test_hostile_fields_come_out_plain():
    msg = _message(title="T<script>alert(1)</script>", summary="<img src=x onerror=alert(1)>Summary\x07 text",
                   authors=["<script>alert(1)</script>", "Jane <b>Roe</b>"], tags=["<svg onload=alert(1)>", "Ports"])
    article = _article(authors=[Author(name="Jane Roe", bio="<img src=x onerror=alert(1)>Writes.",
                                       affiliation="<i>Ledger</i>", url="javascript:alert(1)")],
                       description=None, tags=["<b onmouseover=alert(1)>Harbour</b>", "<svg onload=alert(1)></svg>"])
    item = build_record(FULL_PARTNER, msg, article, fetched_at="2026-11-28T00:00:00Z").to_item()
    assert item["title"] == "T"
    assert item["summary"] == "Summary text"
    assert item["tags"] == ["Ports", "Harbour"]
    assert item["_syndicate"]["authors"] == [{"name": "Jane Roe", "bio": "Writes.", "affiliation": "Ledger"}]
    assert item["authors"] == [{"name": "Jane Roe"}]
    published = json.dumps({k: v for k, v in item.items() if k != "content_html"}, ensure_ascii=False)
    for bad in ("<script", "<img", "<svg", "alert(1)", "javascript:", "\\u0007"):
        assert bad not in published, bad


def test_fields_are_capped_and_the_cut_is_logged(caplog):
    msg = _message(title="word " * 200, tags=[f"tag{i}" for i in range(45)] + ["x" * 150],
                   authors=["N" * 300])
    article = _article(authors=[Author(name="Jane Roe", bio="b " * 2000, affiliation="a " * 400)])
    with caplog.at_level(logging.WARNING, logger="syndicate.attribution"):
        item = build_record(FULL_PARTNER, msg, article, fetched_at="2026-11-28T00:00:00Z").to_item()
    assert len(item["title"]) <= MAX_TITLE_CHARS and item["title"].endswith("…")
    assert len(item["tags"]) == MAX_TAGS and all(len(t) <= MAX_TAG_CHARS for t in item["tags"])
    jane, long_name = item["_syndicate"]["authors"]
    assert len(jane["bio"]) <= MAX_BIO_CHARS and len(jane["affiliation"]) <= MAX_AFFILIATION_CHARS
    assert len(long_name["name"]) <= MAX_NAME_CHARS
    lines = [r.getMessage() for r in caplog.records if r.name == "syndicate.attribution"]
    assert lines and all(ARTICLE_URL in line for line in lines), lines
    logged = "\n".join(lines)
    for what in ("title 999 > 300", "tag 150 > 100", "16 tags over 30 dropped", "name cut from 300 to 200",
                 "'Jane Roe': bio cut", "'Jane Roe': affiliation cut"):
        assert what in logged, what


def test_nothing_is_logged_when_nothing_is_cut(caplog):
    with caplog.at_level(logging.WARNING, logger="syndicate.attribution"):
        build_record(FULL_PARTNER, _message(title="Short"), _article(), fetched_at="2026-11-28T00:00:00Z")
    assert [r for r in caplog.records if r.name == "syndicate.attribution"] == []


def test_merged_link_only_copies_carry_no_text_and_point_at_the_original():
    """Copies of one article from two link-only partners merge into a record with our words only,
    naming the original (the earlier copy) and its URL, not the copy the record was built from."""
    other = dataclasses.replace(LINK_PARTNER, id="harbour-news", name="Harbour News",
                                homepage="https://harbour-news.test/", rank=1)
    later_url = "https://harbour-news.test/2024/10/08/ferry/"
    first = build_record(LINK_PARTNER, _message(title="Ferry", published="2024-10-07T06:00:00Z",
                                                summary="Islanders will be able to reach the mainland."),
                         _article(), fetched_at="2026-11-28T00:00:00Z")
    later_msg = ArticleMessage(partner=other.id, feed_url="https://harbour-news.test/feed/", canonical_url=later_url,
                               entry=FeedEntry(url=later_url, title="Ferry", published="2024-10-08T06:00:00Z"),
                               entry_hash="h")
    later = build_record(other, later_msg, _article(url=later_url), fetched_at="2026-11-28T00:00:00Z")
    merged = merge_copies([Copy(later, other.name, 1), Copy(first, LINK_PARTNER.name, 0)]).to_item()
    assert merged["url"] == ARTICLE_URL
    assert merged["summary"] == f"Read it at Coastal Ledger: {ARTICLE_URL}"
    assert merged["content_text"] == merged["_syndicate"]["attribution"] and "content_html" not in merged
    assert "republished on Harbour News" in merged["content_text"]
    published = json.dumps(merged, ensure_ascii=False)
    for partner_text in ("Islanders", "twice a day", "covers transport", "Harbour Archive"):
        assert partner_text not in published, partner_text
