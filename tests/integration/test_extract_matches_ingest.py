"""`syndicate extract` runs the code ingest runs: the preview of a page is the record a run
makes of it (same id, URL, authors, licence, decision), with the full text added."""

from __future__ import annotations

import json

from syndicate import pipeline
from syndicate.cli import preview_record
from syndicate.registry import load_registry
from syndicate.runtime import build_local


def test_preview_of_each_page_is_the_record_a_run_made(tmp_path, demo_registry, site_server):
    registry = load_registry(demo_registry)
    svc = build_local(tmp_path / "out", registry, allow_loopback=True)
    try:
        report = pipeline.run(svc)
        assert report.ok, report.failures
        singles = []  # records made of one copy: their preview must match the record whole
        for rid, _meta in svc.db.records.all():
            record = json.loads(svc.store.get(f"records/{rid}.json") or b"{}")
            if not record["_syndicate"]["also_published_at"]:
                singles.append(record)
        assert len(singles) == 4, "5 records, one of them the merged seed article"
        for record in singles:
            ext = record["_syndicate"]
            partner = registry.partner(ext["partner"])
            page = svc.http.get_page(ext["source_url"])
            preview = preview_record(registry, partner, page.body, page.url)
            assert preview["id"] == record["id"], "the same id as the run"
            for key in ("url", "title", "authors", "summary", "content_html"):
                assert preview.get(key) == record.get(key), key
            for key in ("canonical_url", "licence", "authors", "attribution", "images", "original_publisher"):
                assert preview["_syndicate"][key] == ext[key], key
            assert preview["content_text"], "the preview carries the full extracted text"
    finally:
        svc.http.close()


def test_preview_applies_the_registry_url_rules_as_ingest_does(tmp_path, demo_registry, site_server):
    """A page reached through a host alias (a staging copy) previews under the partner's id."""
    text = demo_registry.read_text().replace(
        "    profile: lse_blogs\n", "    profile: lse_blogs\n    host_aliases: [localhost]\n"
    )
    aliased = tmp_path / "aliased.yaml"
    aliased.write_text(text)
    registry = load_registry(aliased)
    partner = registry.partner("lse-blogs")
    seed = "/lse/cff/2022/01/14/beijings-wait-and-see-approach-in-kazakhstan/"
    svc = build_local(tmp_path / "out", registry, allow_loopback=True)
    try:
        page = svc.http.get_page(site_server.url(seed))
    finally:
        svc.http.close()
    via_alias = site_server.url(seed).replace("127.0.0.1", "localhost")
    preview = preview_record(registry, partner, page.body, via_alias)
    direct = preview_record(registry, partner, page.body, site_server.url(seed))
    assert preview["url"] == site_server.url(seed)
    assert preview["id"] == direct["id"]
