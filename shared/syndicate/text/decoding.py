"""Bytes chosen by someone else -> text, the one way feeds and pages both use.

The order is the one browsers and XML parsers agree on: a byte-order mark wins; then (XML
only) UTF-16/32 recognised from the zero bytes around the first `<`; then the document's own
declaration, which the caller reads (a feed's `<?xml encoding=...?>`, a page's `<meta
charset>`) and hands in as a label; then the charset of the HTTP Content-Type (`transport`),
which is how many servers label KOI8-R, windows-1251 or Shift_JIS documents that declare
nothing themselves. The document's own word comes first: the header is a server-wide default
more often than the document's is. For the same reason a transport label never turns a body
that is valid UTF-8 with non-ASCII text into mojibake (a server saying iso-8859-1 for
everything): such a body is UTF-8. A label counts only if it names an encoding that spells
markup in ASCII: an 8-bit file claiming UTF-16 is wrong about itself, and UTF-7 can hide
markup in `+ADw-`. Labels for Latin-1 and ASCII mean windows-1252, as in every browser (the
WHATWG Encoding Standard): files that say latin-1 carry curly quotes in 0x80-0x9F.

UTF-8 is decoded with a per-byte windows-1252 fallback (the 'syndicate-cp1252' error
handler, registered when this module is imported): a feed or page that says UTF-8 but mixes
in Latin-1 (an old post, a pasted title) keeps its é instead of losing it to U+FFFD, and the
valid UTF-8 around it stays UTF-8.
"""

from __future__ import annotations

import codecs
import re

#: The name of the error handler that reads each byte that is not UTF-8 as windows-1252.
CP1252_FALLBACK = "syndicate-cp1252"

_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_UNMARKED = (  # XML 1.0 appendix F: the first character is '<'
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)
_REFUSED = {"utf-7"}  # markup may hide in +ADw-...: nobody serves documents in it legitimately
_WINDOWS_1252 = {"iso8859-1", "ascii", "cp1252"}  # codecs.lookup() names of latin-1/ascii/cp1252 labels
_PROBE = "<?xml version='1.0'?><meta charset=x>"
# `charset=koi8-r`, `charset = "us-ascii"`, `charset='gb2312'` among a Content-Type's parameters.
_CHARSET_PARAM = re.compile(r"""(?:^|;)\s*charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,64})""", re.I)


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    """The bytes UTF-8 rejected, read as windows-1252 (undefined bytes become U+FFFD)."""
    assert isinstance(error, UnicodeDecodeError)
    bad = error.object[error.start : error.end]
    return bad.decode("cp1252", errors="replace"), error.end


codecs.register_error(CP1252_FALLBACK, _cp1252_fallback)


def bom(data: bytes) -> tuple[str, int] | None:
    """(codec, length of the mark) when `data` starts with a byte-order mark, else None."""
    for mark, codec in _BOMS:
        if data.startswith(mark):
            return codec, len(mark)
    return None


def unmarked_unicode(data: bytes) -> str | None:
    """UTF-16/32 without a BOM, told by the zero bytes around a leading `<` (XML's rule)."""
    for head, codec in _UNMARKED:
        if data.startswith(head):
            return codec
    return None


def codec_for_label(label: str | bytes | None) -> str | None:
    """The Python codec a declared charset label means, or None when it is not to be trusted.

    None for unknown labels, for encodings that do not spell markup in ASCII (a declaration
    read from ASCII bytes cannot be UTF-16) and for UTF-7; latin-1 and ASCII mean cp1252.
    """
    if not label:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", errors="replace")
    try:
        codec = codecs.lookup(label.strip()).name
    except LookupError:
        return None
    if codec in _REFUSED:
        return None
    if codec == "utf-8-sig":  # a BOM, if any, was already seen: the same rules as UTF-8
        return "utf-8"
    if codec in _WINDOWS_1252:
        return "cp1252"
    try:
        compatible = _PROBE.encode("ascii").decode(codec) == _PROBE
    except (UnicodeError, LookupError):
        compatible = False
    return codec if compatible else None


def charset_param(content_type: str | None) -> str | None:
    """The charset label of an HTTP Content-Type value (`text/xml; charset="koi8-r"`), or None."""
    if not content_type or not isinstance(content_type, str):
        return None
    _, _, params = content_type[:1000].partition(";")
    found = _CHARSET_PARAM.search(";" + params)
    return found.group(1) if found else None


def transport_codec(data: bytes, content_type: str | None) -> str | None:
    """The codec the HTTP Content-Type's charset names for `data`, or None.

    None when there is no usable charset. UTF-8 when the body is valid UTF-8 with non-ASCII
    text although the header names another encoding: that header is a server default (no
    legacy-encoded text of any length is valid UTF-8 by accident).
    """
    codec = codec_for_label(charset_param(content_type))
    if codec is None or codec == "utf-8":
        return codec
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return codec
        return "utf-8"
    return codec


def sniff(
    data: bytes, declared: str | bytes | None = None, *, unmarked: bool = False, transport: str | None = None
) -> tuple[str, int] | None:
    """(codec, bytes to skip) from what the document and its response say about it, or None.

    A BOM first; then, with `unmarked` (XML), UTF-16/32 without one; then the `declared`
    label, which the caller read from its own kind of declaration; then the charset of the
    HTTP Content-Type `transport` (see `transport_codec`).
    """
    found = bom(data)
    if found:
        return found
    if unmarked:
        codec = unmarked_unicode(data)
        if codec:
            return codec, 0
    codec = codec_for_label(declared) or transport_codec(data, transport)
    return (codec, 0) if codec else None


def decode(data: bytes, codec: str) -> str:
    """`data` as text in `codec`; never raises.

    UTF-8 reads stray bytes as windows-1252 one by one; other codecs replace what they cannot
    read with U+FFFD; a codec that fails outright (a truncated UTF-32 tail) falls back to UTF-8.
    """
    errors = CP1252_FALLBACK if codec in ("utf-8", "utf8") else "replace"
    try:
        return data.decode(codec, errors=errors)
    except (UnicodeError, LookupError):
        return data.decode("utf-8", errors=CP1252_FALLBACK)
