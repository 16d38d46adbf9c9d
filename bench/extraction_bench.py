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
bootstrap), the time ratio ours/plain (a machine-independent number), and both figures on each
half of the pages: the generic path's per-page rule (`syndicate.extract.ensemble`) was decided
on half A (even positions in id order) and half B (odd positions) is the check that it was not
fitted to the pages. `--candidates` also scores the single extractors the rule was chosen
among (trafilatura's precision and recall settings, readability-lxml, jusText). The last line
is the result as one JSON object. Nothing here touches the network: the pages are files.

    .venv/bin/python bench/extraction_bench.py [--data DIR] [--limit N] [--keep DIR] [--candidates] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

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
    #: {"A"|"B": {extractor: {"f1", "precision", "recall"}}}: the same metric on each half
    halves: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    #: --candidates: {extractor: Score} for the single extractors the rule chose among
    candidates: dict[str, Score] = field(default_factory=dict)

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


def _candidate_extractors() -> dict[str, Callable[[bytes, str], str]]:
    """The single extractors the generic rule was chosen among (imported only for --candidates)."""
    import justext
    import lxml.html
    from readability import Document

    from syndicate.extract.ensemble import element_text

    stoplist = frozenset(w for lang in justext.get_stoplists() for w in justext.get_stoplist(lang))

    def readability(html: bytes, _url: str) -> str:
        summary = Document(html).summary(html_partial=True)
        return element_text(lxml.html.fragment_fromstring(summary, create_parent="div"))

    return {
        "trafilatura favor_precision": lambda html, _url: trafilatura.extract(
            html, include_comments=False, favor_precision=True) or "",
        "trafilatura favor_recall": lambda html, _url: trafilatura.extract(
            html, include_comments=False, favor_recall=True) or "",
        "readability-lxml": readability,
        "jusText (all stoplists)": lambda html, _url: "\n".join(
            p.text for p in justext.justext(html, stoplist) if not p.is_boilerplate),
    }


def run_candidates(data: Path, ids: Sequence[str], truth: dict[str, dict[str, str]]) -> tuple[
    dict[str, dict[str, str]], dict[str, float]
]:
    """Each candidate over every page: prediction maps and seconds, keyed by candidate name."""
    preds: dict[str, dict[str, str]] = {}
    seconds: dict[str, float] = {}
    for name, fn in _candidate_extractors().items():
        preds[name], seconds[name] = {}, 0.0
        for page_id in ids:
            html = (data / "html" / f"{page_id}.html").read_bytes()
            t0 = time.perf_counter()
            try:
                preds[name][page_id] = fn(html, truth[page_id].get("url") or "")
            except Exception:  # a candidate that fails on a page scores it empty
                preds[name][page_id] = ""
            seconds[name] += time.perf_counter() - t0
    return preds, seconds


def _file_name(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name)


def score(scorer: Path, workdir: Path, truth: dict[str, dict[str, str]], ids: Sequence[str],
          plain: dict[str, str], ours: dict[str, str],
          others: dict[str, dict[str, str]] | None = None) -> tuple[dict[str, dict[str, Any]], str]:
    """Write ground truth (restricted to `ids`) and the maps to `workdir`, run the scorer on them.

    The scorer's results are keyed by file stem: "ours", "plain", and each of `others` under
    its `_file_name`.
    """
    gt = workdir / "ground-truth.json"
    gt.write_text(json.dumps({k: truth[k] for k in ids}, ensure_ascii=False), encoding="utf-8")
    (workdir / "ours.json").write_text(json.dumps(ours, ensure_ascii=False), encoding="utf-8")
    (workdir / "plain.json").write_text(json.dumps(plain, ensure_ascii=False), encoding="utf-8")
    extra = []
    for name, pred in (others or {}).items():
        path = workdir / f"{_file_name(name)}.json"
        path.write_text(json.dumps(pred, ensure_ascii=False), encoding="utf-8")
        extra.append(str(path))
    out = workdir / "scores.json"
    proc = subprocess.run(
        [sys.executable, str(scorer), "--ground-truth", str(gt), "--diff", "--json", str(out),
         str(workdir / "ours.json"), str(workdir / "plain.json"), *extra],
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


def split_halves(ids: Sequence[str]) -> dict[str, list[str]]:
    """Half A (even positions of the sorted ids: the rule was decided there) and half B (odd)."""
    ordered = sorted(ids)
    return {"A": ordered[0::2], "B": ordered[1::2]}


def half_scores(scorer: Path, metrics: dict[str, dict[str, Any]], ids: Sequence[str]) -> dict[
    str, dict[str, dict[str, float]]
]:
    """F1, precision and recall on each half, with the scorer's own per-page aggregation."""
    spec = importlib.util.spec_from_file_location("score_extraction", scorer)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load the scorer from {scorer}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out: dict[str, dict[str, dict[str, float]]] = {}
    for half, keys in split_halves(ids).items():
        out[half] = {}
        for name, m in metrics.items():
            pages = m["per_page"]
            agg = module.aggregate([(pages[k]["tp"], pages[k]["fp"], pages[k]["fn"]) for k in keys])
            out[half][name] = {key: float(agg[key]) for key in ("f1", "precision", "recall")}
    return out


def run_bench(data: Path = DEFAULT_DATA, limit: int | None = None, scorer: Path = DEFAULT_SCORER,
              keep: Path | None = None, candidates: bool = False) -> BenchResult:
    """Run both extractors over the data set (or an evenly spread `limit` pages) and score both."""
    check_inputs(data, scorer)
    truth: dict[str, dict[str, str]] = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    ids = select_pages(truth, limit)
    plain, ours, t_plain, t_ours, errors = run_extractors(data, ids, truth)
    others, t_others = run_candidates(data, ids, truth) if candidates else ({}, {})
    with tempfile.TemporaryDirectory(prefix="extraction-bench-") as tmp:
        workdir = keep if keep is not None else Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        metrics, stdout = score(scorer, workdir, truth, ids, plain, ours, others)

    def pick(name: str, seconds: float) -> Score:
        m = metrics[name]
        return Score(f1=m["f1"], precision=m["precision"], recall=m["recall"], f1_std=m["f1_std"],
                     empty=int(m["empty_predictions"]), seconds=seconds)

    stems = {"ours": "ours", "plain": "plain", **{_file_name(n): n for n in others}}
    halves = half_scores(scorer, {stems[k]: v for k, v in metrics.items() if k in stems}, ids)
    return BenchResult(n_pages=len(ids), plain=pick("plain", t_plain), ours=pick("ours", t_ours),
                       diff_f1=_paired_diff(stdout), ours_errors=errors, halves=halves,
                       candidates={n: pick(_file_name(n), t_others[n]) for n in others})


def report(result: BenchResult) -> str:
    """The human-readable summary the benchmark prints."""
    lines = [f"extraction-dev: {result.n_pages} pages"]
    rows = [("plain trafilatura (include_comments=False)", result.plain),
            ("ours (extract_article, generic profile)", result.ours), *result.candidates.items()]
    for name, s in rows:
        ratio = s.seconds / result.plain.seconds if result.plain.seconds > 0 else float("inf")
        lines.append(f"  {name:<44} F1 {s.f1:.4f} ± {s.f1_std:.4f}  precision {s.precision:.4f}  "
                     f"recall {s.recall:.4f}  empty {s.empty}/{result.n_pages}  time x{ratio:.2f}")
    names = {"plain": "plain", "ours": "ours", **{n: n for n in result.candidates}}
    for half, label in (("A", "half A (rule decided here)"), ("B", "half B (held out)")):
        if half not in result.halves:
            continue
        lines.append(f"  {label}:")
        for key, name in names.items():
            m = result.halves[half][key]
            lines.append(f"    {name:<42} F1 {m['f1']:.4f}  precision {m['precision']:.4f}  recall {m['recall']:.4f}")
    mu, sd = result.diff_f1
    lines.append(f"  F1 ours - plain: {result.f1_difference:+.4f} (paired bootstrap {mu:+.4f} ± {sd:.4f})")
    lines.append(f"  time ratio ours/plain: {result.time_ratio:.2f}")
    verdict = "ours > plain" if result.ours.f1 > result.plain.f1 else "ours <= plain"
    lines.append(f"  verdict: {verdict}")
    if result.ours_errors:
        lines.append(f"  ours raised ExtractError on {len(result.ours_errors)} page(s): "
                     + ", ".join(f"{k[:12]}: {v}" for k, v in sorted(result.ours_errors.items())))
    return "\n".join(lines)


def summary(result: BenchResult) -> dict[str, Any]:
    """The figures as one JSON-able object (the last line the benchmark prints)."""
    out: dict[str, Any] = {
        "n_pages": result.n_pages, "plain_f1": round(result.plain.f1, 4), "ours_f1": round(result.ours.f1, 4),
        "f1_difference": round(result.f1_difference, 4), "time_ratio": round(result.time_ratio, 2),
        "ours_errors": len(result.ours_errors),
    }
    for half, scores in result.halves.items():
        out[f"half_{half}"] = {name: round(scores[name]["f1"], 4) for name in ("plain", "ours")}
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"data set folder (default {DEFAULT_DATA})")
    ap.add_argument("--scorer", type=Path, default=DEFAULT_SCORER, help="score_extraction.py")
    ap.add_argument("--limit", type=int, help="an evenly spread sample of N pages instead of all")
    ap.add_argument("--keep", type=Path, help="write the prediction maps and scores here instead of a temp dir")
    ap.add_argument("--candidates", action="store_true",
                    help="also score trafilatura favor_precision/favor_recall, readability-lxml and jusText")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    args = ap.parse_args(argv)
    try:
        result = run_bench(args.data, args.limit, args.scorer, args.keep, args.candidates)
    except BenchDataMissing as exc:
        print(f"extraction_bench: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({**asdict(result), "f1_difference": result.f1_difference, "time_ratio": result.time_ratio},
                         indent=1))
    else:
        print(report(result))
        print(json.dumps(summary(result), sort_keys=True))
    return 0 if result.ours.f1 > result.plain.f1 else 1


if __name__ == "__main__":
    sys.exit(main())
