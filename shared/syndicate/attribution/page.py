"""Attribution facts read from the raw page, before extraction throws the chrome away.

trafilatura is built to discard exactly what an editor needs for credit: author boxes,
cross-post notices, image credits, licence footers. So we read them here from the whole
page, once, and the partner profile then prunes them from the text. Every source a page
offers is collected (JSON-LD, meta tags, rel=author links, author boxes, a byline in the
body); merging and deciding happen in `attribution.authors` and `attribution.record`.
What is partner-specific (byline and cross-post wording, paywall markers, author-box and
image-credit markup, where a site states its licence) comes from the partner's `Profile`;
this module holds only the generic reading rules. It reads the whole page today; the rights
rule (evidence from the article, not sidebars or comments) is narrowed here and in the
profiles' XPaths.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html

from ..extract.profiles import GENERIC, GENERIC_BYLINE, Profile
from ..model import Author, Image, Publisher
from ..text.names import split_names
from .licences import spdx_from_text, spdx_from_url

_WS = re.compile(r"\s+")
_IMAGE_CREDIT = re.compile(
    r"^\s*(?:the\s+)?(?:blog|featured|header|cover|main|lead)?\s*(?:image|photo|photograph|picture|illustration)"
    r"(?:\s+credit)?\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"[\"“”‘’'](?P<title>[^\"“”]{3,200}?)[\"“”’'](?=[\s,.;:]|$)")
_ORDINAL = re.compile(r"(\d{1,2})(?:st|nd|rd|th)\b")
_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}


def join_url(base: str, href: str | None) -> str | None:
    """`href` resolved against `base`, or None when it is malformed or not http(s): a page's
    odd link loses that one fact, never the article."""
    if not href or not href.strip():
        return None
    try:
        joined = urljoin(base, href.strip())
        scheme = urlsplit(joined).scheme
        urlsplit(joined).port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return None
    return joined if scheme in ("http", "https") else None


def text_of(node: Any) -> str:
    return _WS.sub(" ", node.text_content()).strip()


def parse_human_date(value: str) -> str | None:
    """'14 January 2022', 'January 14th, 2022', '2022-01-14' -> '2022-01-14'."""
    value = _ORDINAL.sub(r"\1", value.replace(",", " "))
    parts = value.split()
    try:
        if len(parts) == 1:
            return datetime.strptime(parts[0], "%Y-%m-%d").date().isoformat()
        if len(parts) == 3:
            if parts[0].isdigit():
                day, month, year = int(parts[0]), _MONTHS[parts[1].lower()], int(parts[2])
            else:
                month, day, year = _MONTHS[parts[0].lower()], int(parts[1]), int(parts[2])
            return datetime(year, month, day).date().isoformat()
    except (KeyError, ValueError):
        return None
    return None


@dataclass
class Byline:
    """'By A and B, Org' at the top of an article body."""

    names: list[str]
    org: str | None
    text: str


@dataclass
class PageFacts:
    """Everything a page says about who wrote it, where it first ran, and under what terms."""

    jsonld_authors: list[Author] = field(default_factory=list)
    meta_authors: list[str] = field(default_factory=list)
    rel_authors: list[Author] = field(default_factory=list)
    author_boxes: list[Author] = field(default_factory=list)
    byline: Byline | None = None
    original: Publisher | None = None
    crosspost_text: str | None = None
    licence: tuple[str, str] | None = None
    licence_source: str | None = None
    images: list[Image] = field(default_factory=list)
    image_credit_texts: list[str] = field(default_factory=list)
    licence_statement_texts: list[str] = field(default_factory=list)
    paywalled: bool = False
    description: str | None = None
    canonical_url: str | None = None
    date_published: str | None = None


def parse_byline(text: str, patterns: tuple[re.Pattern[str], ...] = (GENERIC_BYLINE,)) -> Byline | None:
    """A body byline such as 'By Lukas Fiala and Hugo Jones, China Foresight LSE IDEAS', in one
    of the profile's wordings (`names` and optional `org` groups); the names must look like names."""
    if len(text) > 250:
        return None
    match = next((m for p in patterns if (m := p.match(text))), None)
    if not match:
        return None
    names = split_names(match.group("names"))
    if not names or any(len(n.split()) > 5 or not n[:1].isupper() or re.search(r"\d", n) for n in names):
        return None
    org = ((match.groupdict().get("org")) or "").strip() or None
    if org and re.search(r"\d", org):
        return None
    return Byline(names=names, org=org, text=text)


def _jsonld_objects(doc: Any) -> Iterator[dict[str, Any]]:
    for script in doc.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):  # JSONDecodeError, and int() of absurdly long numbers
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if "@graph" in item:
                    stack.append(item["@graph"])
                yield item


def _as_authors(value: Any, base: str) -> list[Author]:
    values = value if isinstance(value, list) else [value]
    out: list[Author] = []
    for v in values:
        if isinstance(v, str) and v.strip():
            out.extend(Author(name=n) for n in split_names(v))
        elif isinstance(v, dict) and isinstance(v.get("name"), str) and v["name"].strip():
            url = v.get("url") if isinstance(v.get("url"), str) else None
            out.append(Author(name=_WS.sub(" ", v["name"]).strip(), url=join_url(base, url)))
    return out


_ARTICLE_TYPES = {"article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle", "report"}


def _jsonld(doc: Any, base: str, facts: PageFacts) -> None:
    for obj in _jsonld_objects(doc):
        kind = obj.get("@type")
        kinds = {k.lower() for k in (kind if isinstance(kind, list) else [kind]) if isinstance(k, str)}
        if not kinds & _ARTICLE_TYPES:
            continue
        facts.jsonld_authors.extend(_as_authors(obj.get("author"), base))
        licence = obj.get("license")
        if isinstance(licence, str) and facts.licence is None:
            found = spdx_from_url(licence) or spdx_from_text(licence)
            if found:
                facts.licence, facts.licence_source = found, "json-ld"
        if obj.get("isAccessibleForFree") in (False, "False", "false"):
            facts.paywalled = True
        if isinstance(obj.get("datePublished"), str):
            facts.date_published = facts.date_published or obj["datePublished"]


def _is_image_credit(text: str) -> bool:
    return bool(_IMAGE_CREDIT.match(text)) and bool(re.search(r"licen[cs]ed|credit|courtesy|©|CC\s?BY", text, re.I))


def _image_credit(node: Any, text: str, base: str, featured: str | None) -> Image:
    quoted = _QUOTED.search(text)
    credit = quoted.group("title").strip() if quoted else text
    licence = None
    for a in node.xpath(".//a[@href]"):
        found = spdx_from_url(a.get("href"))
        if found:
            licence = {"spdx": found[0], "url": found[1]}
            break
    if licence is None:
        found = spdx_from_text(text)
        if found:
            licence = {"spdx": found[0], "url": found[1]}
    return Image(url=join_url(base, featured) or base, credit=credit, licence=licence)


def _credit_in_markup(node: Any, base: str, featured: str | None) -> tuple[Image, str] | None:
    """An image credit marked up by the site (Profile.image_credit_xpath): the credit is the
    node's text without its licence link's text, the licence that link's, and the image the
    enclosing figure's (the page's featured image when the credit stands alone)."""
    text = text_of(node)
    if not text:
        return None
    licence = None
    credit = text
    for a in node.xpath(".//a[@href]"):
        found = spdx_from_url(a.get("href"))
        if found:
            licence = {"spdx": found[0], "url": found[1]}
            credit = credit.replace(text_of(a), "")
            break
    if licence is None:
        found = spdx_from_text(text)
        if found:
            licence = {"spdx": found[0], "url": found[1]}
    credit = credit.strip(" ,;:-–—") or text
    figure = node.xpath("ancestor::figure[1]")
    srcs = figure[0].xpath(".//img/@src | .//img/@data-src") if figure else []
    image_url = join_url(base, srcs[0]) if srcs else None
    return Image(url=image_url or join_url(base, featured) or base, credit=credit, licence=licence), text


def _author_box(box: Any, base: str) -> Author | None:
    """The generic author box: the name in the first heading or <strong>, the bio in the
    paragraphs, the affiliation from the bio's first sentence."""
    names = box.xpath(".//*[self::h2 or self::h3 or self::h4 or self::strong][1]")
    name = text_of(names[0]) if names else ""
    bio = " ".join(text_of(p) for p in box.xpath(".//p")) or None
    return Author(name=name, bio=bio, affiliation=affiliation_from_bio(bio)) if name else None


def _crosspost(node: Any, text: str, base: str, profile: Profile) -> Publisher | None:
    match = next((m for p in profile.crosspost_patterns if (m := p.search(text))), None)
    if not match:
        return None
    link = next((a.get("href") for a in node.xpath(".//a[@href]")
                 if match.group("pub").split()[0] in text_of(a)), None)
    return Publisher(
        name=match.group("pub").strip(), url=join_url(base, link), date_published=parse_human_date(match.group("date"))
    )


def read_page_facts(page: bytes | str, url: str, profile: Profile = GENERIC) -> PageFacts:
    """Collect attribution facts from the raw page, read with the partner's profile (its
    author boxes, byline and cross-post wording, paywall markers, image credit markup).
    Never raises on odd markup."""
    facts = PageFacts()
    try:
        doc = lxml.html.document_fromstring(page)
    except (lxml.etree.ParserError, ValueError):
        return facts
    _jsonld(doc, url, facts)
    for meta in doc.xpath("//meta[@name='author' or @property='article:author' or @name='dc.creator' "
                          "or @name='citation_author']/@content"):
        if meta.strip() and not meta.startswith("http"):
            facts.meta_authors.extend(split_names(meta))
    for link in doc.xpath("//a[contains(concat(' ', normalize-space(@rel), ' '), ' author ')]"):
        name = text_of(link)
        if name and name.casefold() not in {a.name.casefold() for a in facts.rel_authors}:
            facts.rel_authors.append(Author(name=name, url=join_url(url, link.get("href"))))
    if profile.author_box_xpath:
        read_box = profile.read_author_box or _author_box
        for box in doc.xpath(profile.author_box_xpath):
            author = read_box(box, url)
            if author is not None:
                facts.author_boxes.append(author)
    canonical = doc.xpath("//link[@rel='canonical']/@href")
    facts.canonical_url = join_url(url, canonical[0]) if canonical else None
    desc = doc.xpath("//meta[@name='description']/@content | //meta[@property='og:description']/@content")
    facts.description = desc[0].strip() if desc and desc[0].strip() else None
    featured = (doc.xpath("//meta[@property='og:image']/@content") or [None])[0]
    links = doc.xpath("//link[@rel='license']/@href | //a[contains(concat(' ', normalize-space(@rel), ' '), "
                      "' license ')]/@href")
    for xpath in profile.licence_xpath:
        links.extend(doc.xpath(xpath))
    for link in links:
        found = spdx_from_url(str(link))
        if found and facts.licence is None:
            # Ranked as a footer link: a licence statement in the body still wins over it.
            facts.licence, facts.licence_source = found, "rel=license"
    credited: set[Any] = set()  # markup credits, so the generic rule below does not read them twice
    if profile.image_credit_xpath:
        for node in doc.xpath(profile.image_credit_xpath):
            found_credit = _credit_in_markup(node, url, featured)
            if found_credit:
                facts.images.append(found_credit[0])
                facts.image_credit_texts.append(found_credit[1])
                credited.update(node.iter())
                credited.update(node.iterancestors("figcaption"))
    for node in doc.xpath("//p | //figcaption | //div[not(.//p) and not(.//div)]"):
        text = text_of(node)
        if not text or len(text) > 600:
            continue
        if facts.byline is None and node.tag == "p" and len(text) < 250:
            facts.byline = parse_byline(text, profile.byline_patterns)
        if facts.original is None:
            facts.original = _crosspost(node, text, url, profile)
            if facts.original is not None:
                facts.crosspost_text = text
        if node not in credited and _is_image_credit(text):
            facts.images.append(_image_credit(node, text, url, featured))
            facts.image_credit_texts.append(text)
        elif re.search(r"licen[cs]ed under", text, re.I):
            found = next((f for a in node.xpath(".//a[@href]") if (f := spdx_from_url(a.get("href")))), None)
            found = found or spdx_from_text(text)
            if found:
                facts.licence_statement_texts.append(text)
                # A statement in the body is more specific than a site-wide footer link.
                if facts.licence is None or facts.licence_source == "rel=license":
                    facts.licence, facts.licence_source = found, "statement"
        if any(p.search(text) for p in profile.paywall_text):
            facts.paywalled = True
    if any(doc.xpath(xpath) for xpath in profile.paywall_xpath):
        facts.paywalled = True
    return facts


_AT_END = re.compile(r",\s+[a-z]|\s+(?:and|where|who|since)\s|;|\.$|$")


def affiliation_from_bio(bio: str | None) -> str | None:
    """The institution after the first sentence's last ' at ': '... Coordinator of China Foresight
    at LSE IDEAS, where ...' -> 'LSE IDEAS'; '... Assistant at China Foresight, LSE IDEAS, and ...'
    -> 'China Foresight, LSE IDEAS'."""
    if not bio:
        return None
    first = re.split(r"\.\s+(?=[A-Z])", bio.strip(), maxsplit=1)[0]
    at = first.rfind(" at ")
    if at < 0:
        return None
    rest = first[at + 4 :]
    end = _AT_END.search(rest)
    org = rest[: end.start()].strip() if end else rest.strip()
    org = org.removeprefix("the ").strip(" ,")
    if not org or not org[:1].isupper() or len(org) > 120:
        return None
    return org
