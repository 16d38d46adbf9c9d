"""Search over the bundled sample, on the local adapters and on moto's S3 (over the wire).

What the issue asks to see: the seed article is the first hit for "Kazakhstan protests China";
the author filter works; words from deep inside an excerpt-only article's body (the partner's
page has them, the record does not publish them) find nothing and appear in no snippet, and
the same for a link-only article's body; a second publish adds one new segment and nothing else.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from syndicate import pipeline
from syndicate.cli import main
from syndicate.ports import ObjectStore
from syndicate.registry import load_registry
from syndicate.search import SearchDoc, SearchQuery
from syndicate.search.api import answer
from syndicate.search.tantivy_index import POINTER_KEY, SEGMENTS_PREFIX, TantivySearchIndex
from syndicate.services import Services
from syndicate.state.records import RecordMeta
from syndicate_demo import site_root

BASE = "https://feeds.example.org/"
SEED_TITLE = 'Beijing’s "Wait and See" Approach in Kazakhstan'
EXCERPT_PAGE = "cgsp/2022/01/20/chinese-firms-in-kazakhstan-count-the-cost-of-unrest/index.html"
LINK_PAGE = "cgsp/analysis/why-chinese-lenders-are-rethinking-infrastructure-finance/index.html"
# Deep in the excerpt-only article's body (its third paragraph, far past the excerpt).
EXCERPT_DEEP = ["processing plants near Almaty", "private security contractors"]
# In the link-only (paywalled teaser) article's body.
LINK_BODY = ["policy banks writing large checks"]


def _published(svc: Services) -> Services:
    report = pipeline.run(svc)
    assert report.ok, report.failures
    assert svc.search is not None
    return svc


@pytest.fixture
def sample(make_services, demo_registry, site_server) -> Services:
    return _published(make_services(load_registry(demo_registry), base_url=BASE))


def _record(svc: Services, title: str) -> dict[str, Any]:
    for key in svc.store.list_keys("records/"):
        item = json.loads(svc.store.get(key) or b"{}")
        if item["title"] == title:
            return item
    raise AssertionError(f"no record titled {title!r}")


def _ask(svc: Services, **params: str) -> dict[str, Any]:
    assert svc.search is not None
    status, body = answer(svc.search, params)
    assert status == 200, body
    return body


def test_seed_article_is_the_first_hit_with_a_plain_highlighted_snippet(sample: Services) -> None:
    body = _ask(sample, q="Kazakhstan protests China")
    assert body["total"] >= 1
    first = body["hits"][0]
    assert first["title"] == SEED_TITLE
    assert first["authors"] == ["Lukas Fiala", "Hugo Jones"]
    assert first["decision"] == "full" and first["licence"] == "CC-BY-4.0"
    assert first["url"] == _record(sample, SEED_TITLE)["url"]
    assert "<" not in first["snippet"] and "&" not in first["snippet"], "plain text, no markup or entities"
    marked = [first["snippet"][a:b].casefold() for a, b in first["snippet_highlights"]]
    assert marked and all(w.startswith(("kazakhstan", "protest", "china")) for w in marked), marked
    assert body["page"] == 1 and body["per_page"] == 10 and body["next_page"] is None


def test_author_and_partner_filters(sample: Services) -> None:
    by_fiala = _ask(sample, q="Kazakhstan", author="Lukas Fiala")
    assert [h["title"] for h in by_fiala["hits"]] == [SEED_TITLE]
    staff = _ask(sample, q="Kazakhstan", author="cgsp staff")
    assert [h["title"] for h in staff["hits"]] == ["Chinese Firms in Kazakhstan Count the Cost of Unrest"]
    assert _ask(sample, q="Kazakhstan", author="Hugo Fiala")["total"] == 0, "a name is a phrase, not loose words"
    everyone = _ask(sample, q="Kazakhstan")
    assert everyone["total"] == 2
    # The seed is CGSP's record with an LSE copy: the LSE filter finds it through the copy.
    lse = _ask(sample, q="Kazakhstan", partner="lse-blogs")
    assert [(h["title"], h["partner"]) for h in lse["hits"]] == [(SEED_TITLE, "cgsp")]
    assert _ask(sample, q="Kazakhstan", **{"from": "2022-01-15"})["total"] == 1
    dated = _ask(sample, partner="lse-blogs")  # filters alone: newest first
    dates = [h["date"] for h in dated["hits"]]
    assert len(dates) == 3 and dates == sorted(dates, reverse=True)


def test_excerpt_only_body_is_neither_found_nor_shown(sample: Services) -> None:
    page = (site_root() / EXCERPT_PAGE).read_text(encoding="utf-8")
    record = _record(sample, "Chinese Firms in Kazakhstan Count the Cost of Unrest")
    assert record["_syndicate"]["licence"]["republish"] == "excerpt"
    for phrase in EXCERPT_DEEP:
        assert phrase in page, "the partner's page has these words"
        assert phrase not in json.dumps(record), "the record does not publish them"
        assert _ask(sample, q=f'"{phrase}"')["total"] == 0
        for word in phrase.split():
            for hit in _ask(sample, q=word)["hits"]:
                assert phrase not in hit["snippet"]
                if hit["id"] == record["id"]:  # found for its title or excerpt, never for the body
                    assert word.casefold() in (hit["title"] + " " + record["summary"]).casefold()
    # What it does publish, its excerpt, is searchable and is its snippet.
    found = _ask(sample, q="reviewing security", author="CGSP Staff")["hits"]
    assert [h["id"] for h in found] == [record["id"]]
    assert found[0]["snippet"] in record["summary"] + record.get("content_text", "")


def test_link_only_body_is_not_searchable(sample: Services) -> None:
    page = (site_root() / LINK_PAGE).read_text(encoding="utf-8")
    record = _record(sample, "Why Chinese Lenders Are Rethinking Infrastructure Finance")
    assert record["_syndicate"]["licence"]["republish"] == "link"
    for phrase in LINK_BODY:
        assert phrase in page
        assert _ask(sample, q=f'"{phrase}"')["total"] == 0
        assert record["id"] not in {h["id"] for h in _ask(sample, q="policy banks")["hits"]}
    # Found by its title and author, with no snippet: it republishes no text of the partner's.
    (hit,) = _ask(sample, q="Okafor")["hits"]
    assert hit["id"] == record["id"] and hit["snippet"] == "" and hit["snippet_highlights"] == []
    (hit,) = _ask(sample, q="lenders rethinking")["hits"]
    assert hit["id"] == record["id"] and hit["snippet"] == ""
    assert _ask(sample, q='"Read it at"')["total"] == 0, "its pointer summary is ours, not indexed"


def _segment_keys(svc: Services) -> set[str]:
    store = svc.search.store  # type: ignore[union-attr]
    return set(store.list_keys(SEGMENTS_PREFIX))


def _add_record(svc: Services, source: dict[str, Any], record_id: str, title: str, body: str) -> None:
    item = json.loads(json.dumps(source))
    item.update(id=record_id, title=title, url=f"https://example.org/{record_id}", summary=body)
    item["content_text"] = body
    svc.store.put(f"records/{record_id}.json", json.dumps(item).encode())
    svc.db.records.put(record_id, RecordMeta(partner="cgsp", date_published=item["date_published"], fingerprint=title))
    svc.db.pending.mark(record_id, "2022-02-01T00:00:00Z")


def test_second_publish_adds_one_segment_and_a_retire_none(sample: Services) -> None:
    index = sample.search
    assert isinstance(index, TantivySearchIndex)
    before = _segment_keys(sample)
    pointer = index.pointer()
    assert pointer is not None and pointer["generation"] == 1 and len(pointer["meta"]["segments"]) == 1
    assert before == {SEGMENTS_PREFIX + name for name in pointer["files"]}

    excerpt = _record(sample, "Chinese Firms in Kazakhstan Count the Cost of Unrest")
    _add_record(sample, excerpt, "new1", "Tajik traders wait at the border", "Queues at the Tajik border grew.")
    report = pipeline.publish_pending(sample)
    assert report.published
    after = _segment_keys(sample)
    assert before <= after, "no segment file is rewritten or removed"
    added = after - before
    stems = {key.removeprefix(SEGMENTS_PREFIX).split(".")[0] for key in added}
    assert len(stems) == 1 and len(added) >= 4, f"one new segment's files: {sorted(added)}"
    assert index.segment_count() == 2
    assert [h.id for h in index.search(SearchQuery("Tajik")).hits] == ["new1"]
    assert index.search(SearchQuery("Kazakhstan")).total == 2, "the earlier documents are all still there"

    # The record is retired: no new segment; its segment (it held only that record) is dropped
    # from the pointer, and its files stay one more generation for readers still on the last.
    sample.store.delete("records/new1.json")
    sample.db.records.delete("new1")
    sample.db.pending.mark("new1", "2022-02-02T00:00:00Z", retired=True)
    pipeline.publish_pending(sample)
    assert all(key.endswith(".del") for key in _segment_keys(sample) - after)
    assert index.search(SearchQuery("Tajik")).total == 0
    assert index.segment_count() == 1
    pointer = index.pointer()
    assert pointer is not None and {SEGMENTS_PREFIX + n for n in pointer["retired"]} == added


def test_cli_search_json_lines_and_readable(
    tmp_path: Path, demo_registry: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["run", "--config", str(demo_registry), "--out", str(out), "--allow-loopback"]) == 0
    capsys.readouterr()
    assert main(["search", "Kazakhstan protests China", "--out", str(out), "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[0]["title"] == SEED_TITLE
    assert {"id", "title", "url", "score", "snippet"} <= set(lines[0])
    assert main(["search", "Kazakhstan", "--out", str(out), "--json", "--limit", "1"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1
    assert (
        main(["search", "Kazakhstan", "--out", str(out), "--author", "CGSP Staff", "--config", str(demo_registry)]) == 0
    )
    text = capsys.readouterr().out
    assert "1. Chinese Firms in Kazakhstan" in text and "1 hit(s)" in text and SEED_TITLE not in text
    assert main(["search", "x", "--out", str(out), "--partner", "nobody", "--config", str(demo_registry)]) == 2
    assert main(["search", "x", "--out", str(tmp_path / "empty")]) == 2
    assert "no search index" in capsys.readouterr().err


# ---------------------------------------------------------------- the adapter on its own


def _doc(i: int, text: str = "") -> SearchDoc:
    return SearchDoc(id=f"d{i}", title=f"Article {i}", url=f"https://x.example/{i}", text=text or f"word{i} common")


def test_racing_commits_lose_nothing_and_the_loser_cleans_up(tmp_path: Path) -> None:
    """Two writers with their own caches on one store: the loser of the pointer race retries."""
    from syndicate.adapters.local import LocalObjectStore

    store = LocalObjectStore(tmp_path / "bucket")
    a = TantivySearchIndex(store, tmp_path / "cache-a")
    a.upsert([_doc(0)])
    a.commit()

    class RacingStore:
        """B's view of the store: just before B writes the pointer, A commits."""

        def __init__(self, inner: ObjectStore) -> None:
            self.inner, self.raced = inner, False

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

        def put(self, key: str, body: bytes, content_type: str = "application/json", **kw: Any) -> None:
            if key == POINTER_KEY and not self.raced:
                self.raced = True
                a.upsert([_doc(1)])
                a.commit()
            self.inner.put(key, body, content_type, **kw)

    b = TantivySearchIndex(RacingStore(store), tmp_path / "cache-b")  # type: ignore[arg-type]
    b.upsert([_doc(2)])
    report = b.commit()
    assert report.attempts == 2
    for reader in (a, b, TantivySearchIndex(store, tmp_path / "cache-c")):
        assert reader.search(SearchQuery("common")).total == 3
    pointer = b.pointer()
    assert pointer is not None
    live = {SEGMENTS_PREFIX + n for n in pointer["files"]} | {SEGMENTS_PREFIX + n for n in pointer["retired"]}
    assert set(store.list_keys(SEGMENTS_PREFIX)) == live, "B's lost segment was deleted"


def test_merges_keep_segments_bounded_and_retired_files_go_a_generation_later(tmp_path: Path) -> None:
    from syndicate.adapters.local import LocalObjectStore

    store = LocalObjectStore(tmp_path / "bucket")
    index = TantivySearchIndex(store, tmp_path / "cache")
    counts = []
    for i in range(12):
        index.upsert([_doc(i)])
        counts.append(index.commit().segments)
    assert max(counts) <= 8 and counts[-1] < 8, counts  # tantivy's log merge policy merged them
    assert index.search(SearchQuery("common", limit=20)).total == 12
    pointer = index.pointer()
    assert pointer is not None
    keys = set(store.list_keys(SEGMENTS_PREFIX))
    assert keys == {SEGMENTS_PREFIX + n for n in [*pointer["files"], *pointer["retired"]]}


def test_a_reader_sees_each_commit_and_threads_can_search_at_once(tmp_path: Path) -> None:
    from syndicate.adapters.local import LocalObjectStore

    store = LocalObjectStore(tmp_path / "bucket")
    writer = TantivySearchIndex(store, tmp_path / "w")
    reader = TantivySearchIndex(store, tmp_path / "r")
    assert reader.search(SearchQuery("common")).total == 0
    writer.upsert([_doc(0)])
    writer.commit()
    assert reader.search(SearchQuery("common")).total == 1
    writer.upsert([_doc(1)])
    writer.delete(["d0"])
    writer.commit()
    totals: list[int] = []
    threads = [
        threading.Thread(target=lambda: totals.append(reader.search(SearchQuery("common")).total)) for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert totals == [1, 1, 1, 1]
