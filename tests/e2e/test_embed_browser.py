"""The reference embed (site/) in headless Chromium, over loopback, on a real publish.

The pipeline runs on the bundled sample site and publishes into a folder (the embed included,
with its config.json and narrowed Content-Security-Policy); a loopback server serves that folder,
and a second one, on another origin, answers the search API (CORS). One item of the feed is
replaced by a hostile one (markup in every text field, a script in content_html, as if the
sanitizer had failed) to show the embed itself never turns feed text into markup.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from syndicate import pipeline
from syndicate.publish.jsonfeed import loads_page
from syndicate.registry import load_registry
from syndicate.runtime import build_local

from .conftest import CHROMIUM, CHROMIUM_ARGS, _require_browser

REPO = Path(__file__).resolve().parents[2]
SEED_TITLE = "Beijing’s \"Wait and See\" Approach in Kazakhstan"
HOSTILE_TITLE = '<img src=x onerror="window.__pwned=1">Hostile <b>title</b>'


@dataclass
class Served:
    url: str
    stop: Callable[[], None]

    def close(self) -> None:
        self.stop()


def serve_folder(folder: Path) -> Served:
    """The published folder as the bucket behind CloudFront serves it: the stored Content-Type,
    Content-Encoding (gzip pages) and Cache-Control of each object (syndicate_demo's server)."""
    from syndicate_demo import DemoServer

    server = DemoServer(root=folder).start()
    return Served(server.base_url.rstrip("/") + "/", server.stop)


def serve_search(answer: Callable[[dict[str, str]], tuple[int, dict[str, Any]]], origin: Callable[[], str]) -> Served:
    """The search API on its own origin, with CORS for the embed's origin (as the Function URL)."""
    from http.server import BaseHTTPRequestHandler

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            status, body = answer(dict(parse_qsl(urlsplit(self.path).query)))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Access-Control-Allow-Origin", origin())
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return Served(f"http://127.0.0.1:{server.server_address[1]}/search", stop)


def _search_answer(out: Path) -> Callable[[dict[str, str]], tuple[int, dict[str, Any]]]:
    """The search API's own answer function over the folder's index (syndicate.search.api)."""
    def answer(params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        from syndicate.runtime import STATE_DIR, local_search
        from syndicate.search.api import answer

        return answer(local_search(out / STATE_DIR), params)

    return answer


@dataclass
class Published:
    out: Path
    site: Served
    search: Served


def _make_hostile(feed: dict[str, Any]) -> None:
    """Turn the feed's link-only item into a hostile one (every text field carries markup)."""
    item = next(i for i in feed["items"] if i["_syndicate"]["licence"]["republish"] == "link")
    item["title"] = HOSTILE_TITLE
    item["authors"] = [{"name": '<svg onload="window.__pwned=2">Eve', "url": "javascript:window.__pwned=3"}]
    item["_syndicate"]["attribution"] = '<script>window.__pwned=4</script>attributed'
    item["_syndicate"]["licence"]["republish"] = "full"
    item["content_html"] = (
        '<p>Body</p><script>window.__pwned=5</script><img src="x" onerror="window.__pwned=6">'
        '<a href="javascript:window.__pwned=7">click</a><iframe srcdoc="<script>parent.__pwned=8</script>"></iframe>'
    )


@pytest.fixture(scope="module")
def published() -> Iterator[Published]:
    from syndicate_demo import DemoServer, render_registry

    _require_browser()
    with tempfile.TemporaryDirectory(prefix="embed-") as tmp, DemoServer() as sample:
        out = Path(tmp) / "out"
        out.mkdir()
        site = serve_folder(out)  # the feeds' public address: feed_url and next_url point here
        search = serve_search(_search_answer(out), lambda: site.url.rstrip("/"))
        registry = load_registry(render_registry(sample.base_url, Path(tmp) / "partners.yaml"))
        svc = build_local(out, registry, allow_loopback=True, base_url=site.url)
        svc.settings.search_url = search.url
        svc.settings.page_size = 3  # two pages: "More articles" follows next_url
        try:
            report = pipeline.run(svc)
        finally:
            svc.http.close()
        assert report.ok and report.publish.published
        try:
            yield Published(out, site, search)
        finally:
            site.close()
            search.close()


@dataclass
class Browser:
    context: Any
    site_url: str
    left_loopback: list[str]

    def open(self, *, feed: dict[str, Any] | None = None) -> Any:
        """The embed in a new tab; `feed` replaces what the server answers for feed.json."""
        page = self.context.new_page()
        page.problems = []

        def on_console(message: Any) -> None:
            if message.type in ("error", "warning"):
                page.problems.append(f"console {message.type}: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda e: page.problems.append(f"pageerror: {e}"))
        page.on("dialog", lambda d: (page.problems.append(f"dialog: {d.message}"), d.dismiss()))
        if feed is not None:
            page.route("**/feed.json", lambda r: r.fulfill(status=200, content_type="application/feed+json",
                                                          body=json.dumps(feed)))
        page.goto(self.site_url + "site/index.html")
        page.wait_for_selector("#items > li.item")
        return page


@pytest.fixture(scope="module")
def browser(published: Published) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="embed-chromium-") as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1000, "height": 1400},
        )
        left_loopback: list[str] = []

        def route(r: Any) -> None:
            if urlsplit(r.request.url).hostname == "127.0.0.1":
                r.continue_()
            else:
                left_loopback.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        try:
            yield Browser(context, published.site.url, left_loopback)
        finally:
            context.close()
        assert not left_loopback, left_loopback


@pytest.fixture(scope="module")
def browser_page(browser: Browser) -> Any:
    """The embed on the published feed, as a reader sees it (one tab for the tests in order)."""
    return browser.open()


def test_latest_items_render_with_attribution_and_licence(browser_page: Any, published: Published) -> None:
    page = browser_page
    items = page.locator("#items > li.item")
    first = loads_page((published.out / "feed.json").read_bytes())["items"]
    assert 1 <= len(first) < 5 and items.count() == len(first), "the head page, not the whole feed"
    for i, item in enumerate(first):
        li = items.nth(i)
        assert li.get_attribute("data-id") == item["id"]
        assert li.locator(".attribution").inner_text() == item["_syndicate"]["attribution"]
        badge = li.locator(".licence")
        spdx = item["_syndicate"]["licence"]["spdx"]
        assert badge.count() == 1 and badge.get_attribute("title") == f"Licence: {spdx}"
        source = item["_syndicate"]["canonical_url"]
        assert li.locator("h2 a").get_attribute("href") == source
    page.click("#more")
    items.nth(len(first)).wait_for()  # (wait_for_function would need 'unsafe-eval', which the CSP refuses)
    assert items.count() == 5, "More follows next_url to the archive page"


def test_excerpt_items_show_only_the_excerpt(browser_page: Any, published: Published) -> None:
    page = browser_page
    excerpt = page.locator('#items > li[data-decision="excerpt"]')
    assert excerpt.count() >= 1
    li = excerpt.first
    assert li.locator(".content").count() == 0, "no article body"
    assert li.locator("a.read-source").inner_text() == "Read at the source"
    record = json.loads((published.out / "records" / f"{li.get_attribute('data-id')}.json").read_bytes())
    assert li.locator(".excerpt").inner_text() == record["content_text"]


def test_hostile_item_markup_never_runs(browser: Browser, published: Published) -> None:
    """Markup in every text field of an item (and a script in content_html, as if the sanitizer
    had failed) is shown as text or dropped; nothing runs."""
    feed = loads_page((published.out / "feed.json").read_bytes())
    if not any(i["_syndicate"]["licence"]["republish"] == "link" for i in feed["items"]):
        pytest.fail("the sample's first feed page has no link-only item to make hostile")
    _make_hostile(feed)
    page = browser.open(feed=feed)
    for summary in page.locator("details summary").all():
        summary.click()
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__pwned") is None
    hostile = page.locator("#items > li.item h2").filter(has_text="Hostile")
    assert hostile.inner_text() == HOSTILE_TITLE, "the title is shown as text, markup and all"
    assert page.locator("#items script, #items iframe, #items svg, #items [onerror]").count() == 0
    assert page.locator('#items a[href^="javascript:"]').count() == 0
    page.locator('#items a:text("click")').click()
    assert page.evaluate("() => window.__pwned") is None
    # The only complaints are the CSP refusing the inline handlers while the item is parsed
    # into an inert document (defence in depth: they would not have been copied anyway).
    assert page.problems, "the hostile handlers were seen (and blocked) by the CSP"
    assert all("Content Security Policy" in p and "blocked" in p for p in page.problems), page.problems
    page.close()


def test_search_finds_the_seed_article(browser_page: Any) -> None:
    page = browser_page
    page.fill("#q", "Kazakhstan")
    page.click("#search button[type=submit]")
    page.wait_for_selector("#items > li.hit")
    titles = page.locator("#items > li.hit h2").all_inner_texts()
    assert SEED_TITLE in titles, titles
    assert page.locator("#items > li.hit mark").count() >= 1, "the snippet highlights the match"


def test_no_console_errors_and_a_screenshot(browser: Browser, browser_page: Any, tmp_path: Path) -> None:
    """The tab the tests above used (feed, More, search) logged nothing; a fresh one neither.
    The fresh one is README's picture (`make screenshot` saves it as docs/embed.png)."""
    assert browser_page.problems == []
    page = browser.open()
    page.locator("details summary").first.click()
    shot = tmp_path / "embed.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000
    if os.environ.get("SYNDICATE_SAVE_SCREENSHOT"):
        shutil.copyfile(shot, REPO / "docs" / "embed.png")
    assert page.problems == []
