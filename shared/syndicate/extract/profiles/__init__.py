"""Per-partner reading rules (Fundus style): one module per partner, found, not listed.

A partner's knowledge lives in its profile and nowhere else: what is boilerplate
(`prune_xpath`), where authors are credited (`author_box_xpath`, `read_author_box`), how its
byline and cross-post notices are worded, how its paywall shows, how its image credits are
marked up, and which feed summaries are not the article's. `attribution.page` and
`extract.article` apply these fields; they hold no partner's wording themselves.

Adding a partner = a module here (not starting with `_`) that defines `PROFILE`, at least one
saved case under `tests/fixtures/pages/<module>/`, and a `partners.yaml` entry naming the
module as `profile:`. Modules are discovered with `pkgutil.iter_modules`, so the registry
validates against what is on disk; importing this package stays cheap (no trafilatura,
no lxml), because `syndicate.registry` imports it to do so.

What the generic defaults know (and every profile starts from): JSON-LD `isAccessibleForFree`,
`rel=license`, licence statements, author boxes with the usual WordPress classes, "By A and
B, Org" bylines, and the common English cross-post notice "This article/post was first
(originally) published by/on/in X on DATE". That last one is generic on purpose: it is the
wording republishing guides recommend and many sites use, it is read only from the article's
own paragraphs (the container `article_xpath` names, never comments, sidebars, widgets or
related posts: `attribution.page` drops those first), and a notice moves nothing by itself
(the canonical URL moves only to a registry partner whose copy we ingested and matched,
DESIGN.md's rights rules), so a false match costs little while a missed one splits a
cross-post in two. A site's own wording ("This was published by X on DATE", without a
noun) is that site's, and lives in its profile.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...model import Article, Author


def _identity(article: Article) -> Article:
    return article


#: Where author boxes usually live on WordPress and similar sites.
DEFAULT_AUTHOR_BOX = (
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' author-bio ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' author-box ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' about-author ')]"
)

#: A body byline: 'By Lukas Fiala and Hugo Jones, China Foresight LSE IDEAS'. Byline
#: patterns name their parts `names` (required) and `org` (optional).
GENERIC_BYLINE = re.compile(
    r"^\s*by\s+(?P<names>[A-Z][^,;:]{1,200}?)(?:\s*[,;|–—-]\s*(?P<org>[^.]{2,120}?))?\s*\.?\s*$", re.IGNORECASE
)

_NOTICE_DATE = (
    r"\d{1,2}(?:st|nd|rd|th)?\s+[A-Z][a-z]+,?\s+\d{4}|[A-Z][a-z]+\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}|\d{4}-\d{2}-\d{2}"
)


def crosspost_notice(lead: str) -> re.Pattern[str]:
    """A cross-post notice pattern: `lead` (a regex for the site's opening words) followed by
    '[first|originally] published|posted by|on|in|at [the] PUBLISHER on DATE'. Cross-post
    patterns name their parts `pub` and `date`; `attribution.page` reads them."""
    return re.compile(
        lead + r"\s+was\s+(?:first\s+|originally\s+)?(?:published|posted)\s+(?:by|on|in|at)\s+(?:the\s+)?"
        r"(?P<pub>[A-Z][^.]{1,100}?)\s+on\s+(?P<date>" + _NOTICE_DATE + ")",
        re.IGNORECASE,
    )


#: 'This article was first published by The Diplomat on 14 January 2022' (see the docstring).
GENERIC_CROSSPOST = crosspost_notice(r"(?:this|the)\s+(?:article|post|piece|blog(?:\s+post)?|commentary|analysis)")


@dataclass(frozen=True)
class Profile:
    """How to read one partner's pages.

    prune_xpath        boilerplate removed before trafilatura runs
    author_box_xpath   one element per author box
    read_author_box    (box element, page URL) -> Author or None; None = the generic reader
                       (name in the first heading or <strong>, bio in the paragraphs,
                       affiliation from the bio's first sentence)
    byline_patterns    body bylines (groups `names`, optional `org`), tried on short paragraphs
    crosspost_patterns cross-post notices (groups `pub`, `date`), tried on paragraphs
    paywall_text       text that marks a paywall teaser (any paragraph or leaf block matching)
    paywall_xpath      elements whose presence marks a paywall (e.g. a teaser container class)
    licence_xpath      where the site states the article's licence when it does not mark it
                       rel=license (XPaths giving link URLs); read like a footer licence link
    image_credit_xpath one element per image credit in the site's own markup (its text minus
                       the licence link's is the credit; the licence comes from that link; the
                       image is the enclosing figure's). The generic "Image credit: ..."
                       paragraphs are always read as well.
    strip_facts        remove the byline, cross-post notice and image credits found on the page
                       from the text (they become metadata); off for the generic path, whose
                       text is the extractors' own
    bad_summaries      feed/meta summaries starting like this are not the article's (sign-ups)
    finish             a last step over the extracted Article
    article_xpath      the article container: the only part of the body (with the byline
                       regions) that attribution facts are read from; None = the generic main
                       content node (`attribution.page.main_content`), which is also the
                       fallback when this XPath finds nothing (a redesigned site)
    byline_region_xpath where the site prints the article's header, byline or author list when
                       that lies outside the container (read like the container); None = none
    ensemble           no site knowledge to go on: trafilatura with its precision settings,
                       checked per page against readability-lxml (`extract.ensemble`); the
                       generic profile's, since it beats plain trafilatura there
    """

    name: str
    prune_xpath: tuple[str, ...] = ()
    author_box_xpath: str = DEFAULT_AUTHOR_BOX
    read_author_box: Callable[[Any, str], Author | None] | None = None
    byline_patterns: tuple[re.Pattern[str], ...] = (GENERIC_BYLINE,)
    crosspost_patterns: tuple[re.Pattern[str], ...] = (GENERIC_CROSSPOST,)
    paywall_text: tuple[re.Pattern[str], ...] = ()
    paywall_xpath: tuple[str, ...] = ()
    licence_xpath: tuple[str, ...] = ()
    image_credit_xpath: str | None = None
    strip_facts: bool = True
    bad_summaries: tuple[str, ...] = ()
    finish: Callable[[Article], Article] = field(default=_identity)
    article_xpath: str | None = None
    byline_region_xpath: str | None = None
    ensemble: bool = False


GENERIC = Profile("generic", strip_facts=False, ensemble=True)


@functools.cache
def profile_names() -> tuple[str, ...]:
    """Every profile the registry may name: `generic` plus one per module in this package
    (modules starting with `_` are helpers). Found on disk without importing the modules."""
    found = sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))
    return ("generic", *found)


def get_profile(name: str | None) -> Profile:
    """The profile named in the registry; `generic` for None."""
    if not name or name == "generic":
        return GENERIC
    if name not in profile_names():
        raise ValueError(f"unknown profile {name!r}; known: {', '.join(profile_names())}")
    module = importlib.import_module(f"{__name__}.{name}")
    profile = module.PROFILE
    if not isinstance(profile, Profile) or profile.name != name:
        raise TypeError(f"{module.__name__}.PROFILE must be a Profile named {name!r}")
    return profile
