"""The fetch client against a real loopback server that misbehaves on purpose.

Every test talks to `SiteServer` on 127.0.0.1 only. Names such as `partner.test` and
`evil.test` come from a test resolver, and every client here carries an `on_connect` hook
that fails the test if a connection to anything but 127.0.0.1 is ever attempted: if the
guard were broken, the test would fail before a packet left the machine. Caps and
deadlines are small, so each test ends in well under a few seconds.
"""

from __future__ import annotations

import gzip
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from syndicate.fetch import (
    AddressPolicy,
    Blocked,
    FetchError,
    HostLimiter,
    HttpClient,
    RateLimited,
    Refused,
    RobotsDisallowed,
    TimedOut,
    TooLarge,
    UnexpectedContent,
)
from syndicate_demo import site_root

from fixtures.clock import FakeClock
from fixtures.http import SiteServer

LSE_FEED = "/lse/cff/feed/"
LSE_SEED = "/lse/cff/2022/01/14/beijings-wait-and-see-approach-in-kazakhstan/"

NAMES = {
    "partner.test": ["127.0.0.1"],
    "evil.test": ["169.254.169.254"],
    "intranet.test": ["10.0.0.1"],
    "mixed.test": ["93.184.216.34", "10.0.0.1"],  # one public, one private
    "mapped.test": ["::ffff:169.254.169.254"],
}


def fake_resolver(host: str, port: int) -> list[str]:
    try:
        return list(NAMES[host])
    except KeyError:
        raise OSError(f"test resolver knows no {host!r}") from None


class ConnectLog:
    """Records every connect the guard lets through; anything but loopback fails the test."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def __call__(self, address: str, port: int) -> None:
        self.calls.append((address, port))
        if address not in ("127.0.0.1", "::1"):
            pytest.fail(f"the guard let a connection to {address}:{port} through")


@pytest.fixture
def connects() -> ConnectLog:
    return ConnectLog()


@pytest.fixture
def make_client(site_server: SiteServer, connects: ConnectLog) -> Iterator[Callable[..., HttpClient]]:
    """Clients that may reach exactly the test server's port on 127.0.0.1, and nothing else."""
    made: list[HttpClient] = []

    def make(**kwargs: object) -> HttpClient:
        options: dict[str, object] = {
            "policy": AddressPolicy(allow_endpoints=frozenset({("127.0.0.1", site_server.port)})),
            "resolver": fake_resolver,
            "on_connect": connects,
            "connect_timeout": 2.0,
            "total_timeout": 3.0,
            "per_host_delay": 0.0,
        }
        options.update(kwargs)
        client = HttpClient(**options)  # type: ignore[arg-type]
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def partner_url(server: SiteServer, path: str) -> str:
    return f"http://partner.test:{server.port}{path}"


# -- the address guard, on the first request and on every redirect ----------------------------


def test_a_name_for_the_allowed_server_works_and_keeps_its_host_header(site_server, make_client, connects):
    calls = 0

    def counting(host: str, port: int) -> list[str]:
        nonlocal calls
        calls += 1
        return fake_resolver(host, port)

    client = make_client(resolver=counting, contact_url="https://syndicate.example.org/bot")
    result = client.get(partner_url(site_server, LSE_FEED))
    assert result.status == 200 and b"<rss" in result.body
    assert connects.calls == [("127.0.0.1", site_server.port)]  # connected to the checked address
    assert calls == 1  # resolved once: no second lookup a rebinding DNS could answer differently
    logged = site_server.requests[-1].headers
    assert logged["host"] == f"partner.test:{site_server.port}"
    assert logged["user-agent"] == "syndicate/0.1.0 (+https://syndicate.example.org/bot)"


def test_loopback_is_refused_by_default_before_connecting(site_server, connects):
    with HttpClient(on_connect=connects) as client, pytest.raises(Refused, match="loopback address"):
        client.get(site_server.url(LSE_FEED))
    assert connects.calls == [] and site_server.count() == 0


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("evil.test", "evil.test resolves to 169.254.169.254, which is a cloud metadata address"),
        ("intranet.test", "resolves to 10.0.0.1, which is a private address"),
        ("mixed.test", "resolves to 10.0.0.1, which is a private address"),
        ("mapped.test", "cloud metadata address"),
    ],
)
def test_names_resolving_to_forbidden_addresses_are_refused(make_client, connects, host, reason):
    client = make_client()
    with pytest.raises(Refused) as caught:
        client.get(f"http://{host}/latest/meta-data/")
    assert reason in caught.value.reason
    assert connects.calls == []  # refused before any connect, even to mixed.test's public address


@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data/iam/",
        "http://evil.test/latest/meta-data/",
        "http://intranet.test:8080/admin",
        "http://0.0.0.0:{port}/",
        "http://[::ffff:169.254.169.254]/",
        "file:///etc/passwd",
        "gopher://partner.test/",
    ],
)
def test_redirects_to_forbidden_places_are_refused(site_server, make_client, connects, location):
    site_server.route("/go", status=302, headers={"Location": location.format(port=site_server.port)})
    client = make_client()
    with pytest.raises(Refused):
        client.get(partner_url(site_server, "/go"))
    assert connects.calls == [("127.0.0.1", site_server.port)]  # only the first hop connected


@pytest.mark.parametrize(
    "form", ["http://127.0.0.1:{port}/", "http://[::ffff:127.0.0.1]:{port}/", "http://localhost:{port}/"]
)
def test_redirect_to_another_loopback_server_is_refused_and_it_sees_nothing(site_server, connects, form):
    """The policy opens exactly one loopback endpoint; a second server on 127.0.0.1 stays shut."""
    with SiteServer(site_root()) as other:
        site_server.route("/go", status=301, headers={"Location": form.format(port=other.port)})
        policy = AddressPolicy(allow_endpoints=frozenset({("127.0.0.1", site_server.port)}))
        with (
            HttpClient(policy=policy, on_connect=connects, per_host_delay=0) as client,
            pytest.raises(Refused, match="loopback address"),
        ):
            client.get(site_server.url("/go"))
        assert other.count() == 0
    assert site_server.count("/go") == 1


def test_redirect_chain_over_the_limit_stops(site_server, make_client):
    for hop in range(10):
        site_server.route(f"/r{hop}", status=302, headers={"Location": f"/r{hop + 1}"})
    client = make_client(max_redirects=3)
    with pytest.raises(FetchError, match="more than 3 redirects"):
        client.get(partner_url(site_server, "/r0"))
    assert site_server.count() == 4  # the first request and three redirects, no more


def test_redirects_within_the_limit_are_followed_and_recorded(site_server, make_client):
    site_server.route("/old-feed", status=301, headers={"Location": "{{BASE}}" + LSE_FEED})
    client = make_client(policy=AddressPolicy(allow_loopback=True))
    result = client.get(site_server.url("/old-feed"))
    assert result.status == 200 and result.url == site_server.url(LSE_FEED)
    assert result.redirects == [(301, site_server.url(LSE_FEED))]


# -- timeouts ---------------------------------------------------------------------------------


def test_slow_drip_ends_at_the_total_deadline(site_server, make_client):
    # Every byte arrives well within any per-read timeout; only a total deadline can end it.
    site_server.route("/drip", body=b"<rss>", drip=(b"<item/>", 0.05, 10_000))
    client = make_client(total_timeout=0.6)
    started = time.monotonic()
    with pytest.raises(TimedOut, match=r"within the 0.6 s deadline"):
        client.get(partner_url(site_server, "/drip"))
    assert time.monotonic() - started < 1.5


def test_headers_that_never_come_end_at_the_deadline(site_server, make_client):
    site_server.route("/stall", delay=10)
    client = make_client(total_timeout=0.4)
    started = time.monotonic()
    with pytest.raises(TimedOut):
        client.get(partner_url(site_server, "/stall"))
    assert time.monotonic() - started < 1.5


def test_the_deadline_covers_the_whole_redirect_chain(site_server, make_client):
    # Each hop alone answers within the deadline; together they do not.
    for hop in range(3):
        site_server.route(f"/slow{hop}", status=302, headers={"Location": f"/slow{hop + 1}"}, delay=0.25)
    site_server.route("/slow3", body="done", delay=0.25)
    client = make_client(total_timeout=0.6)
    started = time.monotonic()
    with pytest.raises(TimedOut, match="deadline"):
        client.get(partner_url(site_server, "/slow0"))
    assert time.monotonic() - started < 0.9
    assert make_client(total_timeout=3).get(partner_url(site_server, "/slow0")).body == b"done"


def test_a_hanging_dns_lookup_ends_at_the_connect_timeout(make_client):
    import threading

    release = threading.Event()

    def hanging(host: str, port: int) -> list[str]:
        release.wait(10)
        return ["127.0.0.1"]

    client = make_client(resolver=hanging, connect_timeout=0.3)
    started = time.monotonic()
    try:
        with pytest.raises(TimedOut, match="connect"):
            client.get("http://slow-dns.test/")
    finally:
        release.set()
    assert time.monotonic() - started < 1.5


# -- body caps --------------------------------------------------------------------------------


def test_endless_body_stops_at_the_cap(site_server, make_client):
    site_server.route("/endless", drip=(b"x" * 65536, 0.0, 100_000))
    client = make_client(max_bytes=256 * 1024)
    started = time.monotonic()
    with pytest.raises(TooLarge, match="over the 262144-byte cap"):
        client.get(partner_url(site_server, "/endless"))
    assert time.monotonic() - started < 2


def test_gzip_bomb_stops_at_the_decompressed_cap_without_inflating_it(site_server, make_client):
    bomb = gzip.compress(b"\0" * (20 * 1024 * 1024), compresslevel=9)  # ~20 KiB on the wire
    assert len(bomb) < 64 * 1024
    site_server.route("/bomb.xml", body=bomb, headers={"Content-Encoding": "gzip"}, content_type="application/rss+xml")
    client = make_client(max_bytes=512 * 1024)
    tracemalloc.start()
    try:
        with pytest.raises(TooLarge, match="decoded body over the 524288-byte cap"):
            client.get(partner_url(site_server, "/bomb.xml"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024, f"inflating the bomb used {peak} bytes of Python memory"


def test_a_gzip_body_under_the_cap_is_decoded(site_server, make_client):
    text = (site_root() / "lse/cff/feed/index.xml").read_bytes()
    site_server.route("/z.xml", body=gzip.compress(text), headers={"Content-Encoding": "gzip"})
    result = make_client().get(partner_url(site_server, "/z.xml"))
    assert result.body.startswith(b"<?xml") and len(result.body) == len(text)


def test_compressed_bytes_count_against_the_raw_cap(site_server, make_client):
    import os

    noise = gzip.compress(os.urandom(300_000))  # incompressible: bigger on the wire than decoded cap allows
    site_server.route("/noise", body=noise, headers={"Content-Encoding": "gzip"})
    client = make_client(max_bytes=10_000_000, max_raw_bytes=100_000)
    with pytest.raises(TooLarge, match=r"raw body over the 100000-byte cap|declared body"):
        client.get(partner_url(site_server, "/noise"))


def test_declared_content_length_over_the_cap_is_refused_before_reading(site_server, make_client):
    site_server.route("/huge", body=b"tiny", headers={"Content-Length": "999999999"})
    with pytest.raises(TooLarge, match="declared body of 999999999 bytes"):
        make_client(max_bytes=1000).get(partner_url(site_server, "/huge"))


def test_content_length_larger_than_the_body_is_a_broken_response(site_server, make_client):
    site_server.route("/short", body=b"only ten b", headers={"Content-Length": "100"})
    started = time.monotonic()
    with pytest.raises(FetchError, match="broken response") as caught:
        make_client().get(partner_url(site_server, "/short"))
    assert caught.value.transient
    assert time.monotonic() - started < 2


def test_content_length_smaller_than_the_body_reads_only_what_was_declared(site_server, make_client):
    site_server.route("/lies", body=b"12345", headers={"Content-Length": "5"}, drip=(b"x" * 1000, 0.01, 1000))
    started = time.monotonic()
    result = make_client().get(partner_url(site_server, "/lies"))
    assert result.body == b"12345"
    assert time.monotonic() - started < 2


def test_an_encoding_we_did_not_ask_for_is_refused(site_server, make_client):
    site_server.route("/br", body=b"\x8b\x02\x80hello\x03", headers={"Content-Encoding": "br"})
    with pytest.raises(UnexpectedContent, match="unsupported Content-Encoding 'br'"):
        make_client().get(partner_url(site_server, "/br"))


# -- status sequences: 304, 429, 503, 403 with Retry-After -------------------------------------


def test_304_429_503_403_sequence_with_retry_after(site_server, make_client):
    clock = FakeClock(1000.0)
    wall = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    limiter = HostLimiter(max_per_host=2, min_delay=0.0, clock=clock, sleep=clock.sleep)
    client = make_client(limiter=limiter, now=lambda: wall)
    url = partner_url(site_server, LSE_FEED)

    first = client.get(url)
    assert first.status == 200 and first.etag
    again = client.get(url, etag=first.etag, last_modified=first.last_modified)
    assert again.not_modified and again.body == b""

    site_server.route(LSE_FEED, status=429, headers={"Retry-After": "120"}, times=1)
    with pytest.raises(RateLimited) as caught:
        client.get(url, etag=first.etag)
    assert (caught.value.status, caught.value.retry_after, caught.value.kind) == (429, 120.0, "rate_limited")
    assert caught.value.transient

    sent = site_server.count()
    clock.now += 60  # still inside the window: nothing is sent, the caller learns how long is left
    with pytest.raises(RateLimited, match="nothing sent") as caught:
        client.get(url)
    assert caught.value.retry_after == pytest.approx(60.0)
    with pytest.raises(RateLimited):  # pages of that host wait too: feeds and pages share the window
        client.get_page(partner_url(site_server, LSE_SEED))
    assert site_server.count() == sent

    clock.now += 61
    retry_at = format_datetime(wall + timedelta(seconds=300), usegmt=True)
    site_server.route(LSE_FEED, status=503, headers={"Retry-After": retry_at}, times=1)
    with pytest.raises(RateLimited) as caught:
        client.get(url)
    assert caught.value.status == 503 and caught.value.retry_after == pytest.approx(300.0)

    clock.now += 301
    site_server.route(LSE_FEED, status=403, body="<h1>Access denied</h1>", times=1)
    with pytest.raises(Blocked) as caught:
        client.get(url)
    assert (caught.value.status, caught.value.kind, caught.value.transient) == (403, "blocked", False)

    assert client.get(url, etag=first.etag).not_modified  # the feed is back, unchanged


def test_503_without_retry_after_leaves_backoff_to_the_caller(site_server, make_client):
    site_server.route("/down", status=503, times=1)
    client = make_client()
    with pytest.raises(RateLimited) as caught:
        client.get(partner_url(site_server, "/down"))
    assert caught.value.retry_after is None
    site_server.route("/down", body="back", content_type="text/plain")
    assert client.get(partner_url(site_server, "/down")).body == b"back"  # no window was opened


def test_other_errors_say_whether_to_retry(site_server, make_client):
    client = make_client()
    with pytest.raises(FetchError) as missing:
        client.get(partner_url(site_server, "/nope/"))
    assert missing.value.status == 404 and not missing.value.transient
    site_server.route("/boom", status=500)
    with pytest.raises(FetchError) as boom:
        client.get(partner_url(site_server, "/boom"))
    assert boom.value.status == 500 and boom.value.transient


# -- politeness --------------------------------------------------------------------------------


def test_per_host_delay_is_shared_by_feeds_and_pages(site_server, make_client):
    clock = FakeClock(1000.0)
    limiter = HostLimiter(max_per_host=1, min_delay=2.0, clock=clock, sleep=clock.sleep, exempt_hosts=frozenset())
    client = make_client(limiter=limiter)
    starts: list[float] = []
    original = limiter.acquire

    def recording(host: str) -> None:
        original(host)
        starts.append(clock.now)

    limiter.acquire = recording  # type: ignore[method-assign]
    client.get_feed(partner_url(site_server, LSE_FEED))
    client.get_page(partner_url(site_server, LSE_SEED))  # robots.txt, then the page
    client.get_page(partner_url(site_server, LSE_SEED))  # robots.txt is cached now
    assert starts == [1000.0, 1002.0, 1004.0, 1006.0]
    assert clock.sleeps == [2.0, 2.0, 2.0]
    assert site_server.count("/robots.txt") == 1


def test_robots_txt_disallow_blocks_the_page_and_nothing_is_fetched(site_server, make_client):
    site_server.route(
        "/robots.txt",
        body="User-agent: otherbot\nDisallow: /\n\nUser-agent: syndicate\nDisallow: /lse/cff/2022/\nAllow: /\n",
        content_type="text/plain",
    )
    client = make_client()
    with pytest.raises(RobotsDisallowed, match="disallows") as caught:
        client.get_page(partner_url(site_server, LSE_SEED))
    assert not caught.value.transient
    assert site_server.count(LSE_SEED) == 0
    assert client.get_page(partner_url(site_server, "/lse/")).status == 200
    assert not client.robots_allowed(partner_url(site_server, LSE_SEED))
    assert site_server.count("/robots.txt") == 1  # cached per origin


def test_robots_txt_5xx_disallows_for_now_and_4xx_allows(site_server, make_client):
    site_server.route("/robots.txt", status=500, times=1)
    client = make_client(robots_error_ttl=0.0)
    with pytest.raises(RobotsDisallowed, match="unreachable") as caught:
        client.get_page(partner_url(site_server, LSE_SEED))
    assert caught.value.transient and site_server.count(LSE_SEED) == 0
    site_server.route("/robots.txt", status=404)
    assert client.get_page(partner_url(site_server, LSE_SEED)).status == 200


def test_robots_txt_that_drips_forever_is_unreachable_not_a_hang(site_server, make_client):
    site_server.route("/robots.txt", drip=(b"#", 0.05, 10_000))
    client = make_client(total_timeout=0.4)
    started = time.monotonic()
    with pytest.raises(RobotsDisallowed, match="unreachable"):
        client.get_page(partner_url(site_server, LSE_SEED))
    assert time.monotonic() - started < 1.5


# -- content types -----------------------------------------------------------------------------


def test_feed_and_page_content_checks(site_server, make_client):
    client = make_client()
    site_server.route("/image/", body=b"\x89PNG\r\n\x1a\n", content_type="image/png")
    with pytest.raises(UnexpectedContent, match="not an HTML page"):
        client.get_page(partner_url(site_server, "/image/"))
    with pytest.raises(UnexpectedContent, match="not a feed"):
        client.get_feed(partner_url(site_server, "/image/"))
    # a feed served as text/html (a misconfigured CDN) is sniffed and accepted
    site_server.route(
        "/html-feed/", body=(site_root() / "lse/cff/feed/index.xml").read_text(), content_type="text/html"
    )
    assert client.get_feed(partner_url(site_server, "/html-feed/")).status == 200
