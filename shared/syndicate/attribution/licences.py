"""Licences as SPDX ids, and what each lets us republish.

Why SPDX: downstream sites filter and display licences by id; free text ("CC BY 4.0",
"Attribution 4.0 International") cannot be compared. A page's own statement wins over the
registry default, because partners license per blog and per date.
"""

from __future__ import annotations

import re

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


def decide_licence(registry_licence: Licence, page_licence: Licence | None) -> Licence:
    """The article's licence: the page's own statement wins over the registry default.

    When the page states the registry's licence, the registry's `republish` stands (an
    agreement can restrict or extend); a different page licence decides by what it permits.
    """
    if page_licence is None:
        return registry_licence
    if page_licence.spdx == registry_licence.spdx:
        return page_licence.model_copy(
            update={"url": registry_licence.url or page_licence.url, "republish": registry_licence.republish}
        )
    return page_licence.model_copy(update={"source": "page", "republish": permits(page_licence.spdx)})


def licence_label(licence: Licence) -> str:
    """'CC BY 4.0' for CC-BY-4.0; the SPDX id otherwise."""
    match = re.match(r"^CC-(BY(?:-(?:NC|SA|ND))*)-(\d\.\d)$", licence.spdx)
    if match:
        return f"CC {match.group(1)} {match.group(2)}"
    if licence.spdx == "CC0-1.0":
        return "CC0 1.0"
    return licence.spdx
