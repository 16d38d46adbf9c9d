"""`syndicate run --workers N`: pages fetched concurrently and extracted in worker processes,
merged in queue order in the main process, so the published output is the same as with one
worker. And bench/pipeline.py runs end to end at a tiny N (it measures; nothing here times)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.fixtures.bench import load_bench
from tests.fixtures.shared_data import shared_data

from syndicate import pipeline
from syndicate.publish.jsonfeed import page_bytes
from syndicate.registry import load_registry
from syndicate.runtime import build_local

FIXED = datetime(2022, 2, 1, 12, 0, tzinfo=UTC)


def _published(out: Path) -> dict[str, object]:
    """Every published file (not the state folder), parsed where it is JSON."""
    files: dict[str, object] = {}
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out).as_posix()
        if path.is_file() and not rel.startswith(".state/"):
            raw = page_bytes(path.read_bytes())  # feed pages and their Atom twins are stored gzip-encoded
            files[rel] = json.loads(raw) if rel.endswith(".json") else raw
    return files


def test_two_workers_publish_what_one_worker_publishes(tmp_path: Path, demo_registry: Path) -> None:
    registry = load_registry(demo_registry)
    reports, outputs = {}, {}
    for workers in (1, 2):
        out = tmp_path / f"out-{workers}"
        svc = build_local(out, registry, allow_loopback=True, base_url="https://feeds.example.org/")
        svc.clock = lambda: FIXED
        try:
            reports[workers] = pipeline.run(svc, workers=workers)
        finally:
            svc.http.close()
        outputs[workers] = _published(out)
    one, two = reports[1], reports[2]
    assert one.ok and two.ok, (one.failures, two.failures)
    assert len(one.ingested) == 6  # the sample feeds' entries, the cross-posted seed among them
    assert [r.as_dict() for r in two.ingested] == [r.as_dict() for r in one.ingested]
    assert any(key.startswith("records/") for key in outputs[1])
    assert outputs[2] == outputs[1]


def test_worker_failures_are_reported_and_parked_as_with_one_worker(tmp_path: Path, site_server, demo_registry):
    """A page that 404s fails permanently in the background path too: reported, dead-lettered."""
    site_server.route("/cgsp/analysis/beijings-wait-and-see-approach-in-kazakhstan/", status=404, body="gone")
    registry = load_registry(demo_registry)
    svc = build_local(tmp_path / "out", registry, allow_loopback=True)
    try:
        report = pipeline.run(svc, workers=2)
    finally:
        svc.http.close()
    assert len(report.ingested) == 5
    assert [(f.url.rsplit("/", 2)[-2], f.permanent) for f in report.failures] == [
        ("beijings-wait-and-see-approach-in-kazakhstan", True)
    ]
    assert len(svc.db.dead.all()) == 1


@pytest.mark.parametrize("workers", [1, 2])
def test_pipeline_bench_runs_at_tiny_n(workers: int, capsys: pytest.CaptureFixture[str]) -> None:
    data = shared_data("data/extraction-dev")
    bench = load_bench("pipeline")
    assert bench.main(["--pages", "6", "--workers", str(workers), "--data", str(data)]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("pipeline_over_extract=") and f"workers={workers} pages=6 ingested=6 failures=0" in last
