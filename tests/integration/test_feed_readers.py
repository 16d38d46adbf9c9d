"""Feeds that readers show correctly: the whole pipeline on the sample site, then every page
it published read the way a feed reader reads it.

- every JSON Feed page in the store (found by walking the store, whatever the layout) keeps
  the JSON Feed 1.1 rules (tests/fixtures/jsonfeed_rules.py), and every Atom page parses
  with feedparser without a bozo flag;
- feed_url / next_url / home_page_url come from the registry's publish.base_url or
  --base-url; a file: URL only when neither is given, and the command says so;
- the attribution travels with the content: one attribution paragraph at the end of each
  republished item's content_html, still one after another publish; none on link-only items.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from typing import Any

import feedparser

from syndicate import pipeline
from syndicate.cli import main
from syndicate.extract.sanitize import sanitize_html
from syndicate.pipeline.ingest import ingest_article, message_for_page, worker_deadline
from syndicate.publish.jsonfeed import loads_page
from syndicate.registry import load_registry, parse_registry
from syndicate.state import PublishMark

from fixtures.jsonfeed_rules import atom_pages, feed_errors, published_pages

BASE = "https://feeds.example.org/syndicate/"


def _registry_text(demo_registry: Path, publish: str) -> str:
    return demo_registry.read_text(encoding="utf-8") + f"\npublish: {publish}\n"


def _check_every_page(store: Any) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Every JSON page keeps the rules and every Atom page parses; both, by key."""
    pages = dict(published_pages(store))
    assert pages, "nothing published"
    for key, doc in pages.items():
        assert feed_errors(doc, key) == [], key
    atoms = {}
    for key, raw in atom_pages(store):
        parsed = feedparser.parse(raw)
        assert parsed.bozo == 0, (key, parsed.get("bozo_exception"))
        assert parsed.version == "atom10", key
        atoms[key] = parsed
    return pages, atoms


def _paragraphs(item: dict[str, Any]) -> int:
    """How many times the record's attribution paragraph ends up in its content_html."""
    return (item.get("content_html") or "").count("Changes: boilerplate removed.</p>")


def test_every_published_page_is_valid_json_feed_and_atom(make_services, demo_registry, site_server):
    registry = parse_registry(
        _registry_text(demo_registry, f"{{base_url: {BASE}, page_size: 2, title: syndicate}}"), "r.yaml"
    )
    svc = make_services(registry)  # no --base-url: the registry's base URL
    assert pipeline.run(svc).ok
    pages, atoms = _check_every_page(svc.store)
    assert len([k for k in pages if k.startswith("feed")]) >= 3, "the aggregate feed runs over several pages"
    for key, doc in pages.items():
        assert doc["feed_url"].startswith(BASE) and doc["home_page_url"].startswith("http"), key
        if "next_url" in doc:
            assert doc["next_url"].startswith(BASE)
            assert doc["next_url"].removeprefix(BASE) in pages, "next_url names a page in the store"
    assert pages["feed.json"]["home_page_url"] == "https://feeds.example.org/", "the aggregate feed's site"
    assert pages["feeds/cgsp.json"]["home_page_url"] == site_server.base_url + "/cgsp/"

    assert {"feed.atom", "feeds/cgsp.atom", "feeds/lse-blogs.atom"} <= set(atoms)
    head = atoms["feed.atom"]
    assert [e.link for e in head.entries] == [i["url"] for i in pages["feed.json"]["items"]]
    assert any(link.rel == "self" and link.href == BASE + "feed.atom" for link in head.feed.links)
    for entry, item in zip(head.entries, pages["feed.json"]["items"], strict=True):
        assert [a["name"] for a in entry.authors] == [a["name"] for a in item["authors"]]
        assert entry.rights.startswith(item["_syndicate"]["attribution"])

    items = [i for k, d in pages.items() if k.startswith("feed/") or k == "feed.json" for i in d["items"]]
    assert len(items) == 5
    for item in items:
        assert item["author"] == item["authors"][0], "JSON Feed 1.0 readers read author"
        assert item["language"] in ("en-GB", "en-US"), "from the sample pages' <html lang>"
    seed = next(i for i in items if "wait-and-see" in i["url"])
    assert seed["image"] == seed["banner_image"] == seed["_syndicate"]["images"][0]["url"], "CC BY-SA lead image"


def test_attribution_paragraph_once_after_two_publishes(make_services, demo_registry, site_server):
    registry = load_registry(demo_registry)
    svc = make_services(registry, base_url=BASE)
    assert pipeline.run(svc).ok
    first = {i["id"]: i for i in loads_page(svc.store.get("feed.json") or b"")["items"]}
    # Every copy fetched, extracted and merged again (the seed: two copies, re-merged), then
    # a publish from scratch that rebuilds every page from the stored records.
    for item in first.values():
        ext = item["_syndicate"]
        for url in [ext["source_url"], item["url"]] + [p["url"] for p in ext["also_published_at"]]:
            partner = registry.partner_for_url(url)
            assert partner is not None
            ingest_article(svc, message_for_page(registry, partner, url), worker_deadline())
    svc.db.publish.put_last(PublishMark("stale", [], "2000-01-01T00:00:00Z"))
    assert pipeline.publish_pending(svc).published
    items = loads_page(svc.store.get("feed.json") or b"")["items"]
    assert {i["id"] for i in items} == set(first)
    for item in items:
        ext = item["_syndicate"]
        if ext["licence"]["republish"] == "link":
            assert "content_html" not in item and item["content_text"] == ext["attribution"]
            assert "image" not in item and ext.get("images", []) == [], "no partner text: no image credit"
            continue
        assert _paragraphs(item) == 1, item["url"]
        html = item["content_html"]
        assert html.rstrip().endswith("Changes: boilerplate removed.</p>")
        assert sanitize_html(html, item["url"]) == html, "the attribution survives the sanitizer unchanged"
        licence = ext["licence"]
        if licence.get("url"):
            assert f'href="{licence["url"]}"' in html, "the licence is linked"
        assert f'href="{item["url"]}"' in html, "the original is linked"
        for author in item["authors"]:
            assert author["name"] in html.rsplit("<p>", 1)[1], "the authors are named in the paragraph"
        if licence["republish"] == "excerpt":  # the excerpt and the credit, never the body
            assert re.sub(r"<[^>]+>", "", html.split("\n")[0]) == item["summary"]
    seed = next(i for i in loads_page(svc.store.get("feed.json") or b"")["items"] if "wait-and-see" in i["url"])
    figure = re.search(r"<figure>.*?</figure>", seed["content_html"], re.S)
    assert figure and seed["_syndicate"]["images"][0]["url"] in figure.group(0)
    assert "<figcaption>Image: 2022 Kazakhstan protests — Aqtobe, January 4, " in figure.group(0)
    assert "CC BY-SA 4.0</a></figcaption>" in figure.group(0), "the image's own licence under it"


def test_base_url_from_flag_registry_or_file(tmp_path, demo_registry, site_server, capsys):
    flag = tmp_path / "flag"
    assert main(["run", "--config", str(demo_registry), "--out", str(flag), "--allow-loopback",
                 "--base-url", "https://cdn.example.net/f/"]) == 0
    assert "file:" not in capsys.readouterr().out
    doc = loads_page((flag / "feed.json").read_bytes())
    assert doc["feed_url"] == "https://cdn.example.net/f/feed.json"
    assert doc["next_url"].startswith("https://cdn.example.net/f/feed/") if "next_url" in doc else True
    assert "https://cdn.example.net/f/feed.atom" in gzip.decompress((flag / "feed.atom").read_bytes()).decode("utf-8")

    configured = tmp_path / "configured.yaml"
    configured.write_text(_registry_text(demo_registry, f"{{base_url: {BASE}, page_size: 2}}"), encoding="utf-8")
    reg = tmp_path / "reg"
    assert main(["run", "--config", str(configured), "--out", str(reg), "--allow-loopback"]) == 0
    assert "file:" not in capsys.readouterr().out
    doc = loads_page((reg / "feed.json").read_bytes())
    assert doc["feed_url"] == BASE + "feed.json" and doc["next_url"].startswith(BASE + "feed/")
    partner = loads_page((reg / "feeds" / "cgsp.json").read_bytes())
    assert partner["feed_url"] == BASE + "feeds/cgsp.json"

    # The flag wins over the registry.
    both = tmp_path / "both"
    assert main(["run", "--config", str(configured), "--out", str(both), "--allow-loopback",
                 "--base-url", "https://cdn.example.net/f/"]) == 0
    capsys.readouterr()
    assert loads_page((both / "feed.json").read_bytes())["feed_url"].startswith("https://cdn.")

    neither = tmp_path / "neither"
    assert main(["run", "--config", str(demo_registry), "--out", str(neither), "--allow-loopback"]) == 0
    out = capsys.readouterr().out
    notices = [line for line in out.splitlines() if "file:" in line]
    assert notices == [f"feed links point at {neither.resolve().as_uri()}/: set publish.base_url in the registry"
                       " or pass --base-url"]
    doc = loads_page((neither / "feed.json").read_bytes())
    assert doc["feed_url"].startswith("file:") and doc["home_page_url"].startswith("file:")
    assert feed_errors(doc) == []
