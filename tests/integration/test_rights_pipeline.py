"""Rights in the running pipeline, on both adapter sets: a record stays with its partner, a
page's cross-post notice moves nothing we did not fetch and match ourselves, and an article
as large as the page cap allows publishes with only small items in the state table."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from syndicate import pipeline
from syndicate.dedup.urls import record_id
from syndicate.publish.jsonfeed import loads_page
from syndicate.registry import load_registry
from syndicate.services import Services
from syndicate_demo import site_root

from fixtures.backends import walk_feed
from fixtures.stores import item_sizes

LSE_DUAL = "/lse/cff/2022/01/20/what-dual-circulation-means-for-chinas-trading-partners/"
CGSP_FEED = "/cgsp/feed/"
HTML = "text/html; charset=utf-8"


def site_file(path: str) -> str:
    return (site_root() / path.strip("/") / ("index.xml" if path.endswith("feed/") else "index.html")).read_text()


def by_url(svc: Services) -> dict[str, dict[str, Any]]:
    return {item["url"]: item for item in walk_feed(svc)}


def with_paragraph_first(page: str, paragraph: str) -> str:
    """The page with `paragraph` as the article body's first paragraph."""
    return page.replace('<div class="entry-content">', '<div class="entry-content">\n' + paragraph, 1)


def test_a_feed_entry_on_another_partners_site_is_refused_by_name(make_services, demo_registry, site_server):
    lse_article = site_server.url(LSE_DUAL)
    feed = site_file(CGSP_FEED)
    stolen = (
        "<item><title>What dual circulation means (our copy)</title>"
        f"<link>{lse_article}</link><guid isPermaLink=\"false\">x-1</guid>"
        "<pubDate>Tue, 25 Jan 2022 08:00:00 +0000</pubDate><description>Ours now.</description></item>"
    )
    site_server.route(CGSP_FEED, body=feed.replace("<item>", stolen + "<item>", 1), content_type="application/rss+xml")
    svc = make_services(load_registry(demo_registry))
    report = pipeline.run(svc)

    refused = [f for f in report.failures if f.url == lse_article]
    assert [(f.stage, f.partner) for f in refused] == [("poll", "cgsp")]
    assert "links outside China Global South Project's site" in refused[0].reason
    assert len(report.failures) == 1, "nothing else failed"
    items = by_url(svc)
    assert len(items) == 5, "every article of both partners is still published"
    lse = items[lse_article]
    assert lse["_syndicate"]["partner"] == "lse-blogs" and lse["_syndicate"]["licence"]["spdx"] == "CC-BY-4.0"
    assert lse["_syndicate"]["also_published_at"] == [], "not claimed by the other partner"
    cgsp_feed = loads_page(svc.store.get("feeds/cgsp.json") or b"{}")
    assert lse_article not in {i["url"] for i in cgsp_feed["items"]}


def test_a_notice_naming_an_outside_publisher_is_shown_but_moves_nothing(make_services, demo_registry, site_server):
    page = site_file(LSE_DUAL)
    notice = (
        '<p>This article was first published by The Diplomat on 3 January 2022. '
        '<a href="https://thediplomat.example/2022/01/dual-circulation-explained/">Read the original</a>.</p>'
    )
    site_server.route(LSE_DUAL, body=with_paragraph_first(page, notice), content_type=HTML)
    svc = make_services(load_registry(demo_registry))
    assert pipeline.run(svc).ok
    url = site_server.url(LSE_DUAL)
    item = by_url(svc)[url]
    assert item["id"] == record_id(url) and item["_syndicate"]["canonical_url"] == url
    original = item["_syndicate"]["original_publisher"]
    assert original["name"].endswith("Diplomat"), "the notice is shown"
    assert "thediplomat.example" not in item["url"] + item["id"]


def test_a_notice_naming_another_partner_moves_nothing_without_a_matched_copy(
    make_services, demo_registry, site_server
):
    """LSE's page says it was first published by CGSP, but CGSP has no such article: the record
    keeps LSE's URL, text and CC BY licence; CGSP's records are untouched."""
    page = site_file(LSE_DUAL)
    notice = '<p>This was published by the China Global South Project on 20 January 2022.</p>'
    site_server.route(LSE_DUAL, body=with_paragraph_first(page, notice), content_type=HTML)
    svc = make_services(load_registry(demo_registry))
    assert pipeline.run(svc).ok
    items = by_url(svc)
    assert len(items) == 5
    item = items[site_server.url(LSE_DUAL)]
    ext = item["_syndicate"]
    assert ext["partner"] == "lse-blogs" and ext["licence"]["spdx"] == "CC-BY-4.0"
    assert ext["licence"]["republish"] == "full" and item.get("content_html")
    assert ext["also_published_at"] == []
    assert {i["_syndicate"]["partner"] for u, i in items.items() if "/cgsp/" in u} == {"cgsp"}


def big_article(words: int, seed: int = 3) -> str:
    """Paragraphs of varied words: `words` words, about six bytes each."""
    rng = random.Random(seed)
    vocabulary = [f"{a}{b}" for a in ("trade", "bank", "port", "loan", "rail", "grid", "mine", "farm")
                  for b in ("ing", "er", "s", "ed", "ly", "ward", "ish", "ment", "ful", "less")]
    paragraphs = []
    for _ in range(words // 80):
        paragraphs.append("<p>" + " ".join(rng.choice(vocabulary) for _ in range(80)) + ".</p>")
    return "\n".join(paragraphs)


def test_an_article_at_600_kb_publishes_and_state_items_stay_small(
    make_services, demo_registry, site_server, tmp_path: Path
):
    page = site_file(LSE_DUAL)
    body = with_paragraph_first(page, big_article(100_000))
    assert len(body.encode()) > 600_000
    site_server.route(LSE_DUAL, body=body, content_type=HTML)
    svc = make_services(load_registry(demo_registry))
    report = pipeline.run(svc)
    assert report.ok, report.failures
    item = by_url(svc)[site_server.url(LSE_DUAL)]
    assert len(item["content_html"]) > 500_000, "the whole article is published"
    sizes = item_sizes(svc.state)
    largest = max(sizes.items(), key=lambda kv: kv[1])
    assert largest[1] < 64 * 1024, f"state items stay small; the largest is {largest}"
    assert sum(1 for pk, _ in sizes if pk == "copy") == 6
