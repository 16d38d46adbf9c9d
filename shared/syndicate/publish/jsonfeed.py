"""Records -> paginated JSON Feed 1.1 documents.

Layout in the bucket (all under `public/` in the cloud):
    feed.json, feed/page-2.json, ...                       every partner, newest first
    feeds/<partner>.json, feeds/<partner>/page-2.json, ... one partner
Pages link forward with `next_url` as JSON Feed 1.1 specifies; a reader that follows them
sees every item exactly once.
"""

from __future__ import annotations

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


def page_keys(first_key: str, pages: int) -> list[str]:
    """['feed.json', 'feed/page-2.json', ...] for first_key 'feed.json'."""
    stem = first_key.removesuffix(".json")
    return [first_key] + [f"{stem}/page-{n}.json" for n in range(2, pages + 1)]


def dumps(document: Mapping[str, Any]) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")


def build_feed_pages(
    items: Iterable[Mapping[str, Any]],
    *,
    title: str,
    first_key: str,
    base_url: str,
    page_size: int,
    home_page_url: str | None = None,
    description: str | None = None,
) -> dict[str, bytes]:
    """Every page of one feed, keyed by its object key, as serialized JSON."""
    ordered = sort_newest_first(items)
    chunks = [ordered[i : i + page_size] for i in range(0, len(ordered), page_size)] or [[]]
    keys = page_keys(first_key, len(chunks))
    base = base_url if base_url.endswith("/") else base_url + "/"
    out: dict[str, bytes] = {}
    for n, (key, chunk) in enumerate(zip(keys, chunks, strict=True)):
        doc: dict[str, Any] = {"version": JSONFEED_VERSION, "title": title}
        if home_page_url:
            doc["home_page_url"] = home_page_url
        doc["feed_url"] = base + key
        if description:
            doc["description"] = description
        if n + 1 < len(keys):
            doc["next_url"] = base + keys[n + 1]
        doc["items"] = list(chunk)
        out[key] = dumps(doc)
    return out
