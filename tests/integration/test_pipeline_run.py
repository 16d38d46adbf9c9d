"""The whole pipeline over loopback HTTP, on the local adapters and on moto's server.

Both backends run the same scenarios: the sample site publishes valid JSON Feed 1.1 with
every sample article; a second run changes nothing; a feed that 404s and a page that is not
HTML are reported by name while everything else still publishes.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema

from syndicate import pipeline
from syndicate.publish.jsonfeed import loads_page
from syndicate.registry import load_registry
from syndicate.schema import record_schema
from syndicate.services import Services

from fixtures.jsonfeed_rules import shows_only_excerpt

SAMPLE_ENTRIES = 6  # 3 LSE + 3 CGSP entries in the bundled sample feeds
SAMPLE_ARTICLES = 5  # the seed article is cross-posted on both: one record

FEED_SCHEMA = {
    "type": "object",
    "required": ["version", "title", "items"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": {"type": "string", "minLength": 1},
        "feed_url": {"type": "string"},
        "next_url": {"type": "string"},
        "items": {"type": "array"},
    },
}


def read_feed(svc: Services, first_key: str, base_url: str) -> list[dict[str, Any]]:
    """Follow next_url from the first page; validate every page and item on the way."""
    items: list[dict[str, Any]] = []
    key: str | None = first_key
    validator = jsonschema.Draft202012Validator(record_schema())
    while key:
        raw = svc.store.get(key)
        assert raw is not None, f"{key} missing"
        doc = loads_page(raw)  # stored gzip-encoded
        jsonschema.validate(doc, FEED_SCHEMA)
        for item in doc["items"]:
            validator.validate(item)
        items += doc["items"]
        nxt = doc.get("next_url")
        key = nxt.removeprefix(base_url) if nxt else None
    return items


BASE = "https://feeds.example.org/"


def test_sample_site_end_to_end(make_services, demo_registry, site_server):
    registry = load_registry(demo_registry)
    registry.publish = registry.publish.__class__(base_url=None, page_size=4, title="syndicate")
    svc = make_services(registry, base_url=BASE)
    svc.settings.page_size = 4

    report = pipeline.run(svc)
    assert report.ok, report.failures
    assert report.poll.feeds_polled == 2 and report.poll.enqueued == SAMPLE_ENTRIES
    assert sum(r.changed for r in report.ingested) == SAMPLE_ENTRIES

    items = read_feed(svc, "feed.json", BASE)
    assert len(items) == SAMPLE_ARTICLES == len({i["id"] for i in items})
    dates = [i.get("date_published") or "" for i in items]
    assert dates == sorted(dates, reverse=True), "newest first"
    first_page = loads_page(svc.store.get("feed.json") or b"{}")
    assert first_page["next_url"].startswith(BASE + "feed/archive-000001-")

    lse = read_feed(svc, "feeds/lse-blogs.json", BASE)
    cgsp = read_feed(svc, "feeds/cgsp.json", BASE)
    assert len(lse) == 3 and len(cgsp) == 3, "the merged seed record is in both partners' feeds"
    seed = next(i for i in items if "wait-and-see" in i["url"])
    ext = seed["_syndicate"]
    assert seed["url"] == ext["canonical_url"] and "/cgsp/analysis/" in seed["url"], "canonical: the original"
    assert ext["original_publisher"]["name"] == "China Global South Project"
    assert ext["original_publisher"]["date_published"] == "2022-01-14"
    assert [p["partner"] for p in ext["also_published_at"]] == ["lse-blogs"]
    assert "utm_source" not in ext["also_published_at"][0]["url"]
    assert [a["name"] for a in seed["authors"]] == ["Lukas Fiala", "Hugo Jones"]
    assert all(a.get("bio") and a.get("affiliation") for a in ext["authors"])
    assert ext["licence"]["spdx"] == "CC-BY-4.0" and ext["licence"]["republish"] == "full"
    assert [i["licence"]["spdx"] for i in ext["images"]] == ["CC-BY-SA-4.0"]
    assert "Zhanaozen" in seed["content_html"] and "<script" not in seed["content_html"]
    assert "Leave a Reply" not in seed["content_html"] and "This was published by" not in seed["content_html"]
    assert "originally published on China Global South Project" in ext["attribution"]
    assert "republished on LSE Blogs" in ext["attribution"]
    for item in cgsp:  # all rights reserved: excerpt only, never the full text of a CGSP-only article
        if item["_syndicate"]["also_published_at"]:
            continue
        assert shows_only_excerpt(item), "the excerpt and its attribution, no body"
        assert len(item["content_text"]) <= max(svc.settings.summary_chars + 1, len(item["_syndicate"]["attribution"]))
    paywalled = [i for i in cgsp if i["_syndicate"]["paywalled"]]
    assert len(paywalled) == 1, "the Memberful teaser page is marked"
    assert paywalled[0]["_syndicate"]["licence"]["republish"] == "link"
    assert "policy banks writing large checks" not in json.dumps(paywalled[0]), "teaser text never republished"
    plain_cgsp = [i for i in cgsp if not i["_syndicate"]["paywalled"] and not i["_syndicate"]["also_published_at"]]
    assert {i["_syndicate"]["licence"]["republish"] for i in plain_cgsp} == {"excerpt"}

    # a second run with nothing new changes nothing
    before = {k: svc.store.get(k) for k in svc.store.list_keys("")}
    again = pipeline.run(svc)
    assert again.ok and again.poll.enqueued == 0 and not again.ingested
    assert again.poll.feeds_not_modified == 2, "conditional GET answered 304"
    assert not again.publish.published
    after = {k: svc.store.get(k) for k in svc.store.list_keys("")}
    assert after == before


def test_broken_feed_and_page_are_named_and_others_publish(make_services, demo_registry, site_server):
    registry = load_registry(demo_registry)
    lse_feed = registry.partner("lse-blogs").feeds[0].url
    site_server.route(lse_feed, status=404, body="gone")
    cgsp_news = site_server.url("/cgsp/2022/01/20/chinese-firms-in-kazakhstan-count-the-cost-of-unrest/")
    site_server.route(cgsp_news, body=b"%PDF-1.7 binary", content_type="application/pdf")
    svc = make_services(registry)

    report = pipeline.run(svc)
    assert not report.ok
    reasons = {(f.stage, f.partner, f.url): f.reason for f in report.failures}
    assert reasons[("poll", "lse-blogs", lse_feed)] == "HTTP 404"
    assert "not an HTML page" in reasons[("ingest", "cgsp", cgsp_news)]
    assert "application/pdf" in reasons[("ingest", "cgsp", cgsp_news)]
    assert len(report.failures) == 2

    items = read_feed(svc, "feed.json", svc.settings.public_base_url)
    assert len(items) == 2, "the other two CGSP articles are published"
    health = svc.db.feeds.get(lse_feed)
    assert health and health.failures == 1 and health.last_error == "HTTP 404"
