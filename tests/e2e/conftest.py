"""A headless-Chromium harness that tells whether any script ran on a page of HTML fragments.

Why a real browser: a sanitizer is only as good as the parser that finally reads its output.
String checks cannot see mutation XSS, entity tricks or what a browser does with a URL, so
the sanitized fragments are served from a loopback server and rendered by Chromium, and
every element is hovered, focused and clicked (with real input and with synthetic events).

A script that runs is seen three ways: `alert/confirm/prompt` are replaced on the page by
functions that push into `window.__xss`, the same hit is also reported to Python through a
binding (so it survives a navigation), and any native dialog (from a frame whose own alert
was not replaced) fires Playwright's `dialog` event.

Nothing may leave loopback: every request to another host is recorded and aborted by
`context.route`, and Chromium resolves no host name but 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
INSTALL_HINT = "install Chromium: apt-get install chromium; pip install playwright"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # belt and braces next to the route below: no host name resolves to anything but loopback
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
LOOPBACK = "127.0.0.1"
#: Served to a surviving `<script src="/xss.js">`; it reports like any other payload.
EXTERNAL_SCRIPT = "alert('script-src');"

_PAGE_HEAD = """<!doctype html>
<html><head><meta charset="utf-8"><title>sanitizer harness</title>
<script>
window.__xss = [];
(function () {
  function hit(kind, args) {
    var message = kind + ':' + Array.prototype.join.call(args, ',');
    window.__xss.push(message);
    try { if (window.__report) { window.__report(message); } } catch (e) {}
  }
  window.alert = function () { hit('alert', arguments); };
  window.confirm = function () { hit('confirm', arguments); return false; };
  window.prompt = function () { hit('prompt', arguments); return null; };
  // Keep the page where it is: an ordinary http(s)/mailto link would only navigate away (and
  // the route would block it anyway). Any other scheme is left alone, so a javascript: URL
  // that survived sanitizing still runs when clicked.
  document.addEventListener('click', function (e) {
    var a = e.target && e.target.closest ? e.target.closest('a[href]') : null;
    if (a && (a.protocol === 'http:' || a.protocol === 'https:' || a.protocol === 'mailto:')) {
      e.preventDefault();
    }
  }, true);
})();
</script></head>
<body>
"""

_PAGE_TAIL = """
<script>
// The same fragments again, inserted through innerHTML: how a client-side app embeds them.
(function () {
  var data = JSON.parse(document.getElementById('fragments').textContent);
  var host = document.getElementById('dom-cases');
  data.forEach(function (f) {
    var s = document.createElement('section');
    s.className = 'case';
    s.setAttribute('data-case', f[0]);
    s.innerHTML = f[1];
    host.appendChild(s);
  });
})();
</script>
</body></html>
"""

#: Run in the page after the real input: every event an inline handler could listen to, on
#: every element (visible or not), then the element's own activation (`click()` follows links).
_SYNTHETIC_EVENTS_JS = """
() => {
  const types = ['pointerover', 'pointerenter', 'mouseover', 'mouseenter', 'mousemove', 'pointerdown',
    'mousedown', 'focus', 'focusin', 'pointerup', 'mouseup', 'click', 'dblclick', 'auxclick', 'contextmenu',
    'keydown', 'keypress', 'keyup', 'input', 'change', 'submit', 'toggle', 'load', 'error', 'begin',
    'animationstart', 'animationend', 'transitionend', 'scroll', 'wheel', 'copy', 'paste', 'blur', 'focusout',
    'mouseout', 'mouseleave', 'pointerout', 'pointerleave'];
  const els = Array.from(document.querySelectorAll('section.case, section.case *'));
  for (const el of els) {
    for (const t of types) {
      try { el.dispatchEvent(new Event(t, {bubbles: true, cancelable: true})); } catch (e) {}
    }
    try { if (el.focus) { el.focus(); } } catch (e) {}
    try { if (el.click) { el.click(); } } catch (e) {}
    try { if (el.tagName === 'DETAILS') { el.open = !el.open; } } catch (e) {}
  }
  return els.length;
}
"""


def build_page(fragments: Sequence[tuple[str, str]]) -> str:
    """One page holding each fragment twice: in the served HTML, and set through innerHTML."""
    parts = [_PAGE_HEAD, '<main id="cases">\n']
    for name, html in fragments:
        parts.append(f'<section class="case" data-case="{name}">{html}</section>\n')
    parts.append('</main>\n<main id="dom-cases"></main>\n')
    # '<' escaped so no fragment can close this script element
    data = json.dumps([list(f) for f in fragments]).replace("<", "\\u003c")
    parts.append(f'<script id="fragments" type="application/json">{data}</script>')
    parts.append(_PAGE_TAIL)
    return "".join(parts)


class LoopbackServer:
    """A stdlib HTTP server on 127.0.0.1 serving pages from a dict; everything else is a 404."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        self.requests: list[str] = []
        pages, requests = self.pages, self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                requests.append(self.path)
                path = urlsplit(self.path).path
                if path == "/xss.js":
                    self._send(200, "text/javascript", EXTERNAL_SCRIPT)
                elif path in pages:
                    self._send(200, "text/html; charset=utf-8", pages[path])
                else:
                    self._send(404, "text/plain", "not found")

            def _send(self, status: int, ctype: str, body: str) -> None:
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

        self._httpd = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self._httpd.daemon_threads = True
        self.base_url = f"http://{LOOPBACK}:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="xss-server", daemon=True)

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


@dataclass
class Outcome:
    """What one page load did: scripts that ran, dialogs, and every request that tried to leave."""

    hits: list[str] = field(default_factory=list)  # from window.__xss and the __report binding
    dialogs: list[str] = field(default_factory=list)
    blocked: list[tuple[str, str]] = field(default_factory=list)  # (url, resource type) aborted by the route
    finished_elsewhere: list[str] = field(default_factory=list)  # finished requests not on loopback
    elements: int = 0
    final_url: str = ""
    page_url: str = ""

    @property
    def ran_script(self) -> bool:
        return bool(self.hits or self.dialogs)


def _is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https", "ws", "wss") and parts.hostname == LOOPBACK


class Harness:
    """Renders fragments in one Chromium context and reports what ran and what tried to leave."""

    def __init__(self, context: Any, server: LoopbackServer) -> None:
        self.context = context
        self.server = server
        self._outcome = Outcome()
        self._count = 0
        context.route("**/*", self._route)
        context.expose_binding("__report", lambda _source, message: self._outcome.hits.append(f"binding:{message}"))
        context.on("requestfinished", self._finished)

    def _route(self, route: Any) -> None:
        request = route.request
        if _is_loopback(request.url):
            route.continue_()
        else:
            self._outcome.blocked.append((request.url, request.resource_type))
            route.abort("blockedbyclient")

    def _finished(self, request: Any) -> None:
        if not _is_loopback(request.url) and not request.url.startswith(("data:", "about:", "blob:")):
            self._outcome.finished_elsewhere.append(request.url)

    def run(self, fragments: Sequence[tuple[str, str]]) -> Outcome:
        """Load a page of `fragments`, interact with every element, and collect the outcome."""
        from playwright.sync_api import Error as PlaywrightError

        self._count += 1
        path = f"/case-{self._count}.html"
        self.server.pages[path] = build_page(fragments)
        outcome = self._outcome = Outcome(page_url=self.server.base_url + path)
        page = self.context.new_page()

        def on_dialog(dialog: Any) -> None:
            outcome.dialogs.append(f"{dialog.type}:{dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        try:
            page.goto(outcome.page_url, wait_until="load", timeout=15_000)
            page.wait_for_timeout(300)
            elements = page.query_selector_all("section.case, section.case *")
            outcome.elements = len(elements)
            for element in elements:
                try:
                    box = element.bounding_box()
                except PlaywrightError:
                    continue
                if not box or box["width"] <= 0 or box["height"] <= 0:
                    continue  # the synthetic events below reach it
                for action in (element.hover, element.click):
                    with contextlib.suppress(PlaywrightError):
                        action(timeout=500, force=True, no_wait_after=True)
                with contextlib.suppress(PlaywrightError):
                    element.focus()
            for _ in range(min(len(elements), 60)):
                page.keyboard.press("Tab")
            with contextlib.suppress(PlaywrightError):  # the page navigated away mid-run; final_url tells
                page.evaluate(_SYNTHETIC_EVENTS_JS)
            page.wait_for_timeout(700)
            outcome.final_url = page.url
            try:
                in_page = page.evaluate("() => (window.__xss || []).slice()")
            except PlaywrightError:
                in_page = []
            outcome.hits.extend(f"page:{m}" for m in in_page)
        finally:
            page.close()
        return outcome


def _require_browser() -> None:
    if not CHROMIUM.is_file() or shutil.which(str(CHROMIUM)) is None:
        pytest.fail(f"{CHROMIUM} not found: {INSTALL_HINT}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.fail(f"the playwright package is missing: {INSTALL_HINT}")


@pytest.fixture(scope="module")
def harness() -> Iterator[Harness]:
    """Chromium (Debian's, never a downloaded build) with a fresh profile, and a loopback server."""
    _require_browser()
    from playwright.sync_api import sync_playwright

    with (
        LoopbackServer() as server,
        tempfile.TemporaryDirectory(prefix="xss-chromium-") as profile,
        sync_playwright() as pw,
    ):
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
        )
        try:
            yield Harness(context, server)
        finally:
            context.close()
