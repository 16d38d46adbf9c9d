#!/usr/bin/env python3
"""Attribution benchmark: our authors and licence against plain trafilatura's metadata, in one run.

Why this exists: issue 12. Attribution is why partners trust us, so on pages nobody here wrote
it must beat what trafilatura's metadata alone gives. Both are scored with the data set's own
metric, never a copy of it:

* data   : ../shared/data/attribution-dev (281 real pages, gold.json with human-read authors
           and Creative Commons licences), or --data
* ours   : the record `syndicate extract` prints for the page on the generic profile
           (`syndicate.cli.preview_record`: extraction, attribution/page.py, authors.py,
           licences.py, record.py), with the page's URL from gold.json. Authors are the record's
           `_syndicate.authors`; the licence is the one the page states (the record's own licence
           when it came from the page, else the `claimed_licence` the registry's ceiling kept
           for review: the preview partner's registry licence permits links only).
* plain  : the scorer's own `baseline()` (trafilatura's `bare_extraction` metadata)
* score  : ../shared/tools/score_attribution.py's `score()`, imported from the file

It prints authors, the licence *read* (anything the page states, anywhere: a licence seen in a
sidebar widget counts, and an unversioned statement such as a footer's "Copyleft © … CC-BY-SA",
as `syndicate extract` shows them in `sources.licence_seen`) and the licence *used* (what
DESIGN.md's rights rules let count: head, main-entity JSON-LD, the article and its byline area,
the site footer, and only a versioned licence), plain trafilatura's two, and a last line
`attribution: authors=A licence_read=R licence_used=U licence=R trafilatura_authors=A' trafilatura_licence=L'`.
`licence` repeats the *read* figure: issue 12 is about reading licences well ("The rights issue
decides which parts of a page may state the licence; this one is about reading it well"), so
its licence target is the read one; the used figure is what issue 9's rights rules then let
count, printed beside it.
Nothing here touches the network: the pages are files.

    .venv/bin/python bench/attribution_bench.py [--data DIR] [--limit N] [--dump FILE] [--json]
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from syndicate.cli import PREVIEW_PARTNER, preview_record
from syndicate.extract import ExtractError
from syndicate.registry import Registry

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "attribution-dev"
DEFAULT_SCORER = REPO.parent / "shared" / "tools" / "score_attribution.py"

#: Issue 12's targets on the dev set (plain trafilatura 2.3.1: 0.517 and 0.273).
TARGET_AUTHORS = 0.75
TARGET_LICENCE = 0.90


class BenchDataMissing(FileNotFoundError):
    """The data set or the scorer is not where the benchmark looks; the message says where."""


@dataclass(frozen=True)
class BenchResult:
    """Both sides' figures on the same pages (shares of the scored pages, 0..1)."""

    n_pages: int
    n_author_pages: int
    n_licence_pages: int
    authors: float
    licence: float  # used: what the rights rules let count (head, main-entity JSON-LD, article, site footer);
    # the last line's `licence=` is `licence_read` (issue 12's figure), `licence_used=` this one
    plain_authors: float
    plain_licence: float
    seconds: float
    errors: dict[str, str] = field(default_factory=dict)
    licence_read: float = 0.0  # read: anything the page states, anywhere (a sidebar widget too)


def check_inputs(data: Path, scorer: Path) -> None:
    """Fail with a message saying where the data set and the scorer belong."""
    if not (data / "gold.json").is_file() or not (data / "html").is_dir():
        raise BenchDataMissing(
            f"attribution dev set not found at {data}: expected {data}/gold.json and {data}/html/<name>.gz "
            f"(the shared data set lives at <repo>/../shared/data/attribution-dev; pass --data DIR)"
        )
    if not scorer.is_file():
        raise BenchDataMissing(
            f"scorer not found at {scorer} (it lives at <repo>/../shared/tools/score_attribution.py)"
        )


def load_scorer(scorer: Path) -> ModuleType:
    """score_attribution.py as a module: its `score` and `baseline` are the metric."""
    spec = importlib.util.spec_from_file_location("score_attribution", scorer)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def select(gold: dict[str, Any], limit: int | None) -> dict[str, Any]:
    """The gold entries in name order; with a limit, an evenly spread sample."""
    names = sorted(gold)
    if limit is not None and 0 < limit < len(names):
        step = len(names) / limit
        names = [names[int(i * step)] for i in range(limit)]
    return {n: gold[n] for n in names}


_PREVIEW_REGISTRY = Registry(source="(attribution bench)", partners=[PREVIEW_PARTNER])


def ours_for(page: bytes, url: str) -> dict[str, Any]:
    """What `syndicate extract` says about one page: author names (with their sources) and the
    licence the page states (None when it states none)."""
    item = preview_record(_PREVIEW_REGISTRY, PREVIEW_PARTNER, page, url)
    ext = item["_syndicate"]
    licence = ext.get("claimed_licence") or ext.get("licence")
    stated = licence if licence and licence.get("spdx") != PREVIEW_PARTNER.licence.spdx else None
    sources = item["sources"]
    stated_source = sources["claimed_licence"] or sources["licence"]
    seen = sources.get("licence_seen") or []
    return {
        "authors": [a["name"] for a in ext["authors"]],
        "author_sources": [a["source"] for a in sources["authors"]],
        "licence": stated["spdx"] if stated else None,
        "licence_source": stated_source["source"] if stated and stated_source else None,
        "licence_seen": seen,
        # what the page states anywhere: the licence used, else the first one seen outside the evidence
        # areas, a versioned one before an unversioned statement ('CC-BY-SA' in a footer's copyright line)
        "licence_read": stated["spdx"] if stated else next(
            (s["spdx"] for s in sorted(seen, key=lambda s: s.get("versioned") is False)), None),
    }


def predict(data: Path, gold: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Our prediction map over `gold`'s pages, and the pages extraction refused (scored empty)."""
    pred: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, g in gold.items():
        page = gzip.decompress((data / g["file"]).read_bytes())
        try:
            pred[name] = ours_for(page, g.get("url") or f"https://example.invalid/{name}")
        except ExtractError as exc:
            pred[name] = {"authors": [], "licence": None, "licence_read": None}
            errors[name] = exc.reason
    return pred, errors


def run_bench(
    data: Path = DEFAULT_DATA, limit: int | None = None, scorer: Path = DEFAULT_SCORER, dump: Path | None = None
) -> BenchResult:
    """Ours and plain trafilatura over the data set (or `limit` pages), both scored by the scorer."""
    check_inputs(data, scorer)
    metric = load_scorer(scorer)
    metric.DATA = data  # its baseline() reads the pages from there
    gold = select(json.loads((data / "gold.json").read_text(encoding="utf-8")), limit)
    t0 = time.perf_counter()
    ours, errors = predict(data, gold)
    seconds = time.perf_counter() - t0
    plain = metric.baseline(gold)
    a, a_n, lic, l_n = metric.score(gold, ours)
    _, _, lic_read, _ = metric.score(gold, {n: {**p, "licence": p.get("licence_read")} for n, p in ours.items()})
    pa, _, pl, _ = metric.score(gold, plain)
    if dump is not None:
        rows = {
            n: {"gold_author": g.get("author"), "gold_licence": g.get("license"), "ours": ours[n],
                "plain": plain[n],
                "authors_ok": bool(g.get("author")) and metric.names(ours[n]["authors"]) == metric.names(g["author"]),
                "licence_ok": metric.licence_ok(ours[n]["licence"], g.get("license")),
                "licence_read_ok": metric.licence_ok(ours[n].get("licence_read"), g.get("license"))}
            for n, g in gold.items()
        }
        dump.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    return BenchResult(len(gold), a_n, l_n, a, lic, pa, pl, seconds, errors, lic_read)


def report(r: BenchResult) -> str:
    lines = [
        f"attribution-dev: {r.n_pages} pages, {r.n_author_pages} with authors, {r.n_licence_pages} with a CC licence",
        f"  ours                authors {r.authors:.3f}  licence read {r.licence_read:.3f}"
        f"  licence used {r.licence:.3f}"
        f"   (targets {TARGET_AUTHORS:.2f} / {TARGET_LICENCE:.2f})",
        f"  plain trafilatura   authors {r.plain_authors:.3f}  licence {r.plain_licence:.3f}",
        "  (read: what the page states anywhere, a sidebar widget or an unversioned statement too, shown in"
        " extract's sources.licence_seen; used: what the rights rules let count; issue 12's licence figure is read)",
        f"  pages extraction refused: {len(r.errors)}; our seconds per page {r.seconds / max(r.n_pages, 1):.3f}",
        f"attribution: authors={r.authors:.3f} licence_read={r.licence_read:.3f} licence_used={r.licence:.3f} "
        f"licence={r.licence_read:.3f} "
        f"trafilatura_authors={r.plain_authors:.3f} trafilatura_licence={r.plain_licence:.3f}",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--scorer", type=Path, default=DEFAULT_SCORER)
    ap.add_argument("--limit", type=int, help="an evenly spread sample of N pages")
    ap.add_argument("--dump", type=Path, help="write every page's gold, ours and plain's to this JSON file")
    ap.add_argument("--json", action="store_true", help="print the result as JSON before the last line")
    args = ap.parse_args(argv)
    logging.getLogger("syndicate").setLevel(logging.ERROR)  # what the caps cut on these pages is not the point here
    try:
        result = run_bench(args.data, args.limit, args.scorer, args.dump)
    except BenchDataMissing as exc:
        print(f"skipped: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(asdict(result), indent=2))
    print(report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
