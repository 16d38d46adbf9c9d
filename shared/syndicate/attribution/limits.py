"""How much of a page's author data a record keeps, and the log line when we cut.

A page is not trusted to be reasonable: one JSON-LD block can list 40,000 "authors", an author
box can hold a novel. A record keeps at most `MAX_AUTHORS` people (a real byline rarely names
more than a dozen; consortium papers that name hundreds are not what we republish, and their
first 50 still credit the lead authors), and each field at a length a byline or a bio card
can show. Every cut is logged on `syndicate.attribution` with the page URL, so an editor can
see what was left out and why.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import TypeVar

from ..model import Author
from ..text.cut import cut_at_word

log = logging.getLogger("syndicate.attribution")

MAX_AUTHORS = 50
MAX_NAME = 200
MAX_BIO = 2_000
MAX_AFFILIATION = 300
MAX_URL = 2_048

T = TypeVar("T")


def first(items: Iterable[T], limit: int, url: str | None, what: str) -> Iterator[T]:
    """The first `limit` of `items`, logging how many more there were. Stops reading the
    source soon after the limit (counting at most ten times as many), so a huge list costs
    little more than the limit; the count logged is then a lower bound ('at least')."""
    extra = 0
    for i, item in enumerate(items):
        if i < limit:
            yield item
            continue
        extra += 1
        if extra >= 10 * limit:
            log.warning("%s: at least %d %s, kept the first %d", url or "(page)", limit + extra, what, limit)
            return
    if extra:
        log.warning("%s: %d %s, kept the first %d", url or "(page)", limit + extra, what, limit)


def _cut(value: str | None, limit: int, url: str | None, name: str, field: str) -> str | None:
    if value is None or len(value) <= limit:
        return value
    cut = cut_at_word(value, limit)
    log.warning(
        "%s: author %r: %s cut from %d to %d characters", url or "(page)", name[:80], field, len(value), len(cut)
    )
    return cut


def bounded(author: Author, url: str | None = None) -> Author:
    """`author` with name, bio and affiliation cut at a word to their limits, and a URL longer
    than any real profile link dropped; the same object when nothing needed cutting."""
    name = _cut(author.name, MAX_NAME, url, author.name, "name") or author.name
    bio = _cut(author.bio, MAX_BIO, url, name, "bio")
    affiliation = _cut(author.affiliation, MAX_AFFILIATION, url, name, "affiliation")
    link = author.url
    if link is not None and len(link) > MAX_URL:
        log.warning("%s: author %r: dropped a %d-character URL", url or "(page)", name[:80], len(link))
        link = None
    if (name, bio, affiliation, link) == (author.name, author.bio, author.affiliation, author.url):
        return author
    return author.model_copy(update={"name": name, "bio": bio, "affiliation": affiliation, "url": link})
