"""What a feed reader sees of one item: language tags, the 1.0 `author`, the lead image, the
attribution paragraph and image credits in content_html, and the Atom rendering of a page."""

from __future__ import annotations

import json

import feedparser
import pytest

from syndicate.attribution.content import credit_images, lead_image, with_attribution
from syndicate.attribution.record import attribution_line
from syndicate.extract.sanitize import sanitize_html
from syndicate.model import FeedAuthor, Image, Licence, Record, SyndicateExt
from syndicate.publish.atom import entry_id, render_atom
from syndicate.publish.jsonfeed import feed_document
from syndicate.text.lang import bcp47

from fixtures.jsonfeed_rules import feed_errors

CC_BY = Licence(spdx="CC-BY-4.0", url="https://creativecommons.org/licenses/by/4.0/", republish="full")
IMG = "https://example.org/files/lead.jpg"


@pytest.mark.parametrize(
    ("raw", "tag"),
    [("en", "en"), ("en_GB", "en-GB"), ("EN-us", "en-US"), (" zh-hant-tw ", "zh-Hant-TW"), ("es-419", "es-419"),
     ("English", None), ("", None), (None, None), ("e", None), ("en-GB-oxendict", "en-GB")],
)
def test_language_tags_are_normalised_to_bcp47(raw, tag):
    assert bcp47(raw) == tag


def record(republish: str = "full", html: str | None = "<p>Body.</p>", **ext: object) -> Record:
    licence = CC_BY.model_copy(update={"republish": republish})
    return Record(
        id="0" * 32, url="https://example.org/a", title="A <Title> & more",
        authors=[FeedAuthor(name="Ann Lee", url="https://example.org/ann"), FeedAuthor(name="Bo Chen")],
        summary="The excerpt & nothing more.", content_html=html if republish == "full" else None,
        content_text=None if republish == "full" else "x",
        _syndicate=SyndicateExt(partner="p", source_url="https://example.org/a", canonical_url="https://example.org/a",
                                licence=licence, attribution="a", content_sha256="x", fetched_at="2024-01-01T00:00:00Z",
                                **ext),  # type: ignore[arg-type]
    )


def test_author_is_the_first_of_authors_even_after_a_copy_changes_them():
    item = record().model_copy(update={"authors": [FeedAuthor(name="Zed")]}).to_item()
    assert item["author"] == item["authors"][0] == {"name": "Zed"}  # type: ignore[index]
    assert "author" not in record().model_copy(update={"authors": []}).to_item()


def test_attribution_html_escapes_and_links_and_survives_the_sanitizer():
    line = attribution_line("A <Title> & more", ["Ann Lee", "Bo Chen"], "Pub", "https://example.org/a", CC_BY,
                            republished_on=[("Other", "https://other.example/a")], html=True)
    assert "A &lt;Title&gt; &amp; more" in line and "<Title>" not in line
    assert '<a href="https://example.org/a" rel="noopener noreferrer">Pub</a>' in line
    assert '<a href="https://creativecommons.org/licenses/by/4.0/" rel="noopener noreferrer">CC BY 4.0</a>' in line
    assert line.endswith("Changes: boilerplate removed.")
    published = with_attribution(record(), line).content_html or ""
    assert sanitize_html(published, "https://example.org/a") == published


def test_paragraph_is_appended_once_and_only_where_text_is_republished():
    line = "'T' by A, originally published on P. Changes: boilerplate removed."
    once = with_attribution(record(), line)
    assert once.content_html == "<p>Body.</p>\n<p>" + line + "</p>"
    assert with_attribution(once, line).content_html == once.content_html, "idempotent"
    excerpt = with_attribution(record("excerpt"), line)
    assert excerpt.content_html == "<p>The excerpt &amp; nothing more.</p>\n<p>" + line + "</p>"
    assert excerpt.content_text == "x", "content_text is left as it was"
    assert with_attribution(record("link"), line).content_html is None


def test_image_credit_goes_under_its_image():
    credited = [Image(url=IMG, credit="Photo by Ann", licence={"spdx": "CC-BY-SA-4.0",
                                                              "url": "https://creativecommons.org/licenses/by-sa/4.0/"})]
    html = credit_images(f'<p>Intro</p><p><img src="{IMG}" alt=""></p><p><img src="https://x/other.jpg"></p>', credited)
    assert html.count("<figure>") == 1 and html.count("<figcaption>") == 1
    assert f'<figure><img src="{IMG}" alt=""><figcaption>Image: Photo by Ann, <a href=' in html
    in_figure = credit_images(f'<figure><img src="{IMG}"><figcaption>Caption</figcaption></figure>', credited)
    assert in_figure.count("<figcaption>") == 1 and "Caption<br>Image: Photo by Ann" in in_figure
    assert credit_images(in_figure, credited) == in_figure, "a caption that already credits it is left"
    assert sanitize_html(html, IMG) == html


def test_lead_image_only_when_its_own_licence_allows():
    open_ = [Image(url=IMG, credit="c", licence={"spdx": "CC-BY-SA-4.0"})]
    assert lead_image(IMG, open_, "full") == IMG and lead_image(IMG, open_, "excerpt") == IMG
    assert lead_image(IMG, open_, "link") is None, "link-only carries no image"
    assert lead_image(IMG, [Image(url=IMG, credit="c")], "full") is None, "no licence of its own"
    assert lead_image(IMG, [Image(url=IMG, licence={"spdx": "LicenseRef-All-Rights-Reserved"})], "full") is None
    assert lead_image(IMG, [], "full") is None


def test_atom_pages_link_like_rfc5005_and_carry_the_item():
    item = with_attribution(record(), "line").model_copy(update={"date_published": "2024-02-03T04:05:06Z"})
    doc = json.loads(json.dumps(feed_document([item.to_item()], title="t", feed_url="https://f.example/feed.json",
                                              next_url="https://f.example/feed/p2.json",
                                              home_page_url="https://f.example/")))
    assert feed_errors(doc) == []
    atom = render_atom(doc, self_url="https://f.example/feed.atom", first_url="https://f.example/feed.atom",
                       next_url="https://f.example/feed/p2.atom", previous_url="https://f.example/feed/p0.atom")
    assert atom == render_atom(doc, self_url="https://f.example/feed.atom", first_url="https://f.example/feed.atom",
                               next_url="https://f.example/feed/p2.atom",
                               previous_url="https://f.example/feed/p0.atom"), "deterministic bytes"
    parsed = feedparser.parse(atom)
    assert parsed.bozo == 0 and parsed.version == "atom10"
    rels = {link.rel: link.href for link in parsed.feed.links}
    assert rels["self"] == rels["first"] == "https://f.example/feed.atom"
    assert rels["next"] == "https://f.example/feed/p2.atom" and rels["previous"] == "https://f.example/feed/p0.atom"
    (entry,) = parsed.entries
    assert entry.id == entry_id(doc["items"][0]) and entry.id.startswith("urn:uuid:")
    assert entry.link == "https://example.org/a" and [a.name for a in entry.authors] == ["Ann Lee", "Bo Chen"]
    assert entry.published == "2024-02-03T04:05:06+00:00"
    assert entry.rights == "a Licence: https://creativecommons.org/licenses/by/4.0/"
    assert entry.content[0].value.endswith("<p>line</p>")
    empty = feedparser.parse(render_atom({"title": "t", "items": []}, self_url="https://f/x", first_url="https://f/x"))
    assert empty.bozo == 0 and empty.entries == []
