"""The one schema: what flows between the pipeline stages and what we publish.

Every stage takes and returns these plain models, so a stage can be tested with a feed or a
page and nothing else. The published record is a JSON Feed 1.1 item whose `_syndicate`
extension carries what JSON Feed has no field for (partner, licence, attribution...).
The JSON Schema in `schema/record.schema.json` is exported from `Record` (see
`syndicate.schema`), so downstream sites validate against exactly what we emit.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Republish = Literal["full", "excerpt", "link"]

JSONFEED_VERSION = "https://jsonfeed.org/version/1.1"


# Each model's validator is built on its first use, not at import (pydantic's `defer_build`):
# a Lambda handler uses a few of these models, and building all of them cost ~0.1 s of
# every cold start (issue 13).
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Author(_Strict):
    """A person (or, failing that, an organisation) credited for an article."""

    name: str = Field(min_length=1)
    url: str | None = None
    bio: str | None = None
    affiliation: str | None = None


class Licence(_Strict):
    """An article's licence as an SPDX id, where it came from, and what it lets us do."""

    spdx: str = Field(min_length=1, description="SPDX licence id, or LicenseRef-... for none found")
    url: str | None = None
    source: Literal["page", "registry"] = "registry"
    republish: Republish = "link"


class Publisher(_Strict):
    name: str
    url: str | None = None
    date_published: str | None = None


class Placement(_Strict):
    """Another place the same article was published (a cross-post)."""

    partner: str
    url: str
    date_published: str | None = None
    # True when that copy carries only part of the article (first paragraphs and a link to
    # the rest); absent for complete copies.
    excerpt: bool | None = None


class Image(_Strict):
    url: str
    credit: str | None = None
    licence: dict[str, str] | None = None


class SyndicateExt(_Strict):
    """The `_syndicate` extension object of a published item."""

    partner: str
    source_url: str
    canonical_url: str
    original_publisher: Publisher | None = None
    also_published_at: list[Placement] = Field(default_factory=list)
    authors: list[Author] = Field(default_factory=list)
    licence: Licence
    claimed_licence: Licence | None = Field(
        default=None,
        description="a wider licence the article's page claims that the registry does not let it grant; not acted"
        " on, kept for a person to review (the partner's registry entry decides whether its pages are trusted)",
    )
    attribution: str
    images: list[Image] = Field(default_factory=list)
    paywalled: bool = False
    version: int = Field(default=1, ge=1)
    content_sha256: str
    fetched_at: str


class FeedAuthor(_Strict):
    name: str
    url: str | None = None


class Record(BaseModel):
    """One article as published: a JSON Feed 1.1 item plus our `_syndicate` extension.

    JSON Feed requires `content_html` or `content_text`: where the licence allows only an
    excerpt or a link, `content_text` carries the excerpt (or the attribution line) instead.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)

    id: str = Field(min_length=1, description="stable, derived from the canonical URL")
    url: str
    title: str
    authors: list[FeedAuthor] = Field(default_factory=list)
    author: FeedAuthor | None = Field(
        default=None,
        description="JSON Feed 1.0's single author, for readers that read only it: always the first of"
        " `authors` (to_item sets it)",
    )
    date_published: str | None = None
    date_modified: str | None = None
    summary: str
    content_html: str | None = None
    content_text: str | None = None
    image: str | None = Field(
        default=None, description="the article's lead image, only where its own licence lets us republish it"
    )
    banner_image: str | None = Field(default=None, description="the same lead image, for readers that show banners")
    language: str | None = Field(default=None, description="BCP 47, e.g. en or en-GB")
    tags: list[str] = Field(default_factory=list)
    syndicate: SyndicateExt = Field(alias="_syndicate")

    def to_item(self) -> dict[str, object]:
        """The JSON Feed item, with the extension under its `_syndicate` key and no nulls.

        `author` is derived here from `authors` (not trusted from the model), so a record whose
        authors were replaced by a merge can never publish a stale one."""
        dumped = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        dumped.pop("author", None)
        item: dict[str, object] = {}
        for key, value in dumped.items():
            item[key] = value
            if key == "authors" and isinstance(value, list) and value:
                item["author"] = dict(value[0])
        return item


class FeedEntry(BaseModel):
    """One entry of a partner feed, normalized from whatever feedparser gave us."""

    model_config = ConfigDict(defer_build=True)

    url: str
    guid: str | None = None
    title: str = ""
    authors: list[str] = Field(default_factory=list)
    published: str | None = None
    updated: str | None = None
    summary: str | None = None
    content_html: str | None = None
    tags: list[str] = Field(default_factory=list)


class ArticleMessage(BaseModel):
    """The body of one ArticleQueue message: an entry that is new or changed since last poll."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    partner: str
    feed_url: str
    canonical_url: str
    entry: FeedEntry
    entry_hash: str


class Article(BaseModel):
    """What extraction makes of one page, before attribution and rights are decided.

    `authors` are the page's own (JSON-LD, meta, rel=author, author boxes, body byline),
    already merged; the feed's are merged in later, when the record is built.
    """

    model_config = ConfigDict(defer_build=True)

    url: str
    title: str | None = None
    text: str = ""
    html: str = ""
    authors: list[Author] = Field(default_factory=list)
    date: str | None = None
    description: str | None = None
    sitename: str | None = None
    language: str | None = None
    licence: Licence | None = Field(default=None, description="the page's own licence statement, if any")
    canonical_url: str | None = None
    tags: list[str] = Field(default_factory=list)
    original_publisher: Publisher | None = Field(default=None, description="from a cross-post notice")
    byline_org: str | None = None
    images: list[Image] = Field(default_factory=list)
    lead_image: str | None = Field(default=None, description="the page's og:image, absolute")
    paywalled: bool = False
    author_sources: dict[str, str] = Field(
        default_factory=dict, description="name key -> where the page credits that author (attribution.authors)"
    )
    licence_found_in: str | None = Field(default=None, description="where the page states its licence")
    licence_seen: list[dict[str, str | bool]] = Field(
        default_factory=list,
        description="licences stated outside the evidence areas (sidebar...), and unversioned CC statements"
        " ('versioned': false): shown, never used",
    )
