"""Our feed parsing against plain feedparser, on feedparser's own test corpus.

Every file of `../shared/data/feedparser-tests/tests` goes through `parse_feed` and through
plain `feedparser.parse` (its defaults) with the same bytes and the same HTTP headers. The
headers are the ones feedparser's own suite serves: files whose path contains "http" are
fetched over HTTP there, with the `Header: Name: value` lines of their leading comment as
response headers and `text/xml` when they name no Content-type; the other files are parsed
from disk, without headers. Both sides get the same feed URL (the file's URL under
http://127.0.0.1:8097/, as in feedparser's suite, or its Content-Location).

The rule this measures (issue 9): no feed in which feedparser finds linked entries (entries
with a link) is refused by us. Also printed: how many files both read, which ones each side
refuses and why, entry-count differences (feedparser's linked entries against ours) and
title differences (the titles of linked entries: ours against feedparser's made plain by
the same rule; every title as parsed: feedparser on the bytes we hand it against feedparser
on the original bytes, which isolates decoding and entity expansion), each grouped by cause.
Last, the files that carry no encoding information at all (tests/illformed/chardet: Big5,
KOI8-R, Shift_JIS, ...) are served with their charset in the HTTP Content-Type only, as a
partner's server would, and their titles compared the same way.

    .venv/bin/python bench/feedparser_corpus.py              # the summary
    .venv/bin/python bench/feedparser_corpus.py --details    # plus every file that differs

The last line is a JSON summary. Exit status 1 when we refuse a file feedparser reads that is
not listed in EXPECTED_REFUSALS (the rule is about files with linked entries; we hold all of
them to it), or read a title differently in a file not listed in KNOWN_TITLE_DIFFERENCES.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import feedparser

from syndicate.feeds import parse as feed_parse
from syndicate.feeds.parse import FeedError, parse_feed
from syndicate.text.plain import plain_text

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "feedparser-tests"
BASE_URL = "http://127.0.0.1:8097/"

#: Files feedparser reads that we refuse on purpose: path -> why. None today.
EXPECTED_REFUSALS: dict[str, str] = {}
_GUESS = (
    "no encoding information anywhere and not UTF-8: both sides guess (feedparser asks chardet, "
    "installed with readability-lxml; we read UTF-8 with a per-byte windows-1252 fallback)"
)
#: Files whose titles we read differently from feedparser, on purpose: path -> why.
KNOWN_TITLE_DIFFERENCES: dict[str, str] = {
    "tests/encoding/bozo_invalid-bytes-with-bom.xml": (
        "a UTF-8 BOM and one invalid byte: we keep the valid UTF-8 and read the stray byte as "
        "windows-1252 (Ѩ ... España); feedparser reads the whole file as windows-1252 (Ã‘Â¨ ... España)"
    ),
    "tests/illformed/chardet/big5.xml": _GUESS,
    "tests/illformed/chardet/eucjp.xml": _GUESS,
    "tests/illformed/chardet/euckr.xml": _GUESS,
    "tests/illformed/chardet/gb2312.xml": _GUESS,
    "tests/illformed/chardet/shiftjis.xml": _GUESS,
    # feedparser asks chardet when it is installed (readability-lxml, adopted for generic
    # extraction, brings it), and chardet names this undeclared Cyrillic file KOI8-R
    "tests/illformed/chardet/koi8r.xml": _GUESS,
}

_HEADER = re.compile(r"^Header:\s+([^:]+):(.*)$", re.MULTILINE)
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
         (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))  # fmt: skip
_UNMARKED = ((b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"), (b"\x00<", "utf-16-be"),
             (b"<\x00", "utf-16-le"))  # fmt: skip


@dataclass
class FileResult:
    """One corpus file on both sides."""

    path: str
    headers: dict[str, str]
    fp_reads: bool
    fp_linked: int
    fp_reason: str = ""
    ours: int | None = None  # entries, None when refused
    our_reason: str = ""
    count_cause: str = ""
    title_causes: list[str] = field(default_factory=list)


@dataclass
class Summary:
    files: int = 0
    both_ok: int = 0
    linked_files: int = 0  # files in which feedparser finds entries with a link
    linked_entries: int = 0  # ... and those entries
    we_refuse: Counter[str] = field(default_factory=Counter)  # feedparser reads it; by our reason
    we_refuse_linked: list[str] = field(default_factory=list)  # ... and finds linked entries: the rule
    feedparser_refuses: Counter[str] = field(default_factory=Counter)  # by what we do with it
    count_differences: Counter[str] = field(default_factory=Counter)
    title_differences: Counter[str] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)  # refused where feedparser reads, not expected
    unexpected_titles: list[str] = field(default_factory=list)  # title differences not known

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "both_ok": self.both_ok,
            "feedparser_files_with_linked_entries": self.linked_files,
            "feedparser_linked_entries": self.linked_entries,
            "we_refuse": sum(self.we_refuse.values()),
            "we_refuse_by_cause": dict(self.we_refuse),
            "we_refuse_with_linked_entries": self.we_refuse_linked,
            "feedparser_refuses": sum(self.feedparser_refuses.values()),
            "feedparser_refuses_by_our_outcome": dict(self.feedparser_refuses),
            "entry_count_differences": sum(self.count_differences.values()),
            "entry_count_differences_by_cause": dict(self.count_differences),
            "title_differences": sum(self.title_differences.values()),
            "title_differences_by_cause": dict(self.title_differences),
            "rule_broken_by": self.unexpected,
            "unexpected_title_differences": self.unexpected_titles,
        }


def comment_text(data: bytes) -> str:
    """The file as text, enough to read its leading comment (BOM or zero bytes tell UTF-16/32)."""
    for mark, codec in _BOMS:
        if data.startswith(mark):
            return data[len(mark) :].decode(codec, errors="ignore")
    for head, codec in _UNMARKED:
        if data.startswith(head):
            return data.decode(codec, errors="ignore")
    return data.decode("utf-8", errors="ignore")


def test_headers(relative: str, data: bytes) -> dict[str, str]:
    """The response headers feedparser's suite serves this file with (lower-case names)."""
    if "http" not in relative:
        return {}
    headers = {name.strip().lower(): value.strip() for name, value in _HEADER.findall(comment_text(data))}
    headers.setdefault("content-type", "text/xml")
    return headers


def corpus_files(data_dir: Path) -> list[Path]:
    return sorted(p for p in (data_dir / "tests").rglob("*") if p.is_file())


def _reason_group(reason: str) -> str:
    """A refusal reason without its particulars (positions, quoted text), to count by."""
    reason = reason.split(": ", 1)[0] if reason.startswith(("not a readable feed", "feed parser failed")) else reason
    return re.sub(r"\s*(at|:)\s*(line \d+|'.*|\".*|\d+.*)$", "", reason)[:120]


def _title_cause(ours: str, theirs: str, data: bytes = b"", content_type: str | None = None) -> str:
    if data and feed_parse.feed_codec(data, content_type) == ("utf-8", 0) and not _declares_encoding(data):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return "no charset anywhere and not UTF-8: a guess either way (feedparser would ask chardet)"
    if " ".join(ours.replace("\xa0", " ").split()) == " ".join(theirs.replace("\xa0", " ").split()):
        return "spaces (no-break spaces folded)"
    if (theirs.isascii() and not ours.isascii()) or "\ufffd" in theirs:
        return "decoding (feedparser read fewer characters)"
    if not theirs.isascii() and ours != theirs:
        return "decoding (different characters)"
    return "other"


def _declares_encoding(data: bytes) -> bool:
    return re.match(rb"""\s*<\?xml[^>]*encoding""", data) is not None or bool(feed_parse.feed_codec(data)[1])


def compare_file(path: Path, data_dir: Path) -> FileResult:
    relative = path.relative_to(data_dir).as_posix()
    data = path.read_bytes()
    headers = test_headers(relative, data)
    url = headers.get("content-location") or BASE_URL + relative
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fp = feedparser.parse(io.BytesIO(data), response_headers=dict(headers) or None)
    fp_entries = list(fp.get("entries") or [])
    fp_reads = bool(fp.get("version") or fp_entries)
    fp_linked = [e for e in fp_entries if e.get("link")]
    result = FileResult(relative, headers, fp_reads, len(fp_linked))
    if not fp_reads:
        exc = fp.get("bozo_exception")
        result.fp_reason = f"{type(exc).__name__}: {exc}" if exc else "no version, no entries"
    try:
        ours = parse_feed(data, url, content_type=headers.get("content-type"))
    except FeedError as exc:
        result.our_reason = exc.reason
        return result
    result.ours = len(ours)
    if not fp_reads:
        return result
    usable = [e for e in fp_linked if feed_parse._entry_url(e["link"], url) is not None]
    if len(ours) != len(fp_linked):
        if len(usable) == len(ours):
            result.count_cause = "feedparser's link is not one we can fetch (not http(s), bad host or port)"
        else:
            result.count_cause = f"other ({len(ours)} ours, {len(fp_linked)} feedparser's)"
    for mine, theirs in zip(ours, usable, strict=False):
        expected = plain_text(theirs.get("title"), feed_parse.MAX_TITLE_CHARS)
        if mine.title != expected:
            result.title_causes.append("linked entry title: " + _title_cause(mine.title, expected))
    result.title_causes += document_differences(data, url, headers, fp)
    return result


def document_differences(data: bytes, url: str, headers: dict[str, str], fp: Any) -> list[str]:
    """Causes of the title differences between feedparser on the document we hand it and
    feedparser on the original: the feed's title and every entry's, linked or not."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        document = feed_parse.feed_document(data, url, headers.get("content-type"))
        # The same base as the plain run: relative links in a title resolve alike.
        same = {k: v for k, v in headers.items() if k != "content-type"} | feed_parse.PARSER_HEADERS
        ours = feedparser.parse(io.BytesIO(document), response_headers=same)
    pairs = [("feed title", ours.feed.get("title", ""), fp.feed.get("title", ""))]
    pairs += [
        ("entry title", mine.get("title", ""), theirs.get("title", ""))
        for mine, theirs in zip(ours.entries, fp.entries, strict=False)
    ]
    codec = feed_parse.feed_codec(data, headers.get("content-type"))[0]
    causes = []
    for what, mine, theirs in pairs:
        if mine != theirs:
            cause = _title_cause(mine, theirs, data, headers.get("content-type"))
            causes.append(f"{what} as parsed: {cause}; we read {codec}, feedparser {fp.get('encoding')}")
    return causes


def header_charset_check(data_dir: Path) -> list[tuple[str, str, int, int]]:
    """The files without any encoding information (tests/illformed/chardet), served with their
    charset in the HTTP Content-Type only, as a partner's server would: per file (path,
    charset, entry and feed titles that feedparser and we read alike, titles in all)."""
    rows = []
    for path in sorted((data_dir / "tests" / "illformed" / "chardet").glob("*.xml")):
        data = path.read_bytes()
        found = re.search(r"encoding == '([^']+)'", comment_text(data))
        if not found:
            continue
        headers = {"content-type": f"application/rss+xml; charset={found.group(1)}"}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fp = feedparser.parse(io.BytesIO(data), response_headers=headers)
        url = BASE_URL + path.relative_to(data_dir).as_posix()
        titles = 1 + len(fp.entries)
        rows.append((path.name, found.group(1), titles - len(document_differences(data, url, headers, fp)), titles))
    return rows


def run(data_dir: Path = DEFAULT_DATA) -> tuple[Summary, list[FileResult]]:
    summary, results = Summary(), []
    for path in corpus_files(data_dir):
        result = compare_file(path, data_dir)
        results.append(result)
        summary.files += 1
        summary.linked_files += bool(result.fp_linked)
        summary.linked_entries += result.fp_linked
        if not result.fp_reads:
            outcome = "we refuse too" if result.ours is None else f"we read it ({result.ours} entries)"
            summary.feedparser_refuses[outcome] += 1
            continue
        if result.ours is None:
            summary.we_refuse[_reason_group(result.our_reason)] += 1
            if result.fp_linked:
                summary.we_refuse_linked.append(result.path)
            if result.path not in EXPECTED_REFUSALS:
                summary.unexpected.append(result.path)
            continue
        summary.both_ok += 1
        if result.count_cause:
            summary.count_differences[result.count_cause] += 1
        for cause in result.title_causes:
            summary.title_differences[re.sub(r"; we read .*$", "", cause)] += 1
        if result.title_causes and result.path not in KNOWN_TITLE_DIFFERENCES:
            summary.unexpected_titles.append(result.path)
    return summary, results


def _print(summary: Summary, results: list[FileResult], details: bool) -> None:
    print(f"files: {summary.files}")
    print(f"both read: {summary.both_ok}")
    print(f"feedparser finds linked entries in: {summary.linked_files} files ({summary.linked_entries} entries)")
    print(f"we refuse, feedparser reads: {sum(summary.we_refuse.values())} "
          f"(with linked entries: {len(summary.we_refuse_linked)})")  # fmt: skip
    for cause, count in summary.we_refuse.most_common():
        print(f"  {count:5}  {cause}")
    print(f"feedparser refuses: {sum(summary.feedparser_refuses.values())}")
    for cause, count in summary.feedparser_refuses.most_common():
        print(f"  {count:5}  {cause}")
    print(f"entry-count differences: {sum(summary.count_differences.values())}")
    for cause, count in summary.count_differences.most_common():
        print(f"  {count:5}  {cause}")
    print(f"title differences: {sum(summary.title_differences.values())}")
    for cause, count in summary.title_differences.most_common():
        print(f"  {count:5}  {cause}")
    for path in summary.we_refuse_linked:
        print(f"refused with linked entries: {path} ({EXPECTED_REFUSALS.get(path, 'NOT EXPECTED')})")
    for path in summary.unexpected_titles:
        print(f"title difference not known: {path}")
    if details:
        for r in results:
            if r.fp_reads and r.ours is None:
                print(f"we refuse: {r.path}: {r.our_reason}")
            elif not r.fp_reads:
                print(f"feedparser refuses: {r.path}: {r.fp_reason} / ours: {r.our_reason or r.ours}")
            if r.count_cause:
                print(f"count: {r.path}: {r.count_cause}")
            for cause in r.title_causes:
                print(f"title: {r.path}: {cause}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the feedparser-tests folder")
    parser.add_argument("--details", action="store_true", help="list every file that differs")
    args = parser.parse_args(argv)
    if not (args.data / "tests").is_dir():
        print(f"no corpus at {args.data} (it lives in ../shared beside the repository)", file=sys.stderr)
        return 2
    summary, results = run(args.data)
    _print(summary, results, args.details)
    rows = header_charset_check(args.data)
    print("charset only in the HTTP Content-Type (tests/illformed/chardet served with its charset):")
    for name, charset, same, titles in rows:
        print(f"  {name:16} {charset:12} titles read as feedparser reads them: {same}/{titles}")
    alike = [sum(row[2] for row in rows), sum(row[3] for row in rows)]
    print(json.dumps(summary.as_dict() | {"header_charset_titles_alike": alike}))
    return 1 if summary.unexpected or summary.unexpected_titles else 0


if __name__ == "__main__":
    sys.exit(main())
