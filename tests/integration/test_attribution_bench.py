"""The attribution benchmark (issue 12): our authors and licences on real pages, against plain
trafilatura's metadata, scored by ../shared/tools/score_attribution.py in the same run.

The whole dev set (281 pages, about a minute and a half): heavy. Issue 12's targets are authors
0.75 and licence 0.90, the licence *read* (issue 12 is about reading; the last line's `licence=`
is that figure); what the rules reach today is held here as floors (`FLOOR_*`), above plain
trafilatura on both. The licence *used* is lower under issue 9's rights rules: 11 of the 33
Creative Commons pages state their licence only in a sidebar widget, which is never evidence
(tests/unit/test_page_evidence.py); the licence *read* counts them (shown by `syndicate extract`
in `sources.licence_seen`, never used). Read tops out at 28/33 on this set (5 gold values no page
source supports); see bench/README.md. The data set lives in
../shared beside the repository: without it these tests skip.
"""

from __future__ import annotations

import pytest

from fixtures.bench import load_bench
from fixtures.shared_data import shared_data

bench = load_bench("attribution_bench")

FLOOR_AUTHORS = 0.75  # issue 12's target; measured 0.755
FLOOR_LICENCE = 0.53  # used, measured 0.545
FLOOR_LICENCE_READ = 0.84  # read anywhere (sidebar widgets, unversioned statements too), measured 0.848 (ceiling 0.848)


@pytest.fixture(scope="module")
def result():
    data, scorer = shared_data("data/attribution-dev"), shared_data("tools/score_attribution.py")
    assert (data, scorer) == (bench.DEFAULT_DATA, bench.DEFAULT_SCORER)  # where the benchmark looks too
    return bench.run_bench(data, scorer=scorer)


@pytest.mark.heavy
def test_attribution_beats_plain_trafilatura_on_real_pages(result):
    r = result
    assert r.n_pages == 281 and r.n_author_pages == 265 and r.n_licence_pages == 33, bench.report(r)
    assert not r.errors, bench.report(r)
    assert r.authors >= FLOOR_AUTHORS and r.authors > r.plain_authors + 0.05, bench.report(r)
    assert r.licence >= FLOOR_LICENCE and r.licence > r.plain_licence + 0.15, bench.report(r)
    assert r.licence_read >= FLOOR_LICENCE_READ and r.licence_read >= r.licence, bench.report(r)


@pytest.mark.heavy
def test_the_last_line_is_machine_readable(result):
    last = bench.report(result).splitlines()[-1]
    fields = dict(part.split("=") for part in last.removeprefix("attribution: ").split())
    assert set(fields) == {"authors", "licence_read", "licence_used", "licence", "trafilatura_authors",
                           "trafilatura_licence"}
    assert float(fields["authors"]) == pytest.approx(result.authors, abs=0.001)
    assert float(fields["licence_read"]) == pytest.approx(result.licence_read, abs=0.001)
    assert float(fields["licence_used"]) == pytest.approx(result.licence, abs=0.001)
    assert float(fields["licence"]) == float(fields["licence_read"])  # issue 12's licence figure is the read one


def test_missing_data_set_is_an_error_naming_where_it_belongs(tmp_path):
    missing = tmp_path / "attribution-dev"
    with pytest.raises(bench.BenchDataMissing) as info:
        bench.run_bench(missing)
    assert str(missing) in str(info.value) and "shared/data/attribution-dev" in str(info.value)
    assert bench.main(["--data", str(missing)]) == 2
