"""A field that may hold HTML -> plain text: what a title, summary, tag or name must be.

Feeds put HTML in fields that are text to us (feedparser hands an RSS title over as HTML
when it sees entities or tags in it), and a careless or hostile feed puts scripts there.
Our plain-text fields carry no markup at all, so a consumer that forgets to escape them
renders nothing live. The rule:

* The value is read the way a browser reads HTML (lxml's HTML parser): tags are removed,
  `<script>`, `<style>` and `<template>` are removed with their content, comments too.
* Entities are decoded exactly once, by that parse: `&amp;lt;b&amp;gt;` becomes the text
  `&lt;b&gt;`, never `<b>`. A second decode is how an escaped `<script>` came back to life.
* What that one decode spells as a tag (`&lt;img onerror=...&gt;` in the HTML, which
  WordPress's double escaping produces) is removed too, without decoding anything again:
  the text we hand on never contains `<name ...>`, whoever renders it.
* A `<` with no `>` anywhere after it cannot open a tag: it stays text ("x<y", "<<<").
* Control characters (C0 but tab and line ends, DEL, C1), lone surrogates and the two
  non-characters U+FFFE/U+FFFF are removed; whitespace is folded to single spaces. Block
  elements and `<br>` separate words; inline ones (`<b>`, `<a>`, ...) do not.

Linear in the length of the value (one parser pass, one regex pass without backtracking).
"""

from __future__ import annotations

import re

import lxml.etree

from .cut import cut_at_word

__all__ = ["plain_text"]

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# A tag as text spells it (linear: `[^<>]*` stops at the next '<' whatever follows).
_TAG_TEXT = re.compile(r"<[A-Za-z/!?][^<>]*>")
_DROPPED = frozenset({"script", "style", "template"})
# Elements that run inside a line of text: no word break around them.
_INLINE = frozenset(
    {
        "a", "abbr", "acronym", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn", "em", "font",
        "i", "ins", "kbd", "label", "mark", "nobr", "q", "s", "samp", "small", "span", "strike", "strong",
        "sub", "sup", "time", "tt", "u", "var", "wbr",
    }
)  # fmt: skip
_PARSER = lxml.etree.HTMLParser(
    remove_comments=True, remove_pis=True, no_network=True, recover=True, default_doctype=False
)


def plain_text(value: str | None, limit: int | None = None) -> str:
    """`value` (text or HTML) as plain text: no markup, entities decoded once, spaces folded.

    With `limit`, cut at a word to at most that many characters (ending in '…' when cut).
    Never raises; anything that is not a non-empty string gives "".
    """
    if not value or not isinstance(value, str):
        return ""
    text = _CONTROL.sub("", value)
    if "<" in text or "&" in text:
        text = _TAG_TEXT.sub("", _html_text(text))
    folded = " ".join(text.split())
    return cut_at_word(folded, limit) if limit is not None else folded


def _html_text(value: str) -> str:
    """The text a browser would show for the HTML fragment `value` (script content dropped)."""
    last_close = value.rfind(">")
    if "<" in value[last_close + 1 :]:  # no '>' after it: not a tag, however it looks
        value = value[: last_close + 1] + value[last_close + 1 :].replace("<", "&lt;")
    try:
        root = lxml.etree.fromstring("<html><body>" + value, _PARSER)
    except (lxml.etree.LxmlError, ValueError):
        return ""
    body = root.find("body") if root is not None else None
    if body is None:
        return ""
    parts: list[str] = []
    walker = lxml.etree.iterwalk(body, events=("start", "end"))
    for event, element in walker:
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if tag.lower() in _DROPPED:
                walker.skip_subtree()  # its "end" still comes, and takes the tail
                continue
            if tag.lower() not in _INLINE:
                parts.append(" ")
            if element.text and tag:
                parts.append(element.text)
        else:
            if tag.lower() not in _INLINE:
                parts.append(" ")
            if element is not body and element.tail:
                parts.append(element.tail)
    return _CONTROL.sub("", "".join(parts))
