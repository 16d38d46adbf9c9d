"""A field that may hold HTML -> its plain text: one rule for titles, summaries, tags and names.

Feeds and pages hand us titles, descriptions, categories and author names that are
sometimes HTML ("Trade &amp; aid", "<em>Belt</em> and Road"), sometimes plain text, and
sometimes hostile (`<img src=x onerror=...>`, `<script>` in a `dc:creator`). JSON Feed's
`title`, `summary`, `tags` and author `name` are plain text; what we publish in them carries
no markup, so that even a site that puts them into a page without escaping gets none from us.

The rule, in order:

1. The value is read as an HTML fragment by nh3 (html5ever, the parser browsers follow),
   keeping no tag at all: tags go, their text stays, and the content of script, style and
   the other elements whose content is not text to a reader (template, iframe, noscript,
   ...) is dropped with them. Block boundaries (p, br, li, ...) become spaces.
2. Entities are decoded exactly once (nh3 re-escapes the text it keeps; we unescape that),
   or not at all for a value that is text already (`html=False`).
3. Control characters (C0/C1 except whitespace), lone surrogates and non-characters are
   removed.
4. Markup that survives as text (it was escaped twice in the source, or sat in a raw-text
   element such as textarea) is markup all the same: complete tags are removed, and a `<`
   that would still open a tag gets a space after it, so no HTML parser can see a tag in
   the result, even when someone concatenates it into a page without escaping.
5. Whitespace is folded to single spaces.
6. With `max_len`, the text is cut at a word with an ellipsis (`text.cut.cut_at_word`).
"""

from __future__ import annotations

import re
from html import unescape

import nh3

from .cut import cut_at_word

#: Elements whose content is not text a reader sees: dropped with the element.
HIDDEN_CONTENT_TAGS = frozenset(
    {"script", "style", "template", "iframe", "noscript", "noembed", "noframes", "head"}
)

# A space before each block-level tag, so "<p>a</p><p>b</p>" reads "a b", not "ab". The
# space may land inside an attribute value or a dropped element: harmless there.
_BLOCK_TAG = re.compile(
    r"<(?=/?(?:p|br|div|li|ul|ol|dl|dt|dd|h[1-6]|tr|td|th|table|blockquote|section|article|header|"
    r"footer|aside|nav|figure|figcaption|hr|pre|address)\b)",
    re.IGNORECASE,
)
# A complete tag, comment, declaration or processing instruction left as text.
_TAG_TEXT = re.compile(r"<[A-Za-z/!?][^<>]*>")
# What would still open a tag: '<' then a letter, '/', '!' or '?'.
_TAG_OPEN = re.compile(r"<(?=[A-Za-z/!?])")
# C0 and C1 controls (tab, newline and carriage return are whitespace and fold below),
# lone surrogates (they cannot be encoded as UTF-8) and the non-characters U+FFFE/U+FFFF.
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def plain_text(value: object, max_len: int | None = None, *, html: bool = True) -> str:
    """The plain text of a field that may hold HTML: no markup, no control characters,
    entities decoded once, script and style content dropped, whitespace folded.

    `html=False` is for a value that is text already (a parser decoded it: an element's text,
    an attribute, a JSON string, a field this function produced): its entities are not
    decoded again ("Q&amp;A" stays), but markup in it is removed all the same. That form is
    idempotent, so a later stage may apply it again as a guard without decoding twice.

    Anything that is not a string (None, a number a feed put in a tag) gives "". With
    `max_len`, the result is at most that many characters, cut at a word and ending in '…'.
    """
    if not isinstance(value, str) or not value:
        return ""
    value = _SURROGATE.sub("", value)  # lone surrogates cannot reach the parser (not UTF-8)
    text = value if html else value.replace("&", "&amp;")  # text: '&' means '&', not an entity
    if "<" in text or "&" in text:
        text = nh3.clean(
            _BLOCK_TAG.sub(" <", text),
            tags=set(),
            clean_content_tags=set(HIDDEN_CONTENT_TAGS),
            attributes={},
            strip_comments=True,
        )
        text = unescape(text)
    text = _CONTROL.sub("", text)  # before the tag check: "<\x85a" must not become "<a" after it
    if "<" in text:
        for _ in range(3):  # "<<b>b>" leaves "<b>" behind; bounded, the next line catches the rest
            text, removed = _TAG_TEXT.subn(" ", text)
            if not removed:
                break
        text = _TAG_OPEN.sub("< ", text)
    text = " ".join(text.split())
    if max_len is not None:
        text = cut_at_word(text, max_len)
    return text
