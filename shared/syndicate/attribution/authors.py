"""Who wrote it: every source of names merged into one list of people, without duplicates.

Sources disagree in shape, not in substance: the feed may give the first author only, a
joined string, or repeated elements; the page may give JSON-LD, meta tags, rel=author links
and author boxes with bios. And some sites credit an organisation ("LSE IDEAS") where the
body names the people ("By A and B, China Foresight LSE IDEAS"): the people are the
authors, and the organisation becomes their affiliation.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from ..model import Author
from ..text.plain import plain_text
from .limits import MAX_AUTHORS, bounded, log
from .page import Byline, PageFacts


def name_key(name: str) -> str:
    """A comparison key: case, accents and spacing do not make a different person."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode() or name
    return " ".join(folded.casefold().replace(".", " ").split())


def _is_org_of(name: str, byline: Byline) -> bool:
    if not byline.org:
        return False
    key = name_key(name)
    return bool(key) and key in name_key(byline.org) and key not in {name_key(n) for n in byline.names}


def _plain_author(author: Author, name: str) -> Author:
    """The author with plain-text name, bio and affiliation (a page or feed may put markup
    in any of them); emptied fields become None, and a URL that is not http(s) (javascript:,
    data:) is no URL: readers follow it from a downstream page."""
    url = author.url if author.url and author.url.strip().lower().startswith(("http://", "https://")) else None
    return author.model_copy(
        update={
            "name": name,
            "url": url,
            "bio": plain_text(author.bio, html=False) or None,
            "affiliation": plain_text(author.affiliation, html=False) or None,
        }
    )


def merge_authors(
    *sources: Iterable[Author | str], byline: Byline | None = None, url: str | None = None
) -> list[Author]:
    """Authors from all sources, first-seen order, each person once, details combined.

    Later sources only add what earlier ones lack (url, bio, affiliation); a body byline's
    people come first and organisation credits that the byline names as affiliation drop out.
    At most `limits.MAX_AUTHORS` people, each with fields cut to their limits; what is cut is
    logged with `url` (the page or record the authors are for). Names, bios and affiliations
    come out as plain text (`text.plain`, for values already decoded: idempotent, so merging
    merged authors again changes nothing); a name that is nothing but markup is no author.
    """
    merged: dict[str, Author] = {}
    dropped = 0
    ordered: list[Iterable[Author | str]] = []
    if byline:
        ordered.append([Author(name=n, affiliation=byline.org) for n in byline.names])
    ordered.extend(sources)
    for source in ordered:
        for entry in source:
            name = plain_text(entry if isinstance(entry, str) else entry.name, html=False)
            if not name or (byline and _is_org_of(name, byline)):
                continue
            author = _plain_author(Author(name=name) if isinstance(entry, str) else entry, name)
            key = name_key(name)
            known = merged.get(key)
            if known is None:
                if len(merged) >= MAX_AUTHORS:
                    dropped += 1
                    continue
                merged[key] = bounded(author, url)
                continue
            updates = {
                f: getattr(author, f)
                for f in ("url", "bio", "affiliation")
                if getattr(known, f) is None and getattr(author, f)
            }
            if updates:
                merged[key] = bounded(known.model_copy(update=updates), url)
    if dropped:
        log.warning("%s: kept the first %d authors, dropped %d more", url or "(record)", MAX_AUTHORS, dropped)
    return list(merged.values())


def page_authors(facts: PageFacts, extracted: Iterable[str] = ()) -> list[Author]:
    """The page's authors from every place it names them. Author boxes carry bios; the
    affiliation a bio states wins over the byline's organisation (it is more specific)."""
    boxes = {name_key(a.name): a for a in facts.author_boxes}
    authors = merge_authors(
        facts.jsonld_authors, facts.rel_authors, facts.meta_authors, facts.author_boxes, extracted,
        byline=facts.byline, url=facts.url,
    )
    out = []
    for author in authors:
        box = boxes.get(name_key(author.name))
        if box and (affiliation := plain_text(box.affiliation, html=False)):
            author = author.model_copy(update={"affiliation": affiliation})
        out.append(author)
    return out
