"""The tests' HTTP server (tests/fixtures/http.py): the demo server plus a request log and
programmed answers (status overrides, redirects, non-HTML bodies, delays, slow bodies).

What the demo site itself serves is tested in test_demo_server.py."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fixtures.http import SiteServer

LSE_SEED = "/lse/cff/2022/01/14/beijings-wait-and-see-approach-in-kazakhstan/"
CGSP_NEWS = "/cgsp/2022/01/20/chinese-firms-in-kazakhstan-count-the-cost-of-unrest/"
LSE_FEED = "/lse/cff/feed/"
CGSP_FEED = "/cgsp/feed/"


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    # trust_env=False: a proxy from the environment must never see loopback test traffic.
    with httpx.Client(trust_env=False, timeout=10) as c:
        yield c


def test_route_body_change_gets_a_new_etag(site_server: SiteServer, client: httpx.Client) -> None:
    etag = client.get(site_server.url(CGSP_FEED)).headers["etag"]
    site_server.route(CGSP_FEED, body="<rss version='2.0'><channel><title>new</title></channel></rss>")
    changed = client.get(site_server.url(CGSP_FEED), headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert b"<title>new</title>" in changed.content
    assert client.get(site_server.url(CGSP_FEED), headers={"If-None-Match": changed.headers["etag"]}).status_code == 304


def test_route_status_override_then_fallback(site_server: SiteServer, client: httpx.Client) -> None:
    site_server.route(LSE_FEED, status=503, times=1)
    assert client.get(site_server.url(LSE_FEED)).status_code == 503
    assert client.get(site_server.url(LSE_FEED)).status_code == 200
    site_server.route(CGSP_FEED, status=404)
    assert client.get(site_server.url(CGSP_FEED)).status_code == 404
    assert client.get(site_server.url(CGSP_FEED + "?paged=1")).status_code == 404  # any query
    site_server.unroute(CGSP_FEED)
    assert client.get(site_server.url(CGSP_FEED)).status_code == 200


def test_route_redirect(site_server: SiteServer, client: httpx.Client) -> None:
    site_server.route("/old-feed/", status=301, headers={"Location": "{{BASE}}/lse/cff/feed/"})
    response = client.get(site_server.url("/old-feed/"))
    assert response.status_code == 301
    assert response.headers["location"] == site_server.url(LSE_FEED)
    followed = client.get(site_server.url("/old-feed/"), follow_redirects=True)
    assert followed.status_code == 200
    assert str(followed.url) == site_server.url(LSE_FEED)


def test_route_non_html_body(site_server: SiteServer, client: httpx.Client) -> None:
    site_server.route(CGSP_NEWS, body=b"%PDF-1.4 not a page", content_type="application/pdf")
    response = client.get(site_server.url(CGSP_NEWS))
    assert response.headers["content-type"] == "application/pdf"
    assert response.content == b"%PDF-1.4 not a page"


def test_route_exact_query_wins(site_server: SiteServer, client: httpx.Client) -> None:
    site_server.route(LSE_FEED + "?paged=2", body="<rss version='2.0'><channel/></rss>", content_type="text/xml")
    assert client.get(site_server.url(LSE_FEED + "?paged=2")).text == "<rss version='2.0'><channel/></rss>"
    assert "China Foresight" in client.get(site_server.url(LSE_FEED)).text


def test_route_delay_keeps_site_file(site_server: SiteServer, client: httpx.Client) -> None:
    site_server.route(CGSP_FEED, delay=0.3)
    start = time.monotonic()
    response = client.get(site_server.url(CGSP_FEED))
    assert time.monotonic() - start >= 0.3
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/rss+xml; charset=utf-8"
    assert "LSE IDEAS" in response.text


def test_route_drip_streams_chunks_slowly(site_server: SiteServer, client: httpx.Client) -> None:
    site_server.route("/huge/", body=b"<html>", drip=(b"x" * 1000, 0.05, 6), content_type="text/html")
    start = time.monotonic()
    response = client.get(site_server.url("/huge/"))
    elapsed = time.monotonic() - start
    assert response.status_code == 200
    assert "content-length" not in response.headers
    assert response.content == b"<html>" + b"x" * 6000
    assert elapsed >= 0.25


def test_stop_ends_a_slow_response_promptly() -> None:
    server = SiteServer().start()
    server.route("/slow/", delay=30)
    outcome: list[object] = []

    def fetch() -> None:
        try:
            with httpx.Client(trust_env=False, timeout=10) as c:
                outcome.append(c.get(server.url("/slow/")).status_code)
        except httpx.HTTPError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=fetch)
    thread.start()
    while server.count("/slow/") == 0:
        time.sleep(0.01)
    start = time.monotonic()
    server.stop()
    thread.join(timeout=5)
    assert time.monotonic() - start < 3
    assert not thread.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], httpx.HTTPError)


def test_request_log_counts(site_server: SiteServer, client: httpx.Client) -> None:
    client.get(site_server.url(LSE_FEED), headers={"User-Agent": "syndicate-test", "If-None-Match": '"x"'})
    client.get(site_server.url(LSE_FEED + "?paged=2"))
    client.head(site_server.url(LSE_SEED))
    client.get(site_server.url("/nope/"))
    assert site_server.count() == 4
    assert site_server.count(LSE_FEED) == 2
    assert site_server.count(LSE_FEED + "?paged=2") == 1
    assert site_server.count(site_server.url(LSE_FEED)) == 2
    assert site_server.count(LSE_SEED, method="HEAD") == 1
    assert site_server.count(LSE_SEED, method="GET") == 0
    method, path, headers = site_server.requests[0]
    assert (method, path) == ("GET", LSE_FEED)
    assert headers["user-agent"] == "syndicate-test"
    assert headers["if-none-match"] == '"x"'
    site_server.clear_log()
    assert site_server.count() == 0


def test_demo_registry_fixture_is_a_valid_registry(demo_registry: Path, site_server: SiteServer) -> None:
    from syndicate.registry import load_registry

    registry = load_registry(demo_registry)
    assert [p.profile for p in registry.partners] == ["lse_blogs", "cgsp"]
    assert registry.partner("lse-blogs").homepage == site_server.url("/lse/")
