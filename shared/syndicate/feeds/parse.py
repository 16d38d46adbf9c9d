"""Feed bytes -> normalized entries, safely, whatever the bytes are.

feedparser does the parsing, from the bytes we fetched ourselves (it never fetches: our
client owns the network). What we add is WordPress reality (authors in three shapes,
double-escaped titles, excerpts that end "The post X appeared first on Y") and a hard shell
around the parser, because a feed is bytes chosen by someone else:

* The bytes go to feedparser as a stream, never as `bytes`: given `bytes`, feedparser first
  tries `open()` on them as a file name, so a body of `/dev/zero` would hang the poller and
  a body naming a local feed file would be read from disk.
* We decode the bytes ourselves (`text.decoding`: BOM, UTF-16/32 sniffing, the XML
  declaration's encoding, UTF-8 with a per-byte windows-1252 fallback for feeds that say
  UTF-8 but mix in Latin-1) and hand feedparser UTF-8, so the text we screen is exactly the
  text it parses.
* Internal entity declarations (`<!ENTITY nbsp "&#160;">`, which real feeds carry) are
  expanded by us before parsing, within bounds, and the internal subset is removed: the
  parser never sees a declaration. feedparser alone cannot be trusted with them: it strips
  only some (those at the start of a line) and its loose fallback parser expands the "safe"
  ones it keeps without limit (one 50 kB entity referenced 20,000 times made a 1 GB title,
  37 s and 5 GB of memory); defusedxml cannot help, feedparser builds its own SAX parser and
  falls back to a non-XML parser. Our bounds: MAX_ENTITY_DECLARATIONS declarations, each
  expanding (nested references included) to at most MAX_ENTITY_CHARS characters, and at
  most MAX_ENTITY_EXPANSION characters added to the document in all: billion laughs and
  quadratic blowups are refused. An entity expands to text, never to elements (markup in a
  value stays text). External and parameter entities (SYSTEM, PUBLIC, `%`) are refused as
  before, except the W3C's HTML entity sets (`%HTMLlat1;`), which we know by their public
  identifier and never load (HTML_ENTITY_SETS); a DOCTYPE naming an external DTD is
  allowed (RSS 0.91 names one) and its DTD is never fetched (feedparser turns expat's
  external entities off). After expansion the
  prolog is checked again, and any `<!ENTITY` still there refuses the feed.
* The HTTP charset (the response's Content-Type) counts when the document declares none:
  a KOI8-R feed served as `application/rss+xml; charset=koi8-r` without an encoding in its
  XML declaration is KOI8-R, not mojibake.
* Numeric character references to characters XML forbids (&#0;, &#xD800;, &#99999999;)
  become U+FFFD: feedparser's lenient parser raised on them, losing the whole feed.
* Size caps: at most MAX_FEED_BYTES parsed, MAX_ENTRIES kept, every field capped (text cut
  at a word with an ellipsis, links too long or not http(s) dropped with their entry), and
  an entry's JSON kept under MAX_ENTRY_JSON_BYTES so it always fits in one SQS message.
* Every regular expression here runs in linear time on any input (no nested or
  overlapping repetition), because titles and author fields can be megabytes long.

Entry titles, summaries, tags and author names are plain text (`text.plain`): markup and
control characters removed, entities decoded once, script content dropped. A feed without
items is an empty feed (no entries, no error), as long as it is a feed.

Any failure is a FeedError naming the feed URL and the reason; never another exception.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import re
import xml.parsers.expat
from datetime import UTC, datetime
from html.entities import name2codepoint
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from ..clock import iso_z
from ..errors import UrlError
from ..model import FeedEntry
from ..text.cut import cut_at_word
from ..text.decoding import decode, sniff
from ..text.names import split_names
from ..text.plain import plain_text

#: Parsing cost is linear but not small: on a 2-core dev machine feedparser takes up to
#: ~3 s per MiB of well-formed XML and up to ~7.5 s per MiB in its lenient fallback parser
#: (deeply nested unclosed tags), and a 512 MB Lambda has about a third of a core. So: at
#: most 4 MiB is parsed, and only 1 MiB of XML that is not well-formed (checked first with
#: expat, which costs ~0.05 s/MiB). Real WordPress feeds (10 items, full text) are ~300 kB.
MAX_FEED_BYTES = 4 * 1024 * 1024
MAX_LENIENT_BYTES = 1024 * 1024
#: Attributes on one element. feedparser's strict parser looks every attribute up by a
#: linear scan (xml.sax AttributesNSImpl.getValueByQName): 200,000 attributes on one element
#: took 500 s. Real feed elements have at most ~15.
MAX_ATTRIBUTES = 64
MAX_ENTRIES = 500
MAX_URL_CHARS = 2048
MAX_GUID_CHARS = 1024
MAX_TITLE_CHARS = 1000
MAX_SUMMARY_CHARS = 5000
MAX_AUTHORS = 20
MAX_AUTHOR_CHARS = 200
MAX_TAGS = 50
MAX_TAG_CHARS = 100
#: An entry travels in one SQS message (256 KiB with the envelope); content_html is dropped
#: (not cut: half an HTML document is worse than none, and the page is extracted anyway)
#: when the entry's JSON would be larger than this.
MAX_ENTRY_JSON_BYTES = 128 * 1024
MAX_REASON_CHARS = 300
#: Internal entities: how many may be declared, how long one may expand (nested references
#: included) and how many characters expansion may add to the document in all. A real feed
#: declares a handful of one-character entities (`<!ENTITY nbsp "&#160;">`); these bounds
#: refuse billion laughs (10 levels of 10 references) and quadratic blowups (one long entity
#: referenced thousands of times) after a few kilobytes of work.
MAX_ENTITY_DECLARATIONS = 512
MAX_ENTITY_CHARS = 4096
MAX_ENTITY_EXPANSION = 1024 * 1024
#: What feedparser is told about the document we hand it (`feed_document`: always UTF-8).
PARSER_HEADERS = {"content-type": "application/xml; charset=utf-8"}

_APPEARED_FIRST = re.compile(r"\s*The post .{0,400}? appeared first on .{0,200}?\.?\s*$", re.S)
_APPEARED_TAIL = 800  # the notice is at most ~630 chars: only the tail is searched
# Characters XML 1.0 forbids (feedparser's strict parser stops at the first one) and lone
# surrogates (not encodable as UTF-8).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Numeric character references; those naming a character XML forbids (&#0;, a surrogate,
# beyond U+10FFFF) make expat give up and feedparser's lenient parser raise (chr() out of
# range, or a lone surrogate it then cannot encode), losing the whole feed for one bad byte.
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]++)|([0-9]++));")
_XML_DECL = re.compile(r"<\?xml\b[^<>]{0,1000}?\?>")
_DECLARED = re.compile(rb"""^<\?xml\b[^<>]{0,1000}?\bencoding\s*=\s*["']([A-Za-z0-9._:-]{1,64})["']""")
_SPACE = re.compile(r"\s*")
# feedparser's view of the prolog ends at the first b"<\w" (ASCII \w: these are bytes to it).
_FIRST_TAG = re.compile(r"<[A-Za-z0-9_]")
_ENTITY_DECL = re.compile(r"<!ENTITY", re.I)
# A start tag with more than MAX_ATTRIBUTES '=' signs (possessive: linear on any input).
_MANY_ATTRIBUTES = re.compile(r"<[A-Za-z_][^<>=]*+(?:=[^<>=]*+){" + str(MAX_ATTRIBUTES + 1) + "}")
_DECL_KIND = re.compile(r"<!([A-Za-z]*)")
_SUBSET_SPECIAL = re.compile(r"[\"'>]")
_DOCTYPE_SPECIAL = re.compile(r"[\"'\[>]")

_ENTITY_REASON = (
    "the DOCTYPE declares XML entities (<!ENTITY ...>) where we do not expand them; refused, "
    "because entity expansion (billion laughs) and external entities (XXE) are attacks"
)
_ENTITY_NAME = re.compile(r"[A-Za-z_:][\w.:-]{0,99}")
_CHAR_OR_ENTITY_REF = re.compile(r"&(?:#([xX][0-9a-fA-F]{1,8}|[0-9]{1,10});|([A-Za-z_:][\w.:-]{0,99});)")
_BODY_SPECIAL = re.compile(r"&|<!\[CDATA\[|<!--|<\?")
#: The W3C's HTML entity sets, which feeds pull in with `<!ENTITY % HTMLlat1 PUBLIC ...>
#: %HTMLlat1;` to write &eacute;: known by their public identifier, never loaded. All of
#: them together declare HTML 4's named characters (`html.entities.name2codepoint`).
HTML_ENTITY_SETS = frozenset(
    {
        "-//W3C//ENTITIES Latin 1 for XHTML//EN",
        "-//W3C//ENTITIES Symbols for XHTML//EN",
        "-//W3C//ENTITIES Special for XHTML//EN",
        "-//W3C//ENTITIES Latin1//EN//HTML",
        "-//W3C//ENTITIES Symbols//EN//HTML",
        "-//W3C//ENTITIES Special//EN//HTML",
    }
)
_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&apos;"))
_PREDEFINED = {"amp": "&amp;", "lt": "&lt;", "gt": "&gt;", "quot": "&quot;", "apos": "&apos;"}


class FeedError(UrlError, ValueError):
    """The bytes are not a feed we can read; names the feed URL and the problem."""


def feed_codec(body: bytes, content_type: str | None = None) -> tuple[str, int]:
    """(codec, bytes of BOM to skip) we read the feed in: a BOM, UTF-16/32 told by its zero
    bytes, the XML declaration's encoding, the HTTP charset, else UTF-8 (XML's rule)."""
    declared = _DECLARED.match(body.lstrip()[:1100])
    label = declared.group(1) if declared else None
    return sniff(body, label, unmarked=True, transport=content_type) or ("utf-8", 0)


def _decode(body: bytes, content_type: str | None = None) -> str:
    """The feed as text, whatever its bytes claim; never raises."""
    codec, skip = feed_codec(body, content_type)
    return decode(body[skip:], codec).lstrip("\ufeff \t\r\n")


def _repair_char_ref(match: re.Match[str]) -> str:
    hex_digits, digits = match.groups()
    value = (hex_digits or digits).lstrip("0") or "0"
    if len(value) > 7:  # U+10FFFF is 7 digits either way: no int() of a megabyte of digits
        return "&#xFFFD;"
    code = int(value, 16 if hex_digits else 10)
    if code > 0x10FFFF or _NOT_XML.match(chr(code)):
        return "&#xFFFD;"
    return match.group(0)


def _normalize(text: str) -> bytes:
    """UTF-8 (declared so, if it was declared at all), without characters XML forbids,
    written or referenced (those references become U+FFFD)."""
    text = _CHAR_REF.sub(_repair_char_ref, _NOT_XML.sub("", text))
    decl = _XML_DECL.match(text)
    if decl:
        text = '<?xml version="1.0" encoding="utf-8"?>' + text[decl.end() :]
    return text.encode("utf-8")


def _skip_space(text: str, pos: int) -> int:
    match = _SPACE.match(text, pos)
    return match.end() if match else pos


def _skip_quoted(text: str, pos: int) -> int:
    """Position after the quoted string starting at pos, or -1 when it never ends."""
    end = text.find(text[pos], pos + 1)
    return -1 if end < 0 else end + 1


class _Refused(Exception):
    """A reason to refuse the feed, raised while reading or expanding its DOCTYPE."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _entity_declaration(text: str, pos: int, entities: list[tuple[str, str]]) -> int:
    """Read one `<!ENTITY name "value">` from just after '<!ENTITY'; the position after it.

    Appends (name, literal value). Raises _Refused for parameter and external entities and
    for anything malformed.
    """
    after = _skip_space(text, pos)
    if after == pos:
        raise _Refused(f"malformed entity declaration in the DOCTYPE: {text[pos - 8 : pos + 20]!r}")
    pos = after
    if text.startswith("%", pos):
        return _entity_set_declaration(text, pos + 1, entities)
    name = _ENTITY_NAME.match(text, pos)
    if name is None:
        raise _Refused(f"malformed entity declaration in the DOCTYPE: {text[pos : pos + 20]!r}")
    pos = _skip_space(text, name.end())
    if text.startswith(("SYSTEM", "PUBLIC"), pos):
        raise _Refused(
            "the DOCTYPE declares an external entity (SYSTEM/PUBLIC); refused, because external "
            "entities (XXE) read files and URLs"
        )
    if pos >= len(text) or text[pos] not in "\"'":
        raise _Refused(f"malformed entity declaration in the DOCTYPE: {text[pos : pos + 20]!r}")
    end = _skip_quoted(text, pos)
    if end < 0:
        raise _Refused("a quoted string in the DOCTYPE never ends")
    literal = text[pos + 1 : end - 1]
    pos = _skip_space(text, end)
    if not text.startswith(">", pos):
        raise _Refused(f"malformed entity declaration in the DOCTYPE: {text[pos : pos + 20]!r}")
    if len(entities) >= MAX_ENTITY_DECLARATIONS:
        raise _Refused(f"the DOCTYPE declares more than {MAX_ENTITY_DECLARATIONS} entities; refused")
    entities.append((name.group(0), literal))
    return pos + 1


def _entity_set_declaration(text: str, pos: int, entities: list[tuple[str, str]]) -> int:
    """Read `<!ENTITY % name PUBLIC "public id" "system id">` from just after '%'.

    Only the W3C's HTML entity sets are accepted, by their public identifier, and nothing is
    ever loaded: we know what they declare. Their parameter entity is recorded as
    ("%name", public id); any other parameter entity is refused.
    """
    refused = _Refused("the DOCTYPE declares a parameter entity; refused (they load or expand other text)")
    name = _ENTITY_NAME.match(text, _skip_space(text, pos))
    if name is None:
        raise refused
    pos = _skip_space(text, name.end())
    if not text.startswith("PUBLIC", pos):
        raise refused
    pos = _skip_space(text, pos + len("PUBLIC"))
    if pos >= len(text) or text[pos] not in "\"'":
        raise refused
    end = _skip_quoted(text, pos)
    public_id = " ".join(text[pos + 1 : end - 1].split()) if end > 0 else ""
    if public_id not in HTML_ENTITY_SETS:
        raise refused
    pos = _skip_space(text, end)
    if pos < len(text) and text[pos] in "\"'":  # the system id: never read
        end = _skip_quoted(text, pos)
        if end < 0:
            raise _Refused("a quoted string in the DOCTYPE never ends")
        pos = _skip_space(text, end)
    if not text.startswith(">", pos):
        raise refused
    entities.append(("%" + name.group(0), public_id))
    return pos + 1


def _subset_end(text: str, pos: int, entities: list[tuple[str, str]] | None) -> int:
    """Scan a DOCTYPE's internal subset from just after '['; the position after its ']'.

    With `entities`, entity declarations are collected into it; without, any is refused.
    Anything we do not understand raises _Refused.
    """
    n = len(text)
    while True:
        pos = _skip_space(text, pos)
        if pos >= n:
            raise _Refused("the DOCTYPE never ends")
        if text.startswith("]", pos):
            return pos + 1
        if text.startswith("<!--", pos):
            end = text.find("-->", pos + 4)
            if end < 0:
                raise _Refused("a comment in the DOCTYPE never ends")
            pos = end + 3
            continue
        if text.startswith("<?", pos):
            end = text.find("?>", pos + 2)
            if end < 0:
                raise _Refused("a processing instruction in the DOCTYPE never ends")
            pos = end + 2
            continue
        kind_match = _DECL_KIND.match(text, pos)
        if kind_match:
            kind = kind_match.group(1)
            if kind.upper() == "ENTITY":
                if entities is None or kind != "ENTITY":  # XML keywords are upper case
                    raise _Refused(_ENTITY_REASON)
                pos = _entity_declaration(text, kind_match.end(), entities)
                continue
            if kind.upper() not in ("ELEMENT", "ATTLIST", "NOTATION"):
                raise _Refused(f"unexpected markup in the DOCTYPE: {text[pos : pos + 20]!r}")
            pos = kind_match.end()
            while True:
                special = _SUBSET_SPECIAL.search(text, pos)
                if special is None:
                    raise _Refused("the DOCTYPE never ends")
                pos = special.start()
                if text[pos] == ">":
                    pos += 1
                    break
                pos = _skip_quoted(text, pos)
                if pos < 0:
                    raise _Refused("a quoted string in the DOCTYPE never ends")
            continue
        if text.startswith("%", pos):
            ref = _ENTITY_NAME.match(text, pos + 1)
            name = "%" + ref.group(0) if ref and text.startswith(";", ref.end()) else ""
            if entities is None or ref is None or not any(declared == name for declared, _ in entities):
                raise _Refused("the DOCTYPE uses parameter entities; refused (they load or expand other text)")
            if len(entities) >= MAX_ENTITY_DECLARATIONS:
                raise _Refused(f"the DOCTYPE declares more than {MAX_ENTITY_DECLARATIONS} entities; refused")
            entities.append(("%", name))  # an HTML entity set, used here: its entities are declared
            pos = ref.end() + 1
            continue
        raise _Refused(f"malformed DOCTYPE at {text[pos : pos + 20]!r}")


def _doctype(text: str, pos: int, entities: list[tuple[str, str]] | None) -> tuple[int, list[tuple[int, int]]]:
    """Scan `<!DOCTYPE ...>` from pos: (position after it, spans of its internal subsets).

    Raises _Refused (see `_subset_end`).
    """
    pos += len("<!DOCTYPE")
    subsets: list[tuple[int, int]] = []
    while True:
        special = _DOCTYPE_SPECIAL.search(text, pos)
        if special is None:
            raise _Refused("the DOCTYPE never ends")
        pos = special.start()
        char = text[pos]
        if char == ">":
            return pos + 1, subsets
        if char == "[":
            end = _subset_end(text, pos + 1, entities)
            subsets.append((pos, end))
            pos = end
            continue
        pos = _skip_quoted(text, pos)
        if pos < 0:
            raise _Refused("a quoted string in the DOCTYPE never ends")


def _read_prolog(
    text: str, entities: list[tuple[str, str]] | None
) -> tuple[bool, list[tuple[int, int, list[tuple[int, int]]]]]:
    """The prolog as expat reads it: (whether the root is an HTML element, its DOCTYPEs as
    (start, end, internal subset spans)). Stops at the root element, or where XML stops.

    Raises _Refused for a DOCTYPE we do not accept (see `_subset_end` for `entities`).
    """
    doctypes: list[tuple[int, int, list[tuple[int, int]]]] = []
    pos, n = 0, len(text)
    while pos < n:
        pos = _skip_space(text, pos)
        if text.startswith("<?", pos):
            end = text.find("?>", pos + 2)
            if end < 0:
                break  # not XML at all: both parsers stop here
            pos = end + 2
        elif text.startswith("<!--", pos):
            end = text.find("-->", pos + 4)
            if end < 0:
                break
            pos = end + 3
        elif text[pos : pos + 9].upper() == "<!DOCTYPE":
            end, subsets = _doctype(text, pos, entities)
            doctypes.append((pos, end, subsets))
            pos = end
        else:
            html = text[pos : pos + 6].lower() in ("<html>", "<html ", "<html\n", "<html\t", "<html\r")
            return html, doctypes  # the root element (or junk, where expat stops): the prolog is over
    return False, doctypes


def _escape(text: str) -> str:
    """Text as XML character data, safe in element content and in either kind of attribute quote."""
    for char, reference in _ESCAPES:
        text = text.replace(char, reference)
    return text


def _char_ref(digits: str) -> str:
    """The character a reference's digits (`x2019` or `8217`) name; U+FFFD for one XML forbids."""
    code = int(digits[1:], 16) if digits[0] in "xX" else int(digits)
    if code > 0x10FFFF or _NOT_XML.match(chr(code)):
        return "\ufffd"
    return chr(code)


class _Entities:
    """Declared internal entities, each expanded (on first use, nested references included)
    to XML that stands for its text: markup in a value stays text, so an entity can neither
    add elements nor break out of an attribute's quotes."""

    def __init__(self, entities: list[tuple[str, str]]) -> None:
        self._replacement: dict[str, str] = {}
        for name, literal in entities:
            if name == "%":  # a W3C HTML entity set referenced here: its entities are declared now
                for html_name, codepoint in name2codepoint.items():
                    self._replacement.setdefault(html_name, chr(codepoint))
                continue
            if name.startswith("%") or name in _PREDEFINED or name in self._replacement:
                continue  # XML: the first declaration binds; the five predefined keep their meaning
            if "%" in literal:
                raise _Refused("an entity value in the DOCTYPE refers to a parameter entity; refused")
            if len(literal) > MAX_ENTITY_CHARS:
                raise _Refused(self._too_long(name))
            # Character references are replaced when the entity is declared (XML 4.5)...
            self._replacement[name] = _CHAR_OR_ENTITY_REF.sub(
                lambda m: _char_ref(m.group(1)) if m.group(1) else m.group(0), literal
            )
        self._expanded: dict[str, str] = {}

    @staticmethod
    def _too_long(name: str) -> str:
        return (
            f"the DOCTYPE's entities expand too far: {name!r} is over {MAX_ENTITY_CHARS} characters; "
            "refused (entity expansion such as billion laughs)"
        )

    def __contains__(self, name: str) -> bool:
        return name in self._replacement

    def expand(self, name: str, active: tuple[str, ...] = ()) -> str:
        """The XML that `&name;` stands for; raises _Refused when too long or recursive."""
        done = self._expanded.get(name)
        if done is not None:
            return done
        if name in active:
            raise _Refused(f"the DOCTYPE's entities refer to themselves ({name!r}); refused")
        # ...and the replacement text is read again where the entity is used: references in it
        # (including those the first pass produced) are expanded then.
        text = self._replacement[name]
        out: list[str] = []
        size = last = 0
        for match in _CHAR_OR_ENTITY_REF.finditer(text):
            ref = match.group(2)
            if match.group(1):
                piece = _escape(_char_ref(match.group(1)))
            elif ref in _PREDEFINED:
                piece = _PREDEFINED[ref]
            elif ref in self._replacement:
                piece = self.expand(ref, (*active, name))
            else:
                piece = match.group(0)  # undeclared: left to the parser, as in the document itself
            out += (_escape(text[last : match.start()]), piece)
            size += match.start() - last + len(piece)
            if size > MAX_ENTITY_CHARS:
                raise _Refused(self._too_long(name))
            last = match.end()
        out.append(_escape(text[last:]))
        expanded = "".join(out)
        if len(expanded) > MAX_ENTITY_CHARS:
            raise _Refused(self._too_long(name))
        self._expanded[name] = expanded
        return expanded


def _substitute(text: str, start: int, entities: _Entities) -> str:
    """text[start:] with references to declared entities expanded; not inside CDATA sections,
    comments or processing instructions, where '&' is only a character."""
    out: list[str] = []
    pos = last = start
    added = 0
    while True:
        special = _BODY_SPECIAL.search(text, pos)
        if special is None:
            break
        if special.group(0) == "&":
            ref = _ENTITY_NAME.match(text, special.end())
            if ref is None or not text.startswith(";", ref.end()) or ref.group(0) not in entities:
                pos = special.end()
                continue
            value = entities.expand(ref.group(0))
            out += (text[last : special.start()], value)
            added += len(value)
            if added > MAX_ENTITY_EXPANSION:
                raise _Refused(
                    f"the DOCTYPE's entities expand the feed by more than {MAX_ENTITY_EXPANSION} characters; "
                    "refused (entity expansion such as a quadratic blowup)"
                )
            pos = last = ref.end() + 1
        else:
            closer = {"<![CDATA[": "]]>", "<!--": "-->", "<?": "?>"}[special.group(0)]
            end = text.find(closer, special.end())
            if end < 0:
                break
            pos = end + len(closer)
    out.append(text[last:])
    return "".join(out)


def expand_entities(text: str) -> str:
    """The document with its internal entities expanded and its DOCTYPE's internal subset removed.

    Unchanged when its DOCTYPE declares no entity. Raises _Refused for what we do not expand
    (external and parameter entities, anything over the MAX_ENTITY_* bounds, a DOCTYPE we
    cannot read).
    """
    declared: list[tuple[str, str]] = []
    _, doctypes = _read_prolog(text, declared)
    if not declared:
        return text
    entities = _Entities(declared)
    kept, cut = [], 0
    for _, _, subsets in doctypes:
        for subset_start, subset_end in subsets:
            kept.append(text[cut:subset_start])
            cut = subset_end
    end = doctypes[-1][1]
    kept.append(text[cut:end])
    return "".join(kept) + _substitute(text, end, entities)


def prolog_problem(text: str) -> str | None:
    """Why this document's prolog is refused, or None.

    Two views are checked, because feedparser has two parsers: its loose parser takes entity
    declarations from everything before the first tag-like `<x`; expat takes them from the
    DOCTYPE, which a real tokenizer finds (comments, processing instructions and quoted
    strings may hide a `<x` or a `]>`). Anything in a DOCTYPE we do not understand is refused,
    and so is any entity declaration: by now `expand_entities` has expanded and removed them.
    """
    first = _FIRST_TAG.search(text)
    if _ENTITY_DECL.search(text, 0, first.start() if first else len(text)):
        return _ENTITY_REASON
    try:
        html, _ = _read_prolog(text, None)
    except _Refused as refused:
        return refused.reason
    return "an HTML page, not a feed" if html else None


def attribute_problem(text: str) -> str | None:
    """Why the document is refused for an element with too many attributes, or None.

    Only markup counts: CDATA sections (HTML content, where a tag with many query-string
    '=' signs is harmless text to the XML parser) are skipped.
    """
    pos = 0
    while True:
        cdata = text.find("<![CDATA[", pos)
        if _MANY_ATTRIBUTES.search(text, pos, cdata if cdata >= 0 else len(text)):
            return f"an element has more than {MAX_ATTRIBUTES} attributes; refused (no feed needs them)"
        if cdata < 0:
            return None
        end = text.find("]]>", cdata + 9)
        if end < 0:
            return None
        pos = end + 3


def _xml_error(data: bytes) -> str | None:
    """expat's complaint about the document (namespaces on, like feedparser), or None.

    No handlers are set, so nothing is built or fetched: this only walks the bytes.
    """
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        return str(exc)
    return None


def clean_text(value: str | None) -> str:
    """A feed field (text or HTML) as plain text: see `text.plain.plain_text`."""
    return plain_text(value)


def entry_authors(entry: Any) -> list[str]:
    """All authors of an entry: repeated dc:creator, one joined string, or the first only.

    At most MAX_AUTHORS, each at most MAX_AUTHOR_CHARS (longer is not a name: dropped).
    """
    raw: list[str] = []
    for author in entry.get("authors") or []:
        name = author.get("name") if isinstance(author, dict) else None
        if name and isinstance(name, str):
            raw.append(name)
    if not raw and isinstance(entry.get("author"), str) and entry["author"]:
        raw.append(entry["author"])
    names: list[str] = []
    seen: set[str] = set()
    for value in raw:
        for name in split_names(clean_text(value)):  # cleaned first: an entity's & or ; is no separator
            key = name.casefold()
            if len(name) <= MAX_AUTHOR_CHARS and key not in seen:
                seen.add(key)
                names.append(name)
                if len(names) == MAX_AUTHORS:
                    return names
    return names


def _iso(parsed: Any) -> str | None:
    if not parsed:
        return None
    try:
        stamp = datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    except (OverflowError, ValueError, OSError, TypeError):
        return None
    if not 1990 <= stamp.year <= 2100:
        return None
    return iso_z(stamp)


def _summary(entry: Any) -> str | None:
    text = clean_text(entry.get("summary"))
    head, tail = text[:-_APPEARED_TAIL], text[-_APPEARED_TAIL:]
    text = (head + _APPEARED_FIRST.sub("", tail)).strip()
    return cut_at_word(text, MAX_SUMMARY_CHARS) or None


def _entry_url(link: str, feed_url: str) -> str | None:
    """The absolute http(s) link, or None for one the pipeline could not fetch or key."""
    link = link.strip().replace(" ", "%20")
    if not link or len(link) > MAX_URL_CHARS or _NOT_XML.search(link) or any(c.isspace() for c in link):
        return None
    try:
        url = urljoin(feed_url, link)
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not one
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > MAX_URL_CHARS:
        return None
    return url


def _guid(value: Any) -> str | None:
    """The entry id; one too long to store is replaced by its digest (stable, still unique)."""
    if not isinstance(value, str) or not value.strip():
        return None
    value = _NOT_XML.sub("", value.strip())
    if len(value) > MAX_GUID_CHARS:
        return "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()
    return value


def _build_entry(raw: Any, feed_url: str) -> FeedEntry | None:
    link = raw.get("link") or ""
    if not link and raw.get("guidislink"):
        link = raw.get("id") or ""
    url = _entry_url(link, feed_url) if isinstance(link, str) else None
    if url is None:
        return None
    content = None
    for item in raw.get("content") or []:
        if isinstance(item, dict) and isinstance(item.get("value"), str) and item["value"]:
            content = _NOT_XML.sub("", item["value"])
            break
    tags: list[str] = []
    for tag in raw.get("tags") or []:
        term = clean_text(tag.get("term")) if isinstance(tag, dict) else ""
        if term and len(term) <= MAX_TAG_CHARS and term not in tags:
            tags.append(term)
            if len(tags) == MAX_TAGS:
                break
    entry = FeedEntry(
        url=url,
        guid=_guid(raw.get("id")),
        title=cut_at_word(clean_text(raw.get("title")), MAX_TITLE_CHARS),
        authors=entry_authors(raw),
        published=_iso(raw.get("published_parsed")),
        updated=_iso(dict.get(raw, "updated_parsed")),  # plain dict.get: no fallback to published
        summary=_summary(raw),
        content_html=content,
        tags=tags,
    )
    if content is not None and len(entry.model_dump_json().encode("utf-8")) > MAX_ENTRY_JSON_BYTES:
        entry = entry.model_copy(update={"content_html": None})
    return entry


def feed_document(body: bytes, feed_url: str, content_type: str | None = None) -> bytes:
    """The bytes feedparser gets for a feed: UTF-8, internal entities expanded, checked.

    FeedError when the feed is refused before parsing (size, prolog, entities, attributes,
    or too large to parse leniently when not well-formed).
    """
    body = bytes(body)
    if not body.strip():
        raise FeedError(feed_url, "empty body")
    if len(body) > MAX_FEED_BYTES:
        raise FeedError(feed_url, f"feed is {len(body)} bytes, more than the {MAX_FEED_BYTES} we parse")
    try:
        text = expand_entities(_decode(body, content_type))
    except _Refused as refused:
        raise FeedError(feed_url, refused.reason) from None
    problem = prolog_problem(text) or attribute_problem(text)
    if problem:
        raise FeedError(feed_url, problem)
    data = _normalize(text)
    if len(data) > MAX_LENIENT_BYTES:
        error = _xml_error(data)
        if error:
            raise FeedError(
                feed_url,
                _reason(f"not well-formed XML and, at {len(data)} bytes, too large for the lenient parser", error),
            )
    return data


def parse_feed(body: bytes, feed_url: str, content_type: str | None = None) -> list[FeedEntry]:
    """Parse feed bytes into entries with absolute links; FeedError when it is not a feed.

    `content_type` is the response's Content-Type header: its charset is used when the
    document declares no encoding. A feed without items gives []. Finishes in time linear
    in len(body) (capped at MAX_FEED_BYTES) and raises nothing but FeedError, whatever the bytes.
    """
    try:
        # A stream, never bytes: feedparser tries open() on bytes as a file name first.
        parsed = feedparser.parse(
            io.BytesIO(feed_document(body, feed_url, content_type)),
            sanitize_html=False,
            resolve_relative_uris=False,
            response_headers=PARSER_HEADERS,
        )
    except FeedError:
        raise
    except Exception as exc:
        raise FeedError(feed_url, _reason("feed parser failed", exc)) from exc
    version = parsed.get("version") or ""
    if not version and not parsed.entries:
        if parsed.get("bozo"):
            raise FeedError(feed_url, _reason("not a readable feed", parsed.get("bozo_exception")))
        raise FeedError(feed_url, "not an RSS or Atom feed")
    # A feed with no items (a new blog, an emptied category) is empty, not failed, even when
    # feedparser complains on the way (an undeclared &eacute; in the channel's title).
    entries: list[FeedEntry] = []
    for raw in parsed.entries:
        entry = _build_entry(raw, feed_url)
        if entry is not None:
            entries.append(entry)
            if len(entries) == MAX_ENTRIES:
                break
    return entries


def _reason(what: str, exc: object) -> str:
    detail = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"
    return cut_at_word(f"{what}: {detail}", MAX_REASON_CHARS)
