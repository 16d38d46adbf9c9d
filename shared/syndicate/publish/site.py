"""The reference embed (the repository's `site/`), deployed beside the feeds under `site/`.

Downstream sites can link to it, frame it, or copy its three files; it reads the published
`feed.json` and the search API. Deploying renders two things for this deployment: its
`config.json` (where the feed and the search API are, the partners for the filter) and its
Content-Security-Policy, narrowed from the repository's generic `https:` to this deployment's
own search API origin (connect-src) and its partners' sites (img-src, for article images).

Objects are written only when the rendered site changed (its digest is in config.json), so a
publish with nothing new in the site costs one small read.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from importlib import resources
from typing import Any
from urllib.parse import urljoin, urlsplit

from ..ports import ObjectStore
from ..registry import Registry

#: Where in the public store the embed lives.
SITE_PREFIX = "site/"
FILES = {"index.html": "text/html; charset=utf-8", "embed.js": "text/javascript; charset=utf-8",
         "embed.css": "text/css; charset=utf-8"}
_CSP = re.compile(r'(<meta http-equiv="Content-Security-Policy" content=")([^"]*)(")')


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def site_files() -> dict[str, bytes]:
    """The embed's files as shipped in the package (syndicate/site -> the repository's site/)."""
    folder = resources.files("syndicate") / "site"
    return {name: (folder / name).read_bytes() for name in FILES}


def content_security_policy(template: str, *, search_origin: str | None, image_origins: Iterable[str]) -> str:
    """The repository's policy with connect-src and img-src narrowed to this deployment."""
    connect = "connect-src 'self'" + (f" {search_origin}" if search_origin else "")
    images = "img-src 'self' " + " ".join(sorted({"https:", *image_origins}))
    policy = re.sub(r"connect-src [^;]*", connect, template)
    return re.sub(r"img-src [^;]*", images, policy)


def render_site(registry: Registry, *, base_url: str, search_url: str | None) -> dict[str, bytes]:
    """Every object of the embed for this deployment, config.json included."""
    files = site_files()
    search_origin = _origin(search_url)
    image_origins = {
        origin
        for partner in registry.partners
        for origin in (_origin(partner.homepage), *(_origin(feed.url) for feed in partner.feeds))
        if origin and origin.startswith("http:")  # https: is allowed already
    }
    html = files["index.html"].decode("utf-8")
    match = _CSP.search(html)
    if match is None:
        raise ValueError("site/index.html has no Content-Security-Policy meta element")
    policy = content_security_policy(match.group(2), search_origin=search_origin, image_origins=image_origins)
    files["index.html"] = _CSP.sub(lambda m: m.group(1) + policy + m.group(3), html, count=1).encode("utf-8")
    config: dict[str, Any] = {
        # relative when the feeds have no http(s) address yet (a local run without --base-url)
        "feed_url": urljoin(base_url, "feed.json") if _origin(base_url) else "../feed.json",
        "search_url": search_url or "",
        "title": registry.publish.title,
        "partners": [{"id": p.id, "name": p.name} for p in registry.partners],
    }
    digest = hashlib.sha256(
        json.dumps([config, {k: hashlib.sha256(v).hexdigest() for k, v in sorted(files.items())}]).encode()
    ).hexdigest()
    config["version"] = digest
    files["config.json"] = json.dumps(config, indent=2).encode("utf-8")
    return files


def deploy_site(store: ObjectStore, registry: Registry, *, base_url: str, search_url: str | None) -> list[str]:
    """Write the embed under site/ when it changed; return the keys written."""
    files = render_site(registry, base_url=base_url, search_url=search_url)
    version = json.loads(files["config.json"])["version"]
    current = store.get(SITE_PREFIX + "config.json")
    if current is not None:
        try:
            if json.loads(current).get("version") == version:
                return []
        except ValueError:
            pass  # unreadable: rewrite it
    written = []
    for name in (*FILES, "config.json"):  # config.json last: it is what says "this version is complete"
        content_type = FILES.get(name, "application/json")
        store.put(SITE_PREFIX + name, files[name], content_type)
        written.append(SITE_PREFIX + name)
    return written
