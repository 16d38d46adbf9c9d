"""What one publish costs as the archive grows: it must follow the change, not the archive.

An archive of synthetic records (three partners, one record in ten cross-posted so it shows
in two partners' feeds, ~2 KB of text each) is grown to each size on the local folder store
and SQLite state table; at each size ten new records are published, and the figures of that
publish are printed, counted by wrappers around the ports (tests/fixtures/counting.py):
object reads, object writes, bytes written, object deletes, state-table reads and writes,
and the time. Then, at the same size, one update of a record on the newest archive page and
one of the oldest record (the first page: every newer archive page is re-keyed, since each
links to the one before it), for the cost of changes to old records.

Also printed: the bytes a reader downloads for a head page and an archive page, gzip-encoded
(as stored and served, `Content-Encoding: gzip`) against plain JSON.

    .venv/bin/python bench/publish_cost.py                 # 1,000 / 10,000 / 50,000 records, a few minutes
    .venv/bin/python bench/publish_cost.py --sizes 200,2000 --page-size 20   # seconds (the test)

The last line reads `publish_cost: writes_at_1k=A writes_at_50k=B bytes_ratio_50k_over_1k=C
reads_at_50k=D` (labels follow the first and last size). Targets: B <= A + 2, C <= 1.5,
D <= 50; exit status 1 when one is missed.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for extra in (ROOT / "shared", ROOT / "tests"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from syndicate import pipeline  # noqa: E402
from syndicate.publish.jsonfeed import loads_page  # noqa: E402
from syndicate.registry import parse_registry  # noqa: E402
from syndicate.runtime import build_local  # noqa: E402
from syndicate.services import Services  # noqa: E402
from syndicate.state import RecordMeta  # noqa: E402

from fixtures.counting import CountingObjectStore, CountingStateStore  # noqa: E402

PARTNERS = ("alpha", "beta", "gamma")
REGISTRY = "partners:\n" + "".join(
    f"  - id: {p}\n    name: {p.title()} Review\n    homepage: https://{p}.example/\n"
    f"    feeds: [{{url: https://{p}.example/feed/}}]\n    licence: {{spdx: CC-BY-4.0, republish: full}}\n"
    for p in PARTNERS
)
WORDS = [
    *("trade", "policy", "lending", "infrastructure", "province", "ministry", "currency", "export", "growth"),
    *("reform", "delegation", "summit", "port", "railway", "energy", "investment", "bank", "council"),
    *("agreement", "market", "security", "region"),
]
NEW_PER_PUBLISH = 10


@dataclass
class Cost:
    reads: int
    writes: int
    bytes_written: int
    deletes: int
    state_reads: int
    state_writes: int
    seconds: float

    def line(self) -> str:
        return (
            f"object reads {self.reads:4d}, writes {self.writes:3d}, bytes written {self.bytes_written:8d}, "
            f"deletes {self.deletes}, state reads {self.state_reads:4d} / writes {self.state_writes:4d}, "
            f"{self.seconds * 1000:7.1f} ms"
        )


def record(n: int, rng: random.Random) -> dict[str, Any]:
    """A record as merge writes it, with ~2 KB of text; dated one hour apart, in order."""
    rid = hashlib.sha256(f"record-{n}".encode()).hexdigest()[:32]
    partner = PARTNERS[n % len(PARTNERS)]
    text = " ".join(rng.choice(WORDS) for _ in range(320))
    day, hour = divmod(n, 24)
    date = f"{2000 + day // 365:04d}-{1 + (day % 365) // 31:02d}-{1 + (day % 365) % 28:02d}T{hour:02d}:00:00Z"
    also = [{"partner": PARTNERS[(n + 1) % len(PARTNERS)], "url": f"https://x.example/{n}"}] if n % 10 == 0 else []
    return {
        "id": rid,
        "url": f"https://{partner}.example/articles/{n}/",
        "title": f"Article {n}: " + " ".join(rng.choice(WORDS) for _ in range(6)),
        "summary": text[:300],
        "content_html": f"<p>{text}</p>",
        "date_published": date,
        "authors": [{"name": f"Author {n % 97}"}],
        "_syndicate": {"partner": partner, "also_published_at": also, "version": 1},
    }


def add(svc: Services, store: Any, numbers: range, rng: random.Random, version: int = 1) -> None:
    """Write records as merge would (object, index entry, pending mark), behind the counters."""
    for n in numbers:
        rec = record(n, rng)
        rec["_syndicate"]["version"] = version
        store.put(f"records/{rec['id']}.json", json.dumps(rec).encode())
        fingerprint = hashlib.sha256(json.dumps(rec, sort_keys=True).encode()).hexdigest()
        meta = RecordMeta(rec["_syndicate"]["partner"], rec["date_published"], version, fingerprint)
        svc.db.records.put(rec["id"], meta)
        svc.db.pending.mark(rec["id"], "2024-01-01T00:00:00Z")


def measure(svc: Services, counter: CountingObjectStore, state: CountingStateStore) -> Cost:
    counter.reset()
    state.reset()
    start = time.perf_counter()
    report = pipeline.publish_pending(svc)
    seconds = time.perf_counter() - start
    assert report.published and not report.rebuilt, report
    return Cost(
        counter.reads,
        counter.writes,
        counter.bytes_written,
        counter.deletes,
        state.reads,
        state.writes,
        seconds,
    )


def label(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def reader_bytes(store: Any) -> tuple[int, int, int, int]:
    """(gzip, plain) bytes of feed.json's head page and of its newest archive page."""
    head = store.get("feed.json")
    doc = loads_page(head)
    archive_key = doc["next_url"].rsplit("/", 2)[-2] + "/" + doc["next_url"].rsplit("/", 1)[-1]
    archive = store.get(archive_key)
    return len(head), len(gzip.decompress(head)), len(archive), len(gzip.decompress(archive))


def run(sizes: list[int], page_size: int, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    results: dict[int, Cost] = {}
    with tempfile.TemporaryDirectory() as tmp:
        svc = build_local(Path(tmp) / "out", parse_registry(REGISTRY), base_url="https://feeds.example/")
        svc.settings.page_size = page_size
        inner_store = svc.store
        counter = CountingObjectStore(inner_store)
        state = CountingStateStore(svc.state)
        svc.store, svc.state = counter, state  # type: ignore[assignment]
        grown = 0
        print(f"page size {page_size}; {NEW_PER_PUBLISH} new records per measured publish; partners {len(PARTNERS)}")
        for size in sizes:
            start = time.perf_counter()
            add(svc, inner_store, range(grown, size), rng)
            pipeline.publish_pending(svc)
            grown = size
            print(f"\n{size:,} records (grown in {time.perf_counter() - start:.1f} s)")
            add(svc, inner_store, range(grown, grown + NEW_PER_PUBLISH), rng)
            grown += NEW_PER_PUBLISH
            cost = results[size] = measure(svc, counter, state)
            print(f"  publish {NEW_PER_PUBLISH} new:          {cost.line()}")
            pages = len(svc.db.feeds_published.get("feed").pages)  # type: ignore[union-attr]
            recent = (pages - 1) * page_size  # a record on the newest archive page
            add(svc, inner_store, range(recent, recent + 1), rng, version=2)
            print(f"  update, newest archive page: {measure(svc, counter, state).line()}")
            add(svc, inner_store, range(0, 1), rng, version=3)
            print(f"  update, oldest record:       {measure(svc, counter, state).line()}  ({pages} archive pages)")
        gz_head, plain_head, gz_page, plain_page = reader_bytes(inner_store)
        print(
            f"\nreader downloads: head page {gz_head:,} B gzip vs {plain_head:,} B plain "
            f"({plain_head / gz_head:.1f}x); archive page {gz_page:,} B vs {plain_page:,} B "
            f"({plain_page / gz_page:.1f}x)"
        )
    first, last = results[sizes[0]], results[sizes[-1]]
    return {
        "labels": (label(sizes[0]), label(sizes[-1])),
        "writes_first": first.writes,
        "writes_last": last.writes,
        "bytes_ratio": last.bytes_written / max(1, first.bytes_written),
        "reads_last": last.reads,
        "gzip_ratio_head": plain_head / gz_head,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000", help="archive sizes, comma-separated, ascending")
    parser.add_argument("--page-size", type=int, default=50)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    out = run(sizes, args.page_size)
    a, b = out["labels"]
    ok = out["writes_last"] <= out["writes_first"] + 2 and out["bytes_ratio"] <= 1.5 and out["reads_last"] <= 50
    print(
        f"publish_cost: writes_at_{a}={out['writes_first']} writes_at_{b}={out['writes_last']} "
        f"bytes_ratio_{b}_over_{a}={out['bytes_ratio']:.2f} reads_at_{b}={out['reads_last']}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
