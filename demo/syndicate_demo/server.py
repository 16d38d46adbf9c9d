"""A loopback HTTP server for the bundled demo site, used by `make demo` / `syndicate demo`.

Nothing here is product code, and none of it ships in the Lambda layer. It exists so the whole
pipeline (conditional polling, page fetches, extraction) can run against partner-shaped feeds
and pages without the internet. It behaves like the partners' WordPress sites where the
pipeline depends on it: directory URLs, strong ETags, Last-Modified, 304s, 404s,
trailing-slash redirects and `?paged=N` feed pages (what `syndicate backfill` walks).

Files may contain the placeholder `{{BASE}}`; it is replaced by the server's own base URL
when served, so absolute links and feed links work on whatever free port the server got.

It also serves what a local run published (`python -m syndicate_demo --root out`) the way
S3 and CloudFront would: the headers the local object store keeps beside each object
(Content-Type, Cache-Control, Content-Encoding: gzip for feed pages) are sent with it, and a
gzip-encoded page is decompressed for a client that does not accept gzip.

The tests build their fault-injecting server (programmed failures, delays, slow bodies, a
request log) on top of this one, in `tests/fixtures/http.py`: `DemoServer.respond` and
`SiteHandler.send` / `send_payload` are the seams it uses.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import ipaddress
import socketserver
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import parse_qs, unquote, urlsplit

from syndicate.adapters.local import meta_path, read_meta

__all__ = [
    "BASE_PLACEHOLDER",
    "DemoServer",
    "Response",
    "SiteHandler",
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


@dataclass
class Response:
    """What to answer one request with. `conditional`: answer 304 when the client has it."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: float | None = None
    conditional: bool = False
    close: bool = False


def strong_etag(body: bytes) -> str:
    """A strong ETag for exactly these bytes, as WordPress caches send for a feed."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def http_date(timestamp: float) -> str:
    return formatdate(int(timestamp), usegmt=True)


def lower_keys(headers: Mapping[str, str] | None) -> dict[str, str]:
    return {k.lower(): v for k, v in (headers or {}).items()}


def not_modified(request_headers: Mapping[str, str], etag: str | None, last_modified: float | None) -> bool:
    """RFC 9110 evaluation for GET/HEAD: If-None-Match wins; If-Modified-Since only without it.

    `request_headers` must have lower-case names.
    """
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


def origin_form(target: str) -> str:
    """A request target as path and query: an absolute-form target (`GET http://host/x`) loses its origin."""
    if target.startswith(("http://", "https://")):
        parts = urlsplit(target)
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return target


def _paged(query: str) -> int:
    """The WordPress `paged` query parameter (1 when absent or not a number)."""
    values = parse_qs(query).get("paged") or ["1"]
    try:
        return int(values[-1])
    except ValueError:
        return 1


def _private_literal(host: str) -> bool:
    """Whether `host` is one private IPv4 address (RFC 1918), such as Docker's bridge gateway.

    `make sam-local` serves the site to Lambda containers, which reach the host only at the
    bridge address (172.17.0.1); every wildcard, public or other non-private address stays
    refused, so the demo site is never served beyond this machine's own networks by mistake.
    """
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    private = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
    return isinstance(address, ipaddress.IPv4Address) and any(address in ipaddress.ip_network(n) for n in private)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # Filled in by DemoServer before serving starts.
    site: DemoServer

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn) that can stall on a
        # machine without a resolver; the name is never used here.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)


class SiteHandler(BaseHTTPRequestHandler):
    """Answers each request with what `DemoServer.handle` returns."""

    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "syndicate-demo/1.0"
    # Idle keep-alive connections give up after this, so a client that never closes
    # cannot pin a thread for ever.
    timeout = 15
    # Headers and body go out in separate writes: with Nagle's algorithm on, the body waits
    # for the client's delayed ACK of the headers, ~40 ms a response on loopback (measured by
    # bench/pipeline.py), which is the test site's cost, not the pipeline's.
    disable_nagle_algorithm = True

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: object) -> None:
        """Silent: the demo prints its own summary, and tests must not fill stderr."""

    def do_GET(self) -> None:
        self._dispatch(head=False)

    def do_HEAD(self) -> None:
        self._dispatch(head=True)

    def do_POST(self) -> None:
        self._dispatch(head=False)

    def do_PUT(self) -> None:
        self._dispatch(head=False)

    def do_DELETE(self) -> None:
        self._dispatch(head=False)

    def _dispatch(self, head: bool) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length and self.command not in ("GET", "HEAD"):
            self.rfile.read(length)  # drain the body so the connection can be reused
        headers = lower_keys(dict(self.headers.items()))
        try:
            response = self.server.site.handle(self.command, self.path, headers)
        except Exception as exc:  # a bug here must show up as a 500, not a hung client
            response = Response(status=500, body=f"demo server error: {exc}\n".encode(), close=True)
        self.send(response, head=head)

    def send(self, response: Response, head: bool) -> None:
        """Status line and headers (304 when the request is conditional and matches), then the body."""
        status = response.status
        if response.conditional and not_modified(
            lower_keys(dict(self.headers.items())), response.etag, response.last_modified
        ):
            status = 304
        try:
            self.send_response(status)
            given = lower_keys(response.headers)
            for name, value in response.headers.items():
                self.send_header(name, value)
            if response.etag and "etag" not in given:
                self.send_header("ETag", response.etag)
            if response.last_modified is not None and "last-modified" not in given:
                self.send_header("Last-Modified", http_date(response.last_modified))
            if status == 304:
                self.end_headers()
                return
            self.send_payload(response, head)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True

    def send_payload(self, response: Response, head: bool) -> None:
        """The rest of the headers (length, type, close) and the body, unless HEAD."""
        given = lower_keys(response.headers)
        if "content-length" not in given:
            self.send_header("Content-Length", str(len(response.body)))
        if response.close:
            self.send_header("Connection", "close")
            self.close_connection = True
        if "content-type" not in given and response.status != 204:
            self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.end_headers()
        if not head:
            self.wfile.write(response.body)


class DemoServer:
    """Serve a folder over HTTP on 127.0.0.1 (or one private address: see `_private_literal`), WordPress-style.

    Use it as a context manager (`with DemoServer() as server: server.base_url`) or call
    `start()` and `stop()`. Port 0 (the default) asks the OS for a free port.

    URL mapping: `/x/` serves `x/index.html`, or `x/index.xml` when there is no HTML index
    (so `/lse/cff/feed/` is the feed); `/x` where `x` is a folder redirects (301) to `/x/`
    like WordPress; anything outside the root or missing is 404. Query strings do not affect
    which file is served (`?utm_source=rss`, `?p=1`), except WordPress's `?paged=N` (N > 1),
    which serves `page-N.<ext>` beside the index file or 404 when there is none. Every 200
    carries a strong ETag (a hash of the bytes served) and Last-Modified (the file's mtime)
    and is answered with 304 when If-None-Match or If-Modified-Since say the client already
    has it. Only GET and HEAD are allowed (405 otherwise).
    """

    handler_class: type[SiteHandler] = SiteHandler

    def __init__(self, root: Path | str | None = None, port: int = 0, host: str = "127.0.0.1") -> None:
        if host not in ("127.0.0.1", "localhost", "::1") and not _private_literal(host):
            raise ValueError(f"the demo server only listens on loopback or one private address, not {host!r}")
        self.root = Path(root) if root is not None else site_root()
        if not self.root.is_dir():
            raise FileNotFoundError(f"demo site root is not a folder: {self.root}")
        self._root_resolved = self.root.resolve()
        self._host = host
        self._port = port
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------

    def start(self) -> Self:
        """Bind and serve in a background thread; returns self. Idempotent while running."""
        if self._httpd is not None:
            return self
        httpd = _HTTPServer((self._host, self._port), self.handler_class)
        httpd.site = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="demo-site-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting and close the listening socket (handler threads are daemons)."""
        httpd = self._httpd
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> Self:
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
            raise RuntimeError("the server is not running: call start() or use it as a context manager")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT`, without a trailing slash (what `{{BASE}}` becomes)."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    def url(self, path: str = "/") -> str:
        """Absolute URL of a path on this server."""
        return self.base_url + (path if path.startswith("/") else "/" + path)

    # -- responses -----------------------------------------------------------------

    def handle(self, method: str, target: str, headers: Mapping[str, str]) -> Response:
        """The response to one request (`headers` with lower-case names). Runs on handler threads."""
        if method not in ("GET", "HEAD"):
            return Response(status=405, body=b"Method Not Allowed\n", headers={"Allow": "GET, HEAD"})
        response = self.respond(origin_form(target))
        encoding = lower_keys(response.headers).get("content-encoding")
        if encoding == "gzip" and "gzip" not in headers.get("accept-encoding", ""):
            response.body = gzip.decompress(response.body)
            response.headers = {k: v for k, v in response.headers.items() if k.lower() != "content-encoding"}
            response.etag = strong_etag(response.body)
        return response

    def substitute(self, text: str) -> str:
        """`text` with every `{{BASE}}` replaced by this server's base URL."""
        return text.replace(BASE_PLACEHOLDER, self.base_url)

    def resolve(self, url_path: str) -> tuple[str, Path | str | None]:
        """('file', path) | ('redirect', location) | ('missing', None) for a decoded URL path."""
        segments = [s for s in url_path.split("/") if s]
        if any(s in (".", "..") or "\\" in s or "\x00" in s or s.startswith(".~syndicate-") for s in segments):
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

    def file_body(self, path: Path) -> tuple[bytes, str, float]:
        """A site file as served: (bytes with `{{BASE}}` substituted, content type, mtime)."""
        raw = path.read_bytes()
        suffix = path.suffix.lower()
        if suffix in TEXT_SUFFIXES:
            raw = self.substitute(raw.decode("utf-8")).encode("utf-8")
        return raw, CONTENT_TYPES.get(suffix, DEFAULT_CONTENT_TYPE), path.stat().st_mtime

    def respond(self, target: str) -> Response:
        """The site's answer to a GET of `target` (origin-form: path and optional query)."""
        path_part, _, query = target.partition("?")
        kind, found = self.resolve(unquote(path_part))
        if kind == "redirect":
            location = f"{found}?{query}" if query else str(found)
            return Response(
                status=301,
                body=b"",
                headers={"Location": self.base_url + location, "Content-Type": "text/html; charset=utf-8"},
            )
        if kind == "missing" or not isinstance(found, Path):
            return self.not_found()
        paged = _paged(query)
        if paged > 1:
            # WordPress answers `?paged=N` past the last page with 404; a backfill walker
            # must stop there instead of looping on page 1. `page-N.<ext>` next to the
            # index file, if present, is that page.
            found = found.with_name(f"page-{paged}{found.suffix}")
            if not found.is_file():
                return self.not_found()
        headers = self.stored_headers(found)
        if headers.get("Content-Encoding"):
            body, mtime = found.read_bytes(), found.stat().st_mtime  # encoded bytes: served as stored
        else:
            body, content_type, mtime = self.file_body(found)
            headers.setdefault("Content-Type", content_type)
        return Response(
            status=200,
            body=body,
            headers=headers,
            etag=strong_etag(body),
            last_modified=mtime,
            conditional=True,
        )

    @staticmethod
    def stored_headers(path: Path) -> dict[str, str]:
        """The headers a local object store kept beside `path` (none for a plain site file)."""
        if not meta_path(path).is_file():
            return {}
        meta = read_meta(path)
        headers = {"Content-Type": meta.content_type}
        if meta.cache_control:
            headers["Cache-Control"] = meta.cache_control
        if meta.content_encoding:
            headers["Content-Encoding"] = meta.content_encoding
        return headers

    @staticmethod
    def not_found() -> Response:
        return Response(
            status=404,
            body=b"<!DOCTYPE html><html><body><h1>Page not found</h1></body></html>\n",
            headers={"Content-Type": "text/html; charset=utf-8"},
        )


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m syndicate_demo`: serve the demo site until interrupted."""
    parser = argparse.ArgumentParser(description="Serve the synthetic demo partner sites on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any free port)")
    parser.add_argument("--root", type=Path, default=None, help="site folder (default: the bundled demo site)")
    parser.add_argument(
        "--registry", type=Path, default=None, help="also write the demo partners.yaml pointing at this server"
    )
    args = parser.parse_args(argv)
    with DemoServer(args.root, port=args.port) as server:
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
