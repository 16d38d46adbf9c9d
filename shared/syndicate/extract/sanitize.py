"""Make extracted HTML safe to embed in someone else's page.

Downstream sites render our `content_html` inside their own pages, so anything active
(script, event handlers, javascript: URLs, iframes, inline styles) must go. nh3 (the
Ammonia sanitizer) does the allow-listing; we only make links absolute first, because a
relative link means nothing once the text leaves the partner's site.
"""

from __future__ import annotations

import html

import lxml.html
import nh3

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "blockquote", "q", "cite",
    "ul", "ol", "li", "dl", "dt", "dd", "strong", "b", "em", "i", "u", "s", "sub", "sup",
    "code", "pre", "a", "img", "figure", "figcaption", "table", "thead", "tbody", "tfoot",
    "tr", "th", "td", "caption", "abbr", "small", "span",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "abbr": {"title"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def absolutize(fragment: str, base_url: str) -> str:
    """Rewrite relative href/src in an HTML fragment against the page URL.

    The fragment is parsed into a wrapper element and serialized back. Text before the first
    element (`root.text`) is text, so it is escaped like every other text node: parsing
    decoded `&lt;a href=...&gt;` to "<a href=...>", and joining that back raw would turn
    escaped markup into live markup. (Each child's tail is escaped by its own serialization.)
    """
    if not fragment.strip():
        return ""
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    root.make_links_absolute(base_url, resolve_base_href=False, handle_failures="discard")
    inner = html.escape(root.text or "", quote=False) + "".join(
        lxml.html.tostring(child, encoding="unicode") for child in root
    )
    return inner


def _clean(fragment: str) -> str:
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def sanitize_html(fragment: str, base_url: str) -> str:
    """Allow-list sanitizing, absolute links, and sanitizing once more.

    lxml (which resolves links) and nh3 parse hostile markup differently, so links are made
    absolute on what nh3 kept, and the result goes through nh3 again: what leaves here is
    exactly what nh3 accepts, with no relative URL left (links get rel=noopener noreferrer).
    """
    return _clean(absolutize(_clean(fragment), base_url)).strip()
