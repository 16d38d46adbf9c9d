"""Licences as SPDX ids, and what each lets us republish.

Why SPDX: downstream sites filter and display licences by id; free text ("CC BY 4.0",
"Attribution 4.0 International") cannot be compared.

The registry's licence is the ceiling (`decide_licence`): a page's own statement may narrow
what we republish (a stricter licence, a paywall) or change the terms at the same level, but it
widens the registry's decision only for a partner whose registry entry says its pages state
their licence (`page_licence: trusted`, e.g. LSE Blogs: "CC BY 4.0 unless otherwise stated",
per blog and per date). Any other wider claim is kept for a person to review, not acted on.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ..model import Licence, Republish

_CC_URL = re.compile(
    r"creativecommons\.org/(?:licenses/(?P<kind>[a-z-]+)/(?P<ver>\d\.\d)|publicdomain/(?P<pd>zero|mark)/(?P<pdver>\d\.\d))",
    re.I,
)
_CC_TEXT = re.compile(r"\bCC[ -](?P<kind>BY(?:[ -](?:NC|SA|ND)){0,2})[ -](?P<ver>\d\.\d)\b", re.I)

#: What each licence family permits us to do with the full text.
_PERMITS: dict[str, Republish] = {
    "CC0-1.0": "full",
    "CC-BY": "full",
    "CC-BY-SA": "full",
    "CC-BY-ND": "full",  # verbatim only: we remove boilerplate but never edit the text
    "CC-BY-NC": "full",  # non-commercial: allowed for this non-commercial service
    "CC-BY-NC-SA": "full",
    "CC-BY-NC-ND": "full",
}


def _cc_spdx(kind: str, version: str) -> str:
    parts = [p.upper() for p in re.split(r"[ -]", kind) if p]
    return "CC-" + "-".join(parts) + "-" + version


def spdx_from_url(url: str | None) -> tuple[str, str] | None:
    """(SPDX id, canonical licence URL) for a Creative Commons URL, else None."""
    if not url:
        return None
    match = _CC_URL.search(url)
    if not match:
        return None
    if match.group("pd"):
        if match.group("pd").lower() == "zero":
            return "CC0-1.0", "https://creativecommons.org/publicdomain/zero/1.0/"
        return "LicenseRef-Public-Domain-Mark", "https://creativecommons.org/publicdomain/mark/1.0/"
    kind, ver = match.group("kind").lower(), match.group("ver")
    return _cc_spdx(kind, ver), f"https://creativecommons.org/licenses/{kind}/{ver}/"


def spdx_from_text(text: str | None) -> tuple[str, str] | None:
    """(SPDX id, URL) for a statement such as 'licensed under CC BY-SA 4.0', else None."""
    if not text:
        return None
    match = _CC_TEXT.search(text)
    if not match:
        return None
    kind = match.group("kind").lower().replace(" ", "-")
    return _cc_spdx(kind, match.group("ver")), f"https://creativecommons.org/licenses/{kind}/{match.group('ver')}/"


def permits(spdx: str) -> Republish:
    """The most a licence lets us republish, before the registry's own limit."""
    if spdx in _PERMITS:
        return _PERMITS[spdx]
    family = re.sub(r"-\d\.\d$", "", spdx)
    return _PERMITS.get(family, "excerpt" if spdx.startswith("LicenseRef-") else "link")


#: How much of an article each decision lets us show, least first: link < excerpt < full.
_RANK: dict[Republish, int] = {"link": 0, "excerpt": 1, "full": 2}


def rank(republish: Republish) -> int:
    """The place of a republishing decision in link < excerpt < full (the one definition of
    that order: a narrowing licence, and the merge choosing the copy whose text we show)."""
    return _RANK[republish]


def narrower(a: Republish, b: Republish) -> Republish:
    """The more restrictive of two decisions (`a` on a tie)."""
    return a if rank(a) <= rank(b) else b


class LicenceDecision(NamedTuple):
    """The licence a record carries (its `republish` final), and a wider licence the page
    claimed that was not acted on (None when the page claimed nothing wider)."""

    licence: Licence
    claimed: Licence | None = None


def decide_licence(
    registry_licence: Licence, page_licence: Licence | None, *, trusted: bool = False, paywalled: bool = False
) -> LicenceDecision:
    """The article's licence, with the registry's as the ceiling.

    - No page statement: the registry's licence.
    - The page states the registry's licence: that licence, with the registry's `republish`
      (an agreement can restrict or extend what the licence alone permits).
    - A different page licence that permits no more than the registry's decision (`rank` of
      `permits` at most the registry's `republish`): the page's licence and what it permits;
      it narrows, or changes the terms at the same level (CC BY -> CC BY-NC-ND 3.0).
    - A page licence that would permit more: acted on only when the partner's pages are
      `trusted` to state their licence; otherwise the registry's licence stands and the page's
      is returned as `claimed`, for review.
    - A paywalled page is link-only whatever the licence: its teaser is not ours to show.
    """
    decided, claimed = registry_licence, None
    if page_licence is not None:
        if page_licence.spdx == registry_licence.spdx:
            decided = page_licence.model_copy(
                update={"url": registry_licence.url or page_licence.url, "republish": registry_licence.republish}
            )
        else:
            page = page_licence.model_copy(update={"source": "page", "republish": permits(page_licence.spdx)})
            if trusted or rank(page.republish) <= rank(registry_licence.republish):
                decided = page
            else:
                claimed = page
    if paywalled and decided.republish != "link":
        decided = decided.model_copy(update={"republish": "link"})
    return LicenceDecision(decided, claimed)


def licence_label(licence: Licence) -> str:
    """'CC BY 4.0' for CC-BY-4.0; the SPDX id otherwise."""
    match = re.match(r"^CC-(BY(?:-(?:NC|SA|ND))*)-(\d\.\d)$", licence.spdx)
    if match:
        return f"CC {match.group(1)} {match.group(2)}"
    if licence.spdx == "CC0-1.0":
        return "CC0 1.0"
    return licence.spdx
