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


@dataclass(frozen=True)
class Profile:
    name: str
    prune_xpath: tuple[str, ...] = ()
    finish: Callable[[Article], Article] = field(default=_identity)


GENERIC = Profile("generic")


def get_profile(name: str | None) -> Profile:
    """The profile named in the registry; `generic` for None."""
    if not name or name == "generic":
        return GENERIC
    module = importlib.import_module(f"{__name__}.{name}")
    profile = module.PROFILE
    assert isinstance(profile, Profile)
    return profile
