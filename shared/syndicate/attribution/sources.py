"""Where each credit of a record came from, for a person checking it (`syndicate extract`).

A record says who wrote the article and under which licence; a person checking it wants to
know why: the body's byline, the article's byline markup, an author box, the head's meta
tags, the main entity's JSON-LD, a news agency's dateline, trafilatura's guess, the feed, the
site footer, the registry. This lives in extract's output only (a `sources` key beside the record), not in
the published record: the published `_syndicate.licence.source` keeps its two values (page,
registry), the record schema stays as it is, and a preview stays the record a run makes.
"""

from __future__ import annotations

from typing import Any

from ..model import Article
from ..text.names import name_key


def _licence_source(licence: dict[str, Any] | None, article: Article) -> dict[str, Any] | None:
    if not licence:
        return None
    where = article.licence_found_in if licence.get("source") == "page" else "registry"
    return {"spdx": licence.get("spdx"), "source": where or licence.get("source")}


def attribution_sources(item: dict[str, Any], article: Article) -> dict[str, Any]:
    """{"authors": [{"name", "source"}...], "licence": {"spdx", "source"}, "claimed_licence": ...,
    "licence_seen": [{"spdx", "url", "where"}...]}
    for a record `item` built from `article`: a page author's source is where the page credits
    them (`attribution.authors.PAGE_SOURCES`), an author only the feed names is "feed"; the
    licence's is where the page states it (json-ld, statement, rel=license, footer) or "registry"."""
    ext = item.get("_syndicate") or {}
    authors = [
        {"name": a["name"], "source": article.author_sources.get(name_key(a["name"]), "feed")}
        for a in ext.get("authors") or []
    ]
    return {
        "authors": authors,
        "licence": _licence_source(ext.get("licence"), article),
        "claimed_licence": _licence_source(ext.get("claimed_licence"), article),
        # read where the rights rules take no evidence (a sidebar widget): shown, never used
        "licence_seen": [dict(seen) for seen in article.licence_seen],
    }
