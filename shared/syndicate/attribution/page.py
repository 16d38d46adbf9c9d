"""Attribution facts read from the raw page, before extraction throws the chrome away.

trafilatura is built to discard exactly what an editor needs for credit: author boxes,
cross-post notices, image credits, licence footers. So we read them here from the raw page,
once, and the partner profile then prunes them from the text. Every source the article offers
is collected (JSON-LD, meta tags, rel=author links, author boxes, a byline in the body);
merging and deciding happen in `attribution.authors` and `attribution.licences`.
What is partner-specific (byline and cross-post wording, paywall markers, author-box and
image-credit markup, where a site states its licence, where its article sits) comes from the
partner's `Profile`; this module holds only the generic reading rules.

Evidence comes from the article, not the page (DESIGN.md, rights rules). A page carries other
people's words: reader comments, sidebar widgets, lists of related posts. A comment saying
"licensed under CC BY 4.0" or "This post was first published by X" is not the publisher's
statement. So, on our own parse of the page:

1. Excluded regions are removed first (`EXCLUDED`): comments (WordPress `#comments`,
   `.comment*`, `ol.commentlist`, Disqus `#disqus_thread`, `[itemprop=comment]`,
   schema.org `Comment`), sidebars and widgets (`aside`, `[role=complementary]`, `#secondary`,
   `.sidebar`, `.widget*`) and related-post lists (`.related*`, `.yarpp*`, `.jp-relatedposts`).
2. Facts are then read only from the article's own parts:
   - the head: meta authors, description, canonical link, og:image, `<link rel=license>`;
   - the JSON-LD of the page's main entity (`main_entity`: the Article-type object that names
     this page, else the first one that names no other page, else the first);
   - the article container (`Profile.article_xpath`, else `main_content`: the largest
     outermost `<article>`, else `[itemprop=articleBody]`, `<main>`, `.entry-content` /
     `.post-content`, else the body) and the profile's byline regions: paragraphs (bylines,
     cross-post notices, licence statements, image credits), rel=author links, author boxes,
     paywall markers, the profile's licence and image-credit XPaths;
   - the site footer (`<footer>`, `#colophon`, `[role=contentinfo]` outside the article), for
     a site-wide licence only: a rel=license link, a Creative Commons badge or link, or a
     "licensed under" statement. It ranks below everything the article says.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html

from ..extract.profiles import GENERIC, GENERIC_BYLINE, Profile
from ..model import Author, Image, Publisher
from ..text.lang import bcp47
from ..text.names import clean_name, display_name_of_login, name_key, split_names
from .boxes import plugin_authors
from .licences import family_from_text, spdx_from_text, spdx_from_url
from .limits import MAX_AUTHORS, bounded, first

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
    return " ".join(node.text_content().split())  # what _WS.sub(" ", ...).strip() gives, faster


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
    element_authors: list[Author] = field(default_factory=list)
    author_boxes: list[Author] = field(default_factory=list)
    byline: Byline | None = None
    #: The news agency of a dateline opening the article ('Hamburg (dpa/lno) – …', 'PARIS (AFP) —').
    dateline_credit: str | None = None
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
    url: str | None = None
    lead_image: str | None = None  # og:image, absolute: the picture the page shows for itself
    language: str | None = None  # BCP 47, from <html lang>, og:locale or Content-Language
    site_names: list[str] = field(default_factory=list)
    headline: str | None = None  # og:title, else the first <h1>: never a name, whatever markup holds it
    #: Licences the page states where the rights rules take no evidence (a sidebar widget), and
    #: unversioned Creative Commons statements anywhere it may state one (`"versioned": False`,
    #: see `licences.family_from_text`): read and shown (`syndicate extract`'s sources), never
    #: the record's licence.
    licence_seen: list[dict[str, str | bool]] = field(default_factory=list)
    #: A lower-case CMS login credited as the author ('christian.stadtfeld') -> the display name
    #: the page prints for it ('Christian P. Stadtfeld'), read in the article first, else the page.
    display_names: dict[str, str] = field(default_factory=dict)


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


#: A body byline in the languages partners write in, tried after the profile's own wordings:
#: 'von Daniela Obers', 'Autoren Jelko Djuren und Jutta Klaukien', 'Par Jean Dupont', 'Por Ana
#: Gómez, Agencia'. Stricter than an English 'By' line: every word of every name is capitalised
#: (or a particle), so a sentence ('Von Januar bis März ...') is no byline.
BYLINE_ANY_LANGUAGE = re.compile(
    r"^\W{0,3}(?:by|von|par|por|autor(?:in|en|innen)?|auteur(?:e|s)?|autora?|text|texto|written by|geschrieben von"
    r"|escrito por|écrit par|verfasst von)\s*[:：]?\s+(?P<names>[^,;:|()\d]{2,160}?)"
    r"(?:\s*[,;|–—(]\s*(?P<org>[^.()\d]{2,120}?)\)?)?\s*\.?\s*$",
    re.IGNORECASE,
)
_PARTICLE_WORDS = frozenset(["von", "van", "der", "den", "de", "da", "das", "do", "dos", "del", "della", "di", "du",
                             "la", "le", "zu", "und", "and", "et", "y", "e", "bin", "al"])


def _strict_byline(text: str) -> Byline | None:
    byline = parse_byline(text, (BYLINE_ANY_LANGUAGE,))
    if byline is None:
        return None
    words = [w for n in byline.names for w in n.split()]
    if any(not (w[:1].isupper() or w in _PARTICLE_WORDS) for w in words):
        return None
    if any(clean_name(n) != n for n in byline.names):
        return None
    return byline


def _kinds(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    return {k.lower() for k in (kind if isinstance(kind, list) else [kind]) if isinstance(k, str)}


def _jsonld_objects(doc: Any) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object of the (pruned) page, top-level and in `@graph`s, plus an entity a
    WebPage carries inline as its `mainEntity`; in document order."""
    for script in doc.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):  # JSONDecodeError, and int() of absurdly long numbers
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                yield item
                if isinstance(item.get("mainEntity"), dict):
                    stack.append(item["mainEntity"])
                if "@graph" in item:
                    stack.append(item["@graph"])


def _as_authors(value: Any, base: str, people: dict[str, dict[str, Any]] | None = None) -> Iterator[Author]:
    """Authors of a JSON-LD `author` value: strings, objects with a name, or references
    (`{"@id": ...}`, as Yoast writes them) to a Person elsewhere in the page's graph."""
    values = value if isinstance(value, list) else [value]
    for v in values:
        if isinstance(v, dict) and "name" not in v and isinstance(v.get("@id"), str) and people:
            v = people.get(v["@id"], v)
        if isinstance(v, str) and v.strip():
            yield from (Author(name=n) for n in split_names(v[:2_000]))
        elif isinstance(v, dict) and isinstance(v.get("name"), str) and v["name"].strip():
            url = v.get("url") if isinstance(v.get("url"), str) else None
            yield Author(name=_WS.sub(" ", v["name"]).strip(), url=join_url(base, url))


_ARTICLE_TYPES = {"article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle", "report",
                  "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle", "liveblogposting",
                  "scholarlyarticle", "techarticle", "socialmediaposting", "discussionforumposting", "recipe",
                  "review", "howto", "creativework"}


def _page_key(url: str) -> str:
    """What makes two URLs the same page here: host without 'www.', path without its trailing
    slash (scheme, query and fragment ignored: '.../post/#article' is the post)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    host = (parts.hostname or "").removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}" if host else ""


def _ref(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("@id"), str):
        return str(value["@id"])
    return None


def main_entity(objects: Iterable[dict[str, Any]], page_urls: Iterable[str | None]) -> dict[str, Any] | None:
    """The page's own Article among its JSON-LD objects, when there are several (a page may
    describe related or listed articles too): the Article-type object that a WebPage names as
    its `mainEntity`, else one whose `url`, `@id` or `mainEntityOfPage` is this page (or its
    canonical URL), else the first that names no page at all, else the first. Only that
    object's authors, licence, paywall flag and date are read."""
    objects = list(objects)
    articles = [o for o in objects if _kinds(o) & _ARTICLE_TYPES]
    if not articles:
        return None
    pages = {k for u in page_urls if u and (k := _page_key(u))}
    named_main = {ref for o in objects if (ref := _ref(o.get("mainEntity")))}

    def score(obj: dict[str, Any]) -> int:
        if isinstance(obj.get("@id"), str) and obj["@id"] in named_main:
            return 3
        own = {_page_key(r) for r in (_ref(obj.get(k)) for k in ("url", "@id", "mainEntityOfPage")) if r}
        own.discard("")
        if own & pages:
            return 2
        return 0 if own else 1

    return max(articles, key=score)  # the first of the best


def _jsonld(
    entity: dict[str, Any], base: str, facts: PageFacts, people: dict[str, dict[str, Any]] | None = None
) -> None:
    """The main entity's authors (at most `MAX_AUTHORS`; references resolved in `people`, the
    page's objects by `@id`), licence, paywall flag and date."""
    authors = _as_authors(entity.get("author"), base, people)
    facts.jsonld_authors.extend(first(authors, MAX_AUTHORS, base, "JSON-LD authors"))
    licence = entity.get("license")
    if isinstance(licence, str):
        found = spdx_from_url(licence) or spdx_from_text(licence)
        if found:
            _offer(facts, found, "json-ld")
    if entity.get("isAccessibleForFree") in (False, "False", "false"):
        facts.paywalled = True
    if isinstance(entity.get("datePublished"), str):
        facts.date_published = facts.date_published or entity["datePublished"]


#: How specific each place a licence is read from is; a more specific one replaces a less
#: specific one, the first found wins among equals. The footer is site-wide: the least.
_LICENCE_RANK = {"footer": 0, "rel=license": 1, "statement": 2, "json-ld": 3}


def _offer(facts: PageFacts, found: tuple[str, str], source: str) -> None:
    if facts.licence is None or _LICENCE_RANK[source] > _LICENCE_RANK[facts.licence_source or "footer"]:
        facts.licence, facts.licence_source = found, source


def _is_image_credit(text: str) -> bool:
    return bool(_IMAGE_CREDIT.match(text)) and bool(re.search(r"licen[cs]ed|credit|courtesy|©|CC\s?BY", text, re.I))


#: An image credit in the languages partners write in: 'Foto: Jorge Peralta (CC BY 2.0)',
#: 'Bild: dpa', 'Imagen: Ana Ruiz', 'Crédit photo : AFP', '图片：新华社', at the start of a caption
#: or after its sentence ('Demonstranten in Managua. Foto: ...').
_CREDIT_LABEL = re.compile(
    r"(?:^|(?<=[.;!?])\s+|(?<=[。！？])|(?<=\s))"
    r"(?:foto(?:s|grafie|graf[íi]a)?|photos?|photo credit|bild(?:er|quelle|nachweis)?|titelbild|beitragsbild"
    r"|imagen(?:es)?|image|crédits? photos?|cr[ée]dit(?:o|os)?(?: (?:de )?(?:foto|imagen))?"
    r"|illustration|grafik|图片(?:来源)?|摄影|图)\s*[:：]\s*(?P<credit>\S[^\n]{1,200})$",
    re.IGNORECASE,
)


_LICENCE_WORDS = re.compile(r"\s*[(,/|–-]?\s*(?:licen[cs]ed under\s+)?\bCC[ -]BY[\w .-]*\)?$", re.IGNORECASE)


def image_credit_in(node: Any, text: str, base: str, featured: str | None) -> Image | None:
    """The image credit a caption or credit line states in one of the partners' languages, with
    its own licence (a Creative Commons link or statement in it), kept apart from the article's."""
    if len(text) > 400 or (":" not in text and "：" not in text):  # the label's colon: most text has none
        return None
    match = _CREDIT_LABEL.search(text)
    if not match:
        return None
    credit = match.group("credit").strip(" .")
    licence = None
    for a in node.xpath(".//a[@href]"):
        if found := spdx_from_url(a.get("href")):
            licence = {"spdx": found[0], "url": found[1]}
            break
    if licence is None and (found := spdx_from_text(credit)):
        licence = {"spdx": found[0], "url": found[1]}
    if licence is not None:  # the credit is the name, without its licence's words
        credit = _LICENCE_WORDS.sub("", credit).strip(" ,;/") or credit
    figure = node.xpath("ancestor-or-self::figure[1]")
    srcs = figure[0].xpath(".//img/@src | .//img/@data-src") if figure else []
    image_url = join_url(base, srcs[0]) if srcs else None
    return Image(url=image_url or join_url(base, featured) or base, credit=credit, licence=licence)


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


# --- where the article is, and what is never evidence ---------------------------------------------

#: Class tokens of regions that are never the article's: comments, sidebars and widgets,
#: related-post lists. Whole tokens, so 'commentary' or 'footer-widgets' are not matched.
_EXCLUDED_CLASS = re.compile(
    r"^(?:comments?(?:[-_].*)?|commentlist|disqus.*|widget.*|sidebar(?:[-_].*)?|related.*|yarpp.*"
    r"|jp-relatedposts.*)$",
    re.IGNORECASE,
)
_EXCLUDED_ID = re.compile(
    r"^(?:comments|respond|disqus_thread|secondary|sidebar|jp-relatedposts|(?:div-)?comment-\d+)$", re.IGNORECASE
)
#: For the module docstring and the tests: what `drop_excluded` removes, in CSS terms.
EXCLUDED = (
    "aside", "[role=complementary]", "[itemprop~=comment]", "[itemtype$=/Comment]", "#comments", "#respond",
    "#disqus_thread", "#secondary", "#sidebar", ".comment*", ".comments*", ".commentlist", ".disqus*", ".widget*",
    ".sidebar*", ".related*", ".yarpp*", ".jp-relatedposts*",
)  # fmt: skip


#: Every class list `_EXCLUDED_CLASS` matches a token of contains one of these: one search
#: rules out most elements before their class list is split (issue 13: this runs on every element).
_EXCLUDED_CLASS_HINT = re.compile(r"comment|disqus|widget|sidebar|related|yarpp", re.IGNORECASE)


def _is_excluded(el: Any) -> bool:
    if el.tag == "aside":
        return True
    role, itemprop, itemtype = el.get("role"), el.get("itemprop"), el.get("itemtype")
    if role and role.strip().lower() == "complementary":
        return True
    if itemprop and "comment" in itemprop.lower().split():
        return True
    if itemtype and itemtype.rstrip("/").endswith("schema.org/Comment"):
        return True
    id_, classes = el.get("id"), el.get("class")
    if id_ and _EXCLUDED_ID.match(id_.strip()):
        return True
    if not classes or not _EXCLUDED_CLASS_HINT.search(classes):
        return False
    return any(_EXCLUDED_CLASS.match(token) for token in classes.split())


def excluded_regions(doc: Any, elements: Iterable[Any] | None = None) -> list[Any]:
    """Every element of `doc` that `_is_excluded` (nested ones too), in document order: found
    once per page and shared by `licences_elsewhere` and `drop_excluded`. `elements`:
    `doc.iter()` when the caller holds them already."""
    return [el for el in (doc.iter() if elements is None else elements) if isinstance(el.tag, str) and _is_excluded(el)]


def drop_excluded(doc: Any, keep: Iterable[Any] = (), excluded: list[Any] | None = None) -> int:
    """Remove comments, sidebars, widgets and related-post lists from `doc` (our own parse of
    the page, never the tree extraction uses); returns how many regions went. `<html>`,
    `<head>`, `<body>` and the ancestors of `keep` (the profile's article container: a theme
    may put 'sidebar-right' on a wrapper) are never removed, though what they hold may be.
    `excluded`: `excluded_regions(doc)` when the caller has it already."""
    protected = {doc, doc.find("head"), doc.find("body")}
    for node in keep:
        protected.update(node.iterancestors())
        protected.add(node)
    found = excluded_regions(doc) if excluded is None else excluded
    doomed = [el for el in found if el not in protected]
    for el in doomed:
        el.drop_tree()  # keeps the tail text, which belongs to the parent
    return len(doomed)


_MAIN_CANDIDATES = (
    "//article",
    "//*[@itemprop='articleBody']",
    "//main",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' entry-content ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' post-content ')]",
)


def _outermost(nodes: list[Any]) -> list[Any]:
    """`nodes` (in document order) without those inside another one; linear in the page."""
    kept: list[Any] = []
    inside: set[Any] = set()
    for node in nodes:
        if not isinstance(getattr(node, "tag", None), str) or node in inside:
            continue
        kept.append(node)
        inside = set(node.iter())
    return kept


def _largest(nodes: list[Any]) -> Any | None:
    return max(nodes, key=lambda n: len(n.text_content())) if nodes else None  # the first of the largest


def main_content(doc: Any) -> Any:
    """The generic article container, on a page already pruned by `drop_excluded`: the largest
    outermost `<article>` (a page may list teasers as articles too), else `[itemprop=articleBody]`,
    else `<main>`, else `.entry-content` / `.post-content`, else the body."""
    for xpath in _MAIN_CANDIDATES:
        found = _largest(_outermost(doc.xpath(xpath)))
        if found is not None:
            return found
    body = doc.find("body")
    return body if body is not None else doc


#: The article's own body in the usual markup. A theme may wrap it in a region named like a
#: widget (Blogger's `div.widget.Blog`): its ancestors are kept when excluded regions go.
_ARTICLE_BODY = (
    "//*[@itemprop='articleBody'] | //*[contains(concat(' ', normalize-space(@class), ' '), ' post-body ')]"
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' entry-content ')]"
)


def _container(doc: Any, profile: Profile) -> Any:
    if profile.article_xpath:
        found = _largest(_outermost(doc.xpath(profile.article_xpath)))
        if found is not None:
            return found
    return main_content(doc)


def article_regions(doc: Any, profile: Profile) -> list[Any]:
    """The article container and the profile's byline regions outside it, in document order."""
    container = _container(doc, profile)
    within = set(container.iter())
    ancestors = set(container.iterancestors())
    extra = []
    if profile.byline_region_xpath:
        found = _outermost(doc.xpath(profile.byline_region_xpath))
        extra = [n for n in found if n not in within and n not in ancestors]
    if not extra:
        return [container]
    order = {el: i for i, el in enumerate(doc.iter())}
    return sorted([container, *extra], key=lambda n: order.get(n, 0))


_FOOTERS = "//footer | //*[@id='colophon'] | //*[@role='contentinfo'] | //*[@id or @class]"
#: Site chrome at the foot of a page, by id or class token: 'footer', 'site-footer', 'footerContent',
#: 'bottom-footer', 'copyright', 'site-copyright', '#credit'. Sidebars and widgets are never footers.
_FOOTER_TOKEN = re.compile(r"footer|colophon|copyright|^credits?$", re.IGNORECASE)


#: Every id or class `_FOOTER_TOKEN` matches contains one of these (a quick test first).
_FOOTER_HINT = re.compile(r"footer|colophon|copyright|credit", re.IGNORECASE)


def _is_footer(el: Any) -> bool:
    if el.tag == "footer":
        return True
    role = el.get("role")
    if role and role.strip().lower() == "contentinfo":
        return True
    classes, id_ = el.get("class") or "", el.get("id") or ""
    if not _FOOTER_HINT.search(classes) and not _FOOTER_HINT.search(id_):
        return False
    tokens = [*classes.split(), id_.strip()]
    return any(t and _FOOTER_TOKEN.search(t) for t in tokens)


def _where(el: Any) -> str:
    """What kind of region outside the evidence areas an element is, for a person reading
    `licence_seen`: 'sidebar' or 'widget'."""
    return "widget" if "widget" in _words_of(el) or "textwidget" in _words_of(el) else "sidebar"


def _words_of(el: Any) -> set[str]:
    """The words of an element's class tokens and id."""
    return {w for t in (el.get("class") or "").split() for w in _class_words(t)} | set(_class_words(el.get("id") or ""))


def _licence_in(region: Any) -> tuple[str, str] | None:
    for href in region.xpath(".//a/@href | .//img/@src"):
        if found := spdx_from_url(str(href)):
            return found
    for node in region.xpath(_PARAGRAPHS):
        text = text_of(node)
        if len(text) <= 600 and _STATES_LICENCE.search(text) and (found := spdx_from_text(text)):
            return found
    return None


def licences_elsewhere(doc: Any, excluded: list[Any] | None = None) -> list[dict[str, str | bool]]:
    """Licences stated in the page's sidebars and widgets (asides, `#sidebar`, `.widget*`): read so
    a person can see them, never evidence about the article (DESIGN.md, rights rules). Comments
    and related posts are other people's words and are not read at all. One entry per licence."""
    seen: dict[str, dict[str, str | bool]] = {}
    every = excluded_regions(doc) if excluded is None else excluded
    within = set(every)
    outer = _outermost(every)
    regions = _outermost([el for region in outer if not _is_others(region) for el in region.iter()
                          if el in within and not _is_others(el)
                          and not any(_is_others(a) for a in el.iterancestors())])
    for region in regions:
        found = _licence_in(region)
        if found and found[0] not in seen:
            seen[found[0]] = {"spdx": found[0], "url": found[1], "where": _where(region)}
    return list(seen.values())


def _is_others(el: Any) -> bool:
    """Comments and related posts: other people's words, or other articles'."""
    if _words_of(el) & {"comment", "comments", "commentlist", "respond", "disqus", "related", "yarpp", "relatedposts"}:
        return True
    return "comment" in (el.get("itemprop") or "").lower() or (el.get("itemtype") or "").rstrip("/").endswith("Comment")


def _site_footers(doc: Any, allowed: set[Any]) -> list[Any]:
    """The site's footers. When the container is the whole body (no article markup), its footer
    is still the site's, read as one (at the footer's rank, below anything the article states)."""
    body = doc.find("body")
    whole_body = body is not None and body in allowed
    return [f for f in _outermost([el for el in doc.xpath(_FOOTERS) if _is_footer(el)])
            if whole_body or f not in allowed]


def _node_of(result: Any) -> Any:
    """The element an XPath result belongs to (an attribute or text result's parent)."""
    return result if isinstance(getattr(result, "tag", None), str) else getattr(result, "getparent", lambda: None)()


#: Links with a rel token (`author`, `license`) in a region, the region itself included.
_REL_LINKS = "descendant-or-self::a[contains(concat(' ', normalize-space(@rel), ' '), ' {} ')]"
_PARAGRAPHS = (
    "descendant-or-self::p | descendant-or-self::figcaption | descendant-or-self::div[not(.//p) and not(.//div)]"
)


#: A Twitter card's label that says its data is the author (Yoast writes `twitter:label1`
#: "Written by" / "Verfasst von" and the display name in `twitter:data1`).
_WRITTEN_BY = re.compile(
    r"^\s*(?:written by|author|verfasst von|geschrieben von|autor(?:in)?|écrit par|auteur|escrito por|autora?)\s*$",
    re.I,
)


def _labelled_authors(head: Any) -> list[str]:
    found = []
    for label in head.xpath(".//meta[starts-with(@name, 'twitter:label')]"):
        if _WRITTEN_BY.match(label.get("content") or ""):
            index = (label.get("name") or "")[len("twitter:label"):]
            if index.isdigit():
                found += [str(v) for v in head.xpath(f".//meta[@name='twitter:data{index}']/@content")]
    return found


def _read_head(head: Any, url: str, facts: PageFacts) -> str | None:
    """Meta authors, canonical link, description and `<link rel=license>` from the head;
    returns the og:image (the featured image that image credits refer to)."""
    if head is None:
        return None
    metas = head.xpath(".//meta[@name='author' or @property='article:author' or @name='dc.creator' "
                       "or @name='citation_author']/@content")
    metas = [*metas, *_labelled_authors(head)]
    facts.meta_authors.extend(
        first((n for m in metas if m.strip() and not m.startswith("http") for n in split_names(m[:2_000])),
              MAX_AUTHORS, url, "meta authors")
    )
    canonical = head.xpath(".//link[@rel='canonical']/@href")
    facts.canonical_url = join_url(url, canonical[0]) if canonical else None
    desc = head.xpath(".//meta[@name='description']/@content | .//meta[@property='og:description']/@content")
    facts.description = desc[0].strip() if desc and desc[0].strip() else None
    for link in head.xpath(".//link[@rel='license']/@href"):
        found = spdx_from_url(str(link))
        if found:
            _offer(facts, found, "rel=license")
    return (head.xpath(".//meta[@property='og:image']/@content") or [None])[0]


def _page_language(doc: Any) -> str | None:
    """The page's language: `<html lang>` (or xml:lang), else og:locale, else a
    Content-Language meta, as a BCP 47 tag (None when none of them is a language tag)."""
    candidates = [doc.get("lang"), doc.get("{http://www.w3.org/XML/1998/namespace}lang")]
    candidates += doc.xpath("//head/meta[@property='og:locale']/@content")
    candidates += doc.xpath("//head/meta[translate(@http-equiv, 'CONTENT-LANGUAGE', 'content-language')"
                            "='content-language']/@content")
    return next((tag for value in candidates if (tag := bcp47(str(value).split(",")[0]) if value else None)), None)


def _read_footer(footer: Any, facts: PageFacts) -> None:
    """A site-wide licence: a rel=license link, a Creative Commons badge or link, or a
    'licensed under' statement in the site footer."""
    for href in footer.xpath("descendant-or-self::a/@href | descendant-or-self::img/@src"):
        found = spdx_from_url(str(href))
        if found:
            _offer(facts, found, "footer")
            return
    unversioned = None
    for node in footer.xpath(_PARAGRAPHS):
        text = text_of(node)
        if len(text) > 600 or not _STATES_LICENCE.search(text):
            continue
        if found := spdx_from_text(text):
            facts.licence_statement_texts.append(text)
            _offer(facts, found, "footer")
            return
        unversioned = unversioned or family_from_text(text)
    if unversioned:  # 'Copyleft © … CC-BY-SA.': read, never used
        _seen_unversioned(facts, unversioned, "footer")


def _seen_unversioned(facts: PageFacts, found: tuple[str, str], where: str) -> None:
    """An unversioned Creative Commons statement, kept in `licence_seen` (once per family) with
    `"versioned": False`: shown to a person, never the record's licence (`licences.family_from_text`)."""
    if all(seen["spdx"] != found[0] for seen in facts.licence_seen):
        facts.licence_seen.append({"spdx": found[0], "url": found[1], "where": where, "versioned": False})


def _rel_authors(regions: list[Any], url: str) -> Iterator[Author]:
    seen: set[str] = set()
    for region in regions:
        for link in region.xpath(_REL_LINKS.format("author")):
            name = text_of(link)[:2_000]
            if name and name.casefold() not in seen:
                seen.add(name.casefold())
                yield Author(name=name, url=join_url(url, link.get("href")))


#: Words of the class tokens of the elements that print an article's byline: 'author', 'byline',
#: 'entry-author', 'post-author', 'author-name', 'autor', 'auteur', 'meta-author', 'field-contributor',
#: 'gallery--page-meta--author', 'articleAuthorDateBlock'... (not the author *box* with its bio:
#: `Profile.author_box_xpath` and the plugin readers in `attribution.boxes` read those).
_BYLINE_WORDS = frozenset(
    ["author", "authors", "autor", "autoren", "autorin", "autore", "autori", "auteur", "auteurs", "byline", "bylines",
     "contributor", "contributors", "verfasser", "verfasserin", "firma", "signature", "coauthors", "coauthor"]
)
_BYLINE_NOT = frozenset(
    ["bio", "biography", "box", "boxes", "about", "description", "desc", "avatar", "image", "img", "photo", "picture",
     "social", "comment", "comments", "more", "posts", "list", "archive", "follow", "share", "title", "job", "role"]
)
_NAME_PARTS = ".//*[@itemprop='name'] | .//*[contains(concat(' ', normalize-space(@class), ' '), ' fn ')]"
_CLASS_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


def _class_words(token: str) -> list[str]:
    """'gallery--page-meta--author' -> gallery, page, meta, author; 'liveArticleAuthorDateBlock' ->
    live, article, author, date, block."""
    return [w.lower() for w in _CLASS_WORDS.findall(token)]


#: Every class list with a word of _BYLINE_WORDS contains one of these, lowercased (a quick test first).
_BYLINE_HINTS = ("aut", "byline", "contributor", "verfasser", "firma", "signature")


def _is_byline_element(el: Any) -> bool:
    if el.tag == "byline" or "author" in (el.get("itemprop") or "").lower().split():
        return True
    classes = el.get("class")
    if not classes or not any(hint in classes.lower() for hint in _BYLINE_HINTS):
        return False
    words = {w for token in classes.split() for w in _class_words(token)}
    return bool(words & _BYLINE_WORDS) and not words & _BYLINE_NOT


def _element_authors(regions: list[Any], url: str) -> Iterator[Author]:
    """Names printed in the article's byline markup ('<span class="author vcard"><a class="fn">',
    `itemprop=author`, `.byline`, `.entry-author`...): the name parts when marked, else the
    element's text, cleaned of prefixes and link text by `text.names.clean_name`. Only the
    first byline that names someone, with the byline elements beside it (same parent or
    grandparent): further down, author markup belongs to teasers, quotes and lists."""
    seen: set[Any] = set()
    anchor: set[Any] | None = None
    for region in regions:
        for el in region.iter():
            if not isinstance(el.tag, str) or el in seen or not _is_byline_element(el):
                continue
            seen.update(el.iter())
            near = {a for a, _ in zip(el.iterancestors(), range(2), strict=False)}
            if anchor is not None and not (near & anchor):
                continue
            names = list(_names_in(el, url))
            if names and anchor is None:
                anchor = near
            yield from names


def _a_persons_part(part: Any, el: Any) -> bool:
    """A name part of a byline element names its author, not a breadcrumb or a list item
    ('<ul itemtype=BreadcrumbList>' inside a theme's author line): the nearest item around it is
    the byline element itself, a Person or Organization, or an `itemprop=author` item."""
    for anc in part.iterancestors():
        if anc is el:
            return True
        if anc.get("itemscope") is not None or anc.get("itemtype"):
            kind = (anc.get("itemtype") or "").rstrip("/").rsplit("/", 1)[-1].lower()
            return kind in ("person", "organization") or "author" in (anc.get("itemprop") or "").lower()
    return True


_BREAKS = frozenset(["br", "p", "div", "li", "dd", "dt", "address", "h2", "h3", "h4", "h5", "h6", "time"])


def _spaced_text(el: Any) -> str:
    """The element's text with a space where a line or block breaks ('Autor: Fritz Imhof<br>Quelle:
    Livenet' is not 'Fritz ImhofQuelle')."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node.tag, str) and node.tag in _BREAKS:
            parts.append(" ")
        parts.append(node.text or "" if isinstance(node.tag, str) else "")
        for child in node:
            walk(child)
            parts.append(child.tail or "")
        if isinstance(node.tag, str) and node.tag in _BREAKS:
            parts.append(" ")

    walk(el)
    return _WS.sub(" ", "".join(parts)).strip()


def _names_in(el: Any, url: str) -> Iterator[Author]:
    parts = [p for p in el.xpath(_NAME_PARTS) if isinstance(p.tag, str) and _a_persons_part(p, el)]
    texts = [p.get("content") or text_of(p) for p in parts] if parts else [el.get("content") or _spaced_text(el)]
    anchors = el.xpath("descendant-or-self::a[@href]")
    links = {name_key(c): a.get("href") for a in anchors if (c := clean_name(text_of(a)))}
    for text in texts:
        if not text or len(text) > 300:
            continue
        names = [one for name in split_names(clean_name(text)) if (one := clean_name(name)) is not None]
        for one in names:  # a name's own link, or the byline's only link when it names one person
            href = links.get(name_key(one)) or (next(iter(links.values())) if len(links) == 1 == len(names) else None)
            yield Author(name=one, url=join_url(url, href))


#: An element that is only a label saying "the author is what follows".
_AUTHOR_LABEL = re.compile(
    r"^(?:autor(?:in|en|innen)?|authors?|auteur(?:e|s)?|autora?|verfasser(?:in)?|von|by|par|por|text|texto"
    r"|written by|geschrieben von|escrito por|écrit par)\s*[:：]?$",
    re.IGNORECASE,
)
#: A meta line that is an author label and the name after it ('Autor: …', 'Redaktion: …').
_INLINE_AUTHOR_LABEL = re.compile(
    r"^\W{0,3}(?:autor(?:in|en|innen)?|authors?|auteur(?:e|s)?|autora?|verfasser(?:in)?|redaktion|redacción|redação)"
    r"\s*[:：]\s*(?P<rest>\w.{1,200})$",
    re.IGNORECASE,
)
_LABELS = "descendant-or-self::*[self::h2 or self::h3 or self::h4 or self::h5 or self::h6 or self::b or self::strong"\
          " or self::span or self::dt or self::th or self::label or self::em]"


def _labelled_authors_in(regions: list[Any], url: str) -> Iterator[Author]:
    """Names after an author label in the article's meta lines ('<h4>Autor</h4><p><a>Nikolai
    Huke</a></p>', '<b>Von:</b><br>Götz Warnke'): the label's tail text, else its next element's
    text; or a meta line that is one label and its name ('<span>– Redaktion: Eberhard Fuhr
    (Pressesprecher)</span>'). Only the first label that names someone."""
    for region in regions:
        for label in region.xpath(_LABELS):
            if len(label):
                continue
            inline = _INLINE_AUTHOR_LABEL.match(text_of(label)[:300])
            if inline:
                names = [one for n in split_names(clean_name(inline.group("rest")) or "") if (one := clean_name(n))]
                if names:
                    yield from (Author(name=n) for n in names)
                    return
            if not _AUTHOR_LABEL.match(text_of(label)):
                continue
            after = (label.tail or "").strip()
            nxt = label.getnext()
            while not after and nxt is not None and nxt.tag == "br":  # '<b>Von:</b><br><br>Götz Warnke'
                after = (nxt.tail or "").strip()
                nxt = nxt.getnext()
            link = None
            if not after and nxt is not None and isinstance(nxt.tag, str):
                after = text_of(nxt)
                found = nxt.xpath("descendant-or-self::a/@href")
                link = str(found[0]) if found else None
            names = [one for n in split_names(clean_name(after[:300]) or "") if (one := clean_name(n))]
            if names:
                yield from (Author(name=n, url=join_url(url, link) if len(names) == 1 else None) for n in names)
                return


def _article_header(doc: Any, allowed: set[Any]) -> list[Any]:
    """The article's header when it sits outside the container: the <header> (or header-named
    element) around the page's first <h1>, unless that is the site's masthead."""
    for h1 in doc.xpath("//h1")[:1]:
        if h1 in allowed:
            return []
        for anc in h1.iterancestors():
            names = f"{anc.get('class') or ''} {anc.get('id') or ''}".lower()
            if anc.tag in ("body", "html") or re.search(r"site-header|masthead|navbar|\bnav\b", names):
                return []
            if anc.tag == "header" or re.search(r"\b(?:entry|post|article|page)[-_]?(?:header|head|title)\b", names):
                return [anc]
    return []


_POST_WORDS = frozenset(
    ["post", "hentry", "entry", "article", "story", "news", "node", "blogpost", "beitrag", "artikel"]
)
_NOT_POST_WORDS = frozenset(["list", "teaser", "related", "card", "excerpt", "preview", "grid", "feed", "archive",
                             "container", "wrapper", "page", "site", "main", "content", "col", "row"])
_POST_LEVELS = 4


def _post_wrapper(container: Any) -> list[Any]:
    """The element the article's body sits in with its title and meta lines, when the body
    alone is the container: the outermost ancestor within `_POST_LEVELS` that is an <article>,
    a schema.org Article or BlogPosting, or named like one post ('post hentry', 'post-4822',
    'news-single-item', 'node-article'). Its byline markup is the article's byline area."""
    found = []
    for anc, _ in zip(container.iterancestors(), range(_POST_LEVELS), strict=False):
        if anc.tag in ("body", "html"):
            break
        itemtype = (anc.get("itemtype") or "").lower()
        words = {w for t in (anc.get("class") or "").split() for w in _class_words(t)}
        named = bool(words & _POST_WORDS) and not words & _NOT_POST_WORDS
        if (anc.tag == "article" or "blogpost" in (anc.get("itemprop") or "").lower() or named
                or re.search(r"schema\.org/\w*(?:article|posting)$", itemtype)
                or re.match(r"^post-\d+$", anc.get("id") or "")):
            found = [anc]
    return found


def _site_names(doc: Any, url: str, entity: dict[str, Any] | None) -> list[str]:
    """What the site calls itself: og:site_name, application-name, the main entity's publisher,
    and its domain's name ('www.furche.at' -> 'furche'). Credits to these are organisations."""
    found = [str(v) for v in doc.xpath("//meta[@property='og:site_name' or @name='application-name' "
                                          "or @name='publisher' or @name='twitter:site']/@content")]
    publisher = (entity or {}).get("publisher")
    for pub in publisher if isinstance(publisher, list) else [publisher]:
        if isinstance(pub, dict) and isinstance(pub.get("name"), str):
            found.append(pub["name"])
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    labels = host.split(".")
    if len(labels) >= 2:
        found.append(labels[-2])
        found.append(".".join(labels[-2:]))
    return [n.strip().lstrip("@") for n in found if n and n.strip()][:20]


#: An XHTML page's `<?xml version="1.0" encoding="UTF-8"?>`: meaningless once the page is
#: decoded text, and lxml would refuse the whole page for it.
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]{0,200}\?>")


def read_page_facts(page: bytes | str, url: str, profile: Profile = GENERIC, *, tree: Any = None) -> PageFacts:
    """Collect attribution facts from the article's own parts of the raw page (see the module
    docstring for which parts), read with the partner's profile (its container, author boxes,
    byline and cross-post wording, paywall markers, image credit markup). Never raises on odd
    markup.

    `tree`: the page already parsed by lxml.html (the extractor hands over the tree its
    trafilatura passes read, so a page is parsed once); it is consumed (excluded regions are
    cut out of it). Without it, `page` is parsed here."""
    facts = PageFacts(url=url)
    if tree is not None:
        doc = tree
    else:
        if isinstance(page, str):  # lxml refuses decoded text that still declares its encoding (XHTML pages)
            page = _XML_DECLARATION.sub("", page, count=1)
        try:
            doc = lxml.html.document_fromstring(page)
        except (lxml.etree.ParserError, ValueError):
            return facts
    # Every element's Python proxy, held for the whole read: lxml makes a proxy (through
    # lxml.html's class lookup, in Python) each time it hands out an element nobody holds,
    # and this reader walks the page's elements about ten times (issue 13).
    every_element = list(doc.iter())
    excluded = excluded_regions(doc, every_element)
    facts.licence_seen.extend(licences_elsewhere(doc, excluded))
    if profile.article_xpath:
        drop_excluded(doc, doc.xpath(profile.article_xpath), excluded)
    else:  # the largest body in the usual markup, so a widget-named wrapper keeps it
        body = _largest(_outermost(doc.xpath(_ARTICLE_BODY)))
        drop_excluded(doc, [body] if body is not None else [], excluded)
    regions = article_regions(doc, profile)
    allowed: set[Any] = set()
    for region in regions:
        allowed.update(region.iter())

    def ours(results: list[Any]) -> list[Any]:
        return [r for r in results if _node_of(r) in allowed]

    featured = _read_head(doc.find("head"), url, facts)
    facts.lead_image = join_url(url, featured) if featured else None
    facts.language = _page_language(doc)
    objects = list(_jsonld_objects(doc))
    entity = main_entity(objects, (url, facts.canonical_url))
    if entity is not None:
        people = {o["@id"]: o for o in objects if isinstance(o.get("@id"), str) and "person" in _kinds(o)}
        _jsonld(entity, url, facts, people)
    facts.rel_authors.extend(first(_rel_authors(regions, url), MAX_AUTHORS, url, "rel=author links"))
    header = _article_header(doc, allowed)
    wrapper = [w for w in _post_wrapper(_container(doc, profile)) if w not in allowed]
    facts.element_authors.extend(
        first(_element_authors([*wrapper, *regions, *header], url), MAX_AUTHORS, url, "byline markup authors")
    )
    if not facts.element_authors:
        facts.element_authors.extend(
            first(_labelled_authors_in([*wrapper, *regions, *header], url), MAX_AUTHORS, url, "labelled authors")
        )
    facts.site_names.extend(_site_names(doc, url, entity))
    titles = doc.xpath("//head/meta[@property='og:title']/@content") or [text_of(h) for h in doc.xpath("//h1")[:1]]
    facts.headline = str(titles[0]).strip()[:500] if titles and str(titles[0]).strip() else None
    if profile.author_box_xpath:
        read_box = profile.read_author_box or _author_box
        boxes = (a for box in ours(doc.xpath(profile.author_box_xpath)) if (a := read_box(box, url)) is not None)
        facts.author_boxes.extend(bounded(a, url) for a in first(boxes, MAX_AUTHORS, url, "author boxes"))
    plugin_boxes = plugin_authors([*wrapper, *regions, *header], url)
    facts.author_boxes.extend(bounded(a, url) for a in first(plugin_boxes, MAX_AUTHORS, url, "plugin author boxes"))
    links = [str(h) for region in regions for h in region.xpath(_REL_LINKS.format("license") + "/@href")]
    for xpath in profile.licence_xpath:
        links.extend(str(h) for h in ours(doc.xpath(xpath)))
    for link in links:
        found = spdx_from_url(link)
        if found:
            _offer(facts, found, "rel=license")  # ranked as a link: a statement in the article wins
    credited: set[Any] = set()  # markup credits, so the generic rule below does not read them twice
    if profile.image_credit_xpath:
        for node in ours(doc.xpath(profile.image_credit_xpath)):
            found_credit = _credit_in_markup(node, url, featured)
            if found_credit:
                facts.images.append(found_credit[0])
                facts.image_credit_texts.append(found_credit[1])
                credited.update(node.iter())
                credited.update(node.iterancestors("figcaption"))
    leads = 0  # the article's first paragraphs, where a dateline stands
    for node in (n for region in regions for n in region.xpath(_PARAGRAPHS)):
        text = text_of(node)
        if node.tag == "p" and len(text) >= 60 and leads < _LEAD_PARAGRAPHS:
            leads += 1
            if facts.dateline_credit is None and (dateline := _DATELINE.match(text[:200])):
                facts.dateline_credit = dateline.group("agency")
        if not text or len(text) > 600:
            continue
        if facts.byline is None and node.tag == "p" and len(text) < 250:
            facts.byline = parse_byline(text, profile.byline_patterns) or (
                _strict_byline(text) if len(text) < 160 else None)
        if facts.original is None:
            facts.original = _crosspost(node, text, url, profile)
            if facts.original is not None:
                facts.crosspost_text = text
        if node not in credited and _is_image_credit(text):
            facts.images.append(_image_credit(node, text, url, featured))
            facts.image_credit_texts.append(text)
        elif node not in credited and (found_image := image_credit_in(node, text, url, featured)) is not None:
            facts.images.append(found_image)
            facts.image_credit_texts.append(text)
            credited.update(node.iter())
        elif _STATES_LICENCE.search(text) and not _about_an_image(node, text):
            found = next((f for a in node.xpath(".//a[@href]") if (f := spdx_from_url(a.get("href")))), None)
            found = found or spdx_from_text(text)
            if found:
                facts.licence_statement_texts.append(text)
                _offer(facts, found, "statement")  # more specific than a link or the site footer
            elif unversioned := family_from_text(text):  # a page without article markup holds its footer too
                in_footer = _is_footer(node) or any(_is_footer(a) for a in node.iterancestors())
                _seen_unversioned(facts, unversioned, "footer" if in_footer else "article")
        if any(p.search(text) for p in profile.paywall_text):
            facts.paywalled = True
    if any(ours(doc.xpath(xpath)) for xpath in profile.paywall_xpath):
        facts.paywalled = True
    for footer in _site_footers(doc, allowed):
        _read_footer(footer, facts)
    _display_names(doc, regions, page, facts)
    return facts


#: A news agency's dateline at the start of the article: a place, the agency in brackets, a dash
#: ('Hamburg (dpa/lno) – ', 'WASHINGTON (AP) — ', 'Berlin (KNA) - '). The agency is an agency's
#: short name (lower-case shorthand, capitals, or one of the few written out), never a word.
_DATELINE = re.compile(
    r"^(?:[A-ZÄÖÜÉ][\w.'’-]+(?:[ /-][\w.'’-]+){0,3})\s*\("
    r"(?P<agency>(?-i:[a-z]{2,5}(?:/[a-z]{2,5})?|[A-Z]{2,6}(?:/[A-Za-z]{2,6})?|Reuters|Kyodo|Xinhua|Jiji(?: Press)?))"
    r"\)\s*[-–—]\s"
)
_LEAD_PARAGRAPHS = 3


def _display_names(doc: Any, regions: list[Any], page: bytes | str, facts: PageFacts) -> None:
    """The display names of the logins the page credits (`PageFacts.display_names`): in the
    article's text, else anywhere the page prints them (its text, then its source: a user
    profile's `display_name` in a script or a data attribute). This only spells a credited
    login; it never adds a person."""
    credited = [*(a.name for a in facts.jsonld_authors), *facts.meta_authors,
                *(a.name for a in facts.element_authors), *(a.name for a in facts.author_boxes)]
    logins = {n.strip() for n in credited if n.strip() == n.strip().lower() and " " not in n.strip()}
    texts: list[str] | None = None
    for login in sorted(logins)[:MAX_AUTHORS]:
        if texts is None:
            source = page if isinstance(page, str) else page.decode("utf-8", "replace")
            texts = [" ".join(text_of(r) for r in regions), doc.text_content(), html.unescape(source)]
        found = next((d for t in texts if (d := display_name_of_login(login, t))), None)
        if found:
            facts.display_names[login] = found


_IMAGE_LEAD = re.compile(
    r"^\W*(?:(?:titel|beitrags|header)?bild(?:quelle|nachweis)?|foto(?:s|grafie)?|photo(?:s|graph)?|image|imagen|"
    r"illustration|grafik|quelle|fuente|cr[ée]dits?|picture|cover)\b",
    re.IGNORECASE,
)


_IMAGE_CREDIT_INLINE = re.compile(r"\b(?:foto|photo|bild|image|imagen|picture|quelle|fuente|credit)\s*:", re.I)


def _about_an_image(node: Any, text: str) -> bool:
    """A caption or credit: an image's licence, kept apart from the article's."""
    if node.tag == "figcaption" or node.xpath("ancestor::figure | ancestor::*[contains(@class, 'caption')]"):
        return True
    return bool(_IMAGE_LEAD.match(text) or _IMAGE_CREDIT_INLINE.search(text))


#: A paragraph that states a licence, in the languages partners write in.
_STATES_LICENCE = re.compile(
    r"licen[cs]ed under|creative[\s-]?commons|lizen[sz]|licence|license|licencia|licen[çc]a|\bCC[ -]BY", re.I
)


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
