"""robots.txt rules, RFC 9309 error handling and caching, with a fake fetch and a fake clock."""

from __future__ import annotations

import pytest

from syndicate.fetch.errors import Blocked, FetchError, RateLimited, Refused, RobotsDisallowed, TimedOut
from syndicate.fetch.result import FetchResult
from syndicate.fetch.robots import RobotsCache, origin_of

WORDPRESS = b"""User-agent: *
Disallow: /wp-admin/
Allow: /wp-admin/admin-ajax.php

User-agent: syndicate
Disallow: /private/
Disallow: /*?preview=
Allow: /private/press/
Crawl-delay: 4
"""


class Site:
    def __init__(self, answer: bytes | Exception) -> None:
        self.answer = answer
        self.fetched: list[str] = []
        self.now = 0.0

    def fetch(self, url: str) -> FetchResult:
        self.fetched.append(url)
        if isinstance(self.answer, Exception):
            raise self.answer
        return FetchResult(url=url, status=200, body=self.answer)

    def clock(self) -> float:
        return self.now


def cache(site: Site, **kwargs: object) -> RobotsCache:
    return RobotsCache(site.fetch, "syndicate", clock=site.clock, **kwargs)  # type: ignore[arg-type]


def test_rules_for_our_agent_with_longest_match_and_wildcards() -> None:
    site = Site(WORDPRESS)
    delays: list[tuple[str, float | None]] = []
    robots = cache(site, on_crawl_delay=lambda host, d: delays.append((host, d)))
    assert robots.allowed("https://partner.example/2024/01/article/")
    assert not robots.allowed("https://partner.example/private/notes/")
    assert robots.allowed("https://partner.example/private/press/release/")  # longer Allow wins
    assert not robots.allowed("https://partner.example/2024/01/article/?preview=true")
    # our group replaces the * group, so /wp-admin/ is not disallowed for us
    assert robots.allowed("https://partner.example/wp-admin/")
    assert site.fetched == ["https://partner.example:443/robots.txt"]
    assert delays == [("partner.example", 4.0)]


def test_cached_for_the_ttl_per_origin() -> None:
    site = Site(WORDPRESS)
    robots = cache(site, ttl=100)
    robots.allowed("https://partner.example/a")
    robots.allowed("https://PARTNER.example:443/b")
    site.now = 99
    robots.allowed("https://partner.example/c")
    assert len(site.fetched) == 1
    robots.allowed("http://partner.example/a")  # another scheme is another origin
    assert len(site.fetched) == 2
    site.now = 101
    robots.allowed("https://partner.example/d")
    assert len(site.fetched) == 3


@pytest.mark.parametrize(
    "error", [FetchError("u", "HTTP 404", 404), FetchError("u", "HTTP 410", 410), Blocked("u", "HTTP 403", 403)]
)
def test_4xx_means_no_rules(error: FetchError) -> None:
    robots = cache(Site(error))
    verdict = robots.verdict("https://partner.example/private/")
    assert verdict.allowed and "no robots.txt rules" in verdict.reason


@pytest.mark.parametrize(
    "error",
    [
        FetchError("u", "HTTP 500", 500),
        RateLimited("u", "HTTP 503", 503, None),
        RateLimited("u", "HTTP 429", 429, 60.0),
        TimedOut("u", "no complete response"),
        FetchError("u", "ConnectError: connection refused"),
    ],
)
def test_unreachable_means_disallowed_for_now_and_asked_again_soon(error: FetchError) -> None:
    site = Site(error)
    robots = cache(site, ttl=3600, error_ttl=30)
    with pytest.raises(RobotsDisallowed, match="unreachable") as caught:
        robots.check("https://partner.example/article/")
    assert caught.value.transient and caught.value.retry_after == max(30, error.retry_after or 0)
    site.answer = WORDPRESS
    site.now = 29
    assert not robots.allowed("https://partner.example/article/")
    site.now = 61  # past error_ttl and any Retry-After
    assert robots.allowed("https://partner.example/article/")
    assert len(site.fetched) == 2


def test_refused_robots_host_is_refused_not_disallowed() -> None:
    robots = cache(Site(Refused("u", "10.0.0.1 is a private address")))
    with pytest.raises(Refused):
        robots.allowed("http://intranet.example/page")


def test_garbage_robots_txt_means_no_rules() -> None:
    robots = cache(Site(b"\x00\xff<html><body>Not found</body></html>"))
    assert robots.allowed("https://partner.example/private/")


def test_origin_of() -> None:
    assert origin_of("https://Partner.Example/x?y") == "https://partner.example:443"
    assert origin_of("http://partner.example:8080/") == "http://partner.example:8080"
    assert origin_of("http://[::1]:81/") == "http://[::1]:81"
