"""Article + feed entry + partner -> the Record we publish, with rights decided.

This is where the editorial rules live: who gets credit, under which licence, and how
much of the text we may show. Everything here is pure: plain data in, a Record out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date

from ..dedup.urls import record_id
from ..extract.profiles import get_profile
from ..extract.sanitize import sanitize_html
from ..model import Article, ArticleMessage, FeedAuthor, Licence, Publisher, Record, Republish, SyndicateExt
from ..registry import Partner
from ..text.cut import cut_at_word
from .authors import merge_authors
from .licences import decide_licence, licence_label
from .page import Byline

CHANGES = "boilerplate removed"


def join_names(names: list[str]) -> str:
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def licence_terms(licence: Licence) -> str:
    """What the attribution says about the terms: 'licensed under CC BY 4.0', or for a
    LicenseRef- licence (no public licence, an agreement) 'all rights reserved by the publisher'."""
    if licence.spdx.startswith("LicenseRef-"):
        return "all rights reserved by the publisher"
    return f"licensed under {licence_label(licence)}"


def attribution_line(
    title: str,
    authors: list[str],
    publisher: str,
    url: str,
    licence: Licence,
    first_published: Publisher | None = None,
    *,
    republished_on: Sequence[tuple[str, str]] = (),
    text_from: str | None = None,
) -> str:
    """The credit line in the form LSE's republishing policy asks for, noting our changes:
    "'Title' by A and B, originally published on LSE Blogs (URL), licensed under CC BY 4.0."

    One copy's record may name where it first appeared (`first_published`, from its
    cross-post notice). A record merged from several copies names the other places as
    `republished_on` ((publisher, URL) pairs) and, when the text and licence come from one of
    those copies rather than the original, that copy's publisher as `text_from`.
    """
    by = f" by {join_names(authors)}" if authors else ""
    first = ""
    if first_published and first_published.name.casefold() != publisher.casefold():
        when = f" on {human_date(first_published.date_published)}" if first_published.date_published else ""
        first = f" (first published by {first_published.name}{when})"
    via = ", republished on " + "; ".join(f"{name} ({at})" for name, at in republished_on) if republished_on else ""
    source = f" (text and licence from the {text_from} copy)" if text_from else ""
    return (
        f"'{title}'{by}, originally published on {publisher} ({url}){first}{via}{source}, "
        f"{licence_terms(licence)}. Changes: {CHANGES}."
    )


def human_date(iso: str) -> str:
    """'2022-01-14' -> '14 January 2022' (anything else is returned as it is)."""
    try:
        day = date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return f"{day.day} {day:%B %Y}"


def content_sha256(text: str) -> str:
    normalized = " ".join(text.split()).casefold()
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()


def _usable_summary(value: str | None, bad: tuple[str, ...], teaser: str | None) -> str | None:
    """A summary that is the article's own: not a sign-up blurb, not paywalled teaser text."""
    if not value or not value.strip():
        return None
    flat = " ".join(value.split())
    if any(flat.casefold().startswith(b.casefold()) for b in bad):
        return None
    if teaser and flat[:80].casefold() in " ".join(teaser.split()).casefold():
        return None
    return flat


def decide_republish(licence: Licence, paywalled: bool) -> Republish:
    """full / excerpt / link. A paywalled page is link-only: its teaser is not ours to show."""
    return "link" if paywalled else licence.republish


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
    profile = get_profile(partner.profile)
    title = entry.title or article.title or message.canonical_url
    byline = Byline([a.name for a in article.authors], article.byline_org, "") if article.byline_org else None
    authors = merge_authors(article.authors, entry.authors, byline=byline, url=article.url)
    names = [a.name for a in authors]
    decision = decide_licence(
        partner.licence, article.licence, trusted=partner.pages_state_licence, paywalled=article.paywalled
    )
    licence = decision.licence
    republish = decide_republish(licence, article.paywalled)
    licence = licence.model_copy(update={"republish": republish})
    teaser = article.text if article.paywalled else None
    summary = next(
        (
            s
            for s in (
                _usable_summary(article.description, profile.bad_summaries, teaser),
                _usable_summary(entry.summary, profile.bad_summaries, teaser),
            )
            if s
        ),
        None,
    )
    if summary is None:
        summary = f"{title}: members-only article." if article.paywalled else article.text
    summary = cut_at_word(summary, summary_chars)
    date_published = entry.published or article.date
    original = article.original_publisher or Publisher(
        name=partner.name, url=message.canonical_url, date_published=(date_published or "")[:10] or None
    )
    line = attribution_line(title, names, partner.name, message.canonical_url, licence, article.original_publisher)
    content_html = content_text = None
    if republish == "full":
        content_html = sanitize_html(article.html, article.url)
    elif republish == "excerpt":
        content_text = summary
    else:
        content_text = line
    return Record(
        id=record_id(message.canonical_url),
        url=message.canonical_url,
        title=title,
        authors=[FeedAuthor(name=a.name, url=a.url) for a in authors],
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
            original_publisher=original,
            authors=authors,
            licence=licence,
            claimed_licence=decision.claimed,
            attribution=line,
            images=article.images,
            paywalled=article.paywalled,
            content_sha256=content_sha256(article.text),
            fetched_at=fetched_at,
        ),
    )
