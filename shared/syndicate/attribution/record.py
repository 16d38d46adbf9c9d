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

from ..dedup.urls import record_id
from ..extract.profiles import get_profile
from ..extract.sanitize import sanitize_html
from ..model import Article, ArticleMessage, Author, FeedAuthor, Licence, Publisher, Record, Republish, SyndicateExt
from ..registry import Partner
from ..text.cut import cut_at_word
from ..text.plain import plain_text
from .authors import merge_authors
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


def licence_terms(licence: Licence) -> str:
    """What the attribution says about the terms: 'licensed under CC BY 4.0', or for a
    LicenseRef- licence (no public licence, an agreement) 'all rights reserved by the publisher'; a
    Creative Commons port off the SPDX list (LicenseRef-CC-BY-2.5-CH) is a public licence."""
    if licence.spdx.startswith("LicenseRef-") and not licence.spdx.startswith("LicenseRef-CC-"):
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
        language=article.language,
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
            images=[] if link_only else article.images,  # image credits are the partner's text
            paywalled=article.paywalled,
            content_sha256=content_sha256(article.text),
            fetched_at=fetched_at,
        ),
    )
