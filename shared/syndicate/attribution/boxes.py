"""Author boxes of the common WordPress author plugins: name, link, bio and affiliation.

Partners run WordPress with one of a few author plugins, and each prints its box in its own
markup whatever the theme: a profile's `author_box_xpath` is written for one site's theme and
misses them. These readers are generic (every profile gets them), keyed on the plugins' own
class names as we know them from their templates; tests/fixtures/pages/README.md marks the
class names we could not confirm against a live page.

- PublishPress Authors (formerly Multiple Authors): `.pp-multiple-authors-boxes-li` items with
  `.pp-author-boxes-name a`, `.pp-author-boxes-description`.
- Simple Author Box: `.saboxplugin-wrap` with `.saboxplugin-authorname a`, `.saboxplugin-desc`,
  `.saboxplugin-web a`.
- Molongui Authorship: `.m-a-box` with `.m-a-box-name` (`[itemprop=name]`), `.m-a-box-bio`
  (`[itemprop=description]`), `.m-a-box-profile-company`
  (the organisation: the affiliation; the job title is not one).
- Co-Authors Plus ships no box; themes print its bylines and, through its template tags, a box
  per guest author: `.coauthors-box` / `.co-author-box` / `.coauthor-box` with a heading or
  `.coauthor-name` name and `.coauthor-bio`, and the `coauthors_posts_links()` byline links
  (`a.url.fn` in `.coauthors`), read as byline markup by `attribution.page`.

Only boxes inside the article's own parts are read (the caller passes those parts): a box in a
sidebar widget is never evidence (DESIGN.md, rights rules).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

from ..model import Author
from ..text.names import clean_name

_WS = re.compile(r"\s+")


def _text(node: Any) -> str:
    return _WS.sub(" ", node.text_content()).strip()


def _cls(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def _first(node: Any, *xpaths: str) -> Any | None:
    """The first node the first matching XPath finds (elements are never truth-tested)."""
    for xpath in xpaths:
        found = node.xpath(xpath)
        if found:
            return found[0]
    return None


def _link(base: str, href: str | None) -> str | None:
    if not href or not href.strip():
        return None
    try:
        joined = urljoin(base, href.strip())
        return joined if urlsplit(joined).scheme in ("http", "https") else None
    except ValueError:
        return None


def _author(
    name_node: Any, bio_node: Any, base: str, affiliation: str | None = None, link: str | None = None
) -> Author | None:
    if name_node is None:
        return None
    name = clean_name(_text(name_node))
    if not name:
        return None
    href = link or (name_node.get("href") if name_node.tag == "a" else None)
    href = href or next(iter(name_node.xpath(".//a/@href")), None)
    bio = _text(bio_node) if bio_node is not None else ""
    from .page import affiliation_from_bio  # the bio rule lives with the generic box reader

    return Author(name=name, url=_link(base, href), bio=bio or None,
                  affiliation=affiliation or affiliation_from_bio(bio or None))


def _publishpress(box: Any, base: str) -> Author | None:
    name = _first(box, f".//*[{_cls('pp-author-boxes-name')}]//a", f".//*[{_cls('pp-author-boxes-name')}]")
    return _author(name, _first(box, f".//*[{_cls('pp-author-boxes-description')}]"), base)


def _simple_author_box(box: Any, base: str) -> Author | None:
    name = _first(box, f".//*[{_cls('saboxplugin-authorname')}]//a", f".//*[{_cls('saboxplugin-authorname')}]")
    return _author(name, _first(box, f".//*[{_cls('saboxplugin-desc')}]"), base)


def _molongui(box: Any, base: str) -> Author | None:
    name = _first(box, f".//*[{_cls('m-a-box-name')}]//*[@itemprop='name']", f".//*[{_cls('m-a-box-name')}]")
    link = _first(box, f".//*[{_cls('m-a-box-name')}]//a/@href")
    company = _first(box, f".//*[{_cls('m-a-box-profile-company')}]")
    affiliation = _text(company) if company is not None else None
    bio = _first(box, f".//*[{_cls('m-a-box-bio')}]", ".//*[@itemprop='description']")
    return _author(name, bio, base, affiliation or None, str(link) if link else None)


def _coauthors_plus(box: Any, base: str) -> Author | None:
    name = _first(box, f".//*[{_cls('coauthor-name')}]//a", f".//*[{_cls('coauthor-name')}]",
                  ".//*[self::h2 or self::h3 or self::h4 or self::strong][1]")
    bio = _first(box, f".//*[{_cls('coauthor-bio')}]", ".//p")
    return _author(name, bio, base)


#: (plugin, XPath of one author's box, reader). Order: a page with several plugins' markup
#: gets each person once (`attribution.authors` merges by name).
PLUGIN_BOXES: tuple[tuple[str, str, Callable[[Any, str], Author | None]], ...] = (
    ("publishpress-authors", f"descendant-or-self::*[{_cls('pp-multiple-authors-boxes-li')}]", _publishpress),
    ("simple-author-box", f"descendant-or-self::*[{_cls('saboxplugin-wrap')}]", _simple_author_box),
    ("molongui", f"descendant-or-self::*[{_cls('m-a-box')}]", _molongui),
    ("co-authors-plus", f"descendant-or-self::*[{_cls('coauthors-box')} or {_cls('co-author-box')} or "
                        f"{_cls('coauthor-box')}]", _coauthors_plus),
)


def plugin_authors(regions: list[Any], base: str) -> Iterator[Author]:
    """The authors of every plugin box in `regions` (the article's own parts), in page order per
    plugin; a box read once even when two regions hold it."""
    seen: set[Any] = set()
    for _plugin, xpath, read in PLUGIN_BOXES:
        for region in regions:
            for box in region.xpath(xpath):
                if box in seen:
                    continue
                seen.add(box)
                author = read(box, base)
                if author is not None:
                    yield author
