"""`syndicate reprocess`: the stored source pages extracted again after a profile or policy
change, on the local adapters and on moto's server.

The sample site is run through the pipeline once; then the registry or a profile changes and
the stored pages are reprocessed. Only the records whose reader-visible content changed get
a new version and are written again (the public store's writes are counted), the loopback
server sees no request at all, `--partner` and `--since` pick the pages, and a damaged raw
object is one named failure while the others proceed.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from syndicate import cli, pipeline
from syndicate.adapters.local import SqliteStateStore
from syndicate.extract.profiles import lse_blogs
from syndicate.extract.profiles._rules import para_starting
from syndicate.pipeline.raw import RAW_FORMAT, load_raw_page, save_raw_page
from syndicate.ports import ObjectStore, Unchanged
from syndicate.registry import load_registry
from syndicate.services import Services
from syndicate.state.raw import raw_key

SAMPLE_PAGES = 6  # 3 LSE + 3 CGSP pages; the cross-posted seed article is one record of two copies
DUAL_CIRCULATION = "what-dual-circulation-means-for-chinas-trading-partners"


@dataclass
class CountingObjectStore:
    """An ObjectStore that records the keys written and deleted through it."""

    inner: ObjectStore
    puts: list[str] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)

    def get(self, key: str) -> bytes | None:
        return self.inner.get(key)

    def get_with_etag(self, key: str) -> tuple[bytes, str] | None:
        return self.inner.get_with_etag(key)

    def get_if_changed(self, key: str, etag: str | None) -> tuple[bytes, str] | Unchanged | None:
        return self.inner.get_if_changed(key, etag)

    def put(self, key: str, body: bytes, content_type: str = "application/json", **conditions: Any) -> None:
        self.puts.append(key)
        self.inner.put(key, body, content_type, **conditions)

    def list_keys(self, prefix: str = "") -> list[str]:
        return self.inner.list_keys(prefix)

    def delete(self, key: str) -> None:
        self.deletes.append(key)
        self.inner.delete(key)


@pytest.fixture(autouse=True)
def _no_politeness_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every page is on one loopback host: do not wait a second between them."""
    monkeypatch.setenv("SYNDICATE_PER_HOST_DELAY", "0")


def _run_sample(make_services, demo_registry: Path) -> Services:
    svc = make_services(load_registry(demo_registry))
    report = pipeline.run(svc)
    assert report.ok, report.failures
    return svc


def _records(svc: Services) -> dict[str, dict[str, Any]]:
    out = {}
    for record_id, _ in svc.db.records.all():
        raw = svc.store.get(f"records/{record_id}.json")
        assert raw is not None
        out[record_id] = json.loads(raw)
    return out


def _versions(svc: Services) -> dict[str, int]:
    return {record_id: meta.version for record_id, meta in svc.db.records.all()}


def _with_registry_text(svc: Services, path: Path, old: str, new: str, tmp_path: Path) -> None:
    """Point the deployment at an edited copy of the registry (as `--config FILE` would)."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    edited = tmp_path / "partners-edited.yaml"
    edited.write_text(text.replace(old, new), encoding="utf-8")
    svc.registry = load_registry(edited)


def test_ingest_keeps_each_page_once(make_services, demo_registry, site_server):
    svc = _run_sample(make_services, demo_registry)

    stored = svc.db.raw.all()
    assert len(stored) == SAMPLE_PAGES
    assert {meta.partner for _, meta in stored} == {"lse-blogs", "cgsp"}
    for copy_id, meta in stored:
        data = svc.private.get(raw_key(copy_id))
        assert data is not None and data[:2] == b"\x1f\x8b", "gzip"
        assert meta.stored_size == len(data) < meta.size, "kept compressed"
        page = load_raw_page(svc, copy_id, meta)
        assert page.url == meta.url and page.partner == meta.partner
        assert page.content_type and page.content_type.startswith("text/html")
        head = json.loads(gzip.decompress(data).partition(b"\n")[0])
        assert head["format"] == RAW_FORMAT and head["message"]["entry"]["title"]
        with urllib.request.urlopen(meta.url) as response:
            assert page.body == response.read(), "the bytes exactly as received"

    # The same page fetched again, unchanged: no second object, the item keeps its fetch time.
    copy_id, meta = stored[0]
    page = load_raw_page(svc, copy_id, meta)
    counting = CountingObjectStore(svc.private)
    svc.private = counting
    fetched = svc.http.get_page(meta.url)
    assert not save_raw_page(svc, copy_id, page.message, fetched, "2099-01-01T00:00:00Z")
    assert counting.puts == [] and svc.db.raw.get(copy_id) == meta
    # A changed feed entry (its title) is an input of the record: stored again.
    message = page.message.model_copy(update={"entry": page.message.entry.model_copy(update={"title": "New"})})
    assert save_raw_page(svc, copy_id, message, fetched, "2099-01-01T00:00:00Z")
    assert counting.puts == [raw_key(copy_id)]
    again = svc.db.raw.get(copy_id)
    assert again is not None and again.fetched_at == "2099-01-01T00:00:00Z" and again.digest != meta.digest


def test_licence_policy_change_republishes_only_affected_records(
    make_services, demo_registry, site_server, tmp_path
):
    svc = _run_sample(make_services, demo_registry)
    before = _records(svc)
    versions = _versions(svc)
    # CGSP's default licence: excerpt -> link. The records of CGSP alone and not already
    # link-only (the paywalled one) change; the cross-posted seed keeps LSE's CC BY text.
    affected = {
        rid
        for rid, item in before.items()
        if item["_syndicate"]["partner"] == "cgsp"
        and not item["_syndicate"]["also_published_at"]
        and item["_syndicate"]["licence"]["republish"] == "excerpt"
    }
    assert len(affected) == 1
    _with_registry_text(
        svc, demo_registry, "LicenseRef-All-Rights-Reserved, republish: excerpt",
        "LicenseRef-All-Rights-Reserved, republish: link", tmp_path,
    )
    store = CountingObjectStore(svc.store)
    svc.store = store
    site_server.clear_log()
    seen: list[pipeline.ReprocessOutcome] = []

    report = pipeline.reprocess(svc, on_item=seen.append)

    assert site_server.requests == [], "reprocess fetches nothing"
    assert report.ok and report.reprocessed == SAMPLE_PAGES and seen == report.outcomes
    assert report.changed_records == sorted(affected)
    assert report.changed == 1 and report.unchanged == SAMPLE_PAGES - 1
    after = _versions(svc)
    assert {rid for rid in after if after[rid] != versions[rid]} == affected
    assert all(after[rid] == versions[rid] + 1 for rid in affected)
    assert {k for k in store.puts if k.startswith("records/")} == {f"records/{rid}.json" for rid in affected}
    assert not [k for k in store.deletes if k.startswith("records/")]
    assert not any(k.startswith("feeds/lse-blogs") for k in store.puts), "LSE's feed holds no changed record"
    assert report.publish.published and svc.db.pending.all() == []
    now = _records(svc)
    for rid in affected:
        assert now[rid]["_syndicate"]["licence"]["republish"] == "link"
        assert now[rid] != before[rid] and now[rid]["_syndicate"]["version"] == versions[rid] + 1
    assert {rid: now[rid] for rid in now if rid not in affected} == {
        rid: before[rid] for rid in before if rid not in affected
    }, "other records untouched, byte for byte"
    published = {item["id"]: item for item in _walk(svc, "feeds/cgsp.json")}
    assert all(published[rid]["_syndicate"]["licence"]["republish"] == "link" for rid in affected)

    # Nothing changed since: a second reprocess writes nothing and publishes nothing.
    store.puts.clear()
    again = pipeline.reprocess(svc)
    assert again.ok and again.changed == 0 and again.unchanged == SAMPLE_PAGES
    assert store.puts == [] and not again.publish.published
    assert _versions(svc) == after


def test_profile_change_for_one_partner(make_services, demo_registry, site_server, monkeypatch):
    svc = _run_sample(make_services, demo_registry)
    before = _records(svc)
    versions = _versions(svc)
    (target,) = [rid for rid, item in before.items() if DUAL_CIRCULATION in item["url"]]
    assert "Third, consumer brands" in before[target]["content_html"]
    # A profile fix: one more boilerplate rule, which only one LSE article's body matches.
    rule = para_starting("Third, consumer brands")
    fixed = dataclasses.replace(lse_blogs.PROFILE, prune_xpath=(*lse_blogs.PROFILE.prune_xpath, rule))
    monkeypatch.setattr(lse_blogs, "PROFILE", fixed)
    site_server.clear_log()
    svc.clock = lambda: datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)

    report = pipeline.reprocess(svc, partner="lse-blogs")

    assert site_server.requests == []
    assert report.ok and report.reprocessed == 3
    assert {o.partner for o in report.outcomes} == {"lse-blogs"}
    assert report.changed_records == [target]
    after = _versions(svc)
    assert {rid for rid in after if after[rid] != versions[rid]} == {target}
    item = _records(svc)[target]
    assert "Third, consumer brands" not in item["content_html"] and "Second, manufacturers" in item["content_html"]
    assert item["_syndicate"]["version"] == versions[target] + 1
    assert item["date_modified"] == "2031-05-06T07:08:09Z", "changed when reprocessed, not when fetched"
    assert item["_syndicate"]["fetched_at"] == before[target]["_syndicate"]["fetched_at"], "fetched once"

    # The other partner's pages were not selected: CGSP's profile is untouched, so all are unchanged.
    cgsp = pipeline.reprocess(svc, partner="cgsp")
    assert cgsp.reprocessed == 3 and cgsp.changed == 0 and {o.partner for o in cgsp.outcomes} == {"cgsp"}


def test_since_picks_pages_by_fetch_time(make_services, demo_registry, site_server):
    registry = load_registry(demo_registry)
    svc = make_services(registry)
    lse_feed = registry.partner("lse-blogs").feeds[0].url
    svc.clock = lambda: datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
    site_server.route(lse_feed, status=503, body="later")  # first run: CGSP's pages only
    first = pipeline.run(svc)
    assert [f.url for f in first.failures] == [lse_feed]
    site_server.unroute(lse_feed)
    svc.clock = lambda: datetime(2024, 3, 5, 8, 30, tzinfo=UTC)
    assert pipeline.run(svc, force=True).ok
    fetched = {meta.partner: set() for _, meta in svc.db.raw.all()}
    for _, meta in svc.db.raw.all():
        fetched[meta.partner].add(meta.fetched_at[:10])
    assert fetched == {"cgsp": {"2024-03-01"}, "lse-blogs": {"2024-03-05"}}
    site_server.clear_log()

    newer = pipeline.reprocess(svc, since=pipeline.parse_since("2024-03-02"))
    assert newer.reprocessed == 3 and {o.partner for o in newer.outcomes} == {"lse-blogs"}
    exact = pipeline.reprocess(svc, since=pipeline.parse_since("2024-03-05T08:30:00Z"))
    assert exact.reprocessed == 3, "a page fetched at that very instant counts"
    assert pipeline.reprocess(svc, since=pipeline.parse_since("2024-03-05T08:30:01")).reprocessed == 0
    both = pipeline.reprocess(svc, partner="cgsp", since=pipeline.parse_since("2024-03-02"))
    assert both.reprocessed == 0
    everything = pipeline.reprocess(svc, since=pipeline.parse_since("2024-01-01"))
    assert everything.reprocessed == SAMPLE_PAGES and everything.ok and everything.changed == 0
    assert site_server.requests == []
    with pytest.raises(ValueError, match="--since"):
        pipeline.parse_since("last tuesday")


def test_damaged_raw_objects_fail_by_name_and_the_rest_proceed(
    make_services, demo_registry, site_server, capsys, request
):
    svc = _run_sample(make_services, demo_registry)
    pages = dict(svc.db.raw.all())
    ids = sorted(pages)
    garbage, truncated, missing = ids[0], ids[1], ids[2]
    svc.private.put(raw_key(garbage), b"this is not gzip", "application/gzip")
    whole = svc.private.get(raw_key(truncated))
    assert whole is not None
    svc.private.put(raw_key(truncated), whole[: len(whole) // 2], "application/gzip")
    svc.private.delete(raw_key(missing))
    site_server.clear_log()

    report = pipeline.reprocess(svc)

    assert not report.ok and report.failed == 3 and report.reprocessed == SAMPLE_PAGES
    failed = {o.copy_id: o for o in report.failures}
    assert set(failed) == {garbage, truncated, missing}
    for copy_id, outcome in failed.items():
        assert outcome.url == pages[copy_id].url and f"raw/{copy_id}" in (outcome.error or "")
        assert copy_id in str(outcome) and pages[copy_id].url in str(outcome)
    assert "not a readable gzip object" in (failed[garbage].error or "")
    assert "missing" in (failed[missing].error or "")
    ok = [o for o in report.outcomes if o.status != "failed"]
    assert len(ok) == SAMPLE_PAGES - 3 and all(o.record_id and o.status == "unchanged" for o in ok)
    assert site_server.requests == []

    # The command: an error line per damaged page naming copy and URL, the counts, exit status 1.
    args = ["reprocess", "--config", str(demo_registry)]
    if isinstance(svc.state, SqliteStateStore):
        args += ["--out", str(Path(svc.state.path).parent.parent)]
    else:
        res = request.getfixturevalue("aws_resources")
        args += ["--aws", "--bucket", res.bucket, "--table", res.table, "--queue-url", res.article_queue_url]
        args += ["--endpoint-url", res.endpoint]
    capsys.readouterr()
    assert cli.main(args) == cli.EXIT_FAILURES
    out = capsys.readouterr().out
    for copy_id in (garbage, truncated, missing):
        line = next(ln for ln in out.splitlines() if copy_id in ln)
        assert line.startswith("FAILED ") and pages[copy_id].url in line
    assert f"reprocessed {SAMPLE_PAGES} stored page(s): 0 changed, {SAMPLE_PAGES - 3} unchanged, 3 failed" in out

    assert cli.main([*args, "--json"]) == cli.EXIT_FAILURES
    lines = [json.loads(ln) for ln in capsys.readouterr().out.splitlines()]
    assert len(lines) == SAMPLE_PAGES + 1
    assert {ln["copy_id"] for ln in lines[:-1] if ln["status"] == "failed"} == {garbage, truncated, missing}
    assert lines[-1]["summary"] == {"reprocessed": SAMPLE_PAGES, "changed": 0, "unchanged": 3, "failed": 3}
    assert cli.main([*args, "--partner", "nobody"]) == cli.EXIT_USAGE
    assert cli.main([*args, "--since", "soon"]) == cli.EXIT_USAGE
    assert site_server.requests == []


def _walk(svc: Services, first_key: str) -> list[dict[str, Any]]:
    from fixtures.backends import walk_feed

    return walk_feed(svc, first_key)
