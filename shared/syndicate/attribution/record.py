"""Article + feed entry + partner -> the Record we publish, with rights decided.

This is where the editorial rules live: who gets credit, under which licence, and how
much of the text we may show. Everything here is pure: plain data in, a Record out (and a
log line naming the URL when a field had to be cut to its cap).

Two rules about text hold for every record:

- Link-only means title, authors, URL, dates and attribution. A link-only record (the
  registry says so, or the page is paywalled) carries no text of the partner's: no
  description, no feed summary, no body, no author bios, no image credits. Its `summary`
  (DESIGN: always present) is our own sentence pointing at the article (`link_summary`).
- Title, summary, tags and author names, bios and affiliations are plain text
  (`text.plain.plain_text`: no markup or control characters, script content dropped) and
  capped (the caps below); what a cap cut is logged on `syndicate.attribution`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import date
from html import escape

from ..clock import iso_z, parse_iso
from ..dedup.urls import record_id
from ..extract.profiles import get_profile
from ..extract.sanitize import sanitize_html
from ..model import Article, ArticleMessage, Author, FeedAuthor, Licence, Publisher, Record, Republish, SyndicateExt
from ..registry import Partner
from ..text.cut import cut_at_word
from ..text.lang import bcp47
from ..text.plain import plain_text
from .authors import merge_authors
from .content import lead_image
from .licences import decide_licence, licence_label
from .limits import MAX_AFFILIATION, MAX_BIO, MAX_NAME
from .page import Byline

CHANGES = "boilerplate removed"

log = logging.getLogger("syndicate.attribution")

#: Caps on what one record carries (the summary's is the `summary_chars` setting); an author's
#: fields have one set of limits, `attribution.limits`, applied where authors are merged.
MAX_TITLE_CHARS = 300
MAX_TAGS = 30
MAX_TAG_CHARS = 100
MAX_NAME_CHARS = MAX_NAME
MAX_AFFILIATION_CHARS = MAX_AFFILIATION
MAX_BIO_CHARS = MAX_BIO


def link_summary(publisher: str, url: str, *, paywalled: bool = False) -> str:
    """The summary of a link-only record: our words, none of the partner's text.

    'Read it at LSE Blogs: https://...' ('Members-only article; read it at ...' when paywalled).
    """
    lead = "Members-only article; read it at" if paywalled else "Read it at"
    return f"{lead} {publisher}: {url}"


class _Cuts:
    """Plain text to a cap, remembering what was cut so one log line can name it all."""

    def __init__(self) -> None:
        self.cut: list[str] = []

    def text(self, value: str | None, limit: int, what: str) -> str:
        flat = plain_text(value, html=False)
        if len(flat) > limit:
            self.cut.append(f"{what} {len(flat)} > {limit} chars ({cut_at_word(flat, 60)!r})")
            return cut_at_word(flat, limit)
        return flat

    def tags(self, values: Sequence[str]) -> list[str]:
        tags: list[str] = []
        for value in values:
            tag = self.text(value, MAX_TAG_CHARS, "tag")
            if tag and tag not in tags:
                tags.append(tag)
        if len(tags) > MAX_TAGS:
            dropped = tags[MAX_TAGS:]
            self.cut.append(f"{len(dropped)} tags over {MAX_TAGS} dropped ({', '.join(dropped[:5])}...)")
            del tags[MAX_TAGS:]
        return tags

    def author(self, author: Author, *, bio: bool) -> Author:
        name = self.text(author.name, MAX_NAME_CHARS, "author name")
        return author.model_copy(
            update={
                "name": name,
                "bio": (self.text(author.bio, MAX_BIO_CHARS, f"bio of {name}") or None) if bio else None,
                "affiliation": self.text(author.affiliation, MAX_AFFILIATION_CHARS, f"affiliation of {name}")
                or None,
            }
        )

    def report(self, url: str) -> None:
        if self.cut:
            log.warning("record %s: cut to the caps: %s", url, "; ".join(self.cut))


def join_names(names: list[str]) -> str:
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def licence_terms(licence: Licence, *, html: bool = False) -> str:
    """What the attribution says about the terms: 'licensed under CC BY 4.0', or for a
    LicenseRef- licence (no public licence, an agreement) 'all rights reserved by the publisher'; a
    Creative Commons port off the SPDX list (LicenseRef-CC-BY-2.5-CH) is a public licence.
    With `html`, the licence's name links to its deed."""
    if licence.spdx.startswith("LicenseRef-") and not licence.spdx.startswith("LicenseRef-CC-"):
        return "all rights reserved by the publisher"
    label = licence_label(licence)
    return f"licensed under {_link(label, licence.url) if html else label}"


def _link(text: str, url: str | None) -> str:
    """An escaped link as the sanitizer would leave it (rel=noopener noreferrer, escaped href),
    so our own markup passes nh3 unchanged; plain escaped text without a URL."""
    if not url:
        return escape(text, quote=False)
    return f'<a href="{escape(url, quote=True)}" rel="noopener noreferrer">{escape(text, quote=False)}</a>'


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
    html: bool = False,
) -> str:
    """The credit line in the form LSE's republishing policy asks for, noting our changes:
    "'Title' by A and B, originally published on LSE Blogs (URL), licensed under CC BY 4.0."

    One copy's record may name where it first appeared (`first_published`, from its
    cross-post notice). A record merged from several copies names the other places as
    `republished_on` ((publisher, URL) pairs) and, when the text and licence come from one of
    those copies rather than the original, that copy's publisher as `text_from`.

    `html=True` gives the same words as an HTML fragment for `content_html`: every name and
    title escaped, the publisher and each other place linked to their URL (instead of the URL
    in brackets) and the licence linked to its deed.
    """
    esc = (lambda t: escape(t, quote=False)) if html else (lambda t: t)

    def place(name: str, at: str) -> str:
        return _link(name, at) if html else f"{name} ({at})"

    by = f" by {esc(join_names(authors))}" if authors else ""
    first = ""
    if first_published and first_published.name.casefold() != publisher.casefold():
        when = f" on {human_date(first_published.date_published)}" if first_published.date_published else ""
        first = f" (first published by {esc(first_published.name)}{esc(when)})"
    via = ", republished on " + "; ".join(place(name, at) for name, at in republished_on) if republished_on else ""
    source = f" (text and licence from the {esc(text_from)} copy)" if text_from else ""
    return (
        f"'{esc(title)}'{by}, originally published on {place(publisher, url)}{first}{via}{source}, "
        f"{licence_terms(licence, html=html)}. Changes: {CHANGES}."
    )


def rfc3339(value: str | None) -> str | None:
    """A date as JSON Feed wants it (RFC 3339 date-time): a page's bare '2022-01-14' becomes
    '2022-01-14T00:00:00Z'; a value that is no ISO date at all is kept as it is."""
    if value and len(value) == 10 and (moment := parse_iso(value)) is not None:
        return iso_z(moment)
    return value


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


def _usable_summary(value: str, bad: tuple[str, ...]) -> str | None:
    """A summary that is the article's own, not a sign-up blurb. (A paywalled page's teaser
    never gets here: a paywalled record is link-only and shows no text at all.)"""
    if not value or any(value.casefold().startswith(b.casefold()) for b in bad):
        return None
    return value


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
    cuts = _Cuts()
    title = cuts.text(entry.title or article.title, MAX_TITLE_CHARS, "title") or message.canonical_url
    byline = Byline([a.name for a in article.authors], article.byline_org, "") if article.byline_org else None
    authors = merge_authors(article.authors, entry.authors, byline=byline, url=article.url)
    names = [a.name for a in authors]
    decision = decide_licence(
        partner.licence, article.licence, trusted=partner.pages_state_licence, paywalled=article.paywalled
    )
    licence = decision.licence
    republish = decide_republish(licence, article.paywalled)
    licence = licence.model_copy(update={"republish": republish})

    link_only = republish == "link"
    authors = [cuts.author(a, bio=not link_only) for a in authors]  # a bio is the partner's text
    names = [a.name for a in authors]
    if link_only:  # no text of the partner's: not the description, not the feed's, not the body
        summary = link_summary(partner.name, message.canonical_url, paywalled=article.paywalled)
    else:
        summary = next(
            (
                s
                for s in (
                    _usable_summary(plain_text(article.description, html=False), profile.bad_summaries),
                    _usable_summary(plain_text(entry.summary, html=False), profile.bad_summaries),
                )
                if s
            ),
            None,
        ) or plain_text(article.text[: summary_chars * 20], html=False)  # the head is enough: no 600 kB pass
        summary = cut_at_word(summary, summary_chars)
    date_published = rfc3339(entry.published or article.date)
    original = article.original_publisher or Publisher(
        name=partner.name, url=message.canonical_url, date_published=(date_published or "")[:10] or None
    )
    line = attribution_line(title, names, partner.name, message.canonical_url, licence, article.original_publisher)
    content_html = content_text = None
    images = [] if link_only else article.images  # image credits are the partner's text
    if republish == "full":  # the body alone: credits and attribution are added to the merged record
        content_html = sanitize_html(article.html, article.url)
    elif republish == "excerpt":
        content_text = summary
    else:
        content_text = line
    tags = cuts.tags(entry.tags + article.tags)
    cuts.report(message.canonical_url)
    return Record(
        id=record_id(message.canonical_url),
        url=message.canonical_url,
        title=title,
        authors=[FeedAuthor(name=a.name, url=a.url) for a in authors],
        date_published=date_published,
        summary=summary,
        content_html=content_html,
        content_text=content_text,
        language=bcp47(article.language),
        image=(lead := lead_image(article.lead_image, images, republish)),
        banner_image=lead,
        tags=tags,
        _syndicate=SyndicateExt(
            partner=partner.id,
            source_url=article.url,
            canonical_url=message.canonical_url,
            original_publisher=original,
            authors=authors,
            licence=licence,
            claimed_licence=decision.claimed,
            attribution=line,
            images=images,
            paywalled=article.paywalled,
            content_sha256=content_sha256(article.text),
            fetched_at=fetched_at,
        ),
    )
