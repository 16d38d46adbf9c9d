"""Evidence comes from the article, not the page (issue 9).

Licence statements, cross-post notices, bylines, rel=author links, author boxes, image credits
and paywall markers are read from the article's own parts only: the head, the main entity's
JSON-LD, the article container and its byline regions, and the site footer for a site-wide
licence. Comments, sidebars, widgets and related-post lists say nothing about the article.
Every "not read" test has a control showing the same markup IS read from the article, so the
test cannot pass by reading nothing. Also here: which JSON-LD object is the main entity, the
generic main content node, and the caps on authors (attribution.limits).
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest

from syndicate.attribution.page import PageFacts, main_entity, read_page_facts
from syndicate.extract import extract_article
from syndicate.extract.profiles import get_profile, profile_names

ROOT = Path(__file__).resolve().parents[2]
URL = "https://example.org/2022/01/14/a-post/"
PARA = "<p>" + "An ordinary sentence of article text that goes on for a while. " * 6 + "</p>"

#: Everything a hostile region might say about the article, in the shapes the readers know.
CLAIMS = (
    '<p>This article is licensed under <a rel="license" href="https://creativecommons.org/licenses/by/4.0/">'
    "CC BY 4.0</a>.</p>"
    '<p><a rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/"><img alt="CC BY-SA"></a></p>'
    "<p>This article was first published by The Diplomat on 14 January 2022. "
    '<a href="https://evil.example/x">The Diplomat</a></p>'
    "<p>By Evil Person and Other Person, Evil Corp</p>"
    '<p><a rel="author" href="https://evil.example/me">Evil Person</a></p>'
    '<section class="about-the-author"><div class="author-bio"><h3>Evil Person</h3>'
    "<p>Evil Person is a troll at Evil Corp.</p></div></section>"
    "<p>Image credit: photo by Somebody, licensed under CC BY 4.0</p>"
    "<p>Subscribe or log in to read the rest of this content.</p>"
    '<div class="memberful-global-teaser-content"><p>Teaser.</p></div>'
)

#: Regions that are never the article's, each wrapping the claims (WordPress, Disqus, microdata,
#: sidebars and widgets, related-post plugins).
REGIONS = {
    "wordpress comments": '<div id="comments" class="comments-area"><ol class="commentlist"><li id="comment-7" '
    'class="comment"><div class="comment-body">{}</div></li></ol></div>',
    "comment list alone": '<ol class="comment-list"><li class="comment">{}</li></ol>',
    "html5 comment article": '<article id="div-comment-9" class="comment-body">{}</article>',
    "comments area": '<section class="comments-area">{}</section>',
    "disqus": '<div id="disqus_thread">{}</div>',
    "itemprop comment": '<div itemprop="comment" itemscope>{}</div>',
    "schema.org Comment": '<div itemscope itemtype="https://schema.org/Comment">{}</div>',
    "aside": "<aside>{}</aside>",
    "complementary role": '<div role="complementary">{}</div>',
    "#secondary": '<div id="secondary">{}</div>',
    ".sidebar": '<div class="sidebar">{}</div>',
    ".widget": '<section class="widget widget_text">{}</section>',
    ".widget-area": '<div class="widget-area">{}</div>',
    ".related-posts": '<section class="related-posts">{}</section>',
    ".yarpp-related": '<div class="yarpp-related">{}</div>',
    ".jp-relatedposts": '<div id="jp-relatedposts" class="jp-relatedposts">{}</div>',
}


def page(article_inner: str, outside: str = "", head: str = "") -> str:
    return (
        f"<html><head>{head}</head><body><main><article class=\"post hentry\">{article_inner}{PARA}{PARA}"
        f"</article>{outside}</main><footer><p>Site footer</p></footer></body></html>"
    )


def nothing_claimed(facts: PageFacts) -> None:
    assert facts.licence is None, facts.licence
    assert facts.original is None and facts.crosspost_text is None
    assert facts.byline is None
    assert facts.rel_authors == [] and facts.author_boxes == []
    assert facts.images == [] and facts.licence_statement_texts == []
    assert not facts.paywalled


@pytest.mark.parametrize("profile", profile_names())
def test_the_claims_are_read_from_the_article(profile: str):
    """The control: the same markup in the article body is read (so the tests below are not
    passing because nothing is ever read)."""
    facts = read_page_facts(page(CLAIMS), URL, get_profile(profile))
    assert facts.licence is not None and facts.licence[0] == "CC-BY-4.0"
    assert facts.original is not None and facts.original.name == "Diplomat"
    assert facts.byline is not None and facts.byline.names == ["Evil Person", "Other Person"]
    assert [a.name for a in facts.rel_authors] == ["Evil Person"]
    assert facts.images
    if profile not in ("the_conversation",):  # its own author-list reader replaces the generic box
        assert [a.name for a in facts.author_boxes] == ["Evil Person"]
    if profile == "cgsp":
        assert facts.paywalled


@pytest.mark.parametrize("profile", profile_names())
@pytest.mark.parametrize("where", ["after the article", "inside the article"])
@pytest.mark.parametrize("region", REGIONS.values(), ids=REGIONS.keys())
def test_nothing_is_read_from_comments_sidebars_widgets_or_related_posts(region: str, where: str, profile: str):
    hostile = region.format(CLAIMS)
    html = page("", outside=hostile) if where == "after the article" else page(hostile)
    nothing_claimed(read_page_facts(html, URL, get_profile(profile)))


def test_json_ld_inside_a_comment_is_not_read():
    script = '<script type="application/ld+json">{"@type": "Article", "author": "Evil Person", "license": ' \
             '"https://creativecommons.org/licenses/by/4.0/"}</script>'
    facts = read_page_facts(page("", outside=REGIONS["disqus"].format(script)), URL)
    assert facts.jsonld_authors == [] and facts.licence is None


def test_tail_text_after_a_removed_region_stays_with_its_paragraph():
    """Dropping an inline region keeps the text after it (lxml's drop_tree, not remove)."""
    html = page('<p>By Ana Li and Bo Chen<aside>pull quote</aside></p><p>This article was first published by The'
                " Diplomat <aside>x</aside>on 14 January 2022.</p>")
    facts = read_page_facts(html, URL)
    assert facts.byline is not None and facts.byline.names == ["Ana Li", "Bo Chen"]
    assert facts.original is not None and facts.original.date_published == "2022-01-14"


# --- the site footer: a site-wide licence, below anything the article states --------------------

BADGE = '<a rel="license" href="https://creativecommons.org/licenses/by/4.0/"><img alt="CC BY 4.0"></a>'


@pytest.mark.parametrize(
    "footer",
    [
        f"<footer>{BADGE}</footer>",
        '<div id="colophon"><a href="https://creativecommons.org/licenses/by/4.0/"><img alt="CC"></a></div>',
        '<div role="contentinfo"><p>Content on this site is licensed under CC BY 4.0.</p></div>',
    ],
    ids=["footer rel=license badge", "#colophon CC link", "contentinfo statement"],
)
def test_the_site_footer_gives_a_site_wide_licence(footer: str):
    html = page("").replace("<footer><p>Site footer</p></footer>", footer)
    facts = read_page_facts(html, URL)
    assert (facts.licence, facts.licence_source) == (
        ("CC-BY-4.0", "https://creativecommons.org/licenses/by/4.0/"), "footer")


def test_the_footer_reads_no_bylines_notices_or_authors():
    footer = f"<footer>{CLAIMS}</footer>"
    facts = read_page_facts(page("").replace("<footer><p>Site footer</p></footer>", footer), URL, get_profile("cgsp"))
    assert facts.licence is not None and facts.licence_source == "footer"  # the licence only
    assert facts.original is None and facts.byline is None and facts.rel_authors == []
    assert facts.author_boxes == [] and facts.images == [] and not facts.paywalled


def test_the_article_states_its_licence_over_the_footer():
    html = page('<p>This post is licensed under <a href="https://creativecommons.org/licenses/by-nc-nd/3.0/">'
                "CC BY-NC-ND 3.0</a>.</p>").replace("<footer><p>Site footer</p></footer>", f"<footer>{BADGE}</footer>")
    facts = read_page_facts(html, URL)
    assert facts.licence is not None and facts.licence[0] == "CC-BY-NC-ND-3.0" and facts.licence_source == "statement"


def test_a_sidebar_badge_is_not_a_site_wide_licence():
    facts = read_page_facts(page("", outside=f'<aside class="widget-area">{BADGE}</aside>'), URL)
    assert facts.licence is None


# --- JSON-LD: the main entity only ----------------------------------------------------------------


def ld(*objects: object) -> str:
    return "".join(f'<script type="application/ld+json">{json.dumps(o)}</script>' for o in objects)


OWN = {"@type": "BlogPosting", "url": URL, "author": [{"name": "Ana Li"}], "license":
       "https://creativecommons.org/licenses/by-nc/4.0/"}
RELATED = {"@type": "NewsArticle", "url": "https://example.org/other/", "author": "Evil Person",
           "license": "https://creativecommons.org/licenses/by/4.0/", "isAccessibleForFree": False}


@pytest.mark.parametrize("order", ["related first", "own first"])
def test_only_the_article_that_names_this_page_is_read(order: str):
    objects = (RELATED, OWN) if order == "related first" else (OWN, RELATED)
    facts = read_page_facts(page("", head=ld(*objects)), URL)
    assert [a.name for a in facts.jsonld_authors] == ["Ana Li"]
    assert facts.licence is not None and facts.licence[0] == "CC-BY-NC-4.0" and not facts.paywalled


def test_the_webpage_main_entity_wins_and_a_fragment_id_is_the_page():
    graph = {"@graph": [
        {"@type": "Article", "@id": "https://example.org/other/#article", "author": "Evil Person"},
        {"@type": "Article", "@id": URL + "#article", "author": "Ana Li"},
        {"@type": "WebPage", "@id": URL, "mainEntity": {"@id": URL + "#article"}},
    ]}
    assert main_entity([graph["@graph"][2], *graph["@graph"][:2]], [URL]) == graph["@graph"][1]
    facts = read_page_facts(page("", head=ld(graph)), "http://www.example.org/2022/01/14/a-post")
    assert [a.name for a in facts.jsonld_authors] == ["Ana Li"]


def test_an_inline_main_entity_is_read():
    webpage = {"@type": "WebPage", "mainEntity": {"@type": "NewsArticle", "author": "Ana Li"}}
    assert [a.name for a in read_page_facts(page("", head=ld(webpage)), URL).jsonld_authors] == ["Ana Li"]


def test_without_a_match_the_first_article_naming_no_other_page_is_the_main_entity():
    anonymous = {"@type": "Article", "author": "Ana Li"}
    assert main_entity([RELATED, anonymous], [URL]) is anonymous
    assert main_entity([RELATED, {**RELATED, "author": "Bo"}], [URL]) is RELATED  # else simply the first
    assert main_entity([{"@type": "WebSite"}], [URL]) is None


# --- the generic main content node -------------------------------------------------------------------


def test_the_generic_container_is_the_largest_article_not_a_teaser():
    teaser = '<article class="teaser"><p>By Evil Person</p><p><a rel="author" href="/e">Evil Person</a></p></article>'
    main = f'<article><p>By Ana Li and Bo Chen</p>{PARA}{PARA}</article>'
    facts = read_page_facts(f"<html><body>{teaser}{main}</body></html>", URL)
    assert facts.byline is not None and facts.byline.names == ["Ana Li", "Bo Chen"] and facts.rel_authors == []


def test_a_wrapper_named_like_a_sidebar_layout_keeps_the_profiles_article():
    html = (f'<html><body class="sidebar-primary"><div class="sidebar-right"><article class="post hentry">'
            f"<p>By Ana Li and Bo Chen</p>{PARA}</article></div></body></html>")
    facts = read_page_facts(html, URL, get_profile("lse_blogs"))
    assert facts.byline is not None and facts.byline.names == ["Ana Li", "Bo Chen"]


def test_a_byline_region_outside_the_container_is_read():
    """LSE's header may sit outside `article.hentry` in another theme: the profile names it."""
    html = ('<html><body><header class="entry-header"><a rel="author" href="/author/ana-li/">Ana Li</a></header>'
            f'<article class="post hentry">{PARA}</article>'
            '<header class="site-header"><a rel="author" href="/x">Not An Author</a></header></body></html>')
    facts = read_page_facts(html, URL, get_profile("lse_blogs"))
    assert [a.name for a in facts.rel_authors] == ["Ana Li"]


# --- caps: at most 50 authors, fields cut, cuts logged, time bounded -----------------------------


def test_forty_thousand_json_ld_authors_keep_50_in_bounded_time(caplog: pytest.LogCaptureFixture):
    html = (ROOT / "tests" / "fixtures" / "pages" / "generic" / "forty-thousand-authors.html").read_bytes()
    caplog.set_level(logging.WARNING, logger="syndicate.attribution")
    started = time.process_time()
    facts = read_page_facts(html, URL)
    spent = time.process_time() - started
    assert len(facts.jsonld_authors) == 50
    assert spent < 2.0, f"read_page_facts took {spent:.2f} s of CPU for 40,000 JSON-LD authors"
    messages = [r.getMessage() for r in caplog.records if r.name == "syndicate.attribution"]
    assert any(m.startswith(URL) and "JSON-LD authors, kept the first 50" in m for m in messages), messages
    assert any("bio cut from 10239 to" in m for m in messages), messages
    article = extract_article(html, URL, None)
    assert len(article.authors) == 50
    assert all(len(a.name) <= 200 and len(a.bio or "") <= 2000 for a in article.authors)
    assert article.authors[0].name.endswith("…") and article.authors[0].url == "https://coastal-ledger.test/author/ana/"


@pytest.mark.parametrize(
    "markup",
    [
        lambda n: "".join(f'<a rel="author" href="/a/{i}">Person {i}</a> ' for i in range(n)),
        lambda n: "".join(f'<div class="author-bio"><h3>Person {i}</h3><p>Bio {i}.</p></div>' for i in range(n)),
    ],
    ids=["rel=author links", "author boxes"],
)
def test_thousands_of_authors_in_the_article_are_capped(markup, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.WARNING, logger="syndicate.attribution")
    started = time.process_time()
    facts = read_page_facts(page(markup(20_000)), URL)
    assert time.process_time() - started < 5.0
    assert len(facts.rel_authors) + len(facts.author_boxes) == 50
    assert any("kept the first 50" in r.getMessage() for r in caplog.records)


def test_meta_authors_are_capped_too():
    head = "".join(f'<meta name="author" content="Person {i}">' for i in range(500))
    assert len(read_page_facts(page("", head=head), URL).meta_authors) == 50
