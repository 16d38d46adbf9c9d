"""Legitimate feeds are read, through the whole pipeline, on both adapter sets.

A partner whose server names the charset only in the HTTP Content-Type (KOI8-R feed,
windows-1251 pages, no XML encoding declaration, no <meta charset>) gets correct titles and
text, not mojibake; a feed declaring an internal entity is read; an item-less feed is an
empty poll, not a failure that backs the feed off.
"""

from __future__ import annotations

import json

from syndicate import pipeline
from syndicate.registry import load_registry

from fixtures.backends import walk_feed

TITLE = "Пекин и Казахстан: политика выжидания"
PARAGRAPH = (
    "Китай внимательно наблюдал за событиями в Казахстане в январе, не вмешиваясь открыто и "
    "подчёркивая уважение к суверенитету соседа. Эксперты считают, что такая сдержанность "
    "отражает долгосрочную стратегию Пекина в Центральной Азии."
)
PAGE_PATH = "/lse/cff/2022/02/10/pekin-i-kazakhstan/"


def koi8r_feed(base: str) -> bytes:
    """An RSS feed in KOI8-R whose XML declaration names no encoding."""
    return (
        '<?xml version="1.0"?>\n<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>Китайский прогноз</title><link>{base}/lse/cff</link>"
        f"<item><title>{TITLE}</title><link>{base}{PAGE_PATH}</link>"
        "<dc:creator>Анна Петрова</dc:creator><pubDate>Thu, 10 Feb 2022 09:00:00 +0000</pubDate>"
        f"<description>{PARAGRAPH[:80]}</description></item>"
        "</channel></rss>"
    ).encode("koi8-r")


def cp1251_page() -> bytes:
    """An article page in windows-1251 without a <meta charset>."""
    paragraphs = "".join(f"<p>{PARAGRAPH} ({i})</p>" for i in range(6))
    return (
        f"<!DOCTYPE html><html lang='ru'><head><title>{TITLE}</title></head><body>"
        f"<article><h1 class='entry-title'>{TITLE}</h1><div class='entry-content'>{paragraphs}</div>"
        "</article></body></html>"
    ).encode("cp1251")


def test_a_charset_only_in_the_http_header_is_honoured(make_services, demo_registry, site_server):
    svc = make_services(load_registry(demo_registry))
    base = site_server.base_url.rstrip("/")
    site_server.route("/lse/cff/feed/", body=koi8r_feed(base), content_type="application/rss+xml; charset=koi8-r")
    site_server.route(PAGE_PATH, body=cp1251_page(), content_type="text/html; charset=windows-1251")

    report = pipeline.poll_once(svc)
    assert [f for f in report.failures if f.partner == "lse-blogs"] == []
    messages = svc.queue.receive(10)
    entries = [json.loads(m.body)["entry"] for m in messages]
    ours = [e for e in entries if e["url"].endswith(PAGE_PATH)]
    assert [(e["title"], e["authors"]) for e in ours] == [(TITLE, ["Анна Петрова"])]
    assert ours[0]["summary"].startswith(PARAGRAPH[:40])

    message = next(m for m in messages if json.loads(m.body)["entry"]["url"].endswith(PAGE_PATH))
    pipeline.ingest_message(svc, message.body)
    pipeline.publish_pending(svc)
    item = next(i for i in walk_feed(svc) if i["url"].endswith(PAGE_PATH))
    assert item["title"] == TITLE
    assert PARAGRAPH[:60] in item["content_html"]
    assert "Ð" not in json.dumps(item, ensure_ascii=False)  # no mojibake anywhere in the item


def test_an_internal_entity_and_an_item_less_feed(make_services, demo_registry, site_server):
    svc = make_services(load_registry(demo_registry))
    base = site_server.base_url.rstrip("/")
    with_entity = (
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE rss [\n<!ENTITY nbsp "&#160;">\n]>\n'
        f"<rss version='2.0'><channel><title>CFF</title><link>{base}/lse/cff</link>"
        f"<item><title>Beijing&nbsp;Watches</title><link>{base}{PAGE_PATH}</link></item></channel></rss>"
    )
    item_less = "<rss version='2.0'><channel><title>Caf&eacute; sans articles</title></channel></rss>"
    site_server.route("/lse/cff/feed/", body=with_entity, content_type="application/rss+xml")
    site_server.route("/cgsp/feed/", body=item_less, content_type="application/rss+xml")

    report = pipeline.poll_once(svc)
    assert report.failures == []
    titles = [json.loads(m.body)["entry"]["title"] for m in svc.queue.receive(10)]
    assert titles == ["Beijing Watches"]
    cgsp_feed = next(url for url, _ in svc.db.feeds.all() if "/cgsp/" in url)
    health = svc.db.feeds.get(cgsp_feed)
    assert (health.failures, health.last_error, health.backoff_until) == (0, None, None)
    assert health.items_seen == 0
