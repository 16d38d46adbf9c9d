"""The raw page store: each fetched article page, kept so it can be extracted again later.

A profile fix or a licence-policy change in the registry should reach articles already
published without fetching every page again (partners are polled politely, and an old page
may have changed or gone since). So ingest keeps what it fetched, and `syndicate reprocess`
(pipeline/reprocess.py) runs the same extraction over it.

One object per copy in the private store, `raw/<copy id>.html.gz`: a gzip stream of one line
of JSON, a newline, then the page's bytes exactly as received (not decoded: the charset is
decided at extraction, from the same bytes and headers as the first time). The JSON line
holds everything else `pipeline.page_record` reads: the final URL after redirects, the
response's content-type (its charset counts when the page declares none), and the queue
message (partner, feed URL, canonical URL and the feed entry: title, authors, summary,
dates, tags). One object rather than a page and a sidecar: one PUT per page, and the two
can never disagree. The state item `raw` / copy id (state/raw.py) names it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ..fetch.result import FetchResult
from ..model import ArticleMessage
from ..services import Services
from ..state.raw import RawPageMeta, raw_key

#: The JSON line's `format`: bump it when the layout changes (a reader refuses what it does not know).
RAW_FORMAT = "syndicate-raw/1"
#: Response headers kept with the page: what extraction reads (content-type, for its charset)
#: and what tells an operator which version of the page this was.
KEPT_HEADERS = ("content-type", "content-language", "last-modified", "etag")
CONTENT_TYPE = "application/gzip"


class RawPageError(Exception):
    """A stored page that cannot be read back (missing, truncated, not ours, edited by hand)."""


@dataclass
class RawPage:
    """A stored page and what re-extraction needs besides its bytes."""

    copy_id: str
    partner: str
    url: str  # where the body came from, after redirects
    fetched_at: str
    headers: dict[str, str]
    message: ArticleMessage
    body: bytes

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    def header(self) -> dict[str, Any]:
        """The JSON line, without the fetch time (see `digest`)."""
        return {
            "format": RAW_FORMAT,
            "copy_id": self.copy_id,
            "partner": self.partner,
            "url": self.url,
            "headers": dict(sorted(self.headers.items())),
            "message": self.message.model_dump(mode="json"),
        }

    def digest(self) -> str:
        """A digest of what extraction reads: the same page fetched again has the same one."""
        head = json.dumps(self.header(), sort_keys=True, ensure_ascii=True).encode("ascii")
        return hashlib.sha256(head + b"\n" + self.body).hexdigest()


def pack(page: RawPage) -> bytes:
    """The object's bytes: gzip(JSON line + newline + page bytes). Deterministic (no mtime)."""
    head = {**page.header(), "fetched_at": page.fetched_at}
    line = json.dumps(head, sort_keys=True, ensure_ascii=True).encode("ascii")  # no raw newline inside
    return gzip.compress(line + b"\n" + page.body, compresslevel=6, mtime=0)


def unpack(data: bytes, copy_id: str) -> RawPage:
    """The stored page, or RawPageError saying what is wrong with the object."""
    try:
        plain = gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
        raise RawPageError(f"raw/{copy_id}: not a readable gzip object ({exc})") from exc
    line, newline, body = plain.partition(b"\n")
    if not newline:
        raise RawPageError(f"raw/{copy_id}: no header line")
    try:
        head = json.loads(line)
        if not isinstance(head, dict):
            raise ValueError("the header line is not a JSON object")
        if head.get("format") != RAW_FORMAT:
            raise ValueError(f"unknown format {head.get('format')!r} (expected {RAW_FORMAT})")
        return RawPage(
            copy_id=copy_id,
            partner=str(head["partner"]),
            url=str(head["url"]),
            fetched_at=str(head["fetched_at"]),
            headers={str(k): str(v) for k, v in dict(head.get("headers") or {}).items()},
            message=ArticleMessage.model_validate(head["message"]),
            body=body,
        )
    except (ValueError, KeyError, TypeError, ValidationError) as exc:  # JSONDecodeError is a ValueError
        raise RawPageError(f"raw/{copy_id}: bad header line ({exc})") from exc


@dataclass
class PackedPage:
    """A page ready to keep: its digest and its object's bytes (`packed`). Pure work, so an
    extraction worker process can do it and leave the storing process only the writes."""

    digest: str
    data: bytes


def packed(copy_id: str, message: ArticleMessage, page: FetchResult, fetched_at: str) -> PackedPage:
    """The digest and stored bytes of a fetched page (see `save_raw_page`)."""
    headers = {name: page.headers[name] for name in KEPT_HEADERS if page.headers.get(name)}
    raw = RawPage(copy_id, message.partner, page.url, fetched_at, headers, message, page.body)
    return PackedPage(raw.digest(), pack(raw))


def save_raw_page(
    svc: Services, copy_id: str, message: ArticleMessage, page: FetchResult, fetched_at: str,
    ready: PackedPage | None = None,
) -> bool:
    """Keep a fetched page for `reprocess`; False (nothing written) when it is already kept.

    The object is written first, then the small item naming it, as for copies: an item never
    names an object that is not there yet. `ready`: the page already `packed` (by a worker).
    """
    done = ready or packed(copy_id, message, page, fetched_at)
    known = svc.db.raw.get(copy_id)
    if known is not None and known.digest == done.digest:
        return False
    svc.private.put(raw_key(copy_id), done.data, CONTENT_TYPE)
    svc.db.raw.put(
        copy_id, RawPageMeta(message.partner, page.url, fetched_at, done.digest, len(page.body), len(done.data))
    )
    return True


def load_raw_page(svc: Services, copy_id: str, meta: RawPageMeta | None = None) -> RawPage:
    """The page kept for `copy_id`; RawPageError when it is missing or unreadable."""
    data = svc.private.get(raw_key(copy_id))
    if data is None:
        raise RawPageError(f"raw/{copy_id}: the stored page is missing")
    page = unpack(data, copy_id)
    if meta is not None and meta.digest and page.digest() != meta.digest:
        raise RawPageError(f"raw/{copy_id}: the object does not match its digest (changed or damaged)")
    return page
