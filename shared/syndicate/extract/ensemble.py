"""Generic pages: trafilatura's text checked against readability-lxml's, decided per page.

Why: a partner profile knows its site's boilerplate (`prune_xpath`); a generic page has only
trafilatura's guess. Measured on the extraction dev set (bench/extraction_bench.py, 91 real
pages, the benchmark's own scorer), trafilatura with `favor_precision` beats its defaults
(F1 0.975 against 0.965) and the one disagreement that pays to settle is this: when
readability-lxml, a different algorithm (arc90 node scoring, not trafilatura's rules),
returns text that trafilatura's text *contains* and is shorter, the rest is almost always
trafilatura keeping a teaser, a related-story block, a caption or a newsletter box around
an article both agree on. Two independent extractors agreeing on a core is the signal; the
rule takes readability's output then, and trafilatura's everywhere else (readability drops
embedded tweets and keeps bylines and captions, so it is not better on its own: 0.961).
Other per-page rules we measured (jusText as a third voter, length ratios, trafilatura's
recall settings) gained less or lost on one half of the set; bench/README.md has the figures.

The chosen extractor gives both the text and the HTML we republish, from the same tree, so
`content_html` (sanitized later by `extract.sanitize`) always holds the text's content.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import lxml.etree
import lxml.html
from readability import Document
from readability.readability import Unparseable
from trafilatura.utils import load_html

#: Share of readability's 4-word shingles that must occur in trafilatura's text for the two
#: to "agree on a core". Not 1.0: the two render inline markup and whitespace differently,
#: which breaks a shingle now and then. Chosen on half the dev set (flat from 0.99 to 1.0).
CONTAINED = 0.995
#: Readability's text must keep at least this share of trafilatura's words: a lone
#: paragraph that happens to be contained is not the article.
MIN_SHARE = 0.5
SHINGLE = 4

_WORD = re.compile(r"\w+")
_BLOCK = frozenset({
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "pre", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "section", "article",
    "figure", "figcaption", "header", "footer", "aside", "main", "address", "hr", "br",
})


@dataclass(frozen=True)
class Body:
    """The article body: its text and the HTML elements it was rendered from (same tree)."""

    text: str
    children: list[Any]
    source: str  # "trafilatura" or "readability"


def _shingles(text: str) -> Counter[tuple[str, ...]]:
    words = _WORD.findall(text)
    if len(words) < SHINGLE:
        return Counter([tuple(words)]) if words else Counter()
    return Counter(tuple(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1))


def containment(part: str, whole: str) -> float:
    """Share of `part`'s word 4-grams (with multiplicity) that `whole` also has; 0 for no words."""
    a, b = _shingles(part), _shingles(whole)
    n = sum(a.values())
    return sum(min(c, b.get(s, 0)) for s, c in a.items()) / n if n else 0.0


def prefer_readability(trafilatura_text: str, readability_text: str) -> bool:
    """True when readability's text is a shorter core of trafilatura's (see the module doc)."""
    n_alt = len(_WORD.findall(readability_text))
    n_base = len(_WORD.findall(trafilatura_text))
    if not n_alt or not MIN_SHARE * n_base <= n_alt < n_base:
        return False
    return containment(readability_text, trafilatura_text) >= CONTAINED


def element_text(root: Any) -> str:
    """Text of an HTML tree, one line per block element (as trafilatura's text has it)."""
    out: list[str] = []

    def walk(el: Any) -> None:
        block = isinstance(el.tag, str) and el.tag.lower() in _BLOCK
        if isinstance(el.tag, str):  # comments and processing instructions carry no text
            if block:
                out.append("\n")
            out.append(el.text or "")
            for child in el:
                walk(child)
            if block:
                out.append("\n")
        out.append(el.tail or "")

    walk(root)
    lines = (" ".join(line.split()) for line in "".join(out).split("\n"))
    return "\n".join(line for line in lines if line)


def readability_body(content: str | bytes) -> Body | None:
    """readability-lxml's article: its HTML elements and their text; None when it finds none.

    The page is parsed with trafilatura's loader (readability's own parser guesses the
    encoding again and costs twice the time); readability mutates the tree, so it is ours.
    `url` is not handed to readability: resolving every link of the whole page costs as much
    as the extraction, and `extract.sanitize` makes the kept links absolute anyway.
    """
    tree = load_html(content)
    if tree is None:
        return None
    try:
        summary = Document(tree).summary(html_partial=True)
        root = lxml.html.fragment_fromstring(summary, create_parent="div") if summary.strip() else None
    except (Unparseable, ValueError, TypeError, lxml.etree.LxmlError):
        return None
    if root is None:
        return None
    text = element_text(root)
    if not text:
        return None
    # The summary is one wrapper <div> (readability's); its content is the article.
    inner = root[0] if len(root) == 1 and not (root.text or "").strip() and root[0].tag == "div" else root
    children = list(inner)
    if (inner.text or "").strip():  # loose text before the first element stays with the HTML
        lead = lxml.html.Element("p")
        lead.text = inner.text
        children.insert(0, lead)
    return Body(text=text, children=children, source="readability")


def choose_body(content: str | bytes, text: str, children: list[Any]) -> Body:
    """trafilatura's body (`text`, `children`) unless readability's is the agreed core of it."""
    alt = readability_body(content)
    if alt is not None and prefer_readability(text, alt.text):
        return alt
    return Body(text=text, children=children, source="trafilatura")
