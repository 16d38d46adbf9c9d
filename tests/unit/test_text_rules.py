"""The text rules feeds, pages and records share: decoding, name splitting, cutting at a word,
the plain text of a field that may hold HTML."""

from __future__ import annotations

import codecs

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syndicate.extract.article import decode_page
from syndicate.text.cut import cut_at_word
from syndicate.text.decoding import (
    CP1252_FALLBACK,
    bom,
    charset_param,
    codec_for_label,
    decode,
    sniff,
    transport_codec,
    unmarked_unicode,
)
from syndicate.text.names import split_names
from syndicate.text.plain import plain_text

# --- decoding ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (codecs.BOM_UTF8 + b"<a/>", ("utf-8", 3)),
        (codecs.BOM_UTF16_LE + "<a/>".encode("utf-16-le"), ("utf-16-le", 2)),
        (codecs.BOM_UTF16_BE + "<a/>".encode("utf-16-be"), ("utf-16-be", 2)),
        (codecs.BOM_UTF32_LE + "<a/>".encode("utf-32-le"), ("utf-32-le", 4)),  # not UTF-16's BOM + NULs
        (codecs.BOM_UTF32_BE + "<a/>".encode("utf-32-be"), ("utf-32-be", 4)),
        (b"<a/>", None),
    ],
)
def test_bom_names_codec_and_length(data: bytes, expected: tuple[str, int] | None) -> None:
    assert bom(data) == expected


def test_unmarked_unicode_is_told_by_the_zero_bytes_around_the_first_tag() -> None:
    assert unmarked_unicode("<rss>".encode("utf-16-le")) == "utf-16-le"
    assert unmarked_unicode("<rss>".encode("utf-16-be")) == "utf-16-be"
    assert unmarked_unicode("<rss>".encode("utf-32-le")) == "utf-32-le"
    assert unmarked_unicode("<rss>".encode("utf-32-be")) == "utf-32-be"
    assert unmarked_unicode(b"<rss>") is None


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("UTF-8", "utf-8"),
        (b"utf8", "utf-8"),
        ("utf-8-sig", "utf-8"),
        ("ISO-8859-1", "cp1252"),  # browsers read latin-1 as windows-1252
        ("latin1", "cp1252"),
        ("us-ascii", "cp1252"),
        ("windows-1252", "cp1252"),
        ("iso-8859-2", "iso8859-2"),
        ("koi8-r", "koi8-r"),
        ("utf-16", None),  # declared in ASCII bytes: cannot be true
        ("utf-32-le", None),
        ("utf-7", None),  # markup can hide in +ADw-
        ("no-such-charset", None),
        ("", None),
        (None, None),
    ],
)
def test_codec_for_label(label: str | bytes | None, expected: str | None) -> None:
    assert codec_for_label(label) == expected


def test_sniff_order_is_bom_then_unmarked_then_declaration() -> None:
    marked = codecs.BOM_UTF8 + b"<?xml version='1.0' encoding='iso-8859-2'?>"
    assert sniff(marked, "iso-8859-2") == ("utf-8", 3)
    utf16 = "<rss/>".encode("utf-16-le")
    assert sniff(utf16, "iso-8859-2", unmarked=True) == ("utf-16-le", 0)
    assert sniff(utf16, "iso-8859-2") == ("iso8859-2", 0), "pages do not sniff unmarked UTF-16"
    assert sniff(b"<rss/>", "utf-16") is None, "an impossible declaration is no declaration"
    assert sniff(b"<rss/>") is None


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("application/rss+xml; charset=koi8-r", "koi8-r"),
        ('text/xml;charset= "us-ascii"', "us-ascii"),
        ("text/xml;charset = us-ascii", "us-ascii"),
        ("application/atom+xml; charset='gb2312'", "gb2312"),
        ("text/html; CHARSET=Shift_JIS; foo=bar", "Shift_JIS"),
        ("text/html; foo=bar; charset=windows-1251", "windows-1251"),
        ("text/xml; charset:iso-8859-1", None),  # not a parameter
        ("text/xml; xcharset=koi8-r", None),
        ("text/xml", None),
        ("", None),
        (None, None),
    ],
)
def test_charset_param(content_type: str | None, expected: str | None) -> None:
    assert charset_param(content_type) == expected


def test_transport_codec_trusts_the_header_unless_the_body_is_clearly_utf8() -> None:
    russian = "Пекин".encode("koi8-r")
    assert transport_codec(russian, "text/xml; charset=koi8-r") == "koi8-r"
    assert transport_codec(b"<rss/>", "text/xml; charset=koi8-r") == "koi8-r"  # ASCII so far: no evidence
    assert transport_codec("Zürich".encode(), "text/xml; charset=iso-8859-1") == "utf-8"  # a server default
    assert transport_codec("Zürich".encode("latin-1"), "text/xml; charset=iso-8859-1") == "cp1252"
    assert transport_codec(russian, "text/xml; charset=utf-16") is None  # 8-bit bytes cannot be UTF-16
    assert transport_codec(russian, "text/xml") is None


def test_sniff_takes_the_http_charset_after_the_document_s_own_word() -> None:
    body = "<rss>Пекин</rss>".encode("koi8-r")
    assert sniff(body, None, unmarked=True, transport="text/xml; charset=koi8-r") == ("koi8-r", 0)
    assert sniff(body, "windows-1251", unmarked=True, transport="text/xml; charset=koi8-r") == ("cp1251", 0)
    assert sniff(codecs.BOM_UTF8 + body, None, transport="text/xml; charset=koi8-r") == ("utf-8", 3)
    assert sniff(body, "no-such-charset", transport="text/xml; charset=koi8-r") == ("koi8-r", 0)


def test_pages_use_the_http_charset_when_they_declare_none() -> None:
    text = "<html><body><p>Новости: Пекин ждёт</p></body></html>"
    url = "https://example.org/a/"
    assert decode_page(text.encode("cp1251"), url, "text/html; charset=windows-1251") == text
    declared = text.replace("<body>", "<head><meta charset='koi8-r'></head><body>")
    assert decode_page(declared.encode("koi8-r"), url, "text/html; charset=windows-1251") == declared
    assert decode_page(text.encode(), url, "text/html; charset=iso-8859-1") == text  # UTF-8 despite the header


def test_utf8_with_stray_latin1_bytes_keeps_both() -> None:
    data = "naïve 日本 ".encode() + b"caf\xe9 \x93quoted\x94 \x81"
    assert decode(data, "utf-8") == "naïve 日本 café “quoted” \ufffd"
    assert data.decode("utf-8", errors=CP1252_FALLBACK) == decode(data, "utf-8")


def test_decode_never_raises() -> None:
    assert decode(b"<a>\xff</a>", "cp1252") == "<a>ÿ</a>"
    assert decode(b"\x00\x00\x00<\x00", "utf-32-be").startswith("<")  # truncated tail replaced
    assert decode(b"<a/>", "no-such-codec") == "<a/>"


# --- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Lukas Fiala and Hugo Jones", ["Lukas Fiala", "Hugo Jones"]),
        ("Ana Li, Bo Chen and Cy Wu", ["Ana Li", "Bo Chen", "Cy Wu"]),
        ("Ana Li; Bo Chen", ["Ana Li", "Bo Chen"]),  # trafilatura's author field
        ("A. Smith / B. Jones", ["A. Smith", "B. Jones"]),
        ("A/B", ["A", "B"]),
        ("A & B", ["A", "B"]),
        ("Lukas Fiala and Hugo Jones.", ["Lukas Fiala", "Hugo Jones"]),  # a sentence's full stop
        ("  Ana \n Li ,, , Bo  Chen ", ["Ana Li", "Bo Chen"]),
        ("Jean-Paul Sartre", ["Jean-Paul Sartre"]),
        ("Alexander Brandt", ["Alexander Brandt"]),  # 'and' only as a word
        ("", []),
        (None, []),
    ],
)
def test_split_names(value: str | None, expected: list[str]) -> None:
    assert split_names(value) == expected


# --- cutting at a word ---------------------------------------------------------------------------


def test_text_that_fits_is_only_folded() -> None:
    assert cut_at_word("  a  short\ntext ", 20) == "a short text"


def test_cut_goes_to_the_last_word_within_the_limit() -> None:
    text = "one two three four five six"
    assert cut_at_word(text, 12) == "one two…"
    assert cut_at_word(text, 14) == "one two three…"  # a space at the limit: the word before it fits


def test_cut_drops_dangling_clause_punctuation() -> None:
    assert cut_at_word("Beijing watched, waited; and then spoke", 20) == "Beijing watched…"


def test_cut_never_exceeds_the_limit_and_keeps_most_of_a_giant_word() -> None:
    text = "a " + "x" * 100
    cut = cut_at_word(text, 50)
    assert len(cut) == 50 and cut.endswith("…") and cut.startswith("a xxx")
    assert all(len(cut_at_word("word " * 50, n)) <= n for n in range(2, 120))


# --- plain text of a possibly-HTML field ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Trade &amp; aid", "Trade & aid"),  # entities decoded...
        ("AT&amp;amp;T", "AT&amp;T"),  # ...once
        ("AT&T and R&D", "AT&T and R&D"),  # a bare ampersand is text
        ("<em>Belt</em> and Road", "Belt and Road"),
        ("<p>one</p><p>two</p>", "one two"),  # block boundaries are spaces
        ("a<br>b", "a b"),
        ("T<script>alert(1)</script>", "T"),  # script content dropped, not kept as text
        ("T<style>p{}</style>", "T"),
        ("<img src=x onerror=alert(1)>Summary", "Summary"),
        ("tag <svg onload=alert(1)>x</svg>", "tag x"),  # the element goes, its text stays
        ("<svg><script>alert(1)</script><style>s</style></svg>Ports", "Ports"),
        ("T&lt;script&gt;", "T"),  # decoded once it is a tag: markup, removed
        ("T&amp;lt;script&amp;gt;", "T&lt;script&gt;"),  # decoded once it is text that says so
        ("&#x3C;img src=x onerror=alert(1)&#x3E;x", "x"),
        ("<textarea><img src=x onerror=1></textarea>ok", "ok"),  # raw text that is a tag
        ("<!-- a comment -->y", "y"),
        ("x < y and 3 > 2", "x < y and 3 > 2"),  # comparison signs are text
        ("a\x00b\x1bc\x85d\ud800e\uffff", "abcde"),  # control characters, a lone surrogate
        ("  Jean\u00a0Paul \n\t Sartre ", "Jean Paul Sartre"),
        ("", ""),
        (None, ""),
        (42, ""),
    ],
)
def test_plain_text(value: object, expected: str) -> None:
    assert plain_text(value) == expected


def test_plain_text_cuts_at_a_word_to_max_len() -> None:
    text = plain_text("<p>" + "word " * 100 + "</p>", 30)
    assert len(text) <= 30 and text.endswith("…") and text.startswith("word word")
    assert plain_text("<b>short</b>", 30) == "short"


def test_plain_text_leaves_nothing_that_opens_a_tag() -> None:
    """Markup escaped twice, or nested to survive one pass, never comes out as a tag."""
    for value in ("<<b>b>x", "&lt;&lt;b&gt;img src=x onerror=1&gt;", "&lt;img src=x onerror=alert(1)", "x<y"):
        out = plain_text(value)
        assert lxml.html.fragment_fromstring(out or " ", create_parent="div").getchildren() == [], (value, out)
        assert "<img" not in out and "<b" not in out


_MARKUP_ALPHABET = st.sampled_from(list("<>/!?&#;=\"' abimgscrptlxyz0123\x00\x85\u2028"))


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=_MARKUP_ALPHABET, max_size=60), st.integers(2, 40))
def test_plain_text_is_markup_free_and_within_its_limit(value: str, limit: int) -> None:
    out = plain_text(value, limit)
    assert len(out) <= limit
    assert not any(0 < ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in out)
    # Inside a page, the result is text only: a browser-grade parser finds no element in it.
    assert lxml.html.fragment_fromstring("<p>" + out + "</p>").xpath("count(.//*)") == 0, (value, out)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Q&amp;A", "Q&amp;A"),  # text already: not decoded a second time
        ("T<script>alert(1)</script>y", "Ty"),  # markup in text is markup all the same
        ("<img src=x onerror=alert(1)>Jane", "Jane"),
        ("a < b", "a < b"),
        (" Jane\u00a0Doe\x07 ", "Jane Doe"),
    ],
)
def test_plain_text_of_text_decodes_nothing_and_removes_markup(value: str, expected: str) -> None:
    assert plain_text(value, html=False) == expected


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=_MARKUP_ALPHABET, max_size=60))
def test_plain_text_of_text_is_idempotent(value: str) -> None:
    """A later stage may guard a field again without decoding it twice."""
    once = plain_text(value, html=False)
    assert plain_text(once, html=False) == once
    assert plain_text(plain_text(value), html=False) == plain_text(value)
