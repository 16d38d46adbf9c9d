"""Is this response what we asked for? Content-type checks for feeds and pages.

Feeds are often served with the wrong type (WordPress behind some CDNs says text/html,
static hosts say application/octet-stream), so for feeds a generic or missing type is
accepted when the first bytes look like XML or a JSON Feed. A page must say it is HTML
(or say nothing and look like HTML): an image or a PDF behind an article link is an error
recorded against that page, not something to feed the extractor.
"""

from __future__ import annotations

from ..text.decoding import bom
from .errors import UnexpectedContent
from .result import FetchResult

__all__ = [
    "FEED_ACCEPT",
    "FEED_TYPES",
    "HTML_TYPES",
    "PAGE_ACCEPT",
    "check_feed",
    "check_page",
    "is_feed",
    "is_html",
    "media_type",
]

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.1"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"

FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
        "application/feed+json",
        "application/json",
        "text/rss+xml",  # seen in the wild
    }
)
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# Types that say "I don't know": sniff the body instead of trusting them.
GENERIC_TYPES = frozenset({"", "text/plain", "application/octet-stream", "binary/octet-stream", "text/html"})

_SNIFF_BYTES = 1024


def media_type(content_type: str | None) -> str:
    """`text/html; charset=utf-8` -> `text/html`."""
    return (content_type or "").split(";")[0].strip().lower()


def _head(body: bytes) -> bytes:
    """The first bytes of `body` as lowercase ASCII-ish text, without BOM or leading space."""
    head = body[:_SNIFF_BYTES]
    found = bom(head)
    if found:
        codec, skip = found
        head = head[skip:]
        if codec != "utf-8":  # UTF-16/32: the markup's ASCII, as bytes
            head = head.decode(codec, errors="ignore").encode("ascii", errors="ignore")
    return head.lstrip().lower()


def looks_like_feed(body: bytes) -> bool:
    """XML (`<?xml`, `<rss`, `<feed`, `<rdf:rdf`) or a JSON Feed object at the start of `body`."""
    head = _head(body)
    if head.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf:rdf")):
        return True
    return head.startswith(b"{") and b"jsonfeed.org/version" in head


def looks_like_html(body: bytes) -> bool:
    head = _head(body)
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or (
        head.startswith(b"<!--") and b"<html" in head
    )


def is_feed(content_type: str | None, body: bytes) -> bool:
    """True for a feed type, any `+xml` type, or a generic type whose body looks like a feed."""
    mt = media_type(content_type)
    if mt in FEED_TYPES or (mt.endswith("+xml") and mt != "application/xhtml+xml"):
        return True
    return mt in GENERIC_TYPES and looks_like_feed(body)


def is_html(content_type: str | None, body: bytes = b"") -> bool:
    """True for text/html and XHTML, or no type at all with a body that looks like HTML."""
    mt = media_type(content_type)
    if mt in HTML_TYPES:
        return True
    return mt in ("", "application/octet-stream") and looks_like_html(body)


def check_feed(result: FetchResult) -> FetchResult:
    """`result` itself, or UnexpectedContent when it is clearly not a feed (a 304 passes)."""
    if result.not_modified or is_feed(result.headers.get("content-type"), result.body):
        return result
    shown = result.content_type or "none"
    raise UnexpectedContent(result.url, f"not a feed (Content-Type {shown})", result.status)


def check_page(result: FetchResult) -> FetchResult:
    """`result` itself, or UnexpectedContent when it is not an HTML page."""
    if is_html(result.headers.get("content-type"), result.body):
        return result
    shown = result.content_type or "none"
    raise UnexpectedContent(result.url, f"not an HTML page (Content-Type {shown})", result.status)
