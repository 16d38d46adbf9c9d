"""The extraction benchmark: our generic path must score above plain trafilatura.

Runs bench/extraction_bench.py on an evenly spread sample of the shared extraction dev set
(the full set is the benchmark's job; the sample keeps the suite quick) and holds our
generic path (trafilatura's precision settings checked per page against readability-lxml,
`syndicate.extract.ensemble`) above plain trafilatura's F1 with the benchmark's own scorer,
on the sample and on each of its halves. The data set and the scorer live in ../shared
beside the repository: without it those tests skip.
"""

from __future__ import annotations

import pytest

from fixtures.bench import load_bench
from fixtures.shared_data import shared_data

SAMPLE_PAGES = 15


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


def test_generic_path_scores_above_plain_trafilatura(sample_result):
    r = sample_result
    ours, plain = r.ours.f1, r.plain.f1
    assert r.n_pages == SAMPLE_PAGES
    assert plain > 0.8 and ours > 0.8, bench.report(r)
    assert ours > plain, (
        "our generic path does not score above plain trafilatura on the extraction dev set:\n" + bench.report(r)
    )
    assert "verdict: ours > plain" in bench.report(r)


def test_halves_are_scored_and_ours_is_not_below_plain_on_either(sample_result):
    r = sample_result
    assert set(r.halves) == {"A", "B"}
    for half in ("A", "B"):
        assert set(r.halves[half]) == {"ours", "plain"}
        assert r.halves[half]["ours"]["f1"] >= r.halves[half]["plain"]["f1"], bench.report(r)
    summary = bench.summary(r)
    assert summary["ours_f1"] == round(ours_f1 := r.ours.f1, 4) and ours_f1 > summary["plain_f1"] - 1e-9


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


def test_halves_split_the_pages_alternately():
    ids = [f"{i:03d}" for i in range(7)]
    halves = bench.split_halves(list(reversed(ids)))
    assert halves == {"A": ["000", "002", "004", "006"], "B": ["001", "003", "005"]}


def test_sample_is_spread_over_the_whole_set_and_stable():
    truth = {f"{i:03d}": {"articleBody": "", "url": ""} for i in range(91)}
    picked = bench.select_pages(truth, 15)
    assert len(picked) == len(set(picked)) == 15
    assert picked == bench.select_pages(truth, 15)
    assert picked[0] == "000" and picked[-1] >= "084"
    assert bench.select_pages(truth, None) == sorted(truth)
    assert bench.select_pages(truth, 500) == sorted(truth)
