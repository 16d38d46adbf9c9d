"""Which URLs the client accepts (fetch/urls.py), what each failure kind means for retrying
(errors.py), and the limiter's bounded wait. No sockets: see tests/integration for the client."""

from __future__ import annotations

import pickle
import socket
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syndicate.fetch import (
    Blocked,
    FetchError,
    InvalidUrl,
    NoTimeLeft,
    RateLimited,
    Refused,
    RobotsDisallowed,
    TimedOut,
    TooLarge,
    UnexpectedContent,
    Unresolvable,
    fetch_target,
)
from syndicate.fetch.guard import AddressPolicy, GuardedBackend, NameNotResolved
from syndicate.fetch.politeness import HostLimiter, WaitTooLong

from fixtures.clock import FakeClock


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://0177.0.0.1/x", "dotted-quad"),  # octal: 127.0.0.1 to the C resolver
        ("http://0x7f.0.0.1/", "dotted-quad"),  # hex
        ("http://0x7f000001/", "dotted-quad"),
        ("http://2130706433/", "dotted-quad"),  # one integer
        ("http://127.1/", "dotted-quad"),  # short form
        ("http://127.0.0.1.5/", "dotted-quad"),
        ("http://256.1.1.1/", "dotted-quad"),
        ("http://example.0x10/", "dotted-quad"),  # WHATWG: a host ending in a number is IPv4
        ("http://xn--zz.com/", "not a valid URL"),  # an A-label that does not decode
        ("http://①.com/", "not a valid URL"),  # IDNA 2008 refuses it
        ("http://[::1/", "not a valid URL"),
        ("http://[fe80::1%25eth0]/", "zone"),
        ("http://[1:2:3]/", "not a valid URL"),
        ("http://a b.com/", "invalid host name"),
        ("http://ex%41mple.com/", "invalid host name"),
        ("http://-a-.com/", "invalid host name"),
        ("http://a..com/", "invalid host name"),
        ("http://" + "a" * 64 + ".com/", "invalid host name"),
        ("http://" + ".".join(["abcdefgh"] * 30) + "/", "longer than 253"),
        ("http://example.com\\@127.0.0.1/", "backslash"),
        ("http://exa\tmple.com/", "control character"),
        ("http://example.com/\x00", "control character"),
        ("http:///path", "no host"),
        ("http://:80/", "no host"),
        ("http://example.com:0/", "port 0"),
        ("http://example.com:99999/", "not a valid URL"),
        ("http://example.com/" + "a" * 9000, "longer than 8192"),
    ],
)
def test_invalid_urls_are_permanent_invalid_url_errors_naming_the_url(url: str, why: str) -> None:
    with pytest.raises(InvalidUrl) as caught:
        fetch_target(url)
    assert why in caught.value.reason
    assert caught.value.kind == "invalid_url" and not caught.value.transient
    assert caught.value.url.startswith(url[:100])


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/", "javascript:alert(1)", "//example.com/"])
def test_other_schemes_are_refused(url: str) -> None:
    with pytest.raises(Refused, match="not allowed"):
        fetch_target(url)


@pytest.mark.parametrize(
    ("url", "host", "port"),
    [
        ("https://Blogs.LSE.ac.uk/cff/feed/", "blogs.lse.ac.uk", 443),
        ("http://example.com.:8080/a?b#c", "example.com.", 8080),
        ("http://93.184.216.34/", "93.184.216.34", 80),
        ("http://[2606:2800:220:1:248:1893:25c8:1946]/", "2606:2800:220:1:248:1893:25c8:1946", 80),
        ("http://bücher.example/", "bücher.example", 80),  # an IDN: sent as xn--bcher-kva
        ("http://my_host.example/", "my_host.example", 80),  # DNS allows underscores
        ("http://user:pw@example.com/a b/ü", "example.com", 80),  # odd paths are httpx's to encode
        ("http://123abc.example/", "123abc.example", 80),  # digits, but not a number at the end
    ],
)
def test_good_urls_parse_with_the_host_every_parser_agrees_on(url: str, host: str, port: int) -> None:
    target = fetch_target(url)
    assert (target.host, target.port) == (host, port)
    if host == "bücher.example":
        assert target.url.raw_host == b"xn--bcher-kva.example"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(max_size=80),
        st.builds(
            lambda scheme, host, rest: f"{scheme}://{host}{rest}",
            st.sampled_from(["http", "https", "HTTP", "ftp", ""]),
            st.text(alphabet="0123456789abcdefxX.-_:[]%@\\/ ①ü\u00a0\u200b", max_size=30),
            st.text(max_size=20),
        ),
    )
)
def test_fetch_target_raises_nothing_but_invalid_url_or_refused(url: str) -> None:
    try:
        target = fetch_target(url)
    except (InvalidUrl, Refused) as exc:
        assert not exc.transient
        return
    assert target.host and 0 < target.port < 65536
    assert target.url.scheme in ("http", "https")


# -- the error taxonomy: kind -> transient ----------------------------------------------------


@pytest.mark.parametrize(
    ("error", "kind", "transient"),
    [
        (InvalidUrl("u", "r"), "invalid_url", False),
        (Refused("u", "r"), "refused", False),
        (Unresolvable("u", "no such name", transient=False), "dns", False),
        (Unresolvable("u", "SERVFAIL", transient=True), "dns", True),
        (FetchError("u", "HTTP 404", 404), "http", False),
        (FetchError("u", "HTTP 410", 410), "http", False),
        (FetchError("u", "HTTP 400", 400), "http", False),
        (FetchError("u", "HTTP 500", 500), "http", True),
        (FetchError("u", "HTTP 502", 502), "http", True),
        (FetchError("u", "HTTP 408", 408), "http", True),
        (FetchError("u", "connection refused"), "http", True),
        (Blocked("u", "HTTP 403", 403), "blocked", False),
        (RateLimited("u", "HTTP 429", 429, None), "rate_limited", True),
        (RateLimited("u", "HTTP 503", 503, 60.0), "rate_limited", True),
        (RobotsDisallowed("u", "disallowed"), "robots", False),
        (RobotsDisallowed("u", "unreachable", transient=True, retry_after=300.0), "robots", True),
        (TooLarge("u", "r", 200), "too_large", False),
        (UnexpectedContent("u", "not HTML", 200), "content", False),
        (TimedOut("u", "r"), "timeout", True),
        (NoTimeLeft("u", "r"), "no_time", True),
    ],
)
def test_every_kind_says_whether_retrying_can_help(error: FetchError, kind: str, transient: bool) -> None:
    assert (error.kind, error.transient) == (kind, transient)
    copy = pickle.loads(pickle.dumps(error))  # crosses process boundaries intact
    assert (type(copy), copy.kind, copy.transient, str(copy)) == (type(error), kind, transient, str(error))


def test_name_resolution_failures_say_whether_they_may_clear() -> None:
    def resolver_raising(exc: OSError):
        def resolve(host: str, port: int) -> list[str]:
            raise exc

        return resolve

    missing = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    with pytest.raises(NameNotResolved) as caught:
        GuardedBackend(AddressPolicy(), resolver_raising(missing)).checked_addresses("nowhere.example", 80)
    assert not caught.value.transient
    trouble = socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
    with pytest.raises(NameNotResolved) as caught:
        GuardedBackend(AddressPolicy(), resolver_raising(trouble)).checked_addresses("partner.example", 80)
    assert caught.value.transient


# -- the limiter's bounded wait ---------------------------------------------------------------


def test_acquire_with_max_wait_refuses_a_long_wait_and_reserves_nothing() -> None:
    clock = FakeClock(100.0)
    limiter = HostLimiter(max_per_host=2, min_delay=1.0, clock=clock, sleep=clock.sleep, exempt_hosts=frozenset())
    limiter.set_crawl_delay("partner.example", 30.0)
    limiter.acquire("partner.example", max_wait=5.0)  # the first request goes at once
    limiter.release("partner.example")
    with pytest.raises(WaitTooLong) as caught:
        limiter.acquire("partner.example", max_wait=5.0)  # the next one is 30 s away
    assert caught.value.wait == pytest.approx(30.0) and clock.sleeps == []
    limiter.acquire("partner.example", max_wait=31.0)  # nothing was reserved by the refusal
    assert clock.sleeps == [pytest.approx(30.0)]
    limiter.release("partner.example")


def test_acquire_with_max_wait_does_not_wait_for_a_busy_host_past_it() -> None:
    limiter = HostLimiter(max_per_host=1, min_delay=0.0, exempt_hosts=frozenset())
    limiter.acquire("partner.example")
    with pytest.raises(WaitTooLong):
        limiter.acquire("partner.example", max_wait=0.05)
    freed = threading.Timer(0.05, limiter.release, args=("partner.example",))
    freed.start()
    limiter.acquire("partner.example", max_wait=2.0)  # a slot freed within the wait is taken
    limiter.release("partner.example")
    freed.join()
