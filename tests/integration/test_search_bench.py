"""bench/search_bench.py runs small and its machine-readable line says what an update costs."""

from __future__ import annotations

from fixtures.bench import load_bench


def test_search_bench_small_run(capsys) -> None:
    bench = load_bench("search_bench")
    assert bench.main(["--docs", "300", "--queries", "20"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("search_bench: ")
    fields = dict(pair.split("=") for pair in last.removeprefix("search_bench: ").split())
    assert int(fields["docs"]) == 300
    # One update = one new segment's files (tantivy writes at most seven per segment) + the pointer.
    assert 2 <= float(fields["update_objects"]) <= 8
    assert 0 < int(fields["update_bytes"]) < int(fields["index_bytes"])
    assert int(fields["segments"]) == 4, "three updates on one build: four segments, no merge yet"
