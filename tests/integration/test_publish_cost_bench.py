"""bench/publish_cost.py at small sizes: a publish of ten new records costs the same object
writes and bytes whatever the archive's size, and reads a bounded number of objects."""

from __future__ import annotations

import pytest

from fixtures.bench import load_bench

bench = load_bench("publish_cost")


@pytest.mark.heavy
def test_publish_cost_does_not_grow_with_the_archive(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--sizes", "100,1000", "--page-size", "10"]) == 0
    out = capsys.readouterr().out
    last = out.strip().splitlines()[-1]
    assert last.startswith("publish_cost: writes_at_100=") and "writes_at_1k=" in last
    figures = dict(part.split("=") for part in last.removeprefix("publish_cost: ").split())
    assert int(figures["writes_at_1k"]) <= int(figures["writes_at_100"]) + 2
    assert float(figures["bytes_ratio_1k_over_100"]) <= 1.5
    assert int(figures["reads_at_1k"]) <= 50
    assert "reader downloads: head page" in out
