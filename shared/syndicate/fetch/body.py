"""Reading a response body with hard caps on the bytes received AND the bytes they inflate to.

Why not httpx's own decoding (`iter_bytes`): it inflates each received chunk in one call,
so 64 KiB of a gzip bomb becomes tens of megabytes in memory before any cap is checked.
Here we read the raw bytes (`iter_raw`) and inflate them with zlib's `max_length`, never
producing more than one byte past the cap, so memory stays bounded by the cap whatever
the compression ratio.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

__all__ = ["BodyCorrupt", "BodyTooLarge", "UnsupportedEncoding", "decoder_for", "read_capped"]

_GZIP_MAGIC = b"\x1f\x8b"


class BodyTooLarge(Exception):
    """More bytes than the cap; `stage` is "raw" (as sent) or "decoded" (after inflating)."""

    def __init__(self, stage: str, limit: int) -> None:
        super().__init__(f"{stage} body over the {limit}-byte cap")
        self.stage = stage
        self.limit = limit


class BodyCorrupt(Exception):
    """A compressed body that does not inflate (bad data, or cut short)."""


class UnsupportedEncoding(Exception):
    """A Content-Encoding we did not ask for and do not decode (br, zstd, compress...)."""


class _Identity:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.produced = 0

    def feed(self, data: bytes) -> bytes:
        self.produced += len(data)
        if self.produced > self.limit:
            raise BodyTooLarge("decoded", self.limit)
        return data

    def finish(self) -> bytes:
        return b""


class _Inflater:
    """gzip (possibly several members) or deflate (zlib-wrapped or, as some servers send, raw)."""

    def __init__(self, kind: str, limit: int) -> None:
        self.kind = kind
        self.limit = limit
        self.produced = 0
        self._obj: zlib._Decompress | None = None
        self._head = b""  # bytes held back until we can tell zlib from raw deflate
        self._done = False  # trailing garbage after the last gzip member is ignored

    def _start(self, first: bytes) -> zlib._Decompress:
        if self.kind == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        # RFC 9110 "deflate" is zlib-wrapped; a raw deflate stream has no 2-byte header.
        zlib_header = len(first) >= 2 and first[0] & 0x0F == 8 and ((first[0] << 8) | first[1]) % 31 == 0
        return zlib.decompressobj(zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS)

    def _take(self, out: bytearray, data: bytes) -> None:
        self.produced += len(data)
        if self.produced > self.limit:
            raise BodyTooLarge("decoded", self.limit)
        out += data

    def feed(self, data: bytes) -> bytes:
        if self._done:
            return b""
        if self._obj is None:
            self._head += data
            if len(self._head) < 2:
                return b""
            data, self._head = self._head, b""
            self._obj = self._start(data)
        out = bytearray()
        try:
            while data:
                # At most one byte past the cap per call: the bomb never fully inflates.
                self._take(out, self._obj.decompress(data, self.limit - self.produced + 1))
                data = self._obj.unconsumed_tail
                if self._obj.eof:
                    rest = self._obj.unused_data + data
                    if self.kind == "gzip" and rest.startswith(_GZIP_MAGIC):
                        self._obj = self._start(rest)
                        data = rest
                        continue
                    self._done = True
                    break
        except zlib.error as exc:
            raise BodyCorrupt(f"bad {self.kind} data: {exc}") from exc
        return bytes(out)

    def finish(self) -> bytes:
        if self._obj is None:
            if not self._head:
                return b""  # an empty body is an empty body, whatever the header says
            raise BodyCorrupt(f"{self.kind} body of {len(self._head)} byte is too short")
        if self._done:
            return b""
        out = bytearray()
        try:
            self._take(out, self._obj.flush())
        except zlib.error as exc:
            raise BodyCorrupt(f"bad {self.kind} data: {exc}") from exc
        if not self._obj.eof:
            raise BodyCorrupt(f"{self.kind} body ends before its compressed stream does")
        return bytes(out)


_Decoder = _Identity | _Inflater


def decoder_for(content_encoding: str | None, limit: int) -> list[_Decoder]:
    """The decoders to apply, in order, for a Content-Encoding header (listed in the order applied)."""
    names = [n.strip().lower() for n in (content_encoding or "").split(",")]
    names = [n for n in names if n and n != "identity"]
    decoders: list[_Decoder] = []
    for name in reversed(names):  # the last coding applied is the first to undo
        if name in ("gzip", "x-gzip"):
            decoders.append(_Inflater("gzip", limit))
        elif name == "deflate":
            decoders.append(_Inflater("deflate", limit))
        else:
            raise UnsupportedEncoding(f"unsupported Content-Encoding {name!r} (we ask for gzip or deflate)")
    return decoders or [_Identity(limit)]


def read_capped(
    chunks: Iterable[bytes], content_encoding: str | None, *, limit: int, raw_limit: int | None = None
) -> bytes:
    """Join `chunks` (raw bytes as received), decoded, raising BodyTooLarge past either cap.

    `limit` bounds the decoded body, `raw_limit` (default: `limit`) the bytes received, so a
    compressed body cannot be larger than we would accept uncompressed either.
    """
    raw_cap = limit if raw_limit is None else raw_limit
    decoders = decoder_for(content_encoding, limit)
    parts: list[bytes] = []
    received = 0
    for chunk in chunks:
        received += len(chunk)
        if received > raw_cap:
            raise BodyTooLarge("raw", raw_cap)
        data = chunk
        for decoder in decoders:
            data = decoder.feed(data)
        if data:
            parts.append(data)
    # Flush each stage, pushing what it releases through the later stages.
    for index, decoder in enumerate(decoders):
        data = decoder.finish()
        for later in decoders[index + 1 :]:
            data = later.feed(data)
        if data:
            parts.append(data)
    return b"".join(parts)
