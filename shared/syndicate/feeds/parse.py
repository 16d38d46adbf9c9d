"""Feed bytes -> normalized entries.

feedparser does the parsing, from the bytes we fetched ourselves (it never fetches: our
client owns the network). What we add is WordPress reality: authors in three shapes,
double-escaped titles, excerpts that end "The post X appeared first on Y".
"""

from __future__ import annotations

import calendar
import html
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from ..model import FeedEntry

MAX_ENTRIES = 500
_APPEARED_FIRST = re.compile(r"\s*The post .{0,400}? appeared first on .{0,200}?\.?\s*$", re.S)
_TAGS = re.compile(r"<[^>]+>")
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|/|\band\b|&)\s*")


class FeedError(ValueError):
    """The bytes are not a feed we can read; names the feed URL and the problem."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


def clean_text(value: str | None) -> str:
    """Entities decoded (twice if the feed double-escaped), tags dropped, spaces folded."""
    if not value:
        return ""
    text = html.unescape(_TAGS.sub(" ", value))
    if "&" in text and re.search(r"&(#\d+|#x[0-9a-f]+|[a-z]+);", text, re.I):
        text = html.unescape(text)
    return " ".join(text.split())


def split_authors(value: str) -> list[str]:
    """'A, B and C' / 'A/B' / 'A & B' -> ['A', 'B', 'C']."""
    names = [clean_text(n) for n in _AUTHOR_SPLIT.split(value)]
    return [n for n in names if n]


def entry_authors(entry: Any) -> list[str]:
    """All authors of an entry: repeated dc:creator, one joined string, or the first only."""
    raw: list[str] = []
    for author in entry.get("authors") or []:
        name = author.get("name") if isinstance(author, dict) else None
        if name:
            raw.append(name)
    if not raw and entry.get("author"):
        raw.append(entry["author"])
    names: list[str] = []
    for value in raw:
        for name in split_authors(value):
            if name.casefold() not in {n.casefold() for n in names}:
                names.append(name)
    return names


def _iso(parsed: Any) -> str | None:
    if not parsed:
        return None
    try:
        stamp = datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None
    if not 1990 <= stamp.year <= 2100:
        return None
    return stamp.isoformat().replace("+00:00", "Z")


def _summary(entry: Any) -> str | None:
    text = clean_text(entry.get("summary"))
    text = _APPEARED_FIRST.sub("", text).strip()
    return text or None


def parse_feed(body: bytes, feed_url: str) -> list[FeedEntry]:
    """Parse feed bytes into entries with absolute links; FeedError when it is not a feed."""
    if not body.strip():
        raise FeedError(feed_url, "empty body")
    parsed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    version = parsed.get("version") or ""
    if parsed.get("bozo") and not parsed.entries:
        exc = parsed.get("bozo_exception")
        raise FeedError(feed_url, f"not a readable feed: {type(exc).__name__}: {exc}")
    if not version and not parsed.entries:
        raise FeedError(feed_url, "not an RSS or Atom feed")
    entries: list[FeedEntry] = []
    for raw in parsed.entries[:MAX_ENTRIES]:
        link = raw.get("link") or ""
        if not link and raw.get("guidislink"):
            link = raw.get("id") or ""
        if not link:
            continue
        content = None
        for item in raw.get("content") or []:
            if item.get("value"):
                content = item["value"]
                break
        entries.append(
            FeedEntry(
                url=urljoin(feed_url, link.strip()),
                guid=raw.get("id"),
                title=clean_text(raw.get("title")),
                authors=entry_authors(raw),
                published=_iso(raw.get("published_parsed")),
                updated=_iso(dict.get(raw, "updated_parsed")),  # plain dict.get: no fallback to published
                summary=_summary(raw),
                content_html=content,
                tags=[clean_text(t.get("term")) for t in raw.get("tags") or [] if t.get("term")],
            )
        )
    return entries
