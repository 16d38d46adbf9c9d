"""The search API's parameter rules and answer shape, and which text of a record is indexed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest

from syndicate.search import CommitReport, SearchDoc, SearchHit, SearchQuery, SearchResults
from syndicate.search.api import MAX_PAGE, answer
from syndicate.search.documents import republishable_text, search_doc
from syndicate.search.tantivy_index import char_ranges, name_tokens


class FakeIndex:
    """Records the query it was asked and answers `total` hits, one page's worth."""

    def __init__(self, total: int = 0) -> None:
        self.total, self.asked = total, []  # type: ignore[var-annotated]

    def upsert(self, docs: Sequence[SearchDoc]) -> None: ...
    def delete(self, ids: Sequence[str]) -> None: ...
    def commit(self) -> CommitReport:
        return CommitReport()

    def exists(self) -> bool:
        return True

    def search(self, query: SearchQuery) -> SearchResults:
        self.asked.append(query)
        n = max(0, min(query.limit, self.total - query.offset))
        hit = SearchHit(
            "i", "T", "https://x/", ("A B",), "2022-01-14", "p", "CC-BY-4.0", "full", 1.23456, "s", ((0, 1),)
        )
        return SearchResults(self.total, [hit] * n)


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({}, "give q"),
        ({"q": "x", "page": "0"}, "page"),
        ({"q": "x", "page": "two"}, "page"),
        ({"q": "x", "page": str(MAX_PAGE + 1)}, "page"),
        ({"q": "x", "from": "2022-13-01"}, "from is not a real date"),
        ({"q": "x", "to": "14/01/2022"}, "to must be a date"),
        ({"q": "x", "from": "2022-02-01", "to": "2022-01-01"}, "from is after to"),
        ({"q": "x", "partner": "LSE Blogs"}, "partner"),
        ({"q": "x" * 201}, "q is longer"),
        ({"q": "x", "author": "a" * 101}, "author is longer"),
        ({"q": ["a", "b"]}, "at most once"),
        ({"q": "a\x00b"}, "control characters"),
        ({"q": "x", "licence": "CC BY"}, "licence"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(params: dict[str, Any], error: str) -> None:
    index = FakeIndex()
    status, body = answer(index, params)
    assert status == 400 and error in body["error"] and set(body) == {"error"}
    assert not index.asked, "nothing reaches the index"


def test_answer_pages_and_echoes_the_validated_query() -> None:
    index = FakeIndex(total=25)
    status, body = answer(
        index, {"q": " kazakhstan ", "partner": "lse-blogs", "from": "2022-01-01", "page": "2", "_": "1"}
    )
    assert status == 200
    (asked,) = index.asked
    assert asked.offset == 10 and asked.limit == 10 and asked.date_from == date(2022, 1, 1)
    assert body["query"] == {
        "q": "kazakhstan",
        "partner": "lse-blogs",
        "author": None,
        "licence": None,
        "from": "2022-01-01",
        "to": None,
    }
    assert body["page"] == 2 and body["total"] == 25 and body["next_page"] == 3 and len(body["hits"]) == 10
    assert body["hits"][0] == {
        "id": "i",
        "title": "T",
        "url": "https://x/",
        "authors": ["A B"],
        "date": "2022-01-14",
        "partner": "p",
        "licence": "CC-BY-4.0",
        "decision": "full",
        "score": 1.2346,
        "snippet": "s",
        "snippet_highlights": [[0, 1]],
    }
    assert answer(index, {"q": "x", "page": "3"})[1]["next_page"] is None


def _item(decision: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": "r",
        "url": "https://x/",
        "title": "T & more",
        "authors": [{"name": "Ana Kovač"}],
        "summary": "Summary words.",
        "date_published": "2022-01-14T08:00:00Z",
        "_syndicate": {
            "partner": "cgsp",
            "also_published_at": [{"partner": "lse-blogs", "url": "u"}],
            "licence": {"spdx": "CC-BY-4.0", "republish": decision},
        },
        **fields,
    }


def test_only_republished_text_is_indexed() -> None:
    body = "<p>Summary words. And the <em>body</em> deep inside.</p>"
    assert republishable_text(_item("full", content_html=body)) == "Summary words. And the body deep inside."
    # An excerpt record is indexed on its excerpt, whatever else it might carry.
    excerpt = _item("excerpt", content_text="The excerpt.", content_html=body)
    assert republishable_text(excerpt) == "Summary words. The excerpt."
    assert republishable_text(_item("link", content_text="Our attribution line.")) == ""
    assert republishable_text(_item("something-new", content_html=body)) == "", "unknown counts as link"
    doc = search_doc(_item("full", content_html=body))
    assert doc.partners == ("cgsp", "lse-blogs") and doc.partner == "cgsp" and doc.authors == ("Ana Kovač",)
    assert doc.title == "T & more" and doc.decision == "full" and doc.licence == "CC-BY-4.0"


def test_highlight_offsets_are_characters_and_names_tokenize_like_the_index() -> None:
    text = "Über die Straße — protesting"
    start = len("Über die Straße — ".encode())
    assert char_ranges(text, [(start, start + len("protesting"))]) == ((18, 28),)
    assert text[18:28] == "protesting"
    assert name_tokens("Ana Kovač-Smith, Jr.") == ["ana", "kovač", "smith", "jr"]
