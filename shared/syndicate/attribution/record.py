"""Article + feed entry + partner -> the Record we publish, with rights decided.

This is where the editorial rules live: who gets credit, under which licence, and how
much of the text we may show. Everything here is pure: plain data in, a Record out.
"""

from __future__ import annotations

import hashlib

from ..dedup.urls import record_id
from ..extract.sanitize import sanitize_html
from ..model import Article, ArticleMessage, Author, FeedAuthor, Licence, Record, SyndicateExt
from ..registry import Partner
from .licences import decide_licence, licence_label

CHANGES = "boilerplate removed"


def join_names(names: list[str]) -> str:
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def attribution_line(title: str, authors: list[str], publisher: str, url: str, licence: Licence) -> str:
    """The credit line in the form LSE's republishing policy asks for, noting our changes."""
    by = f" by {join_names(authors)}" if authors else ""
    if licence.spdx.startswith("LicenseRef-"):
        terms = "all rights reserved by the publisher"
    else:
        terms = f"licensed under {licence_label(licence)}"
    return f"'{title}'{by}, originally published on {publisher} ({url}), {terms}. Changes: {CHANGES}."


def excerpt(text: str, limit: int) -> str:
    """The first `limit` characters of text, cut at a word boundary, with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "…"


def content_sha256(text: str) -> str:
    normalized = " ".join(text.split()).casefold()
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()


def build_record(
    partner: Partner,
    message: ArticleMessage,
    article: Article,
    *,
    fetched_at: str,
    summary_chars: int = 400,
) -> Record:
    """Assemble one record: authors from every source, licence, republishing decision."""
    entry = message.entry
    title = entry.title or article.title or message.canonical_url
    names: list[str] = []
    for name in [*entry.authors, *article.authors]:
        if name.casefold() not in {n.casefold() for n in names}:
            names.append(name)
    licence = decide_licence(partner.licence, article.licence_url)
    republish = licence.republish
    summary_source = article.description or entry.summary or article.text
    summary = excerpt(summary_source, summary_chars)
    line = attribution_line(title, names, partner.name, message.canonical_url, licence)
    content_html = content_text = None
    if republish == "full":
        content_html = sanitize_html(article.html, article.url)
    elif republish == "excerpt":
        content_text = summary
    else:
        content_text = line
    date_published = entry.published or article.date
    return Record(
        id=record_id(message.canonical_url),
        url=message.canonical_url,
        title=title,
        authors=[FeedAuthor(name=n) for n in names],
        date_published=date_published,
        summary=summary,
        content_html=content_html,
        content_text=content_text,
        language=article.language,
        tags=list(dict.fromkeys(entry.tags + article.tags)),
        _syndicate=SyndicateExt(
            partner=partner.id,
            source_url=article.url,
            canonical_url=message.canonical_url,
            authors=[Author(name=n) for n in names],
            licence=licence,
            attribution=line,
            content_sha256=content_sha256(article.text),
            fetched_at=fetched_at,
        ),
    )
