"""Capped body reading: raw and decoded caps, gzip bombs, deflate variants, broken streams."""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Iterator

import pytest

from syndicate.fetch.body import BodyCorrupt, BodyTooLarge, UnsupportedEncoding, read_capped

TEXT = b"<rss><channel><title>Feed</title></channel></rss>\n" * 200


def chunked(data: bytes, size: int = 1000) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.mark.parametrize("size", [1, 7, 1000, 1 << 20])
def test_identity_and_gzip_round_trip_whatever_the_chunking(size: int) -> None:
    assert read_capped(chunked(TEXT, size), None, limit=len(TEXT)) == TEXT
    assert read_capped(chunked(gzip.compress(TEXT), size), "gzip", limit=len(TEXT)) == TEXT
    assert read_capped(chunked(gzip.compress(TEXT), size), "x-gzip", limit=len(TEXT)) == TEXT


def test_deflate_zlib_wrapped_and_raw_both_decode() -> None:
    assert read_capped(chunked(zlib.compress(TEXT)), "deflate", limit=len(TEXT)) == TEXT
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    raw_body = raw.compress(TEXT) + raw.flush()
    assert read_capped(chunked(raw_body, 1), "deflate", limit=len(TEXT)) == TEXT


def test_concatenated_gzip_members_are_all_decoded() -> None:
    body = gzip.compress(b"first ") + gzip.compress(b"second")
    assert read_capped([body], "gzip", limit=100) == b"first second"


def test_stacked_encodings_are_undone_in_reverse_order() -> None:
    body = gzip.compress(zlib.compress(TEXT))  # deflate applied first, then gzip
    assert read_capped(chunked(body), "deflate, gzip", limit=len(TEXT)) == TEXT


def test_exactly_at_the_cap_is_fine_one_byte_over_is_not() -> None:
    assert read_capped([TEXT], None, limit=len(TEXT)) == TEXT
    with pytest.raises(BodyTooLarge, match="raw body over"):
        read_capped([TEXT], None, limit=len(TEXT) - 1)
    with pytest.raises(BodyTooLarge, match="decoded body over"):
        read_capped([TEXT], None, limit=len(TEXT) - 1, raw_limit=len(TEXT))
    with pytest.raises(BodyTooLarge, match="decoded body over"):
        read_capped([gzip.compress(TEXT)], "gzip", limit=len(TEXT) - 1)


def test_gzip_bomb_stops_at_the_cap_having_consumed_little_of_it() -> None:
    bomb = gzip.compress(b"\0" * (50 * 1024 * 1024), compresslevel=9)
    fed: list[int] = []

    def counted() -> Iterator[bytes]:
        for chunk in chunked(bomb, 4096):
            fed.append(len(chunk))
            yield chunk

    with pytest.raises(BodyTooLarge) as caught:
        read_capped(counted(), "gzip", limit=100_000)
    assert caught.value.stage == "decoded"
    assert sum(fed) <= 8192  # stopped within the first chunks, long before the end of the bomb


def test_raw_cap_counts_bytes_as_received() -> None:
    noise = gzip.compress(os.urandom(50_000))
    with pytest.raises(BodyTooLarge) as caught:
        read_capped(chunked(noise), "gzip", limit=10_000_000, raw_limit=20_000)
    assert caught.value.stage == "raw"


@pytest.mark.parametrize(
    ("body", "encoding", "message"),
    [
        (gzip.compress(TEXT)[:-20], "gzip", "ends before its compressed stream"),
        (b"this is not gzip at all", "gzip", "bad gzip data"),
        (b"x", "gzip", "too short"),
        (b"\x78\x9c\xff\xff\xff\xff", "deflate", "bad deflate data"),
    ],
)
def test_corrupt_or_truncated_compressed_bodies_are_errors(body: bytes, encoding: str, message: str) -> None:
    with pytest.raises(BodyCorrupt, match=message):
        read_capped([body], encoding, limit=1_000_000)


def test_empty_body_with_a_gzip_header_is_empty() -> None:
    assert read_capped([], "gzip", limit=10) == b""


def test_trailing_garbage_after_gzip_is_ignored() -> None:
    assert read_capped([gzip.compress(b"hello") + b"\n\n"], "gzip", limit=10, raw_limit=100) == b"hello"


@pytest.mark.parametrize("encoding", ["br", "zstd", "compress", "gzip, br"])
def test_encodings_we_did_not_ask_for_are_refused(encoding: str) -> None:
    with pytest.raises(UnsupportedEncoding):
        read_capped([b"..."], encoding, limit=10)


def test_identity_is_no_encoding() -> None:
    assert read_capped([b"abc"], "identity", limit=3) == b"abc"
