"""Content-type checks: what counts as a feed and what counts as a page."""

from __future__ import annotations

import pytest

from syndicate.fetch import UnexpectedContent, check_feed, check_page, is_feed, is_html
from syndicate.fetch.result import FetchResult

RSS = b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel/></rss>'
JSON_FEED = b'{"version": "https://jsonfeed.org/version/1.1", "title": "x", "items": []}'
HTML = b"<!DOCTYPE html><html><head><title>x</title></head><body></body></html>"


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        ("application/rss+xml; charset=UTF-8", b"", True),
        ("application/atom+xml", b"", True),
        ("application/feed+json", b"", True),
        ("text/xml", b"", True),
        ("application/vnd.custom+xml", b"", True),
        ("text/html; charset=UTF-8", RSS, True),  # a misconfigured server: sniffed
        ("application/octet-stream", b"\xef\xbb\xbf  \n" + RSS, True),  # BOM and whitespace
        ("", RSS.decode().encode("utf-16"), True),
        ("text/plain", JSON_FEED, True),
        ("", b"<feed xmlns='http://www.w3.org/2005/Atom'/>", True),
        ("text/html", HTML, False),
        ("image/png", RSS, False),  # a stated non-feed type is believed
        ("application/xhtml+xml", b"", False),
        ("text/plain", b'{"not": "a feed"}', False),
    ],
)
def test_is_feed(content_type: str, body: bytes, expected: bool) -> None:
    assert is_feed(content_type, body) is expected


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        ("text/html; charset=utf-8", b"", True),
        ("application/xhtml+xml", b"", True),
        ("", HTML, True),
        ("application/octet-stream", b"<!-- cached --><html><body>x</body></html>", True),
        ("", b"\x89PNG\r\n", False),
        ("application/pdf", HTML, False),
        ("application/rss+xml", RSS, False),
    ],
)
def test_is_html(content_type: str, body: bytes, expected: bool) -> None:
    assert is_html(content_type, body) is expected


def test_checks_raise_with_the_type_named_and_pass_304() -> None:
    png = FetchResult(url="https://p.example/a/", status=200, headers={"content-type": "image/png"}, body=b"\x89PNG")
    with pytest.raises(UnexpectedContent, match=r"not an HTML page \(Content-Type image/png\)"):
        check_page(png)
    with pytest.raises(UnexpectedContent, match="not a feed"):
        check_feed(png)
    assert check_feed(FetchResult(url="u", status=304)).not_modified
    page = FetchResult(url="u", status=200, headers={"content-type": "text/html"}, body=HTML)
    assert check_page(page) is page


@pytest.mark.parametrize(
    ("header", "media", "charset"),
    [
        ("text/xml; charset=KOI8-R", "text/xml", "koi8-r"),
        ('application/rss+xml;charset="windows-1251"', "application/rss+xml", "windows-1251"),
        ("text/html; boundary=x; Charset = Shift_JIS ", "text/html", "shift_jis"),
        ("text/html", "text/html", None),
        ("text/html; charset=", "text/html", None),
    ],
)
def test_result_carries_media_type_and_http_charset(header: str, media: str, charset: str | None) -> None:
    result = FetchResult(url="https://e.org/", status=200, headers={"content-type": header})
    assert (result.content_type, result.charset) == (media, charset)
