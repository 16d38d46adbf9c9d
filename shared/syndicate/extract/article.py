"""Page HTML -> Article: trafilatura does the generic work, a partner profile the rest.

One trafilatura pass gives the body tree and the metadata; we derive both the plain text
(for summaries, fingerprints and previews) and the HTML (for republishing) from that one
tree, so the two can never disagree about what the article is.
"""

from __future__ import annotations

import copy

import lxml.etree
import trafilatura
from trafilatura.htmlprocessing import convert_to_html
from trafilatura.xml import xmltotxt

from ..feeds.parse import split_authors
from ..model import Article
from .profiles import Profile, get_profile


class ExtractError(ValueError):
    """A page we cannot turn into an article; names the URL and the problem."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


def _decode(page: bytes | str, url: str) -> str | bytes:
    if isinstance(page, str):
        return page
    head = page[:2048].lstrip()
    if b"\x00" in page[:4096] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExtractError(url, "binary data, not an HTML page")
    return page


def extract_article(page: bytes | str, url: str, profile: Profile | str | None = None) -> Article:
    """Extract the article of one page. Raises ExtractError when there is none."""
    prof = profile if isinstance(profile, Profile) else get_profile(profile)
    content = _decode(page, url)
    try:
        doc = trafilatura.bare_extraction(
            content,
            url=url,
            include_comments=False,
            include_formatting=True,
            include_links=True,
            include_images=True,
            include_tables=True,
            with_metadata=True,
            prune_xpath=list(prof.prune_xpath) or None,
        )
    except (ValueError, TypeError, lxml.etree.LxmlError) as exc:
        raise ExtractError(url, f"cannot parse page: {exc}") from exc
    if doc is None or isinstance(doc, dict) or doc.body is None:
        raise ExtractError(url, "no article text found")
    text = xmltotxt(copy.deepcopy(doc.body), False) or ""
    html_tree = convert_to_html(doc.body)
    body = html_tree.find("body")
    html = "".join(
        lxml.etree.tostring(child, encoding="unicode", method="html") for child in (body if body is not None else [])
    )
    if not text.strip():
        raise ExtractError(url, "no article text found")
    article = Article(
        url=url,
        title=doc.title or None,
        text=text.strip(),
        html=html,
        authors=split_authors(doc.author.replace(";", ",")) if doc.author else [],
        date=doc.date or None,
        description=doc.description or None,
        sitename=doc.sitename or None,
        language=doc.language or None,
        licence_url=doc.license or None,
        canonical_url=doc.url if doc.url and doc.url != url else None,
        tags=[t for t in (doc.categories or []) + (doc.tags or []) if t],
    )
    return prof.finish(article)
