#!/usr/bin/env python3
"""Extraction benchmark: our generic path against plain trafilatura, on the same pages, in one run.

Why this exists: issue 3 promises that partner profiles sit *on top of* trafilatura and that
the generic path (a partner without a profile) is never worse than calling trafilatura
ourselves. The only honest way to show that is to run both extractors over the same pages in
the same process and score both with the same, external metric:

* data  : ../shared/data/extraction-dev (91 real article pages + ground-truth.json), or --data
* plain : ``trafilatura.extract(html, include_comments=False)``
* ours  : ``syndicate.extract.extract_article(html, url, None).text`` (url from ground-truth.json)
* score : ../shared/tools/score_extraction.py (the article-extraction-benchmark metric), run as a
          subprocess on the two prediction maps written to a temporary folder

It prints both F1 figures with precision and recall, the difference (with the scorer's paired
bootstrap), and the time ratio ours/plain, a machine-independent number. Nothing here
touches the network: the pages are files.

    .venv/bin/python bench/extraction_bench.py [--data DIR] [--limit N] [--keep DIR] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import trafilatura

from syndicate.extract import ExtractError, extract_article

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "extraction-dev"
DEFAULT_SCORER = REPO.parent / "shared" / "tools" / "score_extraction.py"


class BenchDataMissing(FileNotFoundError):
    """The data set or the scorer is not where the benchmark looks; the message says where."""


@dataclass(frozen=True)
class Score:
    """One extractor's figures from score_extraction.py."""

    f1: float
    precision: float
    recall: float
    f1_std: float
    empty: int
    seconds: float


@dataclass(frozen=True)
class BenchResult:
    """Both extractors on the same pages; `diff_f1` is ours minus plain (paired bootstrap mean, std)."""

    n_pages: int
    plain: Score
    ours: Score
    diff_f1: tuple[float, float]
    ours_errors: dict[str, str]

    @property
    def f1_difference(self) -> float:
        return self.ours.f1 - self.plain.f1

    @property
    def time_ratio(self) -> float:
        """Seconds ours / seconds plain: how much our extra work (formatting, links, HTML) costs."""
        return self.ours.seconds / self.plain.seconds if self.plain.seconds > 0 else float("inf")


def check_inputs(data: Path, scorer: Path) -> None:
    """Fail with a message saying where the data set and the scorer belong."""
    if not (data / "ground-truth.json").is_file() or not (data / "html").is_dir():
        raise BenchDataMissing(
            f"extraction dev set not found at {data}: expected {data}/ground-truth.json and {data}/html/<id>.html "
            f"(the shared data set lives at <repo>/../shared/data/extraction-dev; pass --data DIR to point elsewhere)"
        )
    if not scorer.is_file():
        raise BenchDataMissing(
            f"scorer not found at {scorer} (it lives at <repo>/../shared/tools/score_extraction.py; pass --scorer)"
        )


def select_pages(truth: dict[str, dict[str, str]], limit: int | None) -> list[str]:
    """Page ids in a stable order; with a limit, an evenly spread sample rather than the first N.

    Ids are hashes, so sorting them is already a shuffle of the publishers; taking every k-th
    keeps the subset from depending on how the ids happen to start.
    """
    ids = sorted(truth)
    if limit is None or limit >= len(ids):
        return ids
    if limit <= 0:
        raise ValueError("limit must be positive")
    step = len(ids) / limit
    return [ids[int(i * step)] for i in range(limit)]


def _plain(html: bytes) -> str:
    return trafilatura.extract(html, include_comments=False) or ""


def _ours(html: bytes, url: str) -> str:
    return extract_article(html, url, None).text


def run_extractors(data: Path, ids: Sequence[str], truth: dict[str, dict[str, str]]) -> tuple[
    dict[str, str], dict[str, str], float, float, dict[str, str]
]:
    """Run both extractors page by page; return both prediction maps, both times and our errors.

    The two alternate on every page (and swap who goes first) so that caches, the garbage
    collector and a busy neighbour on the machine weigh on both alike. One untimed warm-up
    call each first: trafilatura builds its lookup tables on first use.
    """
    plain: dict[str, str] = {}
    ours: dict[str, str] = {}
    errors: dict[str, str] = {}
    t_plain = t_ours = 0.0
    first = (data / "html" / f"{ids[0]}.html").read_bytes()
    _plain(first)
    with contextlib.suppress(ExtractError):
        _ours(first, truth[ids[0]].get("url") or "")
    for n, page_id in enumerate(ids):
        html = (data / "html" / f"{page_id}.html").read_bytes()
        url = truth[page_id].get("url") or ""

        def run_plain(page_id: str = page_id, html: bytes = html) -> float:
            t0 = time.perf_counter()
            plain[page_id] = _plain(html)
            return time.perf_counter() - t0

        def run_ours(page_id: str = page_id, html: bytes = html, url: str = url) -> float:
            t0 = time.perf_counter()
            try:
                ours[page_id] = _ours(html, url)
            except ExtractError as exc:  # scored as an empty prediction, like plain's None
                ours[page_id] = ""
                errors[page_id] = exc.reason
            return time.perf_counter() - t0

        if n % 2:
            t_ours += run_ours()
            t_plain += run_plain()
        else:
            t_plain += run_plain()
            t_ours += run_ours()
    return plain, ours, t_plain, t_ours, errors


def score(scorer: Path, workdir: Path, truth: dict[str, dict[str, str]], ids: Sequence[str],
          plain: dict[str, str], ours: dict[str, str]) -> tuple[dict[str, dict[str, float]], str]:
    """Write ground truth (restricted to `ids`) and both maps to `workdir`, run the scorer on them."""
    gt = workdir / "ground-truth.json"
    gt.write_text(json.dumps({k: truth[k] for k in ids}, ensure_ascii=False), encoding="utf-8")
    (workdir / "ours.json").write_text(json.dumps(ours, ensure_ascii=False), encoding="utf-8")
    (workdir / "plain.json").write_text(json.dumps(plain, ensure_ascii=False), encoding="utf-8")
    out = workdir / "scores.json"
    proc = subprocess.run(
        [sys.executable, str(scorer), "--ground-truth", str(gt), "--diff", "--json", str(out),
         str(workdir / "ours.json"), str(workdir / "plain.json")],
        capture_output=True, text=True, timeout=600, check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"score_extraction.py failed ({proc.returncode}): {proc.stderr or proc.stdout}")
    return json.loads(out.read_text(encoding="utf-8")), proc.stdout


def _paired_diff(scorer_stdout: str) -> tuple[float, float]:
    """Parse 'ours minus plain: f1 +0.001 ± 0.002 ...' from the scorer's output."""
    for line in scorer_stdout.splitlines():
        if line.startswith("ours minus plain:"):
            parts = line.split()
            i = parts.index("f1")
            return float(parts[i + 1]), float(parts[i + 3])
    raise RuntimeError(f"no paired difference in the scorer's output:\n{scorer_stdout}")


def run_bench(data: Path = DEFAULT_DATA, limit: int | None = None, scorer: Path = DEFAULT_SCORER,
              keep: Path | None = None) -> BenchResult:
    """Run both extractors over the data set (or an evenly spread `limit` pages) and score both."""
    check_inputs(data, scorer)
    truth: dict[str, dict[str, str]] = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    ids = select_pages(truth, limit)
    plain, ours, t_plain, t_ours, errors = run_extractors(data, ids, truth)
    with tempfile.TemporaryDirectory(prefix="extraction-bench-") as tmp:
        workdir = keep if keep is not None else Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        metrics, stdout = score(scorer, workdir, truth, ids, plain, ours)

    def pick(name: str, seconds: float) -> Score:
        m = metrics[name]
        return Score(f1=m["f1"], precision=m["precision"], recall=m["recall"], f1_std=m["f1_std"],
                     empty=int(m["empty_predictions"]), seconds=seconds)

    return BenchResult(n_pages=len(ids), plain=pick("plain", t_plain), ours=pick("ours", t_ours),
                       diff_f1=_paired_diff(stdout), ours_errors=errors)


def report(result: BenchResult) -> str:
    """The human-readable summary the benchmark prints."""
    lines = [f"extraction-dev: {result.n_pages} pages"]
    for name, s in (("plain trafilatura (include_comments=False)", result.plain),
                    ("ours (extract_article, generic profile)", result.ours)):
        lines.append(f"  {name:<44} F1 {s.f1:.4f} ± {s.f1_std:.4f}  precision {s.precision:.4f}  "
                     f"recall {s.recall:.4f}  empty {s.empty}/{result.n_pages}")
    mu, sd = result.diff_f1
    lines.append(f"  F1 ours - plain: {result.f1_difference:+.4f} (paired bootstrap {mu:+.4f} ± {sd:.4f})")
    lines.append(f"  time ratio ours/plain: {result.time_ratio:.2f}")
    verdict = "ours >= plain" if result.ours.f1 >= result.plain.f1 else "ours < plain"
    lines.append(f"  verdict: {verdict}")
    if result.ours_errors:
        lines.append(f"  ours raised ExtractError on {len(result.ours_errors)} page(s): "
                     + ", ".join(f"{k[:12]}: {v}" for k, v in sorted(result.ours_errors.items())))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"data set folder (default {DEFAULT_DATA})")
    ap.add_argument("--scorer", type=Path, default=DEFAULT_SCORER, help="score_extraction.py")
    ap.add_argument("--limit", type=int, help="an evenly spread sample of N pages instead of all")
    ap.add_argument("--keep", type=Path, help="write the prediction maps and scores here instead of a temp dir")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    args = ap.parse_args(argv)
    try:
        result = run_bench(args.data, args.limit, args.scorer, args.keep)
    except BenchDataMissing as exc:
        print(f"extraction_bench: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({**asdict(result), "f1_difference": result.f1_difference, "time_ratio": result.time_ratio},
                         indent=1))
    else:
        print(report(result))
    return 0 if result.ours.f1 >= result.plain.f1 else 1


if __name__ == "__main__":
    sys.exit(main())
