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
* Entity declarations are refused before parsing. feedparser strips only some of them
  (those at the start of a line) and its loose fallback parser expands the "safe" ones it
  keeps: one 50 kB entity referenced 20,000 times made a 1 GB title, 37 s and 5 GB of
  memory. defusedxml cannot help here: feedparser builds its own SAX parser and falls back
  to a non-XML parser that defusedxml does not wrap. Like defusedxml's default
  (`forbid_entities`), we refuse any `<!ENTITY>`; a DOCTYPE without one is allowed (RSS 0.91
  names a DTD) and its DTD is never fetched (feedparser turns expat's external entities off).
* Numeric character references to characters XML forbids (&#0;, &#xD800;, &#99999999;)
  become U+FFFD: feedparser's lenient parser raised on them, losing the whole feed.
* Size caps: at most MAX_FEED_BYTES parsed, MAX_ENTRIES kept, every field capped (text cut
  at a word with an ellipsis, links too long or not http(s) dropped with their entry), and
  an entry's JSON kept under MAX_ENTRY_JSON_BYTES so it always fits in one SQS message.
* Every regular expression here runs in linear time on any input (no nested or
  overlapping repetition), because titles and author fields can be megabytes long.

Any failure is a FeedError naming the feed URL and the reason; never another exception.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import io
import re
import xml.parsers.expat
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from ..clock import iso_z
from ..errors import UrlError
from ..model import FeedEntry
from ..text.cut import cut_at_word
from ..text.decoding import decode, sniff
from ..text.names import split_names

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

_APPEARED_FIRST = re.compile(r"\s*The post .{0,400}? appeared first on .{0,200}?\.?\s*$", re.S)
_APPEARED_TAIL = 800  # the notice is at most ~630 chars: only the tail is searched
# `<[^<>]+>`, not `<[^>]+>`: the latter rescans to the end from every '<' of "<<<<...".
_TAGS = re.compile(r"<[^<>]+>")
_ENTITY_LEFT = re.compile(r"&(#\d+|#x[0-9a-f]+|[a-z]+);", re.I)
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
    "the DOCTYPE declares XML entities (<!ENTITY ...>); refused, because entity expansion "
    "(billion laughs) and external entities (XXE) are attacks and no real feed needs them"
)


class FeedError(UrlError, ValueError):
    """The bytes are not a feed we can read; names the feed URL and the problem."""


def _decode(body: bytes) -> str:
    """The feed as text, whatever its bytes claim; never raises. Undeclared means UTF-8 (XML's rule)."""
    declared = _DECLARED.match(body.lstrip()[:1100])
    codec, skip = sniff(body, declared.group(1) if declared else None, unmarked=True) or ("utf-8", 0)
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


def _subset_problem(text: str, pos: int) -> tuple[str | None, int]:
    """Scan a DOCTYPE's internal subset from just after '['; (problem, position after ']')."""
    n = len(text)
    while True:
        pos = _skip_space(text, pos)
        if pos >= n:
            return "the DOCTYPE never ends", n
        if text.startswith("]", pos):
            return None, pos + 1
        if text.startswith("<!--", pos):
            end = text.find("-->", pos + 4)
            if end < 0:
                return "a comment in the DOCTYPE never ends", n
            pos = end + 3
            continue
        if text.startswith("<?", pos):
            end = text.find("?>", pos + 2)
            if end < 0:
                return "a processing instruction in the DOCTYPE never ends", n
            pos = end + 2
            continue
        kind_match = _DECL_KIND.match(text, pos)
        if kind_match:
            kind = kind_match.group(1).upper()
            if kind == "ENTITY":
                return _ENTITY_REASON, pos
            if kind not in ("ELEMENT", "ATTLIST", "NOTATION"):
                return f"unexpected markup in the DOCTYPE: {text[pos : pos + 20]!r}", pos
            pos = kind_match.end()
            while True:
                special = _SUBSET_SPECIAL.search(text, pos)
                if special is None:
                    return "the DOCTYPE never ends", n
                pos = special.start()
                if text[pos] == ">":
                    pos += 1
                    break
                pos = _skip_quoted(text, pos)
                if pos < 0:
                    return "a quoted string in the DOCTYPE never ends", n
            continue
        if text.startswith("%", pos):
            return "the DOCTYPE uses parameter entities; refused (they load or expand other text)", pos
        return f"malformed DOCTYPE at {text[pos : pos + 20]!r}", pos


def _doctype_problem(text: str, pos: int) -> tuple[str | None, int]:
    """Scan `<!DOCTYPE ...>` from pos; (problem, position after it)."""
    pos += len("<!DOCTYPE")
    while True:
        special = _DOCTYPE_SPECIAL.search(text, pos)
        if special is None:
            return "the DOCTYPE never ends", len(text)
        pos = special.start()
        char = text[pos]
        if char == ">":
            return None, pos + 1
        if char == "[":
            problem, pos = _subset_problem(text, pos + 1)
            if problem:
                return problem, pos
            continue
        pos = _skip_quoted(text, pos)
        if pos < 0:
            return "a quoted string in the DOCTYPE never ends", len(text)


def prolog_problem(text: str) -> str | None:
    """Why this document's prolog is refused, or None.

    Two views are checked, because feedparser has two parsers: its loose parser takes entity
    declarations from everything before the first tag-like `<x`; expat takes them from the
    DOCTYPE, which a real tokenizer finds (comments, processing instructions and quoted
    strings may hide a `<x` or a `]>`). Anything in a DOCTYPE we do not understand is refused.
    """
    first = _FIRST_TAG.search(text)
    if _ENTITY_DECL.search(text, 0, first.start() if first else len(text)):
        return _ENTITY_REASON
    pos, n = 0, len(text)
    while pos < n:
        pos = _skip_space(text, pos)
        if text.startswith("<?", pos):
            end = text.find("?>", pos + 2)
            if end < 0:
                return None  # not XML at all: both parsers stop here
            pos = end + 2
        elif text.startswith("<!--", pos):
            end = text.find("-->", pos + 4)
            if end < 0:
                return None
            pos = end + 3
        elif text[pos : pos + 9].upper() == "<!DOCTYPE":
            problem, pos = _doctype_problem(text, pos)
            if problem:
                return problem
        elif text[pos : pos + 6].lower() in ("<html>", "<html ", "<html\n", "<html\t", "<html\r"):
            return "an HTML page, not a feed"
        else:
            return None  # the root element (or junk, where expat stops): the prolog is over
    return None


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


def _fold(text: str) -> str:
    return " ".join(text.split())


def clean_text(value: str | None) -> str:
    """Entities decoded (twice if the feed double-escaped), tags dropped, spaces folded."""
    if not value or not isinstance(value, str):
        return ""
    text = html.unescape(_TAGS.sub(" ", value))
    if "&" in text and _ENTITY_LEFT.search(text):
        text = html.unescape(text)
    return _fold(_NOT_XML.sub("", text))


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


def parse_feed(body: bytes, feed_url: str) -> list[FeedEntry]:
    """Parse feed bytes into entries with absolute links; FeedError when it is not a feed.

    Finishes in time linear in len(body) (capped at MAX_FEED_BYTES) and raises nothing but
    FeedError, whatever the bytes.
    """
    body = bytes(body)
    if not body.strip():
        raise FeedError(feed_url, "empty body")
    if len(body) > MAX_FEED_BYTES:
        raise FeedError(feed_url, f"feed is {len(body)} bytes, more than the {MAX_FEED_BYTES} we parse")
    text = _decode(body)
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
    try:
        # A stream, never bytes: feedparser tries open() on bytes as a file name first.
        parsed = feedparser.parse(
            io.BytesIO(data),
            sanitize_html=False,
            resolve_relative_uris=False,
            response_headers={"content-type": "application/xml; charset=utf-8"},
        )
    except Exception as exc:
        raise FeedError(feed_url, _reason("feed parser failed", exc)) from exc
    version = parsed.get("version") or ""
    if parsed.get("bozo") and not parsed.entries:
        raise FeedError(feed_url, _reason("not a readable feed", parsed.get("bozo_exception")))
    if not version and not parsed.entries:
        raise FeedError(feed_url, "not an RSS or Atom feed")
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
