"""Records -> paginated JSON Feed 1.1 documents.

Layout in the bucket (all under `public/` in the cloud), as pipeline/publish.py writes it:
    feed.json -> feed/archive-<n>-<hash>.json -> ... -> feed/archive-000001-<hash>.json
        every partner: the head page (newest items), then frozen archive pages numbered
        from the oldest (so adding items never renumbers them)
    feeds/<partner>.json -> feeds/<partner>/archive-...                   one partner
Pages link forward with `next_url` as JSON Feed 1.1 specifies; a reader that follows them
sees every item exactly once. Pages are stored gzip-compressed (`encode_page`; served with
`Content-Encoding: gzip`); `loads_page` reads either form.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Mapping
from typing import Any

from ..model import JSONFEED_VERSION


def sort_newest_first(items: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Newest `date_published` first; undated items last; ties broken by id for stability."""
    listed = list(items)
    listed.sort(key=lambda i: str(i.get("id", "")))
    listed.sort(key=lambda i: str(i.get("date_published") or ""), reverse=True)
    return listed


def dumps(document: Mapping[str, Any]) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")


def feed_document(
    items: Iterable[Mapping[str, Any]],
    *,
    title: str,
    feed_url: str,
    next_url: str | None = None,
    home_page_url: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """One page of a feed: the feed's fields, the link to the next (older) page, the items."""
    doc: dict[str, Any] = {"version": JSONFEED_VERSION, "title": title}
    if home_page_url:
        doc["home_page_url"] = home_page_url
    doc["feed_url"] = feed_url
    if description:
        doc["description"] = description
    if next_url:
        doc["next_url"] = next_url
    doc["items"] = list(items)
    return doc


GZIP_MAGIC = b"\x1f\x8b"


def encode_page(document: Mapping[str, Any]) -> bytes:
    """The page as stored: gzip of `dumps`, deterministic (no timestamp in the gzip header)
    so the same page always gives the same bytes and the same ETag."""
    return gzip.compress(dumps(document), compresslevel=6, mtime=0)


def page_bytes(raw: bytes) -> bytes:
    """A stored page's bytes as a reader gets them: gzip-encoded pages (as published, JSON
    and Atom alike) decompressed, plain ones as they are."""
    return gzip.decompress(raw) if raw[:2] == GZIP_MAGIC else raw


def loads_page(raw: bytes) -> dict[str, Any]:
    """A stored page back as a document, whether gzip-encoded (as published) or plain."""
    doc: dict[str, Any] = json.loads(page_bytes(raw))
    return doc
