"""Per-partner extraction rules, one module per partner, chosen by the registry's `profile`.

A profile is data (XPath rules that prune a site's boilerplate before trafilatura runs)
plus an optional `finish` step over the extracted Article. A partner without one gets
`generic`: plain trafilatura.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

from ...model import Article


def _identity(article: Article) -> Article:
    return article


#: Where author boxes usually live on WordPress and similar sites.
DEFAULT_AUTHOR_BOX = (
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' author-bio ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' author-box ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' about-author ')]"
)


@dataclass(frozen=True)
class Profile:
    """How to read one partner's pages.

    prune_xpath     boilerplate removed before trafilatura runs
    author_box_xpath one element per author box (name in a heading, bio in paragraphs)
    strip_facts     remove the byline, cross-post notice and image credits found on the page
                    from the text (they become metadata); off for the generic path, which
                    must stay plain trafilatura
    bad_summaries   feed/meta summaries starting like this are not the article's (sign-ups)
    """

    name: str
    prune_xpath: tuple[str, ...] = ()
    author_box_xpath: str = DEFAULT_AUTHOR_BOX
    strip_facts: bool = True
    bad_summaries: tuple[str, ...] = ()
    finish: Callable[[Article], Article] = field(default=_identity)


GENERIC = Profile("generic", strip_facts=False)


def get_profile(name: str | None) -> Profile:
    """The profile named in the registry; `generic` for None."""
    if not name or name == "generic":
        return GENERIC
    module = importlib.import_module(f"{__name__}.{name}")
    profile = module.PROFILE
    assert isinstance(profile, Profile)
    return profile
