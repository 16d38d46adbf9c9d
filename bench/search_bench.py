"""Search index benchmark: build, incremental update and query cost of the tantivy adapter.

Synthetic articles (~800 words from a 6,000-word vocabulary with a Zipf-like skew, so common
words are common and rare ones rare, as in prose) go through `TantivySearchIndex` on a folder
store (the same code path as S3; only the transport differs):

- build: all N documents in one commit (what `index_changes` does the first time);
- update: 100 new documents as one commit, i.e. one publish: objects and bytes written (the new
  segment plus the pointer), and the time; repeated a few times, the median reported;
- query: two-word queries against a warm reader (the search function's steady state), and
  the first query of a cold reader (a fresh cache: downloads every segment file);
- the same update against moto's S3 server is in tests/integration/test_search.py (it counts
  objects there; timings over a local moto server would measure moto).

    .venv/bin/python bench/search_bench.py              # 5,000 documents, about a minute on 2 cores
    .venv/bin/python bench/search_bench.py --docs 500   # a few seconds; used by the test suite

The last line is machine-readable:
`search_bench: docs=N build_s=.. index_bytes=.. update_objects=.. update_bytes=.. update_s=..
query_ms_p50=.. query_ms_p95=.. cold_query_s=.. segments=..`
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from syndicate.adapters.local import LocalObjectStore
from syndicate.search import SearchDoc, SearchQuery
from syndicate.search.tantivy_index import SEGMENTS_PREFIX, TantivySearchIndex

VOCABULARY = 6000
WORDS_PER_DOC = 800
UPDATE_DOCS = 100


def _vocabulary(rng: random.Random) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words: set[str] = set()
    while len(words) < VOCABULARY:
        words.add("".join(rng.choice(letters) for _ in range(rng.randint(3, 10))))
    return sorted(words)


def make_docs(count: int, start: int, rng: random.Random, vocab: list[str]) -> list[SearchDoc]:
    weights = [1.0 / (rank + 1) for rank in range(len(vocab))]  # Zipf's law, roughly
    docs = []
    for i in range(start, start + count):
        words = rng.choices(vocab, weights=weights, k=WORDS_PER_DOC)
        docs.append(
            SearchDoc(
                id=f"doc{i:06d}",
                title=" ".join(rng.choices(vocab, weights=weights, k=8)).capitalize(),
                url=f"https://example.org/{i}",
                authors=(f"Author {i % 97}",),
                text=" ".join(words),
                partner=("lse-blogs", "cgsp")[i % 2],
                partners=(("lse-blogs", "cgsp")[i % 2],),
                licence="CC-BY-4.0",
                decision="full",
                date=f"2022-{1 + i % 12:02d}-{1 + i % 28:02d}T08:00:00Z",
            )
        )
    return docs


def _store_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in (root / SEGMENTS_PREFIX.rstrip("/")).iterdir())


def run(docs: int, queries: int = 200, updates: int = 3, seed: int = 7) -> dict[str, float]:
    rng = random.Random(seed)
    vocab = _vocabulary(rng)
    corpus = make_docs(docs, 0, rng, vocab)
    with tempfile.TemporaryDirectory(prefix="search-bench-") as tmp:
        root = Path(tmp) / "bucket"
        store = LocalObjectStore(root)
        index = TantivySearchIndex(store, Path(tmp) / "writer-cache", heap_bytes=200_000_000)
        started = time.perf_counter()
        index.upsert(corpus)
        built = index.commit()
        build_s = time.perf_counter() - started
        index_bytes = _store_bytes(root)
        print(f"build: {docs} docs in {build_s:.2f} s; {built.objects_written} objects, {index_bytes / 1e6:.1f} MB")

        update_rows = []
        for round_ in range(updates):
            batch = make_docs(UPDATE_DOCS, docs + round_ * UPDATE_DOCS, rng, vocab)
            started = time.perf_counter()
            index.upsert(batch)
            report = index.commit()
            seconds = time.perf_counter() - started
            update_rows.append((report.objects_written, report.bytes_written, seconds, report.segments))
            print(
                f"update {round_ + 1}: {UPDATE_DOCS} docs -> {report.objects_written} objects, "
                f"{report.bytes_written / 1e3:.0f} kB written, {seconds:.2f} s, {report.segments} segments"
            )
        objects = statistics.median(r[0] for r in update_rows)
        update_bytes = statistics.median(r[1] for r in update_rows)
        update_s = statistics.median(r[2] for r in update_rows)

        # As deployed (SEARCH_REFRESH_SECONDS): the pointer is re-checked every 30 s, not per query.
        reader = TantivySearchIndex(store, Path(tmp) / "reader-cache", refresh_seconds=30)
        started = time.perf_counter()
        reader.search(SearchQuery(text=f"{vocab[0]} {vocab[1]}"))
        cold_s = time.perf_counter() - started
        timings = []
        for _ in range(queries):
            a, b = rng.choices(vocab[:2000], k=2)
            started = time.perf_counter()
            reader.search(SearchQuery(text=f"{a} {b}"))
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        p50, p95 = timings[len(timings) // 2], timings[int(len(timings) * 0.95)]
        print(f"query: cold {cold_s * 1000:.0f} ms (downloads the index), warm p50 {p50:.2f} ms, p95 {p95:.2f} ms")
        print(
            f"ratios: one update writes {update_bytes / index_bytes:.1%} of the index bytes; "
            f"an update takes {update_s / build_s:.1%} of a full build"
        )
        return {
            "docs": docs,
            "build_s": round(build_s, 2),
            "index_bytes": index_bytes,
            "update_objects": objects,
            "update_bytes": int(update_bytes),
            "update_s": round(update_s, 3),
            "query_ms_p50": round(p50, 3),
            "query_ms_p95": round(p95, 3),
            "cold_query_s": round(cold_s, 3),
            "segments": update_rows[-1][3],
        }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--docs", type=int, default=5000)
    ap.add_argument("--queries", type=int, default=200)
    args = ap.parse_args(argv)
    result = run(args.docs, args.queries)
    print("search_bench: " + " ".join(f"{k}={v}" for k, v in result.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
