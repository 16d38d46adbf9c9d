"""Several copies of one article -> one record, whatever order the copies arrived in.

The same analysis is cross-posted with another slug, title punctuation, spelling and
boilerplate; each copy becomes a record of its own first (attribution/record.py), then the
copies found to be near-duplicates are merged here. The rules, in the order they decide:

- canonical source: the original publisher among the copies we ingested and matched. A
  cross-post notice ("This was published by the China Global South Project on 14 January
  2022") decides when it names another copy's partner; else the earliest date; else the
  partner ranked first in the registry. Its URL is the record's `url` and id. A notice naming
  a publisher outside these copies is shown (original_publisher, attribution) but moves
  nothing: a page's words never point a record at a URL we did not fetch ourselves.
- the text republished, and its licence: the most permissive licence among the copies,
  each of which legitimately covers its own copy's text (LSE's CC BY covers the LSE copy);
  ties go to the canonical copy. When that is link-only, every copy is, and the merged
  record carries no text either: its summary names the original and its URL.
- authors: everyone any copy credits, details combined (bios from one, affiliation from
  another); the other copies go into `also_published_at`; the attribution names both.
- excerpts (a copy carrying only part of the article, `partial_copies`): they never give the
  record its text, licence or URL while a complete copy is among the copies; they are listed
  under `also_published_at` with `"excerpt": true`. So the record is the complete copy's
  whichever arrived first, and a full text arriving after an excerpt replaces it (the record
  moves to the full text's URL as a new version, like any canonical move).

`merge_copies` is a pure function of the *set* of copies: it sorts before it decides, so
the final record is the same in every arrival order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..attribution.authors import merge_authors, name_key
from ..attribution.content import with_attribution
from ..attribution.licences import rank
from ..attribution.record import attribution_line, link_summary
from ..model import FeedAuthor, Image, Placement, Publisher, Record
from .minhash import Fingerprint
from .urls import record_id

#: A copy at most this share of another's size (in shingles) and contained in it is an
#: excerpt of it. Excerpts carry 20-60% of the paragraphs (plus their partner's lines, which
#: keeps them under about 0.7); a complete copy with a new intro or another partner's
#: boilerplate stays within about 0.85-1.15 of the original.
EXCERPT_RATIO = 0.75


def partial_copies(fingerprints: Mapping[str, Fingerprint], min_containment: float) -> set[str]:
    """Ids of the copies that are excerpts of another copy: at most EXCERPT_RATIO of its size
    and at least `min_containment` contained in it. A function of the set, not the order."""
    out: set[str] = set()
    for doc, fp in fingerprints.items():
        for other, big in fingerprints.items():
            if (
                other != doc
                and not fp.empty
                and fp.shingle_count <= EXCERPT_RATIO * big.shingle_count
                and fp.containment(big) >= min_containment
            ):
                out.add(doc)
                break
    return out


@dataclass(frozen=True)
class Copy:
    """One partner's copy of an article, as its own record, with the partner's registry rank."""

    record: Record
    partner_name: str
    rank: int
    excerpt: bool = False  # only part of the article (`partial_copies`)

    @property
    def url(self) -> str:
        return self.record.url

    @property
    def date(self) -> str:
        return (self.record.date_published or "")[:10]

    @property
    def notice(self) -> Publisher | None:
        """The original publisher this copy's cross-post notice names (not itself)."""
        original = self.record.syndicate.original_publisher
        if original and name_key(original.name) != name_key(self.partner_name):
            return original
        return None


def _names_match(a: str, b: str) -> bool:
    x, y = name_key(a).removeprefix("the "), name_key(b).removeprefix("the ")
    return x == y or x in y or y in x


def canonical_copy(copies: Sequence[Copy]) -> Copy:
    """The copy that is the original publication, among the copies we ingested and matched.

    A cross-post notice decides only when it names the partner of another of these copies: a
    notice is text on a page, and it never moves a record to a URL we have not ingested and
    matched ourselves (DESIGN's rights rules). Else the earliest date, then registry rank.
    Only complete copies can be canonical while there is one: an excerpt's notice may name
    a complete copy, but an excerpt is never the record's URL when the whole text is there.
    """
    ordered = sorted(copies, key=lambda c: (c.rank, c.url))
    eligible = [c for c in ordered if not c.excerpt] or ordered
    for copy in ordered:
        notice = copy.notice
        if notice is None:
            continue
        named = [c for c in eligible if c is not copy and _names_match(c.partner_name, notice.name)]
        if named:
            return named[0]
    dated = [c for c in eligible if c.date]
    if dated:
        return min(dated, key=lambda c: (c.date, c.rank, c.url))
    return eligible[0]


def _outside_original(copies: Sequence[Copy]) -> Publisher | None:
    """The first publisher a notice names that is none of the copies' partners (for display)."""
    for copy in sorted(copies, key=lambda c: (c.rank, c.url)):
        notice = copy.notice
        if notice is not None and not any(_names_match(c.partner_name, notice.name) for c in copies):
            return notice
    return None


def merge_copies(copies: Sequence[Copy]) -> Record:
    """One record for a set of copies of the same article (see the module docstring)."""
    if len(copies) == 1:
        only = copies[0]
        ext = only.record.syndicate
        line_html = attribution_line(
            only.record.title, [a.name for a in ext.authors], only.partner_name, only.record.url, ext.licence,
            ext.original_publisher, html=True,
        )  # the words build_record put in ext.attribution, as HTML
        return with_attribution(only.record, line_html)
    canonical = canonical_copy(copies)
    canonical_url = canonical.url
    ordered = sorted(copies, key=lambda c: (c is not canonical, c.rank, c.url))
    complete = [c for c in ordered if not c.excerpt] or ordered  # an excerpt never replaces a full text
    chosen = max(complete, key=lambda c: rank(c.record.syndicate.licence.republish))  # first of the best
    base = chosen.record
    ext = base.syndicate
    authors = merge_authors(*(c.record.syndicate.authors for c in ordered))
    names = [a.name for a in authors]
    title = canonical.record.title
    original = Publisher(name=canonical.partner_name, url=canonical_url, date_published=canonical.date or None)
    outside = _outside_original(ordered)
    also = [
        Placement(
            partner=c.record.syndicate.partner,
            url=c.url,
            date_published=c.record.date_published,
            excerpt=True if c.excerpt else None,
        )
        for c in ordered
        if c.url != canonical_url
    ]

    def line(html: bool) -> str:
        return attribution_line(
            title,
            names,
            original.name,
            canonical_url,
            ext.licence,
            outside,
            republished_on=[(c.partner_name, c.url) for c in ordered if c.url != canonical_url],
            text_from=chosen.partner_name if chosen.url != canonical_url else None,
            html=html,
        )

    attribution = line(html=False)
    images: list[Image] = []
    for c in ordered:
        for image in c.record.syndicate.images:
            if image.url not in {i.url for i in images}:
                images.append(image)
    date_published = canonical.record.date_published or base.date_published
    texts = {}
    if ext.licence.republish == "link":  # every copy is link-only: our words only, for the merged URL
        texts = {"summary": link_summary(original.name, canonical_url, paywalled=ext.paywalled),
                 "content_text": attribution, "content_html": None, "image": None, "banner_image": None}
    merged = base.model_copy(
        update={
            **texts,
            "id": record_id(canonical_url),
            "url": canonical_url,
            "title": title,
            "date_published": date_published,
            "authors": [FeedAuthor(name=a.name, url=a.url) for a in authors],
            "syndicate": ext.model_copy(
                update={
                    "partner": canonical.record.syndicate.partner,
                    "canonical_url": canonical_url,
                    "original_publisher": outside or original,
                    "also_published_at": also,
                    "authors": authors,
                    "attribution": attribution,
                    "images": images,
                }
            ),
        }
    )
    return with_attribution(merged, line(html=True))
