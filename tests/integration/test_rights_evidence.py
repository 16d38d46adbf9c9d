"""Rights evidence through the whole pipeline, on the local adapters and on moto's server.

Issue 9: a reader comment claiming CC BY on an all-rights-reserved, excerpt-only partner's
page, or a comment carrying "This post was first published by Evil Corp on 1 January 2022"
with a link, changed the published records (licence, full text; url, id, original publisher).
Here the demo site serves the hostile versions of its pages (the saved cases under
tests/fixtures/pages/ and a CGSP news page with the same comments) and every published record
must be exactly what the clean site gives. And a page licence wider than the registry's, for a
partner whose pages are not trusted, reaches the published record only as `claimed_licence`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from syndicate import pipeline
from syndicate.registry import load_registry, parse_registry
from syndicate.schema import record_schema
from syndicate.services import Services

from fixtures.backends import walk_feed
from fixtures.jsonfeed_rules import shows_only_excerpt

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "tests" / "fixtures" / "pages"
SITE = ROOT / "demo" / "syndicate_demo" / "site"
CGSP_SEED = "/cgsp/analysis/beijings-wait-and-see-approach-in-kazakhstan/"
CGSP_NEWS = "/cgsp/2022/01/20/chinese-firms-in-kazakhstan-count-the-cost-of-unrest/"
LSE_DUAL = "/lse/cff/2022/01/20/what-dual-circulation-means-for-chinas-trading-partners/"


def saved(case: str) -> str:
    """A saved hostile page, its https://demo.test links pointed at the test server."""
    return (PAGES / case).read_text(encoding="utf-8").replace("https://demo.test", "{{BASE}}")


def with_cgsp_comments(path: str) -> str:
    """A demo page with the comment block of the saved CGSP case added after its article."""
    hostile = saved("cgsp/comment-claims-cc-by.html")
    comments = hostile[hostile.index('<div id="comments"') : hostile.index('<section class="related-posts">')]
    page = (SITE / path.strip("/") / "index.html").read_text(encoding="utf-8")
    assert page.count("</article>") == 1
    return page.replace("</article>", "</article>\n" + comments)


def comparable(item: dict[str, Any]) -> dict[str, Any]:
    out = json.loads(json.dumps(item))
    out.pop("date_modified", None)
    out["_syndicate"].pop("fetched_at")
    return out


def run(svc: Services) -> dict[str, dict[str, Any]]:
    """Poll, ingest and publish; every published item, valid against the record schema."""
    report = pipeline.run(svc)
    assert report.ok, report.failures
    validator = jsonschema.Draft202012Validator(record_schema())
    items = walk_feed(svc)
    for item in items:
        validator.validate(item)
    return {item["url"]: comparable(item) for item in items}


HTML = "text/html; charset=utf-8"


def test_comments_change_no_published_record(make_services, demo_registry, site_server):
    registry = load_registry(demo_registry)
    before = run(make_services(registry, "clean"))

    site_server.route(CGSP_SEED, body=saved("cgsp/comment-claims-cc-by.html"), content_type=HTML)
    site_server.route(LSE_DUAL, body=saved("lse_blogs/comment-crosspost-notice.html"), content_type=HTML)
    site_server.route(CGSP_NEWS, body=with_cgsp_comments(CGSP_NEWS), content_type=HTML)
    site_server.clear_log()
    after = run(make_services(registry, "hostile"))
    for path in (CGSP_SEED, LSE_DUAL, CGSP_NEWS):
        assert site_server.count(path, "GET") >= 1, f"the hostile {path} was served"

    assert after == before, "a comment changed a published record"
    news = after[site_server.url(CGSP_NEWS)]
    ext = news["_syndicate"]
    assert (ext["licence"]["spdx"], ext["licence"]["republish"]) == ("LicenseRef-All-Rights-Reserved", "excerpt")
    assert "claimed_licence" not in ext and shows_only_excerpt(news)
    assert ext["original_publisher"]["name"] == "China Global South Project"
    dual = after[site_server.url(LSE_DUAL)]
    assert dual["url"] == dual["_syndicate"]["canonical_url"] == site_server.url(LSE_DUAL)
    assert dual["id"] == before[site_server.url(LSE_DUAL)]["id"]
    assert dual["_syndicate"]["original_publisher"]["name"] == "LSE Blogs"
    assert "Evil" not in json.dumps(after) and "free-texts.example" not in json.dumps(after)


def test_an_untrusted_partners_wider_page_licence_is_only_claimed(make_services, demo_registry, site_server):
    """LSE's registry entry made all-rights-reserved, excerpt-only and not trusted: its pages'
    CC BY (the footer) does not widen it; the published records carry it as claimed_licence."""
    text = demo_registry.read_text(encoding="utf-8").replace("    page_licence: trusted", "")
    text = text.replace(
        'licence: {spdx: CC-BY-4.0, url: "https://creativecommons.org/licenses/by/4.0/", republish: full}',
        "licence: {spdx: LicenseRef-All-Rights-Reserved, republish: excerpt}",
    )
    registry = parse_registry(text, source="untrusted-lse.yaml")
    assert not registry.partner("lse-blogs").pages_state_licence
    records = run(make_services(registry))
    lse_only = [r for r in records.values() if r["_syndicate"]["partner"] == "lse-blogs"]
    assert len(lse_only) == 2, "the two LSE articles that are not cross-posted"
    for record in lse_only:
        ext = record["_syndicate"]
        assert (ext["licence"]["spdx"], ext["licence"]["source"], ext["licence"]["republish"]) == (
            "LicenseRef-All-Rights-Reserved", "registry", "excerpt")
        assert ext["claimed_licence"] == {
            "spdx": "CC-BY-4.0", "url": "https://creativecommons.org/licenses/by/4.0/", "source": "page",
            "republish": "full"}
        assert shows_only_excerpt(record) and "all rights reserved" in ext["attribution"]
