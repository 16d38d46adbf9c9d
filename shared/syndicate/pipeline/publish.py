"""Publish: the record index -> JSON Feed pages (every partner together, and each partner).

Immutable content-addressed pages are written first, the small first pages (the pointers)
last and only conditionally (If-Match on the ETag read before the index was read), so a
publish that raced another one and lost rebuilds from the newer index rather than
overwriting it: two publishes at once cannot lose an item. A crash anywhere between a record
write and a publish is repaired by the next publish, because what it compares is the whole
index with the digest of what was last published, not only the pending marks.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..clock import iso_z
from ..ports import PreconditionFailed, StorageError
from ..publish.atom import ATOM_CONTENT_TYPE, render_atom
from ..publish.jsonfeed import build_feed_pages
from ..services import Services
from ..state import PublishMark

log = logging.getLogger("syndicate.pipeline.publish")

FEED_CONTENT_TYPE = "application/feed+json"


@dataclass
class PublishReport:
    published: bool = False
    items: int = 0
    objects_written: int = 0
    keys: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class PublishConflict(RuntimeError):
    """Other publishers kept moving the pointer files; this publish gave up (the next one repairs)."""


@dataclass(frozen=True)
class FeedSpec:
    first_key: str
    title: str
    partner: str | None  # None: every partner
    home_page_url: str | None = None
    description: str | None = None


def publish_pending(svc: Services, *, attempts: int = 5) -> PublishReport:
    """Rebuild the published feeds when the record index differs from what was last published."""
    for _ in range(attempts):
        try:
            report = _publish_once(svc)
            break
        except PreconditionFailed as exc:
            log.info("publish lost a race on %s; rebuilding from the newer index", exc.key)
    else:
        raise PublishConflict(f"gave up after {attempts} attempts: the pointer files kept changing")
    _deploy_embed(svc, report)
    return report


def _deploy_embed(svc: Services, report: PublishReport) -> None:
    """The reference embed beside the feeds (site/), rewritten only when it changed. A failure
    here is logged, never a failed publish: the feeds are what readers depend on."""
    from ..publish.site import deploy_site

    try:
        written = deploy_site(
            svc.store, svc.current_registry(), base_url=svc.settings.public_base_url, search_url=svc.settings.search_url
        )
    except (StorageError, OSError, ValueError) as exc:
        log.warning("could not deploy the embed (site/): %s", exc)
        return
    report.objects_written += len(written)
    report.keys += written


def feed_specs(svc: Services) -> list[FeedSpec]:
    """The feed of all partners, then one feed per partner."""
    title = svc.settings.feed_title
    home = site_home_page(svc)
    specs = [FeedSpec("feed.json", title, None, home, "Articles republished from our partners, with attribution.")]
    for partner in svc.current_registry().partners:
        specs.append(FeedSpec(f"feeds/{partner.id}.json", f"{partner.name} via {title}", partner.id, partner.homepage))
    return specs


def site_home_page(svc: Services) -> str:
    """The aggregate feed's home_page_url: the registry's `publish.home_page_url`, else the site
    of the base URL the feeds are served from (its scheme and host; a file: base as it is)."""
    configured = svc.current_registry().publish.home_page_url
    if configured:
        return configured
    base = svc.settings.public_base_url
    parts = urlsplit(base)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}/"
    return base


def _partners_of(item: dict[str, Any]) -> set[str]:
    """A merged record appears in the feed of every partner that published a copy."""
    ext = item.get("_syndicate", {})
    return {ext.get("partner"), *(p.get("partner") for p in ext.get("also_published_at", []))}


def _get_retrying(svc: Services, key: str, attempts: int = 4) -> bytes | None:
    """Reads are idempotent: retry a few times so one flaky read does not sink a whole publish."""
    for attempt in range(attempts):
        try:
            return svc.store.get(key)
        except StorageError:
            if attempt == attempts - 1:
                raise
    return None


def _publish_once(svc: Services) -> PublishReport:
    report = PublishReport()
    specs = feed_specs(svc)
    pointers = {spec.first_key: svc.store.get_with_etag(spec.first_key) for spec in specs}
    pending = svc.db.pending.all()
    index = svc.db.records.all()
    digest = hashlib.sha256(
        json.dumps([[rid, meta.fingerprint] for rid, meta in index] + [[s.first_key for s in specs]]).encode()
    ).hexdigest()
    last = svc.db.publish.last()
    if not pending and last is not None and last.digest == digest and all(pointers.values()):
        return report
    items: list[dict[str, Any]] = []
    for record_id, _meta in index:
        raw = _get_retrying(svc, f"records/{record_id}.json")
        if raw is None:
            log.warning("record %s is indexed but its object is missing; skipped", record_id)
            continue
        items.append(json.loads(raw))
    written_keys: list[str] = []
    for spec in specs:
        written_keys += _write_feed(svc, spec, items, pointers[spec.first_key], report)
    # Pages of the publish before the last one are unreachable now (readers that started on
    # the last generation may still be walking it): remove them.
    keep = set(written_keys) | set(last.keys if last else [])
    for spec in specs:
        stem = spec.first_key.removesuffix(".json") + "/"
        for key in svc.store.list_keys(stem):
            if key not in keep and "/" not in key[len(stem) :]:
                svc.store.delete(key)
    svc.db.publish.put_last(PublishMark(digest, sorted(written_keys), iso_z(svc.now())))
    # >>> search index (issue 10): the changed records into the index, before their pending
    # marks go, so a failed index update is retried by the next publish.
    from ..search.update import index_changes

    index_changes(svc, [record_id for record_id, _ in pending])
    # <<< search index
    for record_id, _ in pending:
        svc.db.pending.clear(record_id)
    report.published = True
    report.items = len(items)
    return report


def _write_feed(
    svc: Services,
    spec: FeedSpec,
    items: list[dict[str, Any]],
    current: tuple[bytes, str] | None,
    report: PublishReport,
) -> list[str]:
    """Write one feed's pages (immutable ones first, its first page last); return their keys."""
    mine = [i for i in items if spec.partner is None or spec.partner in _partners_of(i)]
    pages = build_feed_pages(
        mine,
        title=spec.title,
        first_key=spec.first_key,
        base_url=svc.settings.public_base_url,
        page_size=svc.settings.page_size,
        home_page_url=spec.home_page_url,
        description=spec.description,
    )
    for key, body in pages.items():
        if key != spec.first_key and svc.store.get(key) is None:  # content-addressed: same key, same bytes
            svc.store.put(key, body, FEED_CONTENT_TYPE)
            report.objects_written += 1
            report.keys.append(key)
    if current is None or current[0] != pages[spec.first_key]:
        svc.store.put(
            spec.first_key,
            pages[spec.first_key],
            FEED_CONTENT_TYPE,
            if_match=current[1] if current else None,
            if_none_match=current is None,
        )
        report.objects_written += 1
        report.keys.append(spec.first_key)
    _write_atom(svc, spec.first_key, pages[spec.first_key], report)
    return list(pages)


def _write_atom(svc: Services, first_key: str, first_page: bytes, report: PublishReport) -> None:
    """`feed.atom` beside `feed.json`: the first page as Atom 1.0 (the Atom of later pages comes
    with the paged layout), rewritten only when it changed."""
    key = first_key.removesuffix(".json") + ".atom"
    url = svc.settings.public_base_url.rstrip("/") + "/" + key
    body = render_atom(json.loads(first_page), self_url=url, first_url=url)
    if svc.store.get(key) != body:
        svc.store.put(key, body, ATOM_CONTENT_TYPE)
        report.objects_written += 1
        report.keys.append(key)
