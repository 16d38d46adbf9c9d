"""One function per rule: the attribution line, the rights order, timestamps, URL errors."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta, timezone

import pytest

from syndicate.attribution.licences import narrower, rank
from syndicate.attribution.record import attribution_line, licence_terms
from syndicate.clock import iso_z, parse_iso
from syndicate.errors import UrlError
from syndicate.extract import ExtractError
from syndicate.feeds.parse import FeedError
from syndicate.fetch import FetchError, RateLimited, RobotsDisallowed
from syndicate.model import Licence, Publisher

CC_BY = Licence(spdx="CC-BY-4.0", url="https://creativecommons.org/licenses/by/4.0/", republish="full")
RESERVED = Licence(spdx="LicenseRef-All-Rights-Reserved", republish="excerpt")
LSE = "https://blogs.lse.ac.uk/cff/2022/01/14/beijings-wait-and-see-approach-in-kazakhstan/"
CGSP = "https://chinaglobalsouth.com/analysis/beijings-wait-and-see-approach-in-kazakhstan/"
TITLE = "Beijing's 'Wait and See' Approach in Kazakhstan"


def test_licence_terms() -> None:
    assert licence_terms(CC_BY) == "licensed under CC BY 4.0"
    assert licence_terms(RESERVED) == "all rights reserved by the publisher"


def test_single_copy_line() -> None:
    assert attribution_line(TITLE, ["Lukas Fiala", "Hugo Jones"], "LSE Blogs", LSE, CC_BY) == (
        f"'{TITLE}' by Lukas Fiala and Hugo Jones, originally published on LSE Blogs ({LSE}), "
        "licensed under CC BY 4.0. Changes: boilerplate removed."
    )


def test_single_copy_line_names_where_it_first_appeared() -> None:
    first = Publisher(name="China Global South Project", url=CGSP, date_published="2022-01-14")
    line = attribution_line(TITLE, [], "LSE Blogs", LSE, CC_BY, first)
    assert line == (
        f"'{TITLE}', originally published on LSE Blogs ({LSE}) (first published by China Global South Project"
        " on 14 January 2022), licensed under CC BY 4.0. Changes: boilerplate removed."
    )
    same = Publisher(name="lse blogs", url=LSE)
    assert "first published" not in attribution_line(TITLE, [], "LSE Blogs", LSE, CC_BY, same)


def test_merged_line_names_the_other_copies_and_where_the_text_came_from() -> None:
    line = attribution_line(
        TITLE,
        ["Lukas Fiala", "Hugo Jones"],
        "China Global South Project",
        CGSP,
        CC_BY,
        republished_on=[("LSE Blogs", LSE), ("Other", "https://other.example/x/")],
        text_from="LSE Blogs",
    )
    assert line == (
        f"'{TITLE}' by Lukas Fiala and Hugo Jones, originally published on China Global South Project ({CGSP}), "
        f"republished on LSE Blogs ({LSE}); Other (https://other.example/x/) "
        "(text and licence from the LSE Blogs copy), licensed under CC BY 4.0. Changes: boilerplate removed."
    )
    alone = attribution_line(TITLE, ["A"], "China Global South Project", CGSP, RESERVED, republished_on=[])
    assert alone == attribution_line(TITLE, ["A"], "China Global South Project", CGSP, RESERVED)


def test_rights_order() -> None:
    assert rank("link") < rank("excerpt") < rank("full")
    assert narrower("full", "excerpt") == "excerpt"
    assert narrower("link", "full") == "link"
    assert max(["excerpt", "full", "link"], key=rank) == "full"


def test_iso_z_is_utc_whole_seconds_with_z() -> None:
    moment = datetime(2022, 1, 14, 9, 30, 0, 123456, tzinfo=UTC)
    assert iso_z(moment) == "2022-01-14T09:30:00Z"
    assert iso_z(moment.astimezone(timezone(timedelta(hours=2)))) == "2022-01-14T09:30:00Z"
    assert iso_z(datetime(2022, 1, 14, 9, 30)) == "2022-01-14T09:30:00Z", "naive is UTC"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022-01-14T09:30:00Z", datetime(2022, 1, 14, 9, 30, tzinfo=UTC)),
        ("2022-01-14T11:30:00+02:00", datetime(2022, 1, 14, 9, 30, tzinfo=UTC)),
        ("2022-01-14T09:30:00", datetime(2022, 1, 14, 9, 30, tzinfo=UTC)),
        ("not a time", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_iso_reads_back_what_iso_z_writes(value: str | None, expected: datetime | None) -> None:
    parsed = parse_iso(value)
    assert parsed == expected
    if parsed is not None:
        assert parsed.tzinfo is not None and iso_z(parsed) == "2022-01-14T09:30:00Z"


@pytest.mark.parametrize(
    "error",
    [
        FeedError("https://e.org/feed/", "not a feed"),
        ExtractError("https://e.org/a/", "no article text found"),
        FetchError("https://e.org/a/", "server error", 502),
        RateLimited("https://e.org/a/", "429 Too Many Requests", 429, 30.0),
        RobotsDisallowed("https://e.org/a/", "robots.txt unreadable", transient=True, retry_after=300.0),
    ],
    ids=lambda e: type(e).__name__,
)
def test_url_errors_name_url_and_reason_and_pickle_intact(error: UrlError) -> None:
    """One rule for every error about a URL: 'url: reason', and intact across processes."""
    assert str(error) == f"{error.url}: {error.reason}"
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error) and str(copy) == str(error) and vars(copy) == vars(error)
    if isinstance(error, FetchError):
        assert isinstance(copy, FetchError)
        assert (copy.status, copy.retry_after, copy.transient) == (error.status, error.retry_after, error.transient)
