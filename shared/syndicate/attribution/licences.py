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
    r"(?:creativecommons\.org/licenses|licensebuttons\.net/l|creativecommons\.org/l)/(?P<kind>[a-z-]+)/(?P<ver>\d\.\d)"
    r"(?:/(?P<port>[a-z]{2,3})(?=[/?#\"' ]|$))?"
    r"|creativecommons\.org/publicdomain/(?P<pd>zero|mark)/(?P<pdver>\d\.\d)"
    r"|licensebuttons\.net/(?:p|l)/(?P<pdbadge>zero|mark)/(?P<pdbver>\d\.\d)",
    re.I,
)
_CC_TEXT = re.compile(
    r"\bCC[ -](?P<kind>BY(?:[ -](?:NC|SA|ND)){0,2})[ -](?P<ver>\d\.\d)"
    r"(?:[ -](?-i:(?P<port>DE|AT|CH|FR|ES|UK|US|NL|JP|AU|IT|PL|IGO))\b)?",
    re.I,
)

#: Ported Creative Commons licences on the SPDX licence list (as of list 3.2x): a page's
#: ported licence maps to its own id, never to the unported one (they are different legal
#: texts). A port not on the list (CC-BY-2.5-CH, CC-BY-SA-3.0-CH...) keeps its port as
#: `LicenseRef-CC-...` (SPDX's form for a licence off the list), permitting what its family does.
SPDX_PORTS = frozenset(
    [
        "CC-BY-2.5-AU", "CC-BY-3.0-AT", "CC-BY-3.0-AU", "CC-BY-3.0-DE", "CC-BY-3.0-IGO", "CC-BY-3.0-NL", "CC-BY-3.0-US",
        "CC-BY-NC-3.0-DE", "CC-BY-NC-ND-3.0-DE", "CC-BY-NC-ND-3.0-IGO", "CC-BY-NC-SA-2.0-DE", "CC-BY-NC-SA-2.0-FR",
        "CC-BY-NC-SA-2.0-UK", "CC-BY-NC-SA-3.0-DE", "CC-BY-NC-SA-3.0-IGO", "CC-BY-ND-3.0-DE", "CC-BY-SA-2.0-UK",
        "CC-BY-SA-2.1-JP", "CC-BY-SA-3.0-AT", "CC-BY-SA-3.0-DE", "CC-BY-SA-3.0-IGO",
    ]
)
#: The Public Domain Mark: on the SPDX list as CC-PDM-1.0 (since list 3.24, as we know it).
PDM = "CC-PDM-1.0"
_VERSIONS = {"1.0", "2.0", "2.1", "2.5", "3.0", "4.0"}

#: Written statements ("Creative Commons Namensnennung – Weitergabe unter gleichen
#: Bedingungen 3.0 Deutschland", "Attribution-NonCommercial 4.0 International"): the licence
#: elements and jurisdictions in the languages partners write in.
_ELEMENTS = (
    ("NC", r"nicht[\s-]?kommerziell|non[\s-]?commercial|pas d.utilisation commerciale|no[\s-]?comercial"
           r"|n[ãa]o[\s-]?comercial"),
    ("ND", r"keine bearbeitung(?:en)?|no[\s-]?deriv(?:ative)?s?|pas de modification|sin obra(?:s)? derivadas?"
           r"|sem[\s-]?deriva[çc][õo]es"),
    ("SA", r"weitergabe unter gleichen bedingungen|share[\s-]?alike|partage dans les m[êe]mes conditions"
           r"|compartir[\s-]?igual|compartilha[\s-]?igual"),
)
_BY_WORDS = r"namensnennung|attribution|paternit[ée]|reconocimiento|atribuci[óo]n|atribui[çc][ãa]o"
_STATEMENT = re.compile(
    r"creative[\s-]?commons\W{0,3}(?:lizenz\W{0,3}|licen[cs]e\W{0,3}|licencia\W{0,3}|licen[çc]a\W{0,3})?"
    r"(?P<terms>(?:" + _BY_WORDS + r")[^0-9\n]{0,160}?)(?P<ver>[1-4]\.[05])(?P<rest>[^.\n]{0,40})",
    re.I,
)
_JURISDICTIONS = {
    "DE": r"deutschland|germany|allemagne|alemania", "AT": r"[öo]sterreich|austria|autriche",
    "CH": r"schweiz|switzerland|suisse", "FR": r"france|frankreich", "ES": r"espa[ñn]a|spain|spanien",
    "UK": r"england|wales|united kingdom", "US": r"united states|\busa?\b", "NL": r"nederland|netherlands",
    "JP": r"japan", "AU": r"australia", "IGO": r"\bigo\b",
}

#: What each licence family permits us to do with the full text.
_PERMITS: dict[str, Republish] = {
    "CC0-1.0": "full",
    PDM: "full",  # no known copyright restrictions
    "CC-BY": "full",
    "CC-BY-SA": "full",
    "CC-BY-ND": "full",  # verbatim only: we remove boilerplate but never edit the text
    "CC-BY-NC": "full",  # non-commercial: allowed for this non-commercial service
    "CC-BY-NC-SA": "full",
    "CC-BY-NC-ND": "full",
}


def cc_id(kind: str, version: str, port: str | None = None) -> str:
    """The id of a Creative Commons licence: 'by-nc-nd', '3.0', 'de' -> CC-BY-NC-ND-3.0-DE (an
    SPDX id when the port is on the list, `LicenseRef-CC-...-PORT` when not; 4.0 has no ports)."""
    parts = [p.upper() for p in re.split(r"[ -]", kind) if p]
    base = "CC-" + "-".join(parts) + "-" + version
    if not port or version == "4.0":
        return base
    ported = f"{base}-{port.upper()}"
    return ported if ported in SPDX_PORTS else f"LicenseRef-{ported}"


def _cc_url(kind: str, version: str, port: str | None) -> str:
    tail = f"{port.lower()}/" if port and version != "4.0" else ""
    return f"https://creativecommons.org/licenses/{kind}/{version}/{tail}"


def spdx_from_url(url: str | None) -> tuple[str, str] | None:
    """(SPDX id, canonical licence URL) for a Creative Commons URL or badge image (licensebuttons.net,
    i.creativecommons.org/l/...), ports included ('/by-sa/3.0/de/' -> CC-BY-SA-3.0-DE), else None."""
    if not url:
        return None
    match = _CC_URL.search(url)
    if not match:
        return None
    pd = match.group("pd") or match.group("pdbadge")
    if pd:
        if pd.lower() == "zero":
            return "CC0-1.0", "https://creativecommons.org/publicdomain/zero/1.0/"
        return PDM, "https://creativecommons.org/publicdomain/mark/1.0/"
    kind, ver, port = match.group("kind").lower().strip("-"), match.group("ver"), match.group("port")
    if not re.fullmatch(r"by(?:-(?:nc|sa|nd)){0,2}", kind) or ver not in _VERSIONS:
        return None
    return cc_id(kind, ver, port), _cc_url(kind, ver, port)


def spdx_from_text(text: str | None) -> tuple[str, str] | None:
    """(SPDX id, URL) for a statement such as 'licensed under CC BY-SA 4.0', 'CC BY-NC-ND 3.0 DE' or
    'Creative Commons Namensnennung – Weitergabe unter gleichen Bedingungen 3.0 Deutschland', else None."""
    if not text:
        return None
    match = _CC_TEXT.search(text)
    if match:
        kind = match.group("kind").lower().replace(" ", "-")
        port = match.group("port")
        return cc_id(kind, match.group("ver"), port), _cc_url(kind, match.group("ver"), port)
    match = _STATEMENT.search(text)
    if match and re.search(_BY_WORDS, match.group("terms"), re.I):
        terms = match.group("terms")
        kind = "-".join(["by", *(code.lower() for code, words in _ELEMENTS if re.search(words, terms, re.I))])
        port = next((code for code, words in _JURISDICTIONS.items() if re.search(words, match.group("rest"), re.I)),
                    None)
        if match.group("ver") in _VERSIONS:
            return cc_id(kind, match.group("ver"), port), _cc_url(kind, match.group("ver"), port)
    if re.search(r"\bCC0\b|public domain dedication|creativecommons\.org/publicdomain/zero", text, re.I):
        return "CC0-1.0", "https://creativecommons.org/publicdomain/zero/1.0/"
    return None


#: 'CC-BY-SA', 'CC BY-NC' with no version after it (nor a further element: 'CC BY-SA 4.0' is
#: versioned, and 'CC BY' is not the family of 'CC BY-SA').
_CC_FAMILY = re.compile(r"\bCC[ -](?P<kind>BY(?:[ -](?:NC|SA|ND)){0,2})\b(?![ -]?(?:\d|NC\b|SA\b|ND\b))", re.I)


def family_from_text(text: str | None) -> tuple[str, str] | None:
    """(family id, family URL) for an unversioned Creative Commons statement: 'Copyleft © 2016
    The Author CC-BY-SA.' -> ('CC-BY-SA', 'https://creativecommons.org/licenses/by-sa/'), 'licensed
    under CC BY-NC' -> 'CC-BY-NC'; None when the statement names a version (`spdx_from_text`
    reads those) or no Creative Commons licence.

    The family id is no SPDX id, and it is read only, never used: it is shown in `syndicate
    extract`'s `sources.licence_seen` with `"versioned": false`, and never becomes a record's
    licence or changes the rights decision. Citing a licence, as the attribution line must,
    needs its version: CC BY-SA 2.0, 3.0, 3.0 DE and 4.0 are different legal texts with
    different terms (4.0 alone drops the ports and changes the rules on adaptations), so
    "CC-BY-SA" does not say which terms the publisher granted."""
    if not text:
        return None
    match = _CC_FAMILY.search(text)
    if not match:
        return None
    kind = match.group("kind").lower().replace(" ", "-")
    return "CC-" + kind.upper(), f"https://creativecommons.org/licenses/{kind}/"


def permits(spdx: str) -> Republish:
    """The most a licence lets us republish, before the registry's own limit."""
    if spdx in _PERMITS:
        return _PERMITS[spdx]
    family = re.sub(r"-\d\.\d(?:-[A-Z]{2,3})?$", "", spdx.removeprefix("LicenseRef-"))
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
    match = re.match(r"^(?:LicenseRef-)?CC-(BY(?:-(?:NC|SA|ND))*)-(\d\.\d)(?:-([A-Z]{2,3}))?$", licence.spdx)
    if match:
        return " ".join(p for p in ("CC", match.group(1), match.group(2), match.group(3)) if p)
    if licence.spdx == PDM:
        return "Public Domain Mark 1.0"
    if licence.spdx == "CC0-1.0":
        return "CC0 1.0"
    return licence.spdx
