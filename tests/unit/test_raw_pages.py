"""The raw page object (pipeline/raw.py): what `syndicate reprocess` reads back must be the
page's bytes exactly and everything `page_record` needs, and a damaged object must say so."""

from __future__ import annotations

import gzip

import pytest

from syndicate.model import ArticleMessage, FeedEntry
from syndicate.pipeline.raw import RAW_FORMAT, RawPage, RawPageError, pack, unpack

CP1251_PAGE = "<html><head><title>Ціна</title></head><body><p>Привіт</p></body></html>".encode("cp1251")


def _page(**changes: object) -> RawPage:
    entry = FeedEntry(
        url="https://cgsp.example/a/?utm_source=rss",
        title="Two lines\nof title",
        authors=["Eric Olander"],
        published="2022-01-14T09:30:00Z",
        summary="<p>A summary</p>",
    )
    message = ArticleMessage(
        partner="cgsp", feed_url="https://cgsp.example/feed/", canonical_url="https://cgsp.example/a/",
        entry=entry, entry_hash="h",
    )
    page = RawPage(
        copy_id="0" * 32, partner="cgsp", url="https://cgsp.example/a/", fetched_at="2026-01-01T00:00:00Z",
        headers={"content-type": "text/html; charset=windows-1251"}, message=message, body=CP1251_PAGE,
    )
    for name, value in changes.items():
        setattr(page, name, value)
    return page


def test_round_trip_keeps_bytes_headers_and_entry() -> None:
    page = _page()
    data = pack(page)
    back = unpack(data, page.copy_id)
    assert back == page
    assert back.body == CP1251_PAGE, "not decoded: the charset is decided at extraction"
    assert back.content_type == "text/html; charset=windows-1251"
    assert pack(page) == data, "deterministic: no timestamp in the gzip header"
    assert gzip.decompress(data).endswith(CP1251_PAGE) and RAW_FORMAT.encode() in gzip.decompress(data)


def test_digest_covers_inputs_but_not_the_fetch_time() -> None:
    page = _page()
    assert _page(fetched_at="2030-01-01T00:00:00Z").digest() == page.digest()
    assert _page(body=CP1251_PAGE + b" ").digest() != page.digest()
    assert _page(headers={"content-type": "text/html"}).digest() != page.digest()
    assert _page(url="https://cgsp.example/b/").digest() != page.digest()
    other = page.message.model_copy(update={"entry": page.message.entry.model_copy(update={"summary": "x"})})
    assert _page(message=other).digest() != page.digest()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"not gzip at all", "not a readable gzip object"),
        (pack(_page())[:40], "not a readable gzip object"),
        (gzip.compress(b"<html>no header line"), "no header line"),
        (gzip.compress(b'{"format": "syndicate-raw/99"}\n<html>'), "unknown format"),
        (gzip.compress(b'{"format": "syndicate-raw/1", "partner": "cgsp"}\n<html>'), "bad header line"),
        (gzip.compress(b"[1, 2]\n<html>"), "not a JSON object"),
    ],
)
def test_damaged_objects_are_named(data: bytes, reason: str) -> None:
    with pytest.raises(RawPageError, match=reason) as caught:
        unpack(data, "f" * 32)
    assert f"raw/{'f' * 32}" in str(caught.value)


def test_packed_in_a_worker_is_what_saving_inline_would_store() -> None:
    """An extraction worker packs the page ahead (`packed`); the object and digest must be the
    ones `save_raw_page` would make itself, or reprocess would see every page as changed."""
    from syndicate.fetch.result import FetchResult
    from syndicate.pipeline.raw import packed

    page = _page()
    fetched = FetchResult(page.url, 200, {**page.headers, "x-other": "dropped"}, page.body)
    ready = packed(page.copy_id, page.message, fetched, page.fetched_at)
    assert ready.digest == page.digest()
    assert ready.data == pack(page)
    assert unpack(ready.data, page.copy_id) == page
