"""A loopback HTTP server for the bundled demo site, used by `make demo` and by the tests.

Nothing here is product code. It exists so the whole pipeline (conditional polling, page
fetches, extraction) can run against partner-shaped feeds and pages without the internet:
the tests must never reach anything but 127.0.0.1. It behaves like the partners' WordPress
sites where the pipeline depends on it (directory URLs, strong ETags, Last-Modified, 304s,
404s, trailing-slash redirects) and lets a test program failures the real sites show
(403 from a CDN, redirects, non-HTML pages, slow or endless bodies) with `route()`.

Files may contain the placeholder `{{BASE}}`; it is replaced by the server's own base URL
when served, so absolute links and feed links work on whatever free port the server got.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import socket
import socketserver
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = [
    "BASE_PLACEHOLDER",
    "LoggedRequest",
    "SiteServer",
    "main",
    "render_registry",
    "site_root",
]

BASE_PLACEHOLDER = "{{BASE}}"
REGISTRY_TEMPLATE = "partners.yaml.template"

CONTENT_TYPES: dict[str, str] = {
    ".xml": "application/rss+xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".json": "application/json",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".yaml": "application/yaml",
    ".template": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
# Only text is rewritten: replacing bytes inside an image could corrupt it.
TEXT_SUFFIXES = {".xml", ".html", ".txt", ".md", ".json", ".css", ".js", ".yaml", ".template", ".svg"}
DEFAULT_CONTENT_TYPE = "application/octet-stream"
INDEX_FILES = ("index.html", "index.xml")


def site_root() -> Path:
    """The bundled demo site (installed as package data next to this module)."""
    return Path(__file__).resolve().parent / "site"


def render_registry(base_url: str, dest: Path, template: Path | None = None) -> Path:
    """Write the demo registry with every `{{BASE}}` replaced by `base_url`; return its path.

    `dest` may be a file path or an existing directory (then `partners.yaml` inside it). The
    registry is rendered rather than shipped because the demo server's port is chosen at run
    time, and the registry must name the feeds with that port.
    """
    source = template or site_root() / REGISTRY_TEMPLATE
    text = source.read_text(encoding="utf-8").replace(BASE_PLACEHOLDER, base_url.rstrip("/"))
    dest = Path(dest)
    if dest.is_dir():
        dest = dest / "partners.yaml"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(text, encoding="utf-8")
    return dest


class LoggedRequest(NamedTuple):
    """One request the server received: method, request target as sent, headers.

    Header names are lower-cased so tests can look them up without caring about case.
    """

    method: str
    path: str
    headers: dict[str, str]


@dataclass
class _Route:
    status: int
    body: bytes | None
    headers: dict[str, str]
    content_type: str | None
    delay: float
    drip: tuple[bytes, float, int] | None
    conditional: bool
    times: int | None
    last_modified: float
    substitute: bool


@dataclass
class _Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: float | None = None
    conditional: bool = False
    delay: float = 0.0
    drip: tuple[bytes, float, int] | None = None
    close: bool = False


def _strong_etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _http_date(timestamp: float) -> str:
    return formatdate(int(timestamp), usegmt=True)


def _not_modified(request_headers: Mapping[str, str], etag: str | None, last_modified: float | None) -> bool:
    """RFC 9110 evaluation for GET/HEAD: If-None-Match wins; If-Modified-Since only without it."""
    if_none_match = request_headers.get("if-none-match")
    if if_none_match is not None:
        if if_none_match.strip() == "*":
            return True
        if etag is None:
            return False
        # Weak comparison is what If-None-Match uses, so a W/ prefix still matches.
        candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return etag.removeprefix("W/") in candidates
    if_modified_since = request_headers.get("if-modified-since")
    if if_modified_since and last_modified is not None:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError, IndexError):
            return False
        return int(last_modified) <= since.timestamp()
    return False


def _paged(query: str) -> int:
    """The WordPress `paged` query parameter (1 when absent or not a number)."""
    values = parse_qs(query).get("paged") or ["1"]
    try:
        return int(values[-1])
    except ValueError:
        return 1


def _route_key(path: str) -> str:
    """Normalize what a test passes to `route()`: a full URL or a path, optional query."""
    if path.startswith(("http://", "https://")):
        parts = urlsplit(path)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if not path.startswith("/"):
        raise ValueError(f"route path must start with '/' or be a full URL, got {path!r}")
    return unquote(path)


def _lower_keys(headers: Mapping[str, str] | None) -> dict[str, str]:
    return {k.lower(): v for k, v in (headers or {}).items()}


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # Filled in by SiteServer before serving starts.
    site: SiteServer

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn) that can stall on a
        # machine without a resolver; the name is never used here.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "syndicate-demo/1.0"
    # Idle keep-alive connections give up after this, so a client that never closes
    # cannot pin a thread for ever.
    timeout = 15

    def version_string(self) -> str:
        return self.server_version

    def setup(self) -> None:
        super().setup()
        self.server.site._track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.site._untrack(self.connection)

    def log_message(self, format: str, *args: object) -> None:
        """Silent: tests read the request log instead of stderr noise."""

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_POST(self) -> None:
        self._not_allowed()

    def do_PUT(self) -> None:
        self._not_allowed()

    def do_DELETE(self) -> None:
        self._not_allowed()

    def _not_allowed(self) -> None:
        site = self.server.site
        site._log(self.command, self.path, self.headers.items())
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._send(_Response(status=405, body=b"Method Not Allowed\n", headers={"Allow": "GET, HEAD"}), head=False)

    def _serve(self, head: bool) -> None:
        site = self.server.site
        site._log(self.command, self.path, self.headers.items())
        try:
            response = site._respond(self.path)
        except Exception as exc:  # a bug here must show up as a 500, not a hung client
            response = _Response(status=500, body=f"demo server error: {exc}\n".encode(), close=True)
        self._send(response, head=head)

    def _send(self, response: _Response, head: bool) -> None:
        site = self.server.site
        if response.delay and site._stopping.wait(response.delay):
            self.close_connection = True
            return
        request_headers = _lower_keys(dict(self.headers.items()))
        status = response.status
        body = response.body
        if response.conditional and _not_modified(request_headers, response.etag, response.last_modified):
            status, body = 304, b""
        try:
            self.send_response(status)
            content_type_set = False
            for name, value in response.headers.items():
                content_type_set |= name.lower() == "content-type"
                self.send_header(name, value)
            if response.etag and "etag" not in _lower_keys(response.headers):
                self.send_header("ETag", response.etag)
            if response.last_modified is not None and "last-modified" not in _lower_keys(response.headers):
                self.send_header("Last-Modified", _http_date(response.last_modified))
            if status == 304:
                self.end_headers()
                return
            if response.drip is not None:
                self._send_drip(response, head)
                return
            if "content-length" not in _lower_keys(response.headers):
                self.send_header("Content-Length", str(len(body)))
            if response.close:
                self.send_header("Connection", "close")
                self.close_connection = True
            if not content_type_set and status != 204:
                self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.end_headers()
            if not head:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True

    def _send_drip(self, response: _Response, head: bool) -> None:
        """Body sent slowly in chunks, delimited by closing the connection (no Content-Length)."""
        site = self.server.site
        chunk, interval, count = response.drip or (b"", 0.0, 0)
        self.send_header("Connection", "close")
        self.close_connection = True
        self.end_headers()
        if head:
            return
        if response.body:
            self.wfile.write(response.body)
        for _ in range(count):
            self.wfile.flush()
            if interval and site._stopping.wait(interval):
                return
            self.wfile.write(chunk)
        self.wfile.flush()


class SiteServer:
    """Serve a folder over HTTP on 127.0.0.1, WordPress-style, with a request log and overrides.

    Use it as a context manager (`with SiteServer() as server: server.base_url`) or call
    `start()` and `stop()`. Port 0 (the default) asks the OS for a free port.

    URL mapping: `/x/` serves `x/index.html`, or `x/index.xml` when there is no HTML index
    (so `/lse/cff/feed/` is the feed); `/x` where `x` is a folder redirects (301) to `/x/`
    like WordPress; anything outside the root or missing is 404. Query strings do not affect
    which file is served (`?utm_source=rss`, `?p=1`), except WordPress's `?paged=N` (N > 1),
    which serves `page-N.<ext>` beside the index file or 404 when there is none. Every 200 carries a strong ETag (a hash
    of the bytes served) and Last-Modified (the file's mtime) and is answered with 304 when
    If-None-Match or If-Modified-Since say the client already has it.
    """

    def __init__(self, root: Path | str | None = None, port: int = 0, host: str = "127.0.0.1") -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"the demo server only listens on loopback, not {host!r}")
        self.root = Path(root) if root is not None else site_root()
        if not self.root.is_dir():
            raise FileNotFoundError(f"demo site root is not a folder: {self.root}")
        self._root_resolved = self.root.resolve()
        self._host = host
        self._port = port
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._log_entries: list[LoggedRequest] = []
        self._routes: dict[str, _Route] = {}
        self._route_clock = 0.0
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()

    # -- lifecycle -----------------------------------------------------------------

    def start(self) -> SiteServer:
        """Bind and serve in a background thread; returns self. Idempotent while running."""
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _HTTPServer((self._host, self._port), _Handler)
        httpd.site = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="demo-site-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and drop open connections, so delayed or dripping responses end now."""
        httpd = self._httpd
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("SiteServer is not running: call start() or use it as a context manager")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT`, without a trailing slash (what `{{BASE}}` becomes)."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    def url(self, path: str = "/") -> str:
        """Absolute URL of a path on this server."""
        return self.base_url + (path if path.startswith("/") else "/" + path)

    # -- request log ---------------------------------------------------------------

    @property
    def requests(self) -> list[LoggedRequest]:
        """A snapshot of every request received so far, oldest first."""
        with self._lock:
            return list(self._log_entries)

    def count(self, path: str | None = None, method: str | None = None) -> int:
        """How many requests matched. `path` without `?` ignores query strings; with one, exact."""
        key = _route_key(path) if path is not None else None
        total = 0
        for logged in self.requests:
            if method is not None and logged.method != method.upper():
                continue
            if key is not None:
                target = unquote(logged.path)
                if "?" not in key:
                    target = target.split("?", 1)[0]
                if target != key:
                    continue
            total += 1
        return total

    def clear_log(self) -> None:
        with self._lock:
            self._log_entries.clear()

    def _log(self, method: str, path: str, headers: Sequence[tuple[str, str]]) -> None:
        entry = LoggedRequest(method, path, {k.lower(): v for k, v in headers})
        with self._lock:
            self._log_entries.append(entry)

    def _track(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections.add(conn)

    def _untrack(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections.discard(conn)

    # -- overrides -----------------------------------------------------------------

    def route(
        self,
        path: str,
        *,
        status: int = 200,
        body: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        content_type: str | None = None,
        delay: float = 0.0,
        drip: tuple[bytes, float, int] | None = None,
        times: int | None = None,
        conditional: bool = True,
    ) -> None:
        """Answer requests for `path` as programmed instead of from the site folder.

        - `path`: a path or full URL. With a query it matches only that query; without, it
          matches any query (an exact match wins).
        - `body`: bytes are sent as given; a str is UTF-8 encoded with `{{BASE}}` replaced.
          None means the site file at that path for a 2xx status (so `delay` can slow a real
          feed) and an empty body otherwise.
        - `headers`: sent as given (values may use `{{BASE}}`), e.g. `{"Location": ...}` for
          a redirect, or a false `Content-Length` to test size caps.
        - `delay`: seconds to wait before the status line; `drip=(chunk, interval, count)`
          then sends `count` chunks `interval` seconds apart after `body`, without a
          Content-Length (closing the connection ends it), which makes slow and huge bodies
          cheap to produce.
        - `times`: answer this way only so many times, then fall back (e.g. one 503, then
          the real feed). `conditional`: for a 200 without drip, honour If-None-Match and
          If-Modified-Since (ETag and Last-Modified are computed unless `headers` give
          them); False imitates servers that ignore conditional requests.
        """
        if drip is not None:
            chunk, interval, count = drip
            if not isinstance(chunk, bytes) or interval < 0 or count < 0:
                raise ValueError("drip must be (bytes chunk, interval seconds >= 0, count >= 0)")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1 (or None for always)")
        key = _route_key(path)
        encoded = body.encode("utf-8") if isinstance(body, str) else body
        with self._lock:
            # Each new route gets a strictly later Last-Modified than the one before, so a
            # client comparing dates sees a re-programmed resource as changed.
            self._route_clock = max(float(int(time.time())), self._route_clock + 1)
            self._routes[key] = _Route(
                status=status,
                body=encoded,
                headers=dict(headers or {}),
                content_type=content_type,
                delay=delay,
                drip=drip,
                conditional=conditional,
                times=times,
                last_modified=self._route_clock,
                substitute=isinstance(body, str),
            )

    def unroute(self, path: str) -> None:
        with self._lock:
            self._routes.pop(_route_key(path), None)

    def clear_routes(self) -> None:
        with self._lock:
            self._routes.clear()

    def _take_route(self, target: str) -> _Route | None:
        full = unquote(target)
        bare = full.split("?", 1)[0]
        with self._lock:
            for key in (full, bare):
                route = self._routes.get(key)
                if route is None:
                    continue
                if route.times is not None:
                    route.times -= 1
                    if route.times <= 0:
                        del self._routes[key]
                return route
        return None

    # -- responses -----------------------------------------------------------------

    def _substitute(self, text: str) -> str:
        return text.replace(BASE_PLACEHOLDER, self.base_url)

    def _resolve(self, url_path: str) -> tuple[str, Path | str | None]:
        """('file', path) | ('redirect', location) | ('missing', None) for a decoded URL path."""
        segments = [s for s in url_path.split("/") if s]
        if any(s in (".", "..") or "\\" in s or "\x00" in s for s in segments):
            return "missing", None
        candidate = self.root.joinpath(*segments)
        try:
            resolved = candidate.resolve()
        except OSError:
            return "missing", None
        if resolved != self._root_resolved and self._root_resolved not in resolved.parents:
            return "missing", None
        if candidate.is_dir():
            if not url_path.endswith("/"):
                return "redirect", url_path + "/"
            for name in INDEX_FILES:
                if (candidate / name).is_file():
                    return "file", candidate / name
            return "missing", None
        if candidate.is_file() and not url_path.endswith("/"):
            return "file", candidate
        return "missing", None

    def _file_body(self, path: Path) -> tuple[bytes, str, float]:
        raw = path.read_bytes()
        suffix = path.suffix.lower()
        if suffix in TEXT_SUFFIXES:
            raw = self._substitute(raw.decode("utf-8")).encode("utf-8")
        return raw, CONTENT_TYPES.get(suffix, DEFAULT_CONTENT_TYPE), path.stat().st_mtime

    def _respond(self, target: str) -> _Response:
        if target.startswith(("http://", "https://")):  # absolute-form request target
            parts = urlsplit(target)
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        route = self._take_route(target)
        if route is not None:
            return self._route_response(route, target)
        path_part, _, query = target.partition("?")
        kind, found = self._resolve(unquote(path_part))
        if kind == "redirect":
            location = f"{found}?{query}" if query else str(found)
            return _Response(
                status=301,
                body=b"",
                headers={"Location": self.base_url + location, "Content-Type": "text/html; charset=utf-8"},
            )
        if kind == "missing" or not isinstance(found, Path):
            return self._not_found()
        paged = _paged(query)
        if paged > 1:
            # WordPress answers `?paged=N` past the last page with 404; a backfill walker
            # must stop there instead of looping on page 1. `page-N.<ext>` next to the
            # index file, if present, is that page.
            found = found.with_name(f"page-{paged}{found.suffix}")
            if not found.is_file():
                return self._not_found()
        body, content_type, mtime = self._file_body(found)
        return _Response(
            status=200,
            body=body,
            headers={"Content-Type": content_type},
            etag=_strong_etag(body),
            last_modified=mtime,
            conditional=True,
        )

    @staticmethod
    def _not_found() -> _Response:
        return _Response(
            status=404,
            body=b"<!DOCTYPE html><html><body><h1>Page not found</h1></body></html>\n",
            headers={"Content-Type": "text/html; charset=utf-8"},
        )

    def _route_response(self, route: _Route, target: str) -> _Response:
        headers = {k: self._substitute(v) for k, v in route.headers.items()}
        body = route.body
        if body is not None and route.substitute:
            body = self._substitute(body.decode("utf-8")).encode("utf-8")
        content_type = route.content_type
        mtime: float | None = route.last_modified
        if body is None:
            body = b""
            if 200 <= route.status < 300:
                kind, found = self._resolve(unquote(target.split("?", 1)[0]))
                if kind == "file" and isinstance(found, Path):
                    body, file_type, _ = self._file_body(found)
                    content_type = content_type or file_type
        lowered = _lower_keys(headers)
        if content_type and "content-type" not in lowered:
            headers["Content-Type"] = content_type
        conditional = route.conditional and route.status == 200 and route.drip is None
        etag = lowered.get("etag") or (_strong_etag(body) if conditional else None)
        if "last-modified" in lowered:
            try:
                mtime = parsedate_to_datetime(lowered["last-modified"]).timestamp()
            except (TypeError, ValueError, IndexError):
                mtime = None
        elif not conditional:
            mtime = None
        return _Response(
            status=route.status,
            body=body,
            headers=headers,
            etag=etag if conditional or "etag" in lowered else None,
            last_modified=mtime,
            conditional=conditional,
            delay=route.delay,
            drip=route.drip,
            close=True,
        )


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m syndicate.demo`: serve the demo site until interrupted (for `make demo`)."""
    parser = argparse.ArgumentParser(description="Serve the synthetic demo partner sites on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any free port)")
    parser.add_argument("--root", type=Path, default=None, help="site folder (default: the bundled demo site)")
    parser.add_argument(
        "--registry", type=Path, default=None, help="also write the demo partners.yaml pointing at this server"
    )
    args = parser.parse_args(argv)
    with SiteServer(args.root, port=args.port) as server:
        print(f"demo site: {server.base_url}/lse/ and {server.base_url}/cgsp/", flush=True)
        print(f"feeds: {server.base_url}/lse/cff/feed/ {server.base_url}/cgsp/feed/", flush=True)
        if args.registry is not None:
            print(f"registry: {render_registry(server.base_url, args.registry)}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
