"""One JSON Feed page -> the same page as Atom 1.0, for sites and readers that read no JSON Feed.

Each JSON Feed page (as published: `items` are records' JSON Feed items) becomes one Atom
document with the same entries, paged like the JSON Feed by RFC 5005 links (`first`, `next`,
`previous`, `self`), so a reader walks the Atom pages exactly as it walks `next_url`. The
Atom is rendered from the published page rather than from records, so the two can never say
different things; feedgen (a maintained generator) writes the XML.

Per entry: the record's authors (the original publisher when none is known: Atom requires an
author), a link to the canonical URL, `rights` = the attribution line and the licence's URL,
`content` = the item's `content_html` (full text or excerpt, each ending with the attribution
paragraph) or else its `summary` (link-only records), `published`/`updated`.

Output is deterministic (no "now" anywhere): the feed's `updated` is its newest entry's, so the
same page gives the same bytes, as content-addressed pages need.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from feedgen.feed import FeedGenerator

from ..clock import parse_iso

ATOM_CONTENT_TYPE = "application/atom+xml"
#: An empty feed has no newest entry to date it by: a fixed instant keeps its bytes stable.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HEX_ID = re.compile(r"^[0-9a-f]{32}$")


def entry_id(item: Mapping[str, Any]) -> str:
    """The entry's Atom id (an IRI): the record's 128-bit id as `urn:uuid:`, one to one with the
    JSON Feed `id`; any other id (not ours) falls back to the item's URL."""
    rid = str(item.get("id", ""))
    if _HEX_ID.match(rid):
        return f"urn:uuid:{rid[:8]}-{rid[8:12]}-{rid[12:16]}-{rid[16:20]}-{rid[20:]}"
    return str(item.get("url") or rid)


def _when(value: Any) -> datetime | None:
    """An item's date as an aware datetime (a bare date is midnight UTC)."""
    return parse_iso(value) if isinstance(value, str) else None


def _rights(item: Mapping[str, Any]) -> str | None:
    ext = item.get("_syndicate") or {}
    attribution = ext.get("attribution")
    licence = ext.get("licence") or {}
    url = licence.get("url")
    if attribution and url:
        return f"{attribution} Licence: {url}"
    return attribution or None


def _authors(item: Mapping[str, Any]) -> list[dict[str, str]]:
    authors = [
        {"name": a["name"], **({"uri": a["url"]} if a.get("url") else {})}
        for a in item.get("authors") or []
        if isinstance(a, Mapping) and a.get("name")
    ]
    if authors:
        return authors
    publisher = (item.get("_syndicate") or {}).get("original_publisher") or {}
    return [{"name": publisher.get("name") or "Unknown"}]


def render_atom(
    page: Mapping[str, Any],
    *,
    self_url: str,
    first_url: str,
    next_url: str | None = None,
    previous_url: str | None = None,
) -> bytes:
    """One JSON Feed page dict (as published) -> the Atom 1.0 document of the same page.

    `self_url` is where this Atom page is served, `first_url` the feed's first (head) Atom
    page, which is also the feed's Atom id (every page is a page of one logical feed, RFC 5005);
    `next_url` / `previous_url` the older / newer Atom pages, when there are any.
    """
    items = [i for i in page.get("items") or [] if isinstance(i, Mapping)]
    fg = FeedGenerator()
    fg.id(first_url)
    fg.title(str(page.get("title") or "Feed"))
    if page.get("description"):
        fg.subtitle(str(page["description"]))
    fg.link(href=self_url, rel="self", type=ATOM_CONTENT_TYPE)
    fg.link(href=first_url, rel="first", type=ATOM_CONTENT_TYPE)
    if next_url:
        fg.link(href=next_url, rel="next", type=ATOM_CONTENT_TYPE)
    if previous_url:
        fg.link(href=previous_url, rel="previous", type=ATOM_CONTENT_TYPE)
    if page.get("home_page_url"):
        fg.link(href=str(page["home_page_url"]), rel="alternate", type="text/html")
    if page.get("language"):
        fg.language(str(page["language"]))
    newest = _EPOCH
    for item in items:
        published = _when(item.get("date_published"))
        fetched = _when((item.get("_syndicate") or {}).get("fetched_at"))
        updated = _when(item.get("date_modified")) or published or fetched or _EPOCH
        newest = max(newest, updated)
        fe = fg.add_entry(order="append")
        fe.id(entry_id(item))
        fe.title(str(item.get("title") or item.get("url") or "(untitled)"))
        fe.link(href=str(item["url"]), rel="alternate", type="text/html")
        fe.author(_authors(item))
        fe.updated(updated)
        if published:
            fe.published(published)
        rights = _rights(item)
        if rights:
            fe.rights(rights)
        if item.get("summary"):
            fe.summary(str(item["summary"]))
        if item.get("content_html"):
            fe.content(str(item["content_html"]), type="html")
        for tag in item.get("tags") or []:
            fe.category(term=str(tag))
    fg.updated(newest)
    result: bytes = fg.atom_str(pretty=True)
    return result
