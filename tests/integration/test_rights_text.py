"""Link-only means link-only, and text stays text: the published feed, on both adapter sets.

Two partners on the loopback site: a link-only one whose feed and page are full of text we
may not show, and a CC BY one whose feed and page carry hostile titles, summaries, tags and
author names. A whole `pipeline.run` must publish the first with none of its text and the
second with every plain-text field plain, and escaped markup in its body still escaped.
"""

from __future__ import annotations

import json
import re
from typing import Any

from syndicate import pipeline
from syndicate.publish.jsonfeed import loads_page
from syndicate.registry import parse_registry
from syndicate.services import Services

from fixtures.backends import walk_feed

REGISTRY = """
partners:
  - id: ledger
    name: Coastal Ledger
    homepage: "{base}/ledger/"
    feeds: [{{url: "{base}/ledger/feed/"}}]
    profile: generic
    licence: {{spdx: LicenseRef-All-Rights-Reserved, republish: link}}
  - id: gazette
    name: Harbour Gazette
    homepage: "{base}/gazette/"
    feeds: [{{url: "{base}/gazette/feed/"}}]
    profile: generic
    licence: {{spdx: CC-BY-4.0, url: "https://creativecommons.org/licenses/by/4.0/", republish: full}}
"""

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<title>{name}</title><link>{{{{BASE}}}}/{slug}/</link><description>d</description>
<item>{item}</item>
</channel></rss>
"""

LEDGER_ITEM = """
<title>Ferry Operator Adds Winter Sailings</title>
<link>{{BASE}}/ledger/2024/10/07/ferry/</link>
<dc:creator>Jane Roe</dc:creator>
<pubDate>Mon, 07 Oct 2024 06:00:00 +0000</pubDate>
<category>Transport</category>
<description><![CDATA[<p>Islanders will be able to reach the mainland twice a day this winter.</p>]]></description>
"""

LEDGER_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Ferry Operator Adds Winter Sailings</title>
<meta name="description" content="The island ferry will run twice a day through the winter for the first time.">
</head><body><main><article><h1>Ferry Operator Adds Winter Sailings</h1>
<p class="byline">By Jane Roe</p>
<p>The operator agreed to keep its second boat in service until March, ending four years of single daily
crossings, after a petition signed by more than a thousand residents and a subsidy from the regional council.</p>
<p>Shopkeepers on the island said the second crossing would make it easier to restock perishable goods, while
the school said pupils who board on the mainland could come home at weekends.</p>
<p>The operator warned that sailings may still be cancelled in bad weather and asked passengers to check the
timetable online before travelling.</p>
</article></main></body></html>"""

GAZETTE_ITEM = """
<title>Quays &amp;amp; cranes&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;&lt;img src=x&gt;</title>
<link>{{BASE}}/gazette/2024/10/08/quays/</link>
<dc:creator>Ann Lee</dc:creator>
<pubDate>Tue, 08 Oct 2024 06:00:00 +0000</pubDate>
<category><![CDATA[<svg onload=alert(1)>Ports]]></category>
<category>Cranes&#133;</category>
<description><![CDATA[<img src=x onerror=alert(1)>The new cranes lift twice as fast.]]></description>
"""

GAZETTE_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Quays &amp; cranes</title>
<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle","headline":"Quays",
"author":[{"@type":"Person","name":"\\u003cscript\\u003ealert(1)\\u003c/script\\u003eAnn Lee"},
{"@type":"Person","name":"Bo \\u003cimg src=x onerror=alert(1)\\u003eChen"}]}</script>
</head><body><main><article><h1>Quays &amp; cranes</h1>
<p>&lt;a href="https://evil.test/x"&gt;&lt;img src=https://tracker.test/p.gif&gt;&lt;/a&gt; is how the harbour
master's note began, pasted as text into the first line of the article, and it must stay text.</p>
<p>Two new cranes on the east quay lift containers twice as fast as the ones they replace, the port said,
and they run on electricity from the new substation rather than on diesel.</p>
<p>Dock workers were trained on the new machines over the summer, and the old cranes will be sold.</p>
</article></main></body></html>"""

PARTNER_TEXT = ("Islanders", "twice a day", "petition", "Shopkeepers", "timetable", "second boat")
TAG_OPEN = re.compile(r"<[A-Za-z/!?]")  # what would start an element in a page
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _serve(site_server: Any) -> None:
    site_server.route("/ledger/feed/", body=RSS.format(name="Coastal Ledger", slug="ledger", item=LEDGER_ITEM),
                      content_type="application/rss+xml")
    site_server.route("/ledger/2024/10/07/ferry/", body=LEDGER_PAGE, content_type="text/html; charset=utf-8")
    site_server.route("/gazette/feed/", body=RSS.format(name="Harbour Gazette", slug="gazette", item=GAZETTE_ITEM),
                      content_type="application/rss+xml")
    site_server.route("/gazette/2024/10/08/quays/", body=GAZETTE_PAGE, content_type="text/html; charset=utf-8")


def _run(make_services: Any, site_server: Any) -> tuple[Services, dict[str, dict[str, Any]]]:
    _serve(site_server)
    registry = parse_registry(REGISTRY.format(base=site_server.base_url.rstrip("/")), source="rights-text.yaml")
    svc = make_services(registry)
    report = pipeline.run(svc)
    assert report.ok, report.failures
    items = {i["_syndicate"]["partner"]: i for i in walk_feed(svc)}
    assert set(items) == {"ledger", "gazette"}
    return svc, items


def test_link_only_partner_publishes_no_text_and_hostile_fields_come_out_plain(make_services, site_server):
    svc, items = _run(make_services, site_server)

    ledger = items["ledger"]
    url = site_server.url("/ledger/2024/10/07/ferry/")
    assert ledger["_syndicate"]["licence"]["republish"] == "link"
    assert ledger["summary"] == f"Read it at Coastal Ledger: {url}"
    assert ledger["content_text"] == ledger["_syndicate"]["attribution"] and "content_html" not in ledger
    assert ledger["title"] == "Ferry Operator Adds Winter Sailings" and ledger["tags"] == ["Transport"]
    assert [a["name"] for a in ledger["authors"]] == ["Jane Roe"]
    # Nothing of the partner's text anywhere it is published: the feeds and the record file.
    feed = loads_page(svc.store.get("feeds/ledger.json") or b"{}")
    for doc in (json.dumps(ledger, ensure_ascii=False), json.dumps(feed, ensure_ascii=False)):
        for phrase in PARTNER_TEXT:
            assert phrase not in doc, phrase

    gazette = items["gazette"]
    assert gazette["_syndicate"]["licence"]["republish"] == "full"
    assert gazette["title"].startswith("Quays &")
    assert gazette["summary"] == "The new cranes lift twice as fast."
    assert gazette["tags"] == ["Ports", "Cranes"]
    assert [a["name"] for a in gazette["authors"]] == ["Ann Lee", "Bo Chen"]  # the page's JSON-LD names
    plain = [gazette["title"], gazette["summary"], *gazette["tags"], *(a["name"] for a in gazette["authors"]),
             *(a["name"] for a in gazette["_syndicate"]["authors"])]
    for field in plain:
        assert not TAG_OPEN.search(field) and not CONTROL.search(field), field
    html = gazette["content_html"]
    assert '&lt;a href="https://evil.test/x"&gt;&lt;img src=https://tracker.test/p.gif&gt;&lt;/a&gt;' in html
    assert "<img" not in html and '<a href="https://evil.test' not in html
