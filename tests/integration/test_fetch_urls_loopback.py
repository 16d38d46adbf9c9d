"""The fetch client against the loopback test server with URLs nobody should send us: every
problem is a FetchError naming the URL, odd IPv4 forms never reach 127.0.0.1 whatever the
policy, and a caller's deadline bounds the politeness waits (robots.txt Crawl-delay).

Every client here carries an `on_connect` hook that records each connection the guard lets
through, so "nothing was contacted" is checked where it happens.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syndicate.fetch import AddressPolicy, FetchError, HostLimiter, HttpClient, InvalidUrl, NoTimeLeft, Unresolvable

from fixtures.http import SiteServer

LSE_SEED = "/lse/cff/2022/01/14/beijings-wait-and-see-approach-in-kazakhstan/"
LSE_OTHER = "/lse/cff/2022/01/27/the-beijing-winter-olympics-as-a-stage-for-chinas-diplomacy/"


def resolver(host: str, port: int) -> list[str]:
    if host == "partner.test":
        return ["127.0.0.1"]
    if host == "nowhere.test":  # what getaddrinfo says for a name that does not exist
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    raise OSError(f"test resolver knows no {host!r}")


def client_for(server: SiteServer, connects: list[tuple[str, int]], **kwargs: object) -> HttpClient:
    options: dict[str, object] = {
        "policy": AddressPolicy(allow_endpoints=frozenset({("127.0.0.1", server.port)})),
        "resolver": resolver,
        "on_connect": lambda address, port: connects.append((address, port)),
        "connect_timeout": 2.0,
        "total_timeout": 3.0,
        "per_host_delay": 0.0,
    }
    options.update(kwargs)
    return HttpClient(**options)  # type: ignore[arg-type]


ODD_LOOPBACK = ["0177.0.0.1", "0x7f.0.0.1", "0x7f000001", "2130706433", "127.1", "017700000001", "127.0.1"]


@pytest.mark.parametrize("allow_loopback", [False, True])
@pytest.mark.parametrize("host", ODD_LOOPBACK)
def test_odd_ipv4_forms_never_reach_loopback(site_server, allow_loopback, host):
    """Refused as invalid before any resolution: with --allow-loopback off nothing may reach
    127.0.0.1, and even with it on no parser gets to decide what `0177.0.0.1` means."""
    connects: list[tuple[str, int]] = []
    policy = AddressPolicy(allow_loopback=allow_loopback)
    with client_for(site_server, connects, policy=policy, resolver=_no_resolution) as client:
        for fetch in (client.get, client.get_page, client.get_feed, client.check_url):
            with pytest.raises(InvalidUrl, match="dotted-quad") as caught:
                fetch(f"http://{host}:{site_server.port}{LSE_SEED}")
            assert host in str(caught.value) and not caught.value.transient
    assert connects == [] and site_server.count() == 0


def _no_resolution(host: str, port: int) -> list[str]:
    pytest.fail(f"{host!r} was handed to the resolver")


@pytest.mark.parametrize(
    "location",
    [
        "http://0177.0.0.1:{port}/",
        "http://2130706433:{port}/",
        "http://xn--zz.com/",
        "http://%E2%91%A0.com/",
        "http://[::1/",
        "http://exa mple.com/",
        "http://[fe80::1%25lo]:{port}/",
    ],
)
def test_redirects_to_invalid_urls_are_invalid_url_errors_naming_the_target(site_server, location):
    target = location.format(port=site_server.port)
    site_server.route("/go", status=302, headers={"Location": target})
    connects: list[tuple[str, int]] = []
    with client_for(site_server, connects) as client, pytest.raises(InvalidUrl) as caught:
        client.get(f"http://partner.test:{site_server.port}/go")
    assert "HTTP 302 redirect" in caught.value.reason and not caught.value.transient
    assert connects == [("127.0.0.1", site_server.port)], "only the first hop connected"


def test_unknown_names_are_dns_errors_not_tracebacks(site_server):
    with client_for(site_server, []) as client:
        with pytest.raises(Unresolvable, match="cannot resolve host") as caught:
            client.get_page(f"http://nowhere.test:{site_server.port}/")  # its robots.txt says so first
        assert not caught.value.transient, "the name does not exist"
        with pytest.raises(Unresolvable) as caught:
            client.get(f"http://elsewhere.test:{site_server.port}/")
        assert caught.value.transient, "resolver trouble may clear up"


# -- fuzz: odd URL strings against the loopback server -----------------------------------------


@pytest.fixture
def fuzz_client(site_server: SiteServer) -> Iterator[HttpClient]:
    """One client for all of a fuzz test's examples (building one costs a TLS context)."""
    with client_for(site_server, [], total_timeout=1.0, max_redirects=2) as client:
        yield client


ODD_TEXT = st.lists(
    st.sampled_from([*"0123456789abcdefxX.-_:[]%@\\/?#=& ①üß\u00a0\u200b\t", "xn--", "%2e", "%00"]), max_size=25
).map("".join)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_fuzzed_urls_give_a_result_or_a_fetch_error(site_server, fuzz_client, data):
    port = site_server.port
    prefix = data.draw(
        st.sampled_from(
            [
                f"http://partner.test:{port}/",
                f"http://127.0.0.1:{port}/",
                f"http://0177.0.0.1:{port}/",
                f"http://partner.test:{port}",
                "http://",
                "https://",
                "http://[",
                "",
            ]
        )
    )
    url = prefix + data.draw(ODD_TEXT)
    use_page = data.draw(st.booleans())
    try:
        result = fuzz_client.get_page(url) if use_page else fuzz_client.get(url)
    except FetchError as exc:
        assert isinstance(exc.transient, bool) and exc.reason
        return
    assert result.status in (200, 304)


LOCATION_TEXT = st.lists(
    st.sampled_from([*"0123456789abcdefxX.-_:[]%@\\/?#=& ", "http://", "https://", "xn--", "%E2%91%A0"]), max_size=30
).map("".join)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(location=LOCATION_TEXT)
def test_fuzzed_redirect_locations_give_a_result_or_a_fetch_error(site_server, fuzz_client, location):
    site_server.route("/go", status=301, headers={"Location": location.strip() or "/"})
    try:
        fuzz_client.get(f"http://partner.test:{site_server.port}/go")
    except FetchError as exc:
        assert exc.reason
    site_server.unroute("/go")


# -- a caller's deadline bounds politeness waits ------------------------------------------------


def test_crawl_delay_past_the_deadline_is_no_time_left_not_a_sleep(site_server):
    site_server.route("/robots.txt", body="User-agent: *\nCrawl-delay: 2\n", content_type="text/plain")
    connects: list[tuple[str, int]] = []
    limiter = HostLimiter(max_per_host=2, min_delay=0.0, exempt_hosts=frozenset())  # loopback not exempt
    with client_for(site_server, connects, limiter=limiter, deadline_margin=0.5) as client:
        end = time.monotonic() + 1.5

        def deadline() -> float:
            return end - time.monotonic()

        first = client.get_page(f"http://partner.test:{site_server.port}{LSE_SEED}", deadline=deadline)
        assert first.status == 200  # robots.txt, then the page at once: the delay counts from here
        started = time.monotonic()
        with pytest.raises(NoTimeLeft) as caught:
            client.get_page(f"http://partner.test:{site_server.port}{LSE_OTHER}", deadline=deadline)
        assert time.monotonic() - started < 0.3, "refused at once, not after sleeping"
        assert caught.value.transient and caught.value.kind == "no_time"
        assert "Crawl-delay" in caught.value.reason
        assert site_server.count(LSE_OTHER) == 0

        # Nothing was reserved or cached by the refusal: with time enough the page is fetched
        # after the Crawl-delay, and robots.txt is not asked again.
        started = time.monotonic()
        again = client.get_page(f"http://partner.test:{site_server.port}{LSE_OTHER}", deadline=lambda: 60.0)
        assert again.status == 200 and 1.0 < time.monotonic() - started < 3.0
        assert site_server.count("/robots.txt") == 1


def test_no_time_left_for_robots_txt_is_not_cached_as_unreachable(site_server):
    limiter = HostLimiter(max_per_host=2, min_delay=0.0, exempt_hosts=frozenset())
    with client_for(site_server, [], limiter=limiter, deadline_margin=1.0) as client:
        with pytest.raises(NoTimeLeft):
            client.get_page(f"http://partner.test:{site_server.port}{LSE_SEED}", deadline=lambda: 0.5)
        assert site_server.count() == 0, "nothing was sent with no time left"
        assert client.get_page(f"http://partner.test:{site_server.port}{LSE_SEED}", deadline=lambda: 60.0).status == 200


def test_the_network_budget_shrinks_to_the_time_the_caller_has(site_server):
    site_server.route("/slow", body=b"<html></html>", content_type="text/html", delay=3.0)
    with client_for(site_server, [], total_timeout=30.0, deadline_margin=0.5) as client:
        started = time.monotonic()
        with pytest.raises(FetchError, match="the caller had left"):
            client.get(
                f"http://partner.test:{site_server.port}/slow", deadline=lambda: 1.5 - (time.monotonic() - started)
            )
        assert time.monotonic() - started < 1.5
