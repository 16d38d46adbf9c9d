"""A published record (a JSON Feed item with `_syndicate`) -> the SearchDoc the index holds.

The rule that matters: the index holds only text the record itself republishes, because a
snippet is cut from what the index stores and a hit on a word is itself a disclosure. So
- `full`: the summary and the body (the plain text of `content_html`, or `content_text`);
- `excerpt`: what is published, i.e. the summary and `content_text` (the excerpt), never the
  body behind it (the record does not carry it, and nothing here reads another source);
- `link` (or anything unknown): title, author names and metadata only. Even the summary is
  left out: it is our own pointer sentence ("Read it at ..."), not the article's words.
"""

from __future__ import annotations

from typing import Any

from ..text.plain import plain_text
from . import SearchDoc

#: A cap on the text one document carries into the index (an 800-word article is ~5,000
#: characters; this bounds a pathological record, not a real one).
MAX_TEXT_CHARS = 200_000


def decision_of(item: dict[str, Any]) -> str:
    """full / excerpt / link; anything unrecognised counts as link, the narrowest."""
    ext = item.get("_syndicate") or {}
    value = ext.get("decision") or (ext.get("licence") or {}).get("republish")
    return value if value in ("full", "excerpt", "link") else "link"


def republishable_text(item: dict[str, Any]) -> str:
    """The plain text the record publishes and the index may therefore hold (see module doc)."""
    decision = decision_of(item)
    if decision == "link":
        return ""
    parts: list[str] = []
    summary = plain_text(item.get("summary"), html=False)
    if summary:
        parts.append(summary)
    if decision == "full":
        body = plain_text(item.get("content_html")) if item.get("content_html") else ""
        body = body or plain_text(item.get("content_text"), html=False)
    else:  # excerpt: the published excerpt only (content_html would be more than that)
        body = plain_text(item.get("content_text"), html=False)
    if body and summary and body.startswith(summary.rstrip("…").rstrip()):
        parts = [body]  # the summary is the body's own head (or all of it): index it once
    elif body:
        parts.append(body)
    return " ".join(parts)[:MAX_TEXT_CHARS]


def partners_of(item: dict[str, Any]) -> tuple[str, ...]:
    """The record's partner first, then each partner that published a copy (merged records)."""
    ext = item.get("_syndicate") or {}
    seen: list[str] = []
    for partner in [ext.get("partner"), *((p or {}).get("partner") for p in ext.get("also_published_at") or [])]:
        if isinstance(partner, str) and partner and partner not in seen:
            seen.append(partner)
    return tuple(seen)


def search_doc(item: dict[str, Any]) -> SearchDoc:
    ext = item.get("_syndicate") or {}
    partners = partners_of(item)
    authors = tuple(name for a in item.get("authors") or [] if (name := plain_text((a or {}).get("name"), html=False)))
    return SearchDoc(
        id=str(item["id"]),
        title=plain_text(item.get("title"), html=False),
        url=str(item.get("url") or ""),
        authors=authors,
        text=republishable_text(item),
        partner=partners[0] if partners else "",
        partners=partners,
        licence=str((ext.get("licence") or {}).get("spdx") or ""),
        decision=decision_of(item),
        date=item.get("date_published") or None,
    )
