"""Who wrote it: every source of names merged into one list of people, without duplicates.

Sources disagree in shape, not in substance: the feed may give the first author only, a
joined string, or repeated elements; the page may give JSON-LD, meta tags, rel=author links
and author boxes with bios. And some sites credit an organisation ("LSE IDEAS") where the
body names the people ("By A and B, China Foresight LSE IDEAS"): the people are the
authors, and the organisation becomes their affiliation.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..model import Author
from ..text.names import clean_name, looks_like_login, looks_like_organisation
from ..text.names import name_key as _name_key
from ..text.plain import plain_text
from .limits import MAX_AUTHORS, bounded, log
from .page import Byline, PageFacts


def name_key(name: str) -> str:
    """A comparison key: case, accents, dots and spacing do not make a different person."""
    return _name_key(name)


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


#: Where a page credits its authors, most telling first (the `source` `syndicate extract` shows):
#: the body's "By A and B, Org", the main entity's JSON-LD, the byline markup of the article and
#: its header (`itemprop=author`, `.byline`, `.author .fn`...), author boxes, rel=author links in
#: the article, head meta tags, a news agency's dateline ('Hamburg (dpa/lno) – …': an organisation,
#: so the author only when nobody else is credited), and trafilatura's guess last.
PAGE_SOURCES = ("byline", "json-ld", "byline-markup", "box", "rel-author", "meta", "dateline", "extracted")


def _without_site(name: str, sites: tuple[str, ...]) -> str:
    """'Adam Aaronson PhillyVoice' -> 'Adam Aaronson': a site's name printed after the person's
    (two words at least stay: 'Anna Zeitung' alone is not cut to 'Anna')."""
    words = name.split()
    for site in sites:
        site_words = site.split()
        if 0 < len(site_words) <= len(words) - 2 and name_key(" ".join(words[-len(site_words):])) == name_key(site):
            return " ".join(words[: -len(site_words)]).rstrip(" ,|-–—")
    return name


def _candidates(facts: PageFacts, extracted: Iterable[str]) -> list[tuple[str, list[Author]]]:
    raw: list[tuple[str, list[Author]]] = [
        ("byline", [Author(name=n, affiliation=facts.byline.org) for n in facts.byline.names] if facts.byline else []),
        ("json-ld", facts.jsonld_authors),
        ("byline-markup", facts.element_authors),
        ("box", facts.author_boxes),
        ("rel-author", facts.rel_authors),
        ("meta", [Author(name=n) for n in facts.meta_authors]),
        ("dateline", [Author(name=facts.dateline_credit)] if facts.dateline_credit else []),
        ("extracted", [Author(name=n) for n in extracted]),
    ]
    sites = tuple(facts.site_names)
    headline = name_key(facts.headline or "")
    out = []
    for source, authors in raw:
        cleaned = []
        for author in authors:
            name = clean_name(plain_text(author.name, html=False))
            if name is not None and name in facts.display_names:  # the name the page shows for a login
                name = facts.display_names[name]
            if name is not None:
                name = _without_site(name, sites)
            if name is not None and (not headline or name_key(name) != headline):
                cleaned.append(author.model_copy(update={"name": name}))
        out.append((source, cleaned))
    return out


#: Sources that name every author the page credits when they name more than one: a second
#: author they add to the chosen source's people is a co-author (the article's author boxes
#: too; not rel=author links: a page may link every author of the site).
_CO_AUTHOR_SOURCES = ("json-ld", "byline-markup", "box", "meta")
#: Where a name is spelt as the page prints it, most trusted first; trafilatura's guess folds
#: dots and underscores ("T V Raman", "Herr Rein"), the body byline may lose a final stop.
_SPELLING_ORDER = ("json-ld", "byline-markup", "box", "rel-author", "meta", "byline", "extracted")


def _co_authors(
    candidates: list[tuple[str, list[Author]]], chosen: str, keys: set[str], sites: tuple[str, ...]
) -> list[Author]:
    """People another byline source names beside all of the chosen source's people."""
    for source, authors in candidates:
        if source == chosen or source not in _CO_AUTHOR_SOURCES:
            continue
        people = [a for a in authors if not looks_like_organisation(a.name, sites)]
        found = {name_key(a.name) for a in people}
        if keys < found:
            extra: dict[str, Author] = {}
            for a in people:
                key = name_key(a.name)
                # a full name (not initials, not a month left of a date), and not two known names run together
                if key not in keys and len(key.split()) >= 2 and not any(k in key for k in keys):
                    extra.setdefault(key, a)
            return list(extra.values())
    return []


def _spelling(name: str, candidates: list[tuple[str, list[Author]]]) -> str:
    """The fullest spelling of the same name among the page's sources ('Perry Bacon Jr.' over
    'Perry Bacon Jr', 'T. V. Raman' over 'T V Raman', the page's 'Herr_Rein' over a folded
    'Herr Rein'): the name as the page prints it."""
    key = name_key(name)
    order = {src: i for i, src in enumerate(_SPELLING_ORDER)}
    forms = [(a.name, order.get(src, 99), src) for src, authors in candidates for a in authors
             if name_key(a.name) == key]
    # a display name the page prints beats its login ('Edilson La Rosa' over 'edilson.la.rosa');
    # trafilatura's folding of a login ('Herr Rein' for the page's 'Herr_Rein') is no display name
    shown = [f for f in forms if f[2] != "extracted" and not looks_like_login(f[0])]
    forms = shown or [f for f in forms if f[2] != "extracted"] or forms
    if not forms:
        return name
    return min(forms, key=lambda f: (-len(f[0]), f[1]))[0]


def page_authors_sourced(facts: PageFacts, extracted: Iterable[str] = ()) -> list[tuple[Author, str]]:
    """The page's authors, each with the place it was read from (`PAGE_SOURCES`).

    Names are cleaned (`text.names.clean_name`: link text, prefixes, roles, placeholders). The
    authors are the people of the most telling source that names a person (display names:
    a source naming only CMS logins counts when no other names a person); an organisation
    (the site, its publisher, a newsroom or agency) is an author only when no source names a
    person. The other sources add what they know of the same people (link, bio, affiliation).
    Author boxes carry bios; the affiliation a bio states wins over the byline's organisation.
    """
    sites = tuple(facts.site_names)
    candidates = _candidates(facts, extracted)

    def people(authors: list[Author], logins: bool) -> list[Author]:
        return [a for a in authors if not looks_like_organisation(a.name, sites) and looks_like_login(a.name) == logins]

    chosen: tuple[str, list[Author]] | None = None
    # trafilatura's guess comes last of all: it is read from the same places, folded past
    # recognition ('Redacci', 'Oacute' for the page's 'Redacci&oacute;n'; 'Det' for 'det/dpa'),
    # so it never outranks a credit the page itself prints, even an organisation's
    for group in ([c for c in candidates if c[0] != "extracted"], [c for c in candidates if c[0] == "extracted"]):
        for pick in (lambda a: people(a, False), lambda a: people(a, True), lambda a: a):
            chosen = next(((src, found) for src, authors in group if (found := pick(authors))), None)
            if chosen:
                break
        if chosen:
            break
    if chosen is None:
        return []
    source, primary = chosen
    keys = {name_key(a.name) for a in primary}
    primary = primary + _co_authors(candidates, source, keys, sites)
    keys = {name_key(a.name) for a in primary}
    primary = [a.model_copy(update={"name": _spelling(a.name, candidates)}) for a in primary]
    details = [[a for a in authors if name_key(a.name) in keys] for src, authors in candidates if src != source]
    byline = facts.byline if source == "byline" else None
    if byline is not None:
        byline = Byline(names=[_spelling(n, candidates) for n in byline.names], org=byline.org, text=byline.text)
    merged = merge_authors(primary, *details, byline=byline, url=facts.url)
    boxes = {name_key(a.name): a for a in facts.author_boxes}
    out = []
    for author in merged:
        box = boxes.get(name_key(author.name))
        if box and (affiliation := plain_text(box.affiliation, html=False)):
            author = author.model_copy(update={"affiliation": affiliation})
        out.append((author, source))
    return out


def page_authors(facts: PageFacts, extracted: Iterable[str] = ()) -> list[Author]:
    """The page's authors from every place it names them (see `page_authors_sourced`)."""
    return [author for author, _ in page_authors_sourced(facts, extracted)]
