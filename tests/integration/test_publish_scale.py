"""Publishing whose cost follows the change, on both adapter sets (S3 = moto's server over the wire).

Records are written as merge writes them (object, index entry, pending mark) so the feeds can
be grown and changed record by record; what is checked is what a reader sees by walking each
feed from its head page along next_url, and which objects a publish wrote.
"""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Any

from syndicate import pipeline
from syndicate.pipeline.publish import FROZEN_CACHE_CONTROL, HEAD_CACHE_CONTROL
from syndicate.ports import ObjectMeta
from syndicate.publish.jsonfeed import loads_page
from syndicate.registry import parse_registry
from syndicate.services import Services
from syndicate.state import RecordMeta

PARTNERS = ("alpha", "beta")
REGISTRY = "partners:\n" + "".join(
    f"  - id: {p}\n    name: {p.title()}\n    homepage: https://{p}.example/\n"
    f"    feeds: [{{url: https://{p}.example/feed/}}]\n    licence: {{spdx: CC-BY-4.0, republish: full}}\n"
    for p in PARTNERS
)
BASE = "https://feeds.example/"
FEEDS = ("feed.json", *(f"feeds/{p}.json" for p in PARTNERS))


def rid(n: int) -> str:
    return hashlib.sha256(f"r{n}".encode()).hexdigest()[:32]


def write_record(svc: Services, n: int, *, title: str | None = None) -> None:
    """Record n as merge leaves it: every third one cross-posted to the other partner."""
    partner = PARTNERS[n % 2]
    also = [{"partner": PARTNERS[(n + 1) % 2], "url": f"https://x.example/{n}"}] if n % 3 == 0 else []
    record = {
        "id": rid(n),
        "url": f"https://{partner}.example/{n}/",
        "title": title or f"Article {n}",
        "content_text": f"text of article {n}",
        "date_published": f"2024-01-01T{n // 60:02d}:{n % 60:02d}:00Z",
        "_syndicate": {"partner": partner, "also_published_at": also},
    }
    svc.store.put(f"records/{rid(n)}.json", json.dumps(record).encode())
    fingerprint = hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()
    svc.db.records.put(rid(n), RecordMeta(partner, record["date_published"], 1, fingerprint))
    svc.db.pending.mark(rid(n), "2024-01-02T00:00:00Z")


def retire(svc: Services, n: int) -> None:
    svc.db.records.delete(rid(n))
    svc.store.delete(f"records/{rid(n)}.json")
    svc.db.pending.mark(rid(n), "2024-01-02T00:00:00Z", retired=True)


def expected(numbers: set[int], feed: str) -> set[str]:
    if feed == "feed.json":
        return {rid(n) for n in numbers}
    partner = feed.removeprefix("feeds/").removesuffix(".json")
    return {rid(n) for n in numbers if PARTNERS[n % 2] == partner or (n % 3 == 0 and PARTNERS[(n + 1) % 2] == partner)}


def walk(svc: Services, feed: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Every item of a feed from its head along next_url, and the page keys on the way; each
    page must exist, be gzip-encoded JSON Feed with the right headers."""
    items: list[dict[str, Any]] = []
    keys: list[str] = []
    key: str | None = feed
    while key:
        raw = svc.store.get(key)
        assert raw is not None, f"{feed}: page {key} is missing"
        assert raw[:2] == b"\x1f\x8b", f"{key} is stored gzip-encoded"
        doc = loads_page(raw)
        assert doc["version"] == "https://jsonfeed.org/version/1.1" and doc["feed_url"] == BASE + feed
        cache = HEAD_CACHE_CONTROL if key == feed else FROZEN_CACHE_CONTROL
        assert svc.store.metadata(key) == ObjectMeta("application/feed+json", cache, "gzip"), key  # type: ignore[attr-defined]
        items += doc["items"]
        keys.append(key)
        key = doc["next_url"].removeprefix(BASE) if doc.get("next_url") else None
    return items, keys


def check_feeds(svc: Services, numbers: set[int]) -> dict[str, list[str]]:
    pages = {}
    for feed in FEEDS:
        items, pages[feed] = walk(svc, feed)
        ids = [i["id"] for i in items]
        assert len(ids) == len(set(ids)), f"{feed}: an item twice"
        assert set(ids) == expected(numbers, feed), f"{feed}: items lost or left over"
    return pages


def make(make_services: Any, page_size: int = 4) -> Services:
    svc = make_services(parse_registry(REGISTRY), base_url=BASE)
    svc.settings.page_size = page_size
    return svc


def test_racing_publishes_lose_no_record_and_no_page(make_services: Any) -> None:
    """Two publishers (the schedule and the queue) at once, round after round, with records
    arriving in between: the lease lets one write at a time; every record ends up in every
    feed it belongs to and every page a head leads to exists."""
    first = make(make_services)
    second = make(make_services)
    published: set[int] = set()
    busy = 0
    for round_ in range(4):
        batch = range(round_ * 7, round_ * 7 + 7)
        for n in batch:
            write_record(first, n)
        published |= set(batch)
        reports: list[pipeline.PublishReport] = []

        def publish(svc: Services, wait: float, out: list[pipeline.PublishReport] = reports) -> None:
            out.append(pipeline.publish_pending(svc, wait_seconds=wait))

        threads = [threading.Thread(target=publish, args=args) for args in ((first, 0.0), (second, 30.0))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        busy += sum(r.busy for r in reports)
        assert len(reports) == 2 and any(r.published for r in reports)
        pipeline.publish_pending(first)  # whatever a busy one left pending
        assert not first.db.pending.all()
        check_feeds(second, published)
    assert len(first.db.feeds_published.get("feed").pages) >= 5  # type: ignore[union-attr]
    print(f"{busy} of 8 publishes found the lease held")


def pages_written(report: pipeline.PublishReport) -> list[str]:
    """The JSON Feed pages a publish wrote; each came with its Atom sibling."""
    pages = [k for k in report.keys if k.endswith(".json") and not k.startswith("site/")]
    assert {k.removesuffix(".json") + ".atom" for k in pages} <= set(report.keys), "every page has its Atom twin"
    return pages


def test_new_records_rewrite_only_heads_and_freeze_full_pages(make_services: Any) -> None:
    svc = make(make_services)
    for n in range(9):
        write_record(svc, n)
    pipeline.publish_pending(svc)
    pages = check_feeds(svc, set(range(9)))
    assert [k.rsplit("-", 2)[-2] for k in pages["feed.json"][1:]] == ["000002", "000001"], "numbered from the oldest"
    write_record(svc, 9)
    report = pipeline.publish_pending(svc)
    assert set(pages_written(report)) == set(FEEDS), "one new record: only the head pages"
    assert report.changed == [rid(9)] and report.retired == []
    for n in (10, 11, 12):  # the head holds slots 8-12 now: one more than a page
        write_record(svc, n)
    report = pipeline.publish_pending(svc)
    new_pages = [k for k in pages_written(report) if k not in FEEDS]
    assert [k.split("/archive-")[1][:6] for k in new_pages if k.startswith("feed/")] == ["000003"]
    after = check_feeds(svc, set(range(13)))
    assert after["feed.json"][2:] == pages["feed.json"][1:], "older archive pages keep their keys"


def test_update_and_retire_rewrite_the_page_that_holds_the_record(make_services: Any) -> None:
    svc = make(make_services)
    numbers = set(range(30))
    for n in numbers:
        write_record(svc, n)
    pipeline.publish_pending(svc)
    before = check_feeds(svc, numbers)
    chain = before["feed.json"]  # head, archive 7 (newest) ... archive 1
    assert len(chain) == 8

    # A record on the newest archive page: that page and the heads, nothing else.
    newest = next(n for n in numbers if any(i["id"] == rid(n) for i in loads_page(svc.store.get(chain[1]))["items"]))
    write_record(svc, newest, title="Corrected title")
    report = pipeline.publish_pending(svc)
    in_feed = sorted(k for k in pages_written(report) if k.startswith("feed/") or k == "feed.json")
    assert len(in_feed) == 2 and in_feed[0] == "feed.json" and "/archive-000007-" in in_feed[1]
    items, keys = walk(svc, "feed.json")
    assert next(i for i in items if i["id"] == rid(newest))["title"] == "Corrected title"
    assert keys[2:] == chain[2:], "pages 1-6 untouched"
    assert svc.store.get(chain[1]) is not None, "the old generation stays for readers walking it"

    # The oldest record: its page gets a new generation; the newer pages are re-linked (each
    # links to the one before it), the older ones are not touched.
    write_record(svc, 0, title="Old, corrected")
    pipeline.publish_pending(svc)
    items, after = walk(svc, "feed.json")
    assert next(i for i in items if i["id"] == rid(0))["title"] == "Old, corrected"
    assert "archive-000001-" in after[-1] and after[-1] != keys[-1]

    # A retired record disappears from every feed; only pages holding it change.
    retire(svc, 12)
    report = pipeline.publish_pending(svc)
    assert report.retired == [rid(12)]
    numbers.discard(12)
    check_feeds(svc, numbers)
    assert svc.db.published.get(rid(12)) is None


def test_a_head_its_manifest_does_not_describe_is_rebuilt(make_services: Any) -> None:
    """A crash between a head write and its manifest (or a feed laid out by an older
    version) leaves a head the manifest does not describe: the next publish rebuilds it."""
    svc = make(make_services)
    for n in range(10):
        write_record(svc, n)
    pipeline.publish_pending(svc)
    svc.store.put("feed.json", b'{"version": "https://jsonfeed.org/version/1.1", "title": "old", "items": []}')
    write_record(svc, 10)
    report = pipeline.publish_pending(svc)
    assert report.rebuilt == ["feed.json"]
    check_feeds(svc, set(range(11)))
