#!/usr/bin/env python3
"""Pipeline throughput: `syndicate run` against plain `trafilatura.extract`, same pages, one run.

Why this exists: issue 13 asks the whole pipeline (poll, fetch, extract, attribute, dedup,
store, publish) to cost at most 1.5x what plain trafilatura costs per page on one core, and
less than plain trafilatura with both cores. Absolute pages/s depend on the machine; the
ratio of the two, measured in the same process on the same pages, does not (much).

* pages : N (default 500) partner-shaped pages: the ground-truth article texts of
          ../shared/data/extraction-dev (varied length), set as paragraphs in the article
          body of the demo site's LSE Blogs and CGSP post pages (header, bylines, share
          buttons, author boxes, comments, sidebars, footers), alternating partners. A text
          used again gets every fourth word marked, so repeats are distinct articles rather
          than near-duplicates that would all merge into one.
* serve : one loopback DemoServer with both partners' robots.txt and feeds (every page listed).
* ours  : the full local pipeline (`syndicate.pipeline.run`: poll, ingest, publish) into a
          temporary folder with SQLite, `--workers` processes for extraction.
* plain : ``trafilatura.extract(page, include_comments=False)`` on the same served bytes, one
          process, one page after another.

It prints pages/s of both, the peak RSS of this process and of the largest worker, and last
a line `pipeline_over_extract=R workers=W pages=N ...` (R = pipeline seconds / plain seconds).

    .venv/bin/python bench/pipeline.py [--pages N] [--workers W] [--data DIR] [--profile FILE.html|FILE.txt]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "extraction-dev"
sys.path.insert(0, str(REPO / "demo"))  # the demo server and its site are beside the package, not in it

from syndicate_demo.server import BASE_PLACEHOLDER, site_root  # noqa: E402

#: The demo post each partner's pages are modelled on (its chrome is kept, its body replaced).
TEMPLATES = {
    "lse": (
        "lse/cff/2022/01/14/beijings-wait-and-see-approach-in-kazakhstan/index.html",
        "/lse/cff/2022/01/14/beijings-wait-and-see-approach-in-kazakhstan/",
        "Beijing’s ‘Wait and See’ Approach in Kazakhstan",
    ),
    "cgsp": (
        "cgsp/2022/01/20/chinese-firms-in-kazakhstan-count-the-cost-of-unrest/index.html",
        "/cgsp/2022/01/20/chinese-firms-in-kazakhstan-count-the-cost-of-unrest/",
        "Chinese Firms in Kazakhstan Count the Cost of Unrest",
    ),
}
FEED_PATHS = {"lse": "lse/cff/feed/index.xml", "cgsp": "cgsp/feed/index.xml"}
REGISTRY = """\
partners:
  - id: lse-blogs
    name: LSE Blogs
    homepage: "{base}/lse/"
    feeds: [{{url: "{base}/lse/cff/feed/"}}]
    profile: lse_blogs
    licence: {{spdx: CC-BY-4.0, url: "https://creativecommons.org/licenses/by/4.0/", republish: full}}
    page_licence: trusted
  - id: cgsp
    name: China Global South Project
    homepage: "{base}/cgsp/"
    feeds: [{{url: "{base}/cgsp/feed/"}}]
    profile: cgsp
    licence: {{spdx: LicenseRef-All-Rights-Reserved, republish: excerpt}}
"""
_BODY_OPEN = '<div class="entry-content">'


class BenchDataMissing(FileNotFoundError):
    """The extraction dev set is not where the benchmark looks; the message says where."""


def _body_span(html: str) -> tuple[int, int]:
    """Start and end of the article body's inner HTML (the `entry-content` div, nested divs counted)."""
    start = html.index(_BODY_OPEN) + len(_BODY_OPEN)
    depth, pos = 1, start
    for match in re.finditer(r"<div\b|</div>", html[start:]):
        depth += 1 if match.group(0) == "<div" else -1
        if depth == 0:
            pos = start + match.start()
            break
    return start, pos


def _texts(data: Path) -> list[tuple[str, str]]:
    truth_file = data / "ground-truth.json"
    if not truth_file.is_file():
        raise BenchDataMissing(
            f"extraction dev set not found at {data}: expected {truth_file} "
            "(it lives at <repo>/../shared/data/extraction-dev; pass --data DIR)"
        )
    truth: dict[str, dict[str, str]] = json.loads(truth_file.read_text(encoding="utf-8"))
    return [(key, truth[key].get("articleBody", "")) for key in sorted(truth) if truth[key].get("articleBody")]


def _marked(text: str, round_: int) -> str:
    """The text with every fourth word marked for round `round_` > 0: a distinct article."""
    if round_ == 0:
        return text
    words = text.split(" ")
    return " ".join(w + f"-v{round_}" if i % 4 == round_ % 4 and w.strip() else w for i, w in enumerate(words))


@dataclass(frozen=True)
class Page:
    partner: str
    path: str  # the URL path, /lse/... or /cgsp/...
    title: str
    html: str  # with the BASE placeholder


def make_pages(n: int, data: Path) -> list[Page]:
    """N partner-shaped pages, alternating partners, texts of the dev set in a stable order."""
    texts = _texts(data)
    root = site_root()
    templates = {k: (root / rel).read_text(encoding="utf-8") for k, (rel, _, _) in TEMPLATES.items()}
    pages: list[Page] = []
    for i in range(n):
        partner = "lse" if i % 2 == 0 else "cgsp"
        _, old_path, old_title = TEMPLATES[partner]
        key, text = texts[i % len(texts)]
        body = _marked(text, i // len(texts))
        paragraphs = [p.strip() for p in body.split("\n") if p.strip()]
        title = f"{paragraphs[0][:60].rstrip()} ({i})"
        slug = f"{key[:12]}-{i}"
        path = f"/lse/cff/2022/02/{slug}/" if partner == "lse" else f"/cgsp/2022/02/{slug}/"
        template = templates[partner]
        start, end = _body_span(template)
        inner = "\n".join(f"<p>{escape(p, quote=False)}</p>" for p in paragraphs)
        html = template[:start] + "\n" + inner + "\n" + template[end:]
        html = html.replace(old_path, path).replace(old_title, escape(title, quote=False))
        pages.append(Page(partner, path, title, html))
    return pages


def _feed(partner: str, pages: list[Page]) -> str:
    home = "/lse/cff/" if partner == "lse" else "/cgsp/"
    when = datetime(2022, 2, 1, tzinfo=UTC)
    items = []
    for i, page in enumerate(p for p in pages if p.partner == partner):
        items.append(
            f"<item><title>{escape(page.title)}</title><link>{BASE_PLACEHOLDER}{page.path}</link>"
            f"<guid isPermaLink=\"false\">{BASE_PLACEHOLDER}{home}?p={i + 1}</guid>"
            f"<pubDate>{format_datetime(when + timedelta(minutes=i))}</pubDate></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{partner}</title><link>{BASE_PLACEHOLDER}{home}</link><description>bench</description>"
        + "".join(items)
        + "</channel></rss>"
    )


def write_site(root: Path, pages: list[Page]) -> None:
    """Pages, both feeds and robots.txt files under `root`, in the demo server's layout."""
    for page in pages:
        target = root / page.path.strip("/") / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page.html, encoding="utf-8")
    for partner, rel in FEED_PATHS.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_feed(partner, pages), encoding="utf-8")
    for robots in ("robots.txt", "lse/robots.txt", "cgsp/robots.txt"):
        (root / robots).parent.mkdir(parents=True, exist_ok=True)
        (root / robots).write_text("User-agent: *\nAllow: /\n", encoding="utf-8")


@contextlib.contextmanager
def served_site(root: Path) -> Iterator[str]:
    """Serve `root` with the demo server in a child process (its CPU is not the pipeline's); yield its base URL."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / "demo"), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "syndicate_demo", "--root", str(root)],
        stdout=subprocess.PIPE, text=True, env=env,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        found = re.search(r"(http://127\.0\.0\.1:\d+)", line)
        if not found:
            raise RuntimeError(f"the demo server did not start: {line!r}")
        yield found.group(1)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


@dataclass
class Result:
    pages: int
    workers: int
    ingested: int
    failures: int
    pipeline_s: float
    plain_s: float
    workers_peak_mb: float

    @property
    def ratio(self) -> float:
        return self.pipeline_s / self.plain_s if self.plain_s > 0 else float("inf")


def run_bench(n: int, workers: int, data: Path, profile: Path | None = None) -> Result:
    """Serve N pages, time plain trafilatura over them, then the whole local pipeline."""
    import trafilatura

    from syndicate import pipeline
    from syndicate.registry import load_registry
    from syndicate.runtime import build_local

    pages = make_pages(n, data)
    with tempfile.TemporaryDirectory(prefix="syndicate-bench-") as tmp:
        site = Path(tmp) / "site"
        write_site(site, pages)
        with served_site(site) as base:
            served = [page.html.replace(BASE_PLACEHOLDER, base).encode("utf-8") for page in pages]
            started = time.perf_counter()
            for body in served:
                trafilatura.extract(body, include_comments=False)
            plain_s = time.perf_counter() - started

            registry_file = Path(tmp) / "partners.yaml"
            registry_file.write_text(REGISTRY.format(base=base), encoding="utf-8")
            svc = build_local(Path(tmp) / "out", load_registry(registry_file), allow_loopback=True)
            profiler: Any = None
            if profile is not None:
                from pyinstrument import Profiler

                profiler = Profiler()
                profiler.start()
            started = time.perf_counter()
            report = pipeline.run(svc, **({"workers": workers} if workers != 1 else {}))
            pipeline_s = time.perf_counter() - started
            workers_peak = _peak_mb(resource.RUSAGE_CHILDREN)  # the pool is reaped, the server not yet
            if profiler is not None:
                profiler.stop()
                out = profiler.output_html() if profile.suffix == ".html" else profiler.output_text(show_all=False)
                profile.write_text(out, encoding="utf-8")
    return Result(n, workers, len(report.ingested), len(report.failures), pipeline_s, plain_s, workers_peak)


CAP_PROBE = r"""
import resource, sys, time
sys.path.insert(0, sys.argv[1])
import pipeline as bench
from pathlib import Path
from syndicate.extract.article import MAX_PAGE_BYTES
from syndicate.pipeline.ingest import message_for_page, page_record
from syndicate.registry import load_registry
from syndicate.dedup.minhash import MinHashConfig, fingerprint
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
registry_file = Path(sys.argv[3]) / "partners.yaml"
registry_file.write_text(bench.REGISTRY.format(base="http://127.0.0.1:9"), encoding="utf-8")
registry = load_registry(registry_file)
page = bench.make_pages(1, Path(sys.argv[2]))[0]
html = page.html.replace(bench.BASE_PLACEHOLDER, "http://127.0.0.1:9")
start, end = bench._body_span(html)
body = html[start:end]
while len(html.encode()) < MAX_PAGE_BYTES - len(body.encode()):
    html = html[:end] + body + html[end:]
raw = html.encode()
partner = registry.partner("lse-blogs")
url = "http://127.0.0.1:9" + page.path
record, article = page_record(registry, partner, message_for_page(registry, partner, url), raw, url,
                              fetched_at="2022-02-01T00:00:00Z")
fingerprint(record.title + "\n\n" + article.text, MinHashConfig())
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{len(raw)} {base:.0f} {peak:.0f}")
"""


def cap_page_peak_mb(data: Path) -> tuple[int, float, float]:
    """A page at the extraction cap through extract, attribute and fingerprint, in a fresh
    process: (page bytes, RSS after imports, peak RSS) in MB."""
    with tempfile.TemporaryDirectory(prefix="syndicate-cap-") as tmp:
        proc = subprocess.run(
            [sys.executable, "-c", CAP_PROBE, str(Path(__file__).resolve().parent), str(data), tmp],
            capture_output=True, text=True, check=True, timeout=600,
        )
    size, base, peak = proc.stdout.split()
    return int(size), float(base), float(peak)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--pages", type=int, default=500, help="pages to serve and ingest (default 500)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="extraction processes (default: CPUs)")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the extraction dev set")
    ap.add_argument("--cap-page", action="store_true", help="also: peak RSS of one page at the size cap")
    ap.add_argument("--profile", type=Path, default=None, help="pyinstrument profile to (.html, else text)")
    args = ap.parse_args(argv)
    if args.pages < 2 or args.workers < 1:
        ap.error("--pages must be at least 2 and --workers at least 1")
    try:
        result = run_bench(args.pages, args.workers, args.data, args.profile)
    except BenchDataMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    n = result.pages
    print(f"pages: {n} (both partners' markup), workers: {result.workers}")
    print(f"  plain trafilatura.extract     {n / result.plain_s:8.1f} pages/s  ({result.plain_s:.2f} s)")
    print(
        f"  syndicate run (poll..publish) {n / result.pipeline_s:8.1f} pages/s  ({result.pipeline_s:.2f} s; "
        f"{result.ingested} ingested, {result.failures} failures)"
    )
    print(f"  peak RSS: this process {_peak_mb(resource.RUSAGE_SELF):.0f} MB, "
          f"largest worker {result.workers_peak_mb:.0f} MB")
    if args.cap_page:
        size, base, peak = cap_page_peak_mb(args.data)
        print(f"  a page at the size cap ({size / 1e6:.1f} MB) through extract+attribute+fingerprint: "
              f"peak RSS {peak:.0f} MB ({base:.0f} MB after imports)")
    print(
        f"pipeline_over_extract={result.ratio:.2f} workers={result.workers} pages={n} "
        f"ingested={result.ingested} failures={result.failures}"
    )
    return 0 if result.failures == 0 and result.ingested == n else 1


if __name__ == "__main__":
    sys.exit(main())
