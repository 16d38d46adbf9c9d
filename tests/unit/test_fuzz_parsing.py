"""Property-based fuzzing of feed parsing and page extraction (hypothesis).

What is asserted is only what must hold for *any* input: parse_feed returns entries within
their caps or raises FeedError naming the feed; extract_article returns an Article or raises
ExtractError naming the page. Anything else (another exception, a crash) is a failure, and
hypothesis shrinks it to a small reproducer.

Inputs come from random bytes and from small grammars: RSS/Atom documents built from random
prologs (declarations, encodings, DOCTYPEs with and without entities), fields (text with
entities and markup, URL-ish links, dates with absurd years and offsets, author lists) and
random damage (truncation, inserted bytes, re-encoding); HTML pages built from the tags,
classes and phrases the partner profiles and attribution rules look for.

Reproducible: `derandomize=True` and no example database, so CI runs the same examples every
time. The default run stays well under 40 s on 2 cores; for a long run:

    FUZZ_EXAMPLES=5000 .venv/bin/pytest tests/unit/test_fuzz_parsing.py

and FUZZ_RANDOM=1 draws new examples (not the fixed CI ones) for an exploratory run.

FUZZ_EXAMPLES sets the examples of the feed properties; page properties (each example is a
trafilatura run, ~10x slower) get a quarter of it.
"""

from __future__ import annotations

import json
import os
import re

try:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st
except ImportError as exc:  # a clear message instead of a bare collection error
    raise ImportError("the fuzz tests need hypothesis: .venv/bin/pip install -e '.[dev]'") from exc

from syndicate.dedup.urls import canonicalize_url
from syndicate.extract import ExtractError, extract_article
from syndicate.extract.profiles import profile_names
from syndicate.feeds.parse import (
    MAX_AUTHORS,
    MAX_ENTRIES,
    MAX_ENTRY_JSON_BYTES,
    MAX_SUMMARY_CHARS,
    MAX_TAGS,
    MAX_TITLE_CHARS,
    MAX_URL_CHARS,
    FeedError,
    clean_text,
    entry_authors,
    parse_feed,
)
from syndicate.model import Article
from syndicate.text.names import split_names
from syndicate.text.plain import plain_text

FEED_URL = "https://blogs.example.org/cff/feed/"
PAGE_URL = "https://blogs.example.org/cff/2022/01/14/a-post/"

_FEED_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "500"))
_PAGE_EXAMPLES = max(10, _FEED_EXAMPLES // 4)
_RANDOM = os.environ.get("FUZZ_RANDOM") == "1"


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=not _RANDOM,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )


# --- the feed grammar ----------------------------------------------------------------------------

_WORDS = st.sampled_from(
    [
        "China", "Foresight", "Beijing’s", "Kazakhstan", "“quoted”", "naïve", "日本", "—", "&", "<b>", "</b>",
        "<![CDATA[", "]]>", "&amp;", "&#8217;", "&#x2019;", "&lt;p&gt;", "&amp;amp;", "&nbsp;", "&bogus;", "&#0;",
        "&#xD800;", "&#99999999;", "\x00", "\x0b", "\ufeff", "\u2028", " ", "\n", "The post", "appeared first on",
        "<", ">", "]]", "<!--", "-->", "%", "'", '"', "=",
    ]
)  # fmt: skip
_TEXT = st.one_of(
    st.lists(_WORDS, max_size=12).map(" ".join),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
)
_NAMES = st.lists(
    st.one_of(st.sampled_from(["Lukas Fiala", "Ana Li", "Bo Chen", "A. Smith", "María José", ""]), _TEXT),
    max_size=5,
).flatmap(lambda names: st.sampled_from([", ", " and ", " / ", " & ", ";", ",,"]).map(lambda sep: sep.join(names)))
_LINKS = st.one_of(
    st.sampled_from(
        [
            "https://blogs.example.org/cff/2022/01/14/post/?utm_source=rss",
            "/cff/relative/", "relative", "//other.example.org/x", "http://[::1]:80/x", "http://[::1",
            "https://blogs.example.org:99999/x", "https://blogs.example.org:x/", "javascript:alert(1)",
            "file:///etc/passwd", "mailto:a@b", "https://ex ample.org/a b", "https://例え.jp/パス", "", " ",
            "https://blogs.example.org/" + "a" * 3000, "https://:443/", "http:///x", "?paged=2", "#frag",
        ]
    ),
    _TEXT,
)  # fmt: skip
_DAYS = st.sampled_from(["Mon", "Fri", "Sun", "Xyz", ""])
_MONTHS = st.sampled_from(["Jan", "Feb", "Dec", "Foo", "13", ""])
_ZONES = st.one_of(
    st.sampled_from(["GMT", "UTC", "Z", "EST", "+0000", "-0500", "+9999", "-9999", "+2400", "-24:00", "+99:99", ""]),
    st.integers(-99999, 99999).map(lambda n: f"{n:+05d}"),
)
_YEARS = st.one_of(
    st.sampled_from([0, 1, 99, 1969, 1970, 1989, 2022, 2100, 2101, 9999, 10000]), st.integers(-10, 99999)
)
_DATES = st.one_of(
    st.builds(
        "{}, {:02d} {} {} {:02d}:{:02d}:{:02d} {}".format,
        _DAYS, st.integers(0, 99), _MONTHS, _YEARS, st.integers(0, 99), st.integers(0, 99), st.integers(0, 99), _ZONES,
    ),
    st.builds(
        "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}{}".format,
        _YEARS, st.integers(0, 99), st.integers(0, 99), st.integers(0, 99), st.integers(0, 99), st.integers(0, 99),
        _ZONES,
    ),
    _TEXT,
)  # fmt: skip


def _element(name: str, value: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """<name>value</name>, with the value escaped, raw, or in CDATA."""
    return st.tuples(value, st.sampled_from(["escape", "raw", "cdata"])).map(
        lambda pair: f"<{name}>{_wrap(*pair)}</{name}>"
    )


def _wrap(value: str, how: str) -> str:
    if how == "escape":
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if how == "cdata":
        return f"<![CDATA[{value}]]>"
    return value


_RSS_FIELDS = st.lists(
    st.one_of(
        _element("title", _TEXT),
        _element("link", _LINKS),
        _element("pubDate", _DATES),
        _element("dc:date", _DATES),
        _element("dc:creator", _NAMES),
        _element("author", _NAMES),
        _element("category", _TEXT),
        _element("guid", st.one_of(_LINKS, _TEXT)),
        _element("description", st.one_of(_TEXT, _TEXT.map(lambda t: f"<p>{t}</p> The post {t} appeared first on X."))),
        _element("content:encoded", _TEXT.map(lambda t: f"<p>{t}</p><img src='x.jpg?w=1&h=2'>")),
        st.just("<enclosure url='https://e.org/a.mp3' length='1' type='audio/mpeg'/>"),
        _TEXT.map(lambda t: f"<x:unknown xmlns:x='urn:x' a='{t[:5]}'>{t}</x:unknown>"),
        st.just("<undeclared:prefix>x</undeclared:prefix>"),
    ),
    max_size=10,
).map("".join)
_ATOM_FIELDS = st.lists(
    st.one_of(
        _element("title", _TEXT),
        _LINKS.map(lambda link: f"<link href='{_wrap(link, 'escape')}'/>"),
        _LINKS.map(lambda link: f"<link rel='alternate' type='text/html' href=\"{_wrap(link, 'escape')}\"/>"),
        _element("id", _LINKS),
        _element("updated", _DATES),
        _element("published", _DATES),
        _NAMES.map(lambda n: f"<author><name>{_wrap(n, 'escape')}</name></author>"),
        _element("summary", _TEXT),
        _TEXT.map(lambda t: f"<content type='html'>{_wrap(t, 'escape')}</content>"),
        _TEXT.map(lambda t: f"<content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>{t}</div></content>"),
        _TEXT.map(lambda t: f"<category term='{_wrap(t, 'escape')}'/>"),
    ),
    max_size=10,
).map("".join)

_PROLOGS = st.sampled_from(
    [
        "",
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        "<?xml version='1.0' encoding='iso-8859-1'?>",
        '<?xml version="1.0" encoding="utf-16"?>',
        '<?xml version="1.0" encoding="utf-7"?>',
        '<?xml version="1.0" encoding="x-nope"?>',
        '<?xml version="1.0" encoding="base64"?>',
        '<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "rss.dtd">\n',
        '<!DOCTYPE rss [\n<!ENTITY a "aaaa">\n<!ENTITY b "&a;&a;&a;&a;">\n]>\n',
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE rss [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x"> %p;]>',
        '<!DOCTYPE rss SYSTEM "file:///etc/passwd">',
        "<!DOCTYPE rss [ <!-- <x --> <!ELEMENT rss ANY> ]>",
        "<!DOCTYPE rss [ <!ATTLIST item a CDATA 'x'> ",
        "<!-- a comment --><?pi data?>",
        "<!DOCTYPE html>",
        "\ufeff",
        "   \n",
    ]
)
_ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1", "cp1252"])


@st.composite
def feeds(draw: st.DrawFn) -> bytes:
    """An RSS, RDF or Atom document from the grammar, then possibly damaged and re-encoded."""
    kind = draw(st.sampled_from(["rss", "atom", "rdf"]))
    prolog = draw(_PROLOGS)
    if kind == "atom":
        entries = "".join(f"<entry>{f}</entry>" for f in draw(st.lists(_ATOM_FIELDS, max_size=6)))
        doc = f"<feed xmlns='http://www.w3.org/2005/Atom'><title>T</title>{entries}</feed>"
    else:
        items = "".join(f"<item>{f}</item>" for f in draw(st.lists(_RSS_FIELDS, max_size=6)))
        namespaces = (
            "xmlns:dc='http://purl.org/dc/elements/1.1/' xmlns:content='http://purl.org/rss/1.0/modules/content/'"
        )
        if kind == "rss":
            doc = f"<rss version='2.0' {namespaces}><channel><title>T</title>{items}</channel></rss>"
        else:
            doc = (
                "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' xmlns='http://purl.org/rss/1.0/' "
                f"{namespaces}><channel rdf:about='x'><title>T</title></channel>{items}</rdf:RDF>"
            )
    text = prolog + doc
    damage = draw(st.sampled_from(["none", "none", "truncate", "insert", "entity ref"]))
    if damage == "truncate" and text:
        text = text[: draw(st.integers(0, len(text)))]
    elif damage == "insert":
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(["&", "<", "]]>", "&lol;", "\x00", "</channel>", "<item>"])) + text[at:]
    elif damage == "entity ref":
        text = text.replace("<title>T</title>", "<title>&a;&b;&x;</title>")
    body = text.encode(draw(_ENCODINGS), errors="replace")
    if draw(st.booleans()):
        return body
    # Raw byte damage: a stray Latin-1 byte, a NUL, a cut mid-character.
    at = draw(st.integers(0, len(body)))
    return body[:at] + draw(st.sampled_from([b"\xe9", b"\x00", b"\xff\xfe", b"\xc3", b""])) + body[at:]


def _check_feed(body: bytes) -> None:
    try:
        entries = parse_feed(body, FEED_URL)
    except FeedError as exc:
        assert exc.url == FEED_URL and exc.reason and str(exc).startswith(FEED_URL + ": ")
        # parse_feed turns an exception from feedparser itself into this FeedError so the
        # batch survives; the fuzz still reports it, because it loses a whole feed to a bug.
        assert not exc.reason.startswith("feed parser failed"), exc.reason
        return
    assert isinstance(entries, list) and len(entries) <= MAX_ENTRIES
    for entry in entries:
        assert entry.url.startswith(("http://", "https://")) and len(entry.url) <= MAX_URL_CHARS
        canonicalize_url(entry.url)  # the pipeline keys entries by it: must not raise
        assert len(entry.title) <= MAX_TITLE_CHARS
        assert entry.summary is None or len(entry.summary) <= MAX_SUMMARY_CHARS
        assert len(entry.authors) <= MAX_AUTHORS and len(entry.tags) <= MAX_TAGS and all(entry.authors)
        for stamp in (entry.published, entry.updated):
            assert stamp is None or re.fullmatch(r"(199\d|20\d\d|2100)-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp)
        assert len(entry.model_dump_json().encode("utf-8")) <= MAX_ENTRY_JSON_BYTES
        assert "/etc/passwd" not in entry.title and "root:" not in entry.title


@_settings(_FEED_EXAMPLES)
@given(st.binary(max_size=2000))
def test_parse_feed_random_bytes(body: bytes) -> None:
    _check_feed(body)


@_settings(_FEED_EXAMPLES * 2)
@given(feeds())
def test_parse_feed_grammar(body: bytes) -> None:
    _check_feed(body)


@_settings(_FEED_EXAMPLES)
@given(st.text(max_size=300))
def test_text_helpers_any_text(value: str) -> None:
    cleaned = clean_text(value)
    assert cleaned == cleaned.strip() and "  " not in cleaned
    for names in (split_names(value), entry_authors({"author": value})):
        assert all(name and name == " ".join(name.split()) and name.strip(".") == name for name in names)


_MARKUP_BITS = st.sampled_from(
    ["<", ">", "&", ";", "amp", "lt", "gt", "#60", "<script>", "</script>", "<b>", "</b>", "<img onerror=x>",
     "<!--", "-->", "<![CDATA[", "]]>", "<style>", "&lt;", "&amp;lt;", "\x00", "\x85", "\ud800", " ", "x", "é"]
)  # fmt: skip


@_settings(_FEED_EXAMPLES)
@given(st.one_of(st.text(max_size=300), st.lists(_MARKUP_BITS, max_size=40).map("".join)))
def test_plain_text_any_text(value: str) -> None:
    """Whatever the field, plain text has no tag, no control character, folded spaces."""
    text = plain_text(value)
    assert text == " ".join(text.split())
    assert not re.search(r"<[A-Za-z/!?][^<>]*>", text), text
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]", text), text
    assert plain_text(value, 20) == text or len(plain_text(value, 20)) <= 20


# --- the page grammar ----------------------------------------------------------------------------

_PHRASES = st.sampled_from(
    [
        "By Lukas Fiala and Hugo Jones, China Foresight LSE IDEAS",
        "By A", "by ", "This article was first published by The Diplomat on 14 January 2022.",
        "This post was originally published on China Dialogue on January 14th, 2022",
        "The post was published in X on 31 February 2022", "was published by on 99 Foo 0000",
        "Image credit: “Title” by Someone licensed under CC BY 4.0", "Featured image: courtesy of ©",
        "This work is licensed under a Creative Commons Attribution 4.0 International License.",
        "licensed under CC BY-NC-ND", "Subscribe or log in to read the rest", "Get a daily email packed with",
        "Posted In: China", "Estimated reading time: 5 minutes", "The blog image", "About the author",
        "Lukas Fiala is Coordinator of China Foresight at LSE IDEAS, where he works. He writes.",
        "someone at the end at ", "at ", " at The Place; and", "Read more", "&amp;", "&#0;", "&bogus;",
        "Disclosure statement", "Partners", "Read more: A title", "Senior Lecturer in X, University of Y",
        "\x00", "\ufffd", "日本語の文章です。", "مرحبا", "A sentence of ordinary article text that goes on a little.",
    ]
)  # fmt: skip
_PAGE_TEXT = st.one_of(_PHRASES, st.text(max_size=60))
_TAG_NAMES = st.sampled_from(
    [
        "div", "p", "span", "a", "article", "main", "section", "header", "footer", "h1", "h2", "h3", "strong",
        "em", "b", "i", "ul", "ol", "li", "table", "tr", "td", "figure", "figcaption", "blockquote", "pre",
        "code", "form", "nav", "aside", "img", "br", "hr", "sup", "math", "svg", "iframe", "noscript", "template",
    ]
)  # fmt: skip
_CLASSES = st.sampled_from(
    [
        "entry-content", "about-the-author", "author-bio", "author-box", "share-buttons", "sharedaddy",
        "entry-header--sticky", "entry-stats", "reading-time", "cat-links", "post-categories", "newsletter-signup",
        "memberful-global-teaser-content", "memberful-global-restricted-access-message", "suggested-reading",
        "related-posts", "comment-respond", "author-list", "author-name", "role", "attribution", "license",
        "content-authors-group", "republish-article", "x y  z", "",
    ]
)  # fmt: skip
_ATTRIBUTES = st.one_of(
    _CLASSES.map(lambda c: f' class="{c}"'),
    st.sampled_from(
        [
            ' rel="author" href="/author/x/"', ' rel="license" href="https://creativecommons.org/licenses/by/4.0/"',
            ' href="https://creativecommons.org/licenses/by-nc/4.0/"', ' href="javascript:x"', ' href=""',
            ' href="http://[::1"', ' id="comments"', ' src="data:image/png;base64,AAAA"', ' src="/img.jpg"',
            ' style="display:none"', " hidden", ' lang="zh"', ' dir="rtl"', " a=b=c", ' "quoted"', " =",
        ]
    ),
    _PAGE_TEXT.map(lambda t: f' title="{t[:30]}"'),
)  # fmt: skip
_HEADS = st.lists(
    st.one_of(
        _PAGE_TEXT.map(lambda t: f"<title>{t}</title>"),
        st.sampled_from(["author", "description", "dc.creator", "citation_author"]).flatmap(
            lambda name: _PAGE_TEXT.map(lambda t: f'<meta name="{name}" content="{t}">')
        ),
        _PAGE_TEXT.map(lambda t: f'<meta property="og:image" content="{t}">'),
        _PAGE_TEXT.map(lambda t: f'<link rel="canonical" href="{t}">'),
        st.sampled_from(
            [
                '{"@type": "Article", "author": [{"name": "Ana Li", "url": "/a/"}, "Bo Chen, Cy Wu"]}',
                '{"@graph": [{"@type": ["BlogPosting"], "author": {"name": 5}, "license": ["x"]}]}',
                '{"@type": "NewsArticle", "isAccessibleForFree": "False", "datePublished": 2022}',
                '[[[[{"@type": "Article", "author": null}]]]]',
                "{not json",
                "null",
                '"str"',
                "",
            ]
        ).map(lambda j: f'<script type="application/ld+json">{j}</script>'),
        st.sampled_from(['<meta charset="utf-8">', '<meta charset="x-bogus">', '<meta charset="utf-16">']),
    ),
    max_size=5,
).map("".join)


def _nodes(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(_TAG_NAMES, st.lists(_ATTRIBUTES, max_size=3), st.lists(children, max_size=4), st.booleans()).map(
        lambda t: f"<{t[0]}{''.join(t[1])}>{''.join(t[2])}" + (f"</{t[0]}>" if t[3] else "")
    )


_BODY = st.recursive(_PAGE_TEXT, _nodes, max_leaves=40)


@st.composite
def pages(draw: st.DrawFn) -> bytes | str:
    """An HTML page from the grammar, sometimes deeply nested, broken, or re-encoded."""
    body = "".join(draw(st.lists(_BODY, max_size=6)))
    # Enough ordinary text now and then that trafilatura keeps an article to work on.
    if draw(st.booleans()):
        body += "<article>" + "".join(f"<p>{draw(_PHRASES)} " * 8 + "</p>" for _ in range(3)) + "</article>"
    depth = draw(st.sampled_from([0, 0, 0, 50, 300, 3000]))
    body = "<div>" * depth + body + "</div>" * draw(st.sampled_from([0, depth]))
    page = draw(st.sampled_from(["", "<!DOCTYPE html>", '<?xml version="1.0" encoding="utf-8"?>'])) + (
        f"<html><head>{draw(_HEADS)}</head><body>{body}</body></html>"
    )
    if draw(st.booleans()):
        return page
    data = page.encode(draw(_ENCODINGS), errors="replace")
    at = draw(st.integers(0, len(data)))
    return data[:at] + draw(st.sampled_from([b"", b"\xe9", b"\x00", b"\xff"])) + data[at:]


_PROFILES = st.sampled_from([None, *profile_names()[1:]])  # every discovered profile, and none


def _check_page(page: bytes | str, profile: str | None) -> None:
    try:
        article = extract_article(page, PAGE_URL, profile)
    except ExtractError as exc:
        assert exc.url == PAGE_URL and exc.reason and str(exc).startswith(PAGE_URL + ": ")
        return
    assert isinstance(article, Article) and article.text.strip()


@_settings(_PAGE_EXAMPLES)
@given(pages(), _PROFILES)
def test_extract_article_grammar(page: bytes | str, profile: str | None) -> None:
    _check_page(page, profile)


@_settings(_PAGE_EXAMPLES)
@given(
    st.one_of(
        st.binary(max_size=3000),
        st.text(max_size=1000),
        st.text(alphabet="<>/=\"' !-?[]&#;x0adivpbodyhtmlscript\x00\n", max_size=1000),
    ),
    _PROFILES,
)
def test_extract_article_random_input(page: bytes | str, profile: str | None) -> None:
    _check_page(page, profile)


# --- URLs in every slot that takes one ----------------------------------------------------------

_PAGE_URLS = st.one_of(
    st.sampled_from(
        [
            "https://blogs.example.org/cff/2022/01/14/a-post/", "/author/ana-li/", "relative/path", "",
            "https://creativecommons.org/licenses/by/4.0/", "http://[::1", "http://[::1]:99999/", "https://e.org:x/",
            "javascript:alert(1)", "//", "http://", "https://例え.jp/パス", "https://" + "a" * 3000,
        ]
    ),
    _PAGE_TEXT,
)  # fmt: skip


@st.composite
def pages_with_urls(draw: st.DrawFn) -> str:
    """A readable article whose canonical link, og:image, JSON-LD author URL, rel=author and
    licence links, and cross-post link all take URLs from _PAGE_URLS."""
    u = [draw(_PAGE_URLS).replace('"', "&quot;") for _ in range(6)]
    head = (
        f'<link rel="canonical" href="{u[0]}"><meta property="og:image" content="{u[1]}">'
        '<script type="application/ld+json">{"@type": "Article", "author": {"name": "Ana Li", "url": '
        f"{json.dumps(u[2])}}}}}</script>"
    )
    body = (
        f'<p><a rel="author" href="{u[3]}">Ana Li</a></p><p>This article was first published by The Diplomat on'
        f' 14 January 2022. <a href="{u[4]}">The Diplomat</a></p>'
        f'<p>Image credit: photo licensed under <a href="{u[5]}">CC BY 4.0</a></p>'
    )
    text = "".join(f"<p>{draw(_PHRASES)} " * 8 + "</p>" for _ in range(3))
    return f"<html><head>{head}</head><body><article>{body}{text}</article></body></html>"


# A crash this property finds in attribution/page.py (the lead's file): urljoin raises
# ValueError on 'http://[::1' and it escapes extract_article. Strict: when page.py is fixed
# this passes, the marker must go, and the property keeps guarding every URL slot.
@settings(
    max_examples=_PAGE_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: the reproducers are in test_hostile_content
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(pages_with_urls(), _PROFILES)
def test_extract_article_url_slots(page: str, profile: str | None) -> None:
    _check_page(page, profile)
