"""The demo site and its loopback server (syndicate_demo): HTTP behaviour the pipeline relies on,
and sample data realistic enough for the feed parser and the extractor.

These run against `DemoServer` itself, the server `syndicate demo` uses. The tests' own server
built on it (request log, programmed faults) has its tests in test_http_fixture.py."""

from __future__ import annotations

import hashlib
import json
import re
import socket
from collections.abc import Iterator
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

import feedparser
import httpx
import pytest
import trafilatura
import yaml

from syndicate_demo import DemoServer, render_registry, site_root

LSE_SEED = "/lse/cff/2022/01/14/beijings-wait-and-see-approach-in-kazakhstan/"
LSE_DUAL = "/lse/cff/2022/01/20/what-dual-circulation-means-for-chinas-trading-partners/"
LSE_OLYMPICS = "/lse/cff/2022/01/27/the-beijing-winter-olympics-as-a-stage-for-chinas-diplomacy/"
CGSP_SEED = "/cgsp/analysis/beijings-wait-and-see-approach-in-kazakhstan/"
CGSP_NEWS = "/cgsp/2022/01/20/chinese-firms-in-kazakhstan-count-the-cost-of-unrest/"
CGSP_PAYWALLED = "/cgsp/analysis/why-chinese-lenders-are-rethinking-infrastructure-finance/"
LSE_FEED = "/lse/cff/feed/"
CGSP_FEED = "/cgsp/feed/"
FULL_TEXT_PAGES = [LSE_SEED, LSE_DUAL, LSE_OLYMPICS, CGSP_SEED, CGSP_NEWS]


@pytest.fixture
def demo_server() -> Iterator[DemoServer]:
    with DemoServer() as server:
        yield server


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    # trust_env=False: a proxy from the environment must never see loopback test traffic.
    with httpx.Client(trust_env=False, timeout=10) as c:
        yield c


def raw_request(server: DemoServer, target: str) -> bytes:
    """Send a request line exactly as written (httpx would normalize `..` away)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


# -- HTTP behaviour -----------------------------------------------------------------


def test_feed_served_as_rss_with_base_substituted(demo_server: DemoServer, client: httpx.Client) -> None:
    response = client.get(demo_server.url(LSE_FEED))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/rss+xml; charset=utf-8"
    assert "{{BASE}}" not in response.text
    assert f"<link>{demo_server.base_url}{LSE_SEED}?utm_source=rss" in response.text
    page = client.get(demo_server.url(LSE_SEED))
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert f'<link rel="canonical" href="{demo_server.base_url}{LSE_SEED}">' in page.text


def test_base_url_is_loopback_on_a_free_port(demo_server: DemoServer) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", demo_server.base_url)
    assert demo_server.port > 0
    with pytest.raises(ValueError, match="loopback"):
        DemoServer(host="0.0.0.0")


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "8.8.8.8", "169.254.169.254", "fd12::1", "example.org", ""])
def test_refuses_to_listen_beyond_loopback_or_one_private_address(host: str) -> None:
    with pytest.raises(ValueError, match="loopback or one private address"):
        DemoServer(host=host)


def test_accepts_a_private_address_for_containers_on_dockers_bridge() -> None:
    # `make sam-local` binds the site to the bridge gateway (172.17.0.1); nothing is bound until start().
    assert DemoServer(host="172.17.0.1")._host == "172.17.0.1"
    assert DemoServer(host="10.1.2.3")._host == "10.1.2.3"


def test_folder_without_slash_redirects_like_wordpress(demo_server: DemoServer, client: httpx.Client) -> None:
    response = client.get(demo_server.url("/cgsp/feed?x=1"))
    assert response.status_code == 301
    assert response.headers["location"] == demo_server.url("/cgsp/feed/?x=1")


def test_strong_etag_round_trip_answers_304(demo_server: DemoServer, client: httpx.Client) -> None:
    first = client.get(demo_server.url(CGSP_FEED))
    etag = first.headers["etag"]
    assert etag == '"' + hashlib.sha256(first.content).hexdigest()[:32] + '"'
    again = client.get(demo_server.url(CGSP_FEED), headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    stale = client.get(demo_server.url(CGSP_FEED), headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200
    assert stale.content == first.content
    # If-None-Match wins over If-Modified-Since (RFC 9110): a stale tag means 200 even if dates match.
    both = client.get(
        demo_server.url(CGSP_FEED),
        headers={"If-None-Match": '"old"', "If-Modified-Since": first.headers["last-modified"]},
    )
    assert both.status_code == 200


def test_if_modified_since(demo_server: DemoServer, client: httpx.Client) -> None:
    first = client.get(demo_server.url(LSE_FEED))
    last_modified = first.headers["last-modified"]
    mtime = (site_root() / "lse/cff/feed/index.xml").stat().st_mtime
    assert parsedate_to_datetime(last_modified).timestamp() == int(mtime)
    same = client.get(demo_server.url(LSE_FEED), headers={"If-Modified-Since": last_modified})
    assert same.status_code == 304
    older = formatdate(int(mtime) - 3600, usegmt=True)
    assert client.get(demo_server.url(LSE_FEED), headers={"If-Modified-Since": older}).status_code == 200
    garbage = client.get(demo_server.url(LSE_FEED), headers={"If-Modified-Since": "not a date"})
    assert garbage.status_code == 200




def test_missing_and_escaping_paths_are_404(demo_server: DemoServer, client: httpx.Client) -> None:
    assert client.get(demo_server.url("/lse/cff/2030/01/01/no-such-post/")).status_code == 404
    assert client.get(demo_server.url("/lse/cff/feed/index.xml/")).status_code == 404
    for target in ("/../server.py", "/lse/%2e%2e/%2e%2e/server.py", "/..%2f__init__.py"):
        head = raw_request(demo_server, target).split(b"\r\n", 1)[0]
        assert head == b"HTTP/1.1 404 Not Found", target


def test_paged_past_the_last_page_is_404(demo_server: DemoServer, client: httpx.Client) -> None:
    assert client.get(demo_server.url(LSE_FEED + "?paged=1")).status_code == 200
    assert client.get(demo_server.url(LSE_FEED + "?paged=2")).status_code == 404


def test_head_sends_headers_without_body(demo_server: DemoServer, client: httpx.Client) -> None:
    response = client.head(demo_server.url(CGSP_SEED))
    assert response.status_code == 200
    assert int(response.headers["content-length"]) > 1000
    assert response.content == b""


def test_binary_files_are_served_untouched(demo_server: DemoServer, client: httpx.Client) -> None:
    path = "/lse/cff/files/2022/01/kazakhstan-protests-aqtobe-800x450.png"
    response = client.get(demo_server.url(path))
    assert response.headers["content-type"] == "image/png"
    assert response.content == (site_root() / path.lstrip("/")).read_bytes()


def test_edited_file_gets_a_new_etag(tmp_path: Path, client: httpx.Client) -> None:
    feed = tmp_path / "feed" / "index.xml"
    feed.parent.mkdir()
    feed.write_text("<rss version='2.0'><channel><title>old</title></channel></rss>", encoding="utf-8")
    with DemoServer(tmp_path) as server:
        etag = client.get(server.url("/feed/")).headers["etag"]
        assert client.get(server.url("/feed/"), headers={"If-None-Match": etag}).status_code == 304
        feed.write_text("<rss version='2.0'><channel><title>new</title></channel></rss>", encoding="utf-8")
        changed = client.get(server.url("/feed/"), headers={"If-None-Match": etag})
        assert changed.status_code == 200
        assert changed.headers["etag"] != etag
        assert b"<title>new</title>" in changed.content


def test_only_get_and_head_are_allowed(demo_server: DemoServer, client: httpx.Client) -> None:
    response = client.post(demo_server.url(LSE_FEED), content=b"x=1")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert client.get(demo_server.url(LSE_FEED)).status_code == 200  # the connection is still usable


def test_absolute_form_request_target_is_served(demo_server: DemoServer) -> None:
    head = raw_request(demo_server, demo_server.url(CGSP_FEED)).split(b"\r\n", 1)[0]
    assert head == b"HTTP/1.1 200 OK"


# -- the sample data ------------------------------------------------------------------


def test_lse_feed_parses_into_three_entries(demo_server: DemoServer, client: httpx.Client) -> None:
    parsed = feedparser.parse(client.get(demo_server.url(LSE_FEED)).content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    base = demo_server.base_url
    links = [e.link for e in parsed.entries]
    assert links == [base + p + "?utm_source=rss&utm_medium=rss" for p in (LSE_OLYMPICS, LSE_DUAL, LSE_SEED)]
    olympics, dual, seed = parsed.entries
    assert seed.title == "Beijing’s ‘Wait and See’ Approach in Kazakhstan"
    assert [a["name"] for a in seed.authors] == ["Lukas Fiala", "Hugo Jones"]
    assert seed.id == base + "/lse/cff/?p=12345"
    assert seed.guidislink is False
    assert seed.published_parsed[:5] == (2022, 1, 14, 15, 30)
    assert seed.summary.rstrip().endswith(
        'appeared first on <a href="' + base + '/lse/cff" rel="nofollow">LSE Blogs</a>.</p>'
    )
    assert "colour revolution" in seed.content[0].value
    assert [a["name"] for a in olympics.authors] == ["Ana Kovač, Rahul Menon and Sophie Laurent"]
    assert dual.title == "What ‘Dual Circulation’ Means for China’s Trading Partners"
    assert dual.author == "Grace Whitfield"


def test_cgsp_feed_parses_into_three_entries(demo_server: DemoServer, client: httpx.Client) -> None:
    parsed = feedparser.parse(client.get(demo_server.url(CGSP_FEED)).content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    base = demo_server.base_url
    assert [e.link for e in parsed.entries] == [base + CGSP_PAYWALLED, base + CGSP_NEWS, base + CGSP_SEED]
    paywalled, news, seed = parsed.entries
    assert seed.title == 'Beijing’s "Wait and See" Approach in Kazakhstan'
    assert [a["name"] for a in seed.authors] == ["LSE IDEAS"]
    assert "content" not in seed  # excerpt-only feed
    assert news.summary.startswith("<p>Get a daily email packed with")
    assert news.id == base + "/cgsp/?p=12345"  # same post number as the unrelated LSE seed
    assert paywalled.author == "Daniel Okafor"


def test_every_feed_entry_links_to_a_served_page(demo_server: DemoServer, client: httpx.Client) -> None:
    for feed in (LSE_FEED, CGSP_FEED):
        for entry in feedparser.parse(client.get(demo_server.url(feed)).content).entries:
            response = client.get(entry.link)
            assert response.status_code == 200, entry.link
            assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("path", FULL_TEXT_PAGES)
def test_article_pages_are_extractable(demo_server: DemoServer, client: httpx.Client, path: str) -> None:
    text = trafilatura.extract(client.get(demo_server.url(path)).text, include_comments=False)
    assert text is not None
    assert len(text.split()) >= 250, f"{path}: only {len(text.split())} words extracted"
    assert "Leave a Reply" not in text


def test_paywalled_page_has_only_a_teaser(demo_server: DemoServer, client: httpx.Client) -> None:
    html = client.get(demo_server.url(CGSP_PAYWALLED)).text
    assert '<div class="memberful-global-teaser-content">' in html
    assert "Subscribe or log in to read the rest of this content." in html
    text = trafilatura.extract(html, include_comments=False) or ""
    assert 30 <= len(text.split()) < 150


def test_seed_article_copies_differ_as_the_partners_do(demo_server: DemoServer, client: httpx.Client) -> None:
    lse = client.get(demo_server.url(LSE_SEED)).text
    cgsp = client.get(demo_server.url(CGSP_SEED)).text
    for british, american in (
        ("colour revolution", "color revolution"),
        ("spiralling", "spiraling"),
        ("neighbouring", "neighboring"),
    ):
        assert british in lse and american not in lse
        assert american in cgsp and british not in cgsp
    # LSE boilerplate, in the order a reader meets it.
    markers = [
        "January 14th, 2022",
        "0 comments",
        "Estimated reading time: 2 minutes",
        "January 14th, 2022",
        "0 comments",
        "Estimated reading time: 2 minutes",
        "This was published by the",
        "on 14 January 2022. China Foresight is affiliated with",
        "Click here to subscribe to the newsletter.",
        "When protests over a sudden rise",
        "This article gives the views of the author, and not the position of the China Foresight Forum",
        "The blog image, “2022 Kazakhstan protests — Aqtobe, January 4”, is licensed under",
        "About the author",
        "Lukas Fiala is a PhD candidate",
        "Hugo Jones is a",
        "Posted In:",
        "Share this article",
        "Leave a Reply",
        "Your email address will not be published.",
        "Required fields are marked",
        'rel="license" href="https://creativecommons.org/licenses/by/4.0/"',
    ]
    position = 0
    for marker in markers:
        found = lse.find(marker, position)
        assert found >= 0, f"LSE page: {marker!r} missing or out of order"
        position = found + len(marker)
    assert 'src="/lse/cff/files/2022/01/' in lse
    jsonld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', lse).group(1))
    assert [a["name"] for a in jsonld["author"]] == ["Lukas Fiala", "Hugo Jones"]
    # CGSP: byline in the body, organisation author, no licence statement.
    assert "By Lukas Fiala and Hugo Jones, China Foresight LSE IDEAS" in cgsp
    assert f'href="{demo_server.base_url}/cgsp/author/lse-ideas/" rel="author">LSE IDEAS</a>' in cgsp
    assert "Get a daily email packed with" in cgsp
    assert 'rel="license"' not in cgsp and "licensed under" not in cgsp and "creativecommons" not in cgsp


def test_news_page_has_news_feed_blocks(demo_server: DemoServer, client: httpx.Client) -> None:
    html = client.get(demo_server.url(CGSP_NEWS)).text
    assert html.index("WHY IS THIS IMPORTANT?") < html.index("SUGGESTED READING")


def test_pages_load_nothing_from_outside_loopback(demo_server: DemoServer, client: httpx.Client) -> None:
    """Browser tests open these pages: any external script, style or image would leave loopback."""
    pages = list(site_root().rglob("*.html"))
    assert len(pages) >= 10
    for page in pages:
        url = "/" + page.relative_to(site_root()).parent.as_posix() + "/"
        html = client.get(demo_server.url(url.replace("//", "/"))).text
        for tag in re.findall(r"<(?:script|img|iframe|source|link)\b[^>]*>", html):
            if tag.startswith("<link") and "stylesheet" not in tag and "icon" not in tag and "preload" not in tag:
                continue  # canonical/alternate links are not loaded by a browser
            for ref in re.findall(r'(?:src|href|srcset)="([^"]+)"', tag):
                assert not re.match(r"(https?:)?//", ref) or ref.startswith(demo_server.base_url), (page, tag)


def test_render_registry_names_the_demo_feeds(tmp_path: Path, demo_server: DemoServer) -> None:
    path = render_registry(demo_server.base_url, tmp_path)
    assert path == tmp_path / "partners.yaml"
    text = path.read_text(encoding="utf-8")
    assert "{{BASE}}" not in text
    data = yaml.safe_load(text)
    partners = {p["id"]: p for p in data["partners"]}
    assert set(partners) == {"lse-blogs", "cgsp"}
    assert partners["lse-blogs"]["feeds"] == [{"url": demo_server.url(LSE_FEED)}]
    assert partners["cgsp"]["feeds"] == [{"url": demo_server.url(CGSP_FEED)}]
    assert partners["lse-blogs"]["licence"]["spdx"] == "CC-BY-4.0"
    assert partners["cgsp"]["licence"] == {"spdx": "LicenseRef-All-Rights-Reserved", "republish": "excerpt"}


def test_serves_published_pages_with_their_stored_headers(tmp_path: Path, client: httpx.Client) -> None:
    """A local run's output served as S3 + CloudFront would: the headers kept beside each
    object, gzip as stored for clients that accept it, decoded for those that do not."""
    from syndicate.adapters.local import LocalObjectStore
    from syndicate.publish.jsonfeed import encode_page

    page = {"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [{"id": "a", "title": "{{BASE}}"}]}
    store = LocalObjectStore(tmp_path)
    store.put(
        "feed.json",
        encode_page(page),
        "application/feed+json",
        cache_control="public, max-age=60",
        content_encoding="gzip",
    )
    with DemoServer(tmp_path) as server:
        zipped = client.get(server.url("/feed.json"), headers={"Accept-Encoding": "gzip"})
        assert zipped.status_code == 200
        assert zipped.headers["content-encoding"] == "gzip"
        assert zipped.headers["cache-control"] == "public, max-age=60"
        assert zipped.headers["content-type"] == "application/feed+json"
        assert json.loads(zipped.content) == page, "httpx decoded the gzip body; no {{BASE}} rewriting"
        assert int(zipped.headers["content-length"]) == len(encode_page(page)), "sent as stored"
        plain = client.get(server.url("/feed.json"), headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers and json.loads(plain.content) == page
        assert client.get(server.url("/.~syndicate-meta-feed.json.json")).status_code == 404, "sidecars stay hidden"
