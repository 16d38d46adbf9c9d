"""The extraction benchmark: our generic path must not score below plain trafilatura.

Runs bench/extraction_bench.py on an evenly spread sample of the shared extraction dev set
(the full set is the benchmark's job; the sample keeps the suite quick) and holds our
generic path to plain trafilatura's F1 with the benchmark's own scorer. The data set and
the scorer live in ../shared beside the repository: without it those tests skip.
"""

from __future__ import annotations

import pytest

from fixtures.bench import load_bench
from fixtures.shared_data import shared_data

SAMPLE_PAGES = 15
TOLERANCE = 0.005


bench = load_bench("extraction_bench")


@pytest.fixture(scope="module")
def sample_result():
    """The benchmark on a sample; skipped in a plain clone, which has no ../shared beside it."""
    data, scorer = shared_data("data/extraction-dev"), shared_data("tools/score_extraction.py")
    assert (data, scorer) == (bench.DEFAULT_DATA, bench.DEFAULT_SCORER)  # where the benchmark looks too
    try:
        bench.check_inputs(data, scorer)
    except bench.BenchDataMissing as exc:
        pytest.fail(f"../shared is there but the extraction data set in it is incomplete: {exc}")
    return bench.run_bench(data, limit=SAMPLE_PAGES, scorer=scorer)


def test_generic_path_scores_at_least_plain_trafilatura(sample_result):
    r = sample_result
    ours, plain = r.ours.f1, r.plain.f1
    assert r.n_pages == SAMPLE_PAGES
    assert plain > 0.8 and ours > 0.8, bench.report(r)
    assert ours >= plain - TOLERANCE, (
        "our generic path scores below plain trafilatura on the extraction dev set:\n" + bench.report(r)
    )


def test_both_extractors_ran_on_every_page(sample_result):
    r = sample_result
    assert r.plain.empty == 0, bench.report(r)
    assert r.ours.empty == 0 and not r.ours_errors, bench.report(r)
    assert r.plain.seconds > 0 and r.ours.seconds > 0
    assert r.time_ratio > 0


def test_missing_data_set_is_an_error_naming_where_it_belongs(tmp_path):
    missing = tmp_path / "extraction-dev"
    with pytest.raises(bench.BenchDataMissing) as info:
        bench.run_bench(missing, limit=3)
    assert str(missing) in str(info.value)
    assert "shared/data/extraction-dev" in str(info.value)
    assert bench.main(["--data", str(missing)]) == 2


def test_sample_is_spread_over_the_whole_set_and_stable():
    truth = {f"{i:03d}": {"articleBody": "", "url": ""} for i in range(91)}
    picked = bench.select_pages(truth, 15)
    assert len(picked) == len(set(picked)) == 15
    assert picked == bench.select_pages(truth, 15)
    assert picked[0] == "000" and picked[-1] >= "084"
    assert bench.select_pages(truth, None) == sorted(truth)
    assert bench.select_pages(truth, 500) == sorted(truth)
