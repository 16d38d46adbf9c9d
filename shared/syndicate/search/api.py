"""The search API as a pure function: query parameters in, (HTTP status, JSON body) out.

    GET ?q=kazakhstan+protests&partner=lse-blogs&author=Fiala&from=2022-01-01&to=2022-12-31&page=2

answers

    {"query": {...the validated parameters...}, "page": 2, "per_page": 10, "total": 31,
     "hits": [{"id", "title", "url", "authors": [names], "date", "partner", "licence",
               "decision", "score", "snippet", "snippet_highlights": [[start, end], ...]}],
     "next_page": 3 | null}

Bad input is a 400 with {"error": "..."} naming the parameter. `snippet` is plain text cut
from the indexed text only, which holds only what the record republishes (search.documents):
a link-only record's snippet is empty, an excerpt-only record's comes from its excerpt.
Highlights are character offsets into `snippet`; there is no HTML anywhere in the answer, so
a page showing it escapes text and wraps the ranges itself.

The Lambda handler (functions/search/app.py) and `syndicate search` both call `answer`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from . import SearchHit, SearchIndex, SearchQuery

PER_PAGE = 10
#: Deep pages cost the index more and nobody reads them: ask a narrower question instead.
MAX_PAGE = 50
MAX_QUERY_CHARS = 200
MAX_AUTHOR_CHARS = 100
PARAMS = ("q", "partner", "author", "licence", "from", "to", "page")

_PARTNER = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_LICENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+-]{0,99}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class BadRequest(ValueError):
    """A parameter is missing, repeated or malformed; the message says which and why."""


def _one(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != 1:
            raise BadRequest(f"give {name} at most once")
        value = value[0]
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be text")
    if _CONTROL.search(value):
        raise BadRequest(f"{name} contains control characters")
    value = value.strip()
    return value or None


def _day(params: Mapping[str, Any], name: str) -> date | None:
    value = _one(params, name)
    if value is None:
        return None
    if not _DAY.fullmatch(value):
        raise BadRequest(f"{name} must be a date YYYY-MM-DD, got {value[:40]!r}")
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise BadRequest(f"{name} is not a real date: {value!r}") from exc
    if not 1900 <= day.year <= 2200:
        raise BadRequest(f"{name} must be between 1900 and 2200")
    return day


def parse_params(params: Mapping[str, Any]) -> tuple[SearchQuery, int, dict[str, Any]]:
    """Validate the query parameters: (the index query, the page, the echo of the query).

    Parameters not listed in PARAMS are ignored (a cache-buster such as `_=` is harmless).
    """
    q = _one(params, "q") or ""
    if len(q) > MAX_QUERY_CHARS:
        raise BadRequest(f"q is longer than {MAX_QUERY_CHARS} characters")
    partner = _one(params, "partner")
    if partner is not None and not _PARTNER.fullmatch(partner):
        raise BadRequest("partner must be a partner id (lowercase letters, digits and '-')")
    author = _one(params, "author")
    if author is not None and len(author) > MAX_AUTHOR_CHARS:
        raise BadRequest(f"author is longer than {MAX_AUTHOR_CHARS} characters")
    licence = _one(params, "licence")
    if licence is not None and not _LICENCE.fullmatch(licence):
        raise BadRequest("licence must be an SPDX id such as CC-BY-4.0")
    date_from, date_to = _day(params, "from"), _day(params, "to")
    if date_from and date_to and date_from > date_to:
        raise BadRequest("from is after to")
    raw_page = _one(params, "page") or "1"
    if not raw_page.isdigit() or not 1 <= int(raw_page) <= MAX_PAGE:
        raise BadRequest(f"page must be a whole number from 1 to {MAX_PAGE}")
    page = int(raw_page)
    if not q and not (partner or author or licence or date_from or date_to):
        raise BadRequest("give q (the words to search for) or a filter: partner, author, licence, from, to")
    query = SearchQuery(
        text=q,
        partner=partner,
        author=author,
        licence=licence,
        date_from=date_from,
        date_to=date_to,
        offset=(page - 1) * PER_PAGE,
        limit=PER_PAGE,
    )
    echo = {
        "q": q,
        "partner": partner,
        "author": author,
        "licence": licence,
        "from": date_from.isoformat() if date_from else None,
        "to": date_to.isoformat() if date_to else None,
    }
    return query, page, echo


def hit_json(hit: SearchHit) -> dict[str, Any]:
    return {
        "id": hit.id,
        "title": hit.title,
        "url": hit.url,
        "authors": list(hit.authors),
        "date": hit.date,
        "partner": hit.partner,
        "licence": hit.licence,
        "decision": hit.decision,
        "score": round(hit.score, 4),
        "snippet": hit.snippet,
        "snippet_highlights": [list(r) for r in hit.highlights],
    }


def answer(index: SearchIndex, params: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
    """(status, body) for one request; never raises on bad input (400 instead)."""
    try:
        query, page, echo = parse_params(params)
    except BadRequest as exc:
        return 400, {"error": str(exc)}
    results = index.search(query)
    more = query.offset + len(results.hits) < results.total and page < MAX_PAGE
    return 200, {
        "query": echo,
        "page": page,
        "per_page": PER_PAGE,
        "total": results.total,
        "hits": [hit_json(h) for h in results.hits],
        "next_page": page + 1 if more else None,
    }
