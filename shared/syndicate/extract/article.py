"""Page HTML -> Article: trafilatura does the generic work, a partner profile the rest.

Two trafilatura passes with the same pruning: the first, with trafilatura's own text
settings, gives the plain text (summaries, fingerprints, previews) and the metadata; the
second keeps formatting, links and images and gives the HTML we republish. Text derived
from the rich tree, even with link targets and images stripped, keeps what trafilatura
only retains around images (gallery captions, photo credits, "less/more" toggles) and
scored below plain trafilatura on the extraction benchmark (bench/extraction_bench.py).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

import lxml.etree
import trafilatura
import trafilatura.external
from trafilatura.htmlprocessing import convert_to_html, prune_unwanted_nodes
from trafilatura.settings import DEFAULT_CONFIG
from trafilatura.utils import load_html
from trafilatura.xml import xmltotxt

from ..attribution.authors import name_key, page_authors_sourced
from ..attribution.page import read_page_facts
from ..errors import UrlError
from ..model import Article, Licence
from ..text.decoding import bom, decode, sniff
from ..text.lang import bcp47
from ..text.names import split_names
from ..text.plain import plain_text
from .profiles import Profile, get_profile


class ExtractError(UrlError, ValueError):
    """A page we cannot turn into an article; names the URL and the problem."""


MAX_PAGE_BYTES = 4 * 1024 * 1024  # extraction costs ~80 us per paragraph: bound the worst case
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})""", re.I)


def decode_page(page: bytes, url: str, content_type: str | None = None) -> str | bytes:
    """The page as text, decoded the way a browser would, or the bytes when we cannot tell.

    BOM first, then the page's own <meta charset>, then the charset of the response's
    Content-Type (`text.decoding` owns the rules; only the declaration's place is the
    page's). A page that says (or is) UTF-8 but carries stray
    Latin-1 bytes keeps both: invalid bytes are read as windows-1252 one by one. A page that
    declares nothing and is not UTF-8 is handed to trafilatura's own detection, unless it is
    mostly ASCII (then windows-1252).
    """
    if bom(page) is None and b"\x00" in page[:4096]:
        raise ExtractError(url, "binary data, not an HTML page")
    declared = _META_CHARSET.search(page[:4096])
    found = sniff(page, declared.group(1) if declared else None, transport=content_type)
    if found:
        codec, skip = found
        return decode(page[skip:], codec)
    try:
        return page.decode("utf-8")
    except UnicodeDecodeError:
        high = sum(1 for b in page if b > 0x7F)
        if high <= len(page) // 20:  # mostly ASCII: a Western page saved as windows-1252
            return decode(page, "utf-8")
        return page


def _decode(page: bytes | str, url: str, content_type: str | None = None) -> str | bytes:
    if isinstance(page, str):
        return page
    if len(page) > MAX_PAGE_BYTES:
        raise ExtractError(url, f"page of {len(page)} bytes is over the {MAX_PAGE_BYTES}-byte extraction cap")
    return decode_page(page, url, content_type)


def extract_article(
    page: bytes | str,
    url: str,
    profile: Profile | str | None = None,
    *,
    with_html: bool = True,
    content_type: str | None = None,
) -> Article:
    """Extract the article of one page. Raises ExtractError when there is none.

    `with_html=False` skips the second (rich) pass when only the text is wanted.
    `content_type` is the response's Content-Type: its charset counts when the page declares none.
    """
    prof = profile if isinstance(profile, Profile) else get_profile(profile)
    content = _decode(page, url, content_type)
    prune = list(prof.prune_xpath) or None
    try:
        # The generic profile favours precision; where that finds nothing (a page whose only
        # text is short), trafilatura's default balance is asked before giving up.
        for precise in (True, False) if prof.ensemble else (False,):
            doc, rich, tree = _trafilatura_passes(content, url, prune, with_html=with_html, precise=precise)
            if doc is not None and not isinstance(doc, dict) and doc.body is not None and body_text(doc.body).strip():
                break
    except (ValueError, TypeError, lxml.etree.LxmlError) as exc:
        raise ExtractError(url, f"cannot parse page: {exc}") from exc
    if doc is None or isinstance(doc, dict) or doc.body is None:
        raise ExtractError(url, "no article text found")
    text = body_text(doc.body)
    rich_body = rich.body if rich is not None and not isinstance(rich, dict) and rich.body is not None else None
    html_tree = convert_to_html(rich_body if rich_body is not None else doc.body)
    body = html_tree.find("body")
    children = list(body) if body is not None else []
    if prof.ensemble:  # text and HTML come from whichever extractor wins
        text, children = _ensemble_body(content, text, children)
    facts = read_page_facts(content, url, prof, tree=tree)  # the passes' parse: one per page (issue 13)
    if prof.strip_facts:
        drop = [t for t in (facts.crosspost_text, facts.byline.text if facts.byline else None) if t]
        drop += facts.licence_statement_texts
        drop += facts.image_credit_texts
        text, children = _strip_paragraphs(text, children, drop)
    html = "".join(lxml.etree.tostring(child, encoding="unicode", method="html") for child in children)
    if not text.strip():
        raise ExtractError(url, "no article text found")
    # trafilatura's own author guess is a fallback only: it is normalized past recognition
    # (a JSON-LD name holding "<script>alert(1)</script>Maria" becomes "Alertmaria"), while
    # the page's metadata, bylines and author boxes are read as they are written.
    extracted_authors = split_names(doc.author) if doc.author else []
    licence = None
    if facts.licence:
        licence = Licence(spdx=facts.licence[0], url=facts.licence[1], source="page", republish="link")
    sourced = page_authors_sourced(facts, extracted_authors)
    authors = [author for author, _ in sourced]
    # Titles, descriptions, tags and names are plain text (text.plain): the parser decoded
    # their entities once already, so only markup and control characters go.
    article = Article(
        url=url,
        title=plain_text(doc.title, html=False) or None,
        text=text.strip(),
        html=html,
        authors=authors,
        date=doc.date or None,
        description=plain_text(facts.description or doc.description, html=False) or None,
        sitename=plain_text(doc.sitename, html=False) or None,
        language=bcp47(doc.language) or facts.language,
        licence=licence,
        canonical_url=facts.canonical_url or (doc.url if doc.url and doc.url != url else None),
        tags=[t for t in ((plain_text(t, html=False)) for t in (doc.categories or []) + (doc.tags or [])) if t],
        original_publisher=facts.original,
        byline_org=(plain_text(facts.byline.org, html=False) or None) if facts.byline else None,
        images=facts.images,
        lead_image=facts.lead_image,
        paywalled=facts.paywalled,
        author_sources={name_key(author.name): source for author, source in sourced},
        licence_found_in=facts.licence_source if facts.licence else None,
        licence_seen=facts.licence_seen,
    )
    return prof.finish(article)


def _trafilatura_passes(
    content: str | bytes, url: str, prune: list[str] | None, *, with_html: bool, precise: bool
) -> tuple[Any, Any, Any]:
    """The text pass (with metadata), when HTML is wanted the rich pass (formatting, links,
    images), and the parsed page they read, left as it was for the page-facts reader.

    Both passes work on one parse of the page (trafilatura copies a tree it is given), the
    rich one on that tree already pruned with the profile's XPaths, which is what it would
    otherwise do itself, and the second pass reuses the first's readability fallback when
    it is asked about the same tree (`_shared_readability`): the results are the same as
    two independent passes, at about 30% less of a pass (issue 13). The page facts read the
    same parse afterwards: on the 399 saved pages (tests/fixtures, ../shared/data) they are
    identical to the facts from lxml.html's own parse of the page.
    """
    try:
        tree = load_html(content, _MAX_FILE_SIZE)
    except (TypeError, ValueError):  # what bare_extraction would have turned into "no result"
        return None, None, None
    if tree is None:
        return None, None, None
    with _shared_readability():
        doc = trafilatura.bare_extraction(
            tree, url=url, include_comments=False, include_tables=True, with_metadata=True, prune_xpath=prune,
            favor_precision=precise,
        )
        if not with_html:
            return doc, None, tree
        pruned = prune_unwanted_nodes(copy.copy(tree), _compiled(tuple(prune))) if prune else tree
        rich = trafilatura.bare_extraction(
            pruned,
            url=url,
            include_comments=False,
            include_formatting=True,
            include_links=True,
            include_images=True,
            include_tables=True,
            favor_precision=precise,
        )
    return doc, rich, tree


_MAX_FILE_SIZE = DEFAULT_CONFIG.getint("DEFAULT", "MAX_FILE_SIZE")


@lru_cache(maxsize=64)
def _compiled(xpaths: tuple[str, ...]) -> list[lxml.etree.XPath]:
    """A profile's prune XPaths, compiled once (trafilatura compiles them on every call)."""
    return [lxml.etree.XPath(x) for x in xpaths]


#: While `_shared_readability` is active: readability's result per input tree (its serialization).
_READABILITY_SEEN: ContextVar[dict[bytes, Any] | None] = ContextVar("readability_seen", default=None)
_try_readability = trafilatura.external.try_readability


def _readability_once(htmlinput: Any) -> Any:
    """trafilatura's readability fallback, computed once per distinct input tree while
    `_shared_readability` is active. It depends on nothing but its input, and both of our
    passes hand it the same tree (pruned the same way, before any pass-specific option
    applies), so the second pass gets a copy of the first one's answer. Keyed by the tree's
    serialization: a tree that differs in any way is computed afresh."""
    seen = _READABILITY_SEEN.get()
    if seen is None:
        return _try_readability(htmlinput)
    key = lxml.etree.tostring(htmlinput)
    if key not in seen:
        seen[key] = _try_readability(htmlinput)
    return copy.deepcopy(seen[key])  # callers change what they get (sanitize_tree)


@contextmanager
def _shared_readability() -> Iterator[None]:
    token = _READABILITY_SEEN.set({})
    try:
        yield
    finally:
        _READABILITY_SEEN.reset(token)


trafilatura.external.try_readability = _readability_once  # a pass-through outside _shared_readability


def _ensemble_body(content: str | bytes, text: str, children: list[Any]) -> tuple[str, list[Any]]:
    """The generic profile's per-page choice between trafilatura and readability (`extract.ensemble`)."""
    from .ensemble import choose_body  # readability-lxml loads only when a generic page needs it

    chosen = choose_body(content, text, children)
    return chosen.text, chosen.children


def body_text(body: Any) -> str:
    """The body as plain text: no image placeholders, no markup (the HTML keeps those)."""
    tree = copy.deepcopy(body)
    lxml.etree.strip_tags(tree, "ref", "hi")  # link targets and emphasis are markup, not text
    for graphic in list(tree.iter("graphic")):  # a list: removing while iterating skips siblings
        parent = graphic.getparent()
        if parent is not None:
            tail = graphic.tail or ""
            prev = graphic.getprevious()
            if prev is not None:
                prev.tail = (prev.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail
            parent.remove(graphic)
    return xmltotxt(tree, False) or ""


def _norm(text: str) -> str:
    return " ".join(text.split())


def _strip_paragraphs(text: str, children: list[Any], drop: list[str]) -> tuple[str, list[Any]]:
    """Remove whole lines/blocks whose text is one of `drop` (metadata now, not article text)."""
    unwanted = {_norm(d) for d in drop}
    lines = [line for line in text.split("\n") if _norm(line) not in unwanted]
    kept = [c for c in children if _norm("".join(c.itertext())) not in unwanted]
    return "\n".join(lines), kept
