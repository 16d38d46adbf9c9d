"""Publish: the records that changed -> the pages that hold them, in every feed that shows them.

Each feed (every partner together, `feed.json`; each partner, `feeds/<partner>.json`) is a
small head page with the newest items whose `next_url` leads to frozen archive pages,
numbered from the oldest (`feed/archive-000001-<hash>.json` ...). A record gets a *slot* in
a feed when first published there (arrival order); archive page k holds the slots
[(k-1)*size, k*size), so adding items never renumbers a page: new items go to the head, and
when the head outgrows a page its oldest full page of slots is frozen into the next archive
page. The layout and where every record sits live in the state table (`FeedManifests`,
`PublishedRecords`), so a publish reads the pending marks, the changed records, the head
pages and only the archive pages it must rewrite: its cost follows the change, not the
archive (bench/publish_cost.py measures it).

Every archive page is immutable under its key (the key carries a hash of its bytes), so
caches may keep it for a year. A page that must change (one of its records was updated or
retired) is written under a new key; since the page in front of it links to that key, the
newer archive pages are re-linked too (a cost of the pages between the record and the head:
nothing for the usual update of a recent record, and the price of keys that never change
under a reader or a cache). Immutable pages are written first, then the record index, then
each head page, conditionally (If-Match on the ETag read at the start, If-None-Match for a
new feed), then the feed's manifest. A publish that loses the conditional write rebuilds
from the newer state; one that finds a head page its manifest does not describe (a crash
between the two writes, or a pre-manifest layout) rebuilds that feed whole from the records.

A lease in the state table (`lock` / `publish`) keeps publishes one at a time: the backstop
schedule and the queue never run two whose page cleanup deletes what the other just made
live. A publish that finds the lease held reports `busy` and leaves the pending marks for
the next one. Superseded page generations are deleted one hour after they were replaced
(readers that fetched the old head, cached for 60 s, have long finished walking it; the
bucket's lifecycle keeps overwritten versions one more day).
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from ..clock import iso_z
from ..ports import PreconditionFailed, StorageError
from ..publish.atom import ATOM_CONTENT_TYPE, render_atom
from ..publish.jsonfeed import dumps, encode_page, feed_document, loads_page, sort_newest_first
from ..services import Services
from ..state import FeedManifest, PublishedRecord, PublishMark

log = logging.getLogger("syndicate.pipeline.publish")

FEED_CONTENT_TYPE = "application/feed+json"
#: Head pages change with every publish: readers and CloudFront re-check them after a minute.
HEAD_CACHE_CONTROL = "public, max-age=60"
#: Archive pages never change under their key.
FROZEN_CACHE_CONTROL = "public, max-age=31536000, immutable"
#: Pages are stored gzip-compressed: CloudFront does not compress application/feed+json.
PAGE_ENCODING = "gzip"
#: How long a superseded page generation stays readable after it was replaced.
GARBAGE_GRACE = timedelta(hours=1)
LEASE_NAME = "publish"
#: Longer than the publish function's timeout (template.yaml: 300 s): a holder that died
#: blocks the next publish for at most this long.
LEASE_SECONDS = 330.0


@dataclass
class PublishReport:
    published: bool = False
    items: int = 0
    objects_written: int = 0
    keys: list[str] = field(default_factory=list)
    #: another publish held the lease: nothing done, the pending marks stay for the next one
    busy: bool = False
    #: record ids this publish wrote into pages (new or updated) and took out of them (retired)
    changed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    #: feeds rebuilt whole (new feed, changed page size, or a head its manifest did not describe)
    rebuilt: list[str] = field(default_factory=list)
    objects_read: int = 0
    objects_deleted: int = 0
    bytes_written: int = 0

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

    @property
    def stem(self) -> str:
        """`feed` for `feed.json`: the folder of its archive pages and its manifest's key."""
        return self.first_key.removesuffix(".json")


def publish_pending(
    svc: Services, *, attempts: int = 5, reconcile: bool = False, wait_seconds: float = 0.0
) -> PublishReport:
    """Write what changed since the last publish into the feeds, holding the publish lease.

    `reconcile`: also compare the whole record index with what is published (state-table
    reads only) and publish what differs, for changes whose pending mark never landed (an
    ingest that crashed between writing a record and marking it); the scheduled backstop
    does this. `wait_seconds`: how long to wait for a lease another publish holds.
    """
    token = _acquire_lease(svc, wait_seconds)
    if token is None:
        log.info("another publish holds the lease; the pending marks stay for the next one")
        return PublishReport(busy=True)
    try:
        for _ in range(attempts):
            try:
                report = _publish_once(svc, reconcile=reconcile)
            except PreconditionFailed as exc:
                log.info("publish lost a race on %s; rebuilding from the newer state", exc.key)
                continue
            _deploy_embed(svc, report)
            return report
    finally:
        _release_lease(svc, token)
    raise PublishConflict(f"gave up after {attempts} attempts: the pointer files kept changing")


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


def _acquire_lease(svc: Services, wait_seconds: float) -> str | None:
    deadline = time.monotonic() + wait_seconds
    while True:
        mine = uuid.uuid4().hex
        try:
            token = svc.db.leases.acquire(LEASE_NAME, LEASE_SECONDS, token=mine)
        except StorageError:
            # The claim may have been written and only its answer lost: read it back, or a
            # lease nobody knows it holds would keep every publish out until it expires.
            held = svc.db.leases.get(LEASE_NAME)
            if held is None or held.token != mine:
                raise
            token = mine
        if token is not None or time.monotonic() >= deadline:
            return token
        time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))


def _release_lease(svc: Services, token: str, attempts: int = 4) -> None:
    """Give the lease back, retrying (a delete is idempotent): a release that failed would
    keep the next publishes out until the lease expires."""
    for attempt in range(attempts):
        try:
            svc.db.leases.release(LEASE_NAME, token)
            return
        except StorageError:
            if attempt == attempts - 1:
                log.warning("could not release the publish lease; it expires in %.0f s", LEASE_SECONDS)


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


def _shows(spec: FeedSpec, partners: set[str] | list[str]) -> bool:
    return spec.partner is None or spec.partner in partners


def archive_key(stem: str, number: int, digest: str) -> str:
    """Archive page `number` (1 = the oldest) of the feed `stem`, generation `digest`."""
    return f"{stem}/archive-{number:06d}-{digest}.json"


def _get_retrying(svc: Services, key: str, report: PublishReport, attempts: int = 4) -> bytes | None:
    """Reads are idempotent: retry a few times so one flaky read does not sink a whole publish."""
    for attempt in range(attempts):
        try:
            report.objects_read += 1
            return svc.store.get(key)
        except StorageError:
            if attempt == attempts - 1:
                raise
    return None


@dataclass
class _FeedUpdate:
    """What one feed's publish writes: archive pages (immutable) first, then the head."""

    spec: FeedSpec
    manifest: FeedManifest
    archive: list[tuple[str, dict[str, Any]]]
    head: dict[str, Any]
    #: record id -> its slot in this feed now (None: no longer shown in this feed)
    slots: dict[str, int | None]


def _publish_once(svc: Services, *, reconcile: bool) -> PublishReport:
    report = PublishReport()
    at = iso_z(svc.now())
    specs = feed_specs(svc)
    pending = svc.db.pending.all()
    changed_ids = {rid for rid, _ in pending}
    if reconcile:
        changed_ids |= _unreconciled(svc, specs)
    heads = {spec.stem: svc.store.get_with_etag(spec.first_key) for spec in specs}
    report.objects_read += len(specs)
    manifests = {spec.stem: svc.db.feeds_published.get(spec.stem) for spec in specs}
    stale = [spec for spec in specs if _needs_rebuild(svc, manifests[spec.stem], heads[spec.stem])]
    if not changed_ids and not stale:
        return report

    # The records this publish needs: the changed ones (None: retired), and every record
    # when a feed is rebuilt whole.
    index = {rid: meta.fingerprint for rid, meta in svc.db.records.all()} if stale else {}
    records: dict[str, dict[str, Any] | None] = {}
    for rid in sorted(changed_ids | set(index)):
        raw = _get_retrying(svc, f"records/{rid}.json", report)
        records[rid] = None if raw is None else loads_page(raw)
        if raw is None and rid not in {r for r, m in pending if m.retired}:
            log.warning("record %s is marked or indexed but its object is missing; taken out of the feeds", rid)
    entries: dict[str, PublishedRecord | None] = {}
    entries = dict(svc.db.published.all()) if stale else {rid: svc.db.published.get(rid) for rid in changed_ids}

    updates: list[_FeedUpdate] = []
    for spec in specs:
        if spec in stale:
            report.rebuilt.append(spec.first_key)
            updates.append(_rebuild_feed(svc, spec, records, manifests[spec.stem], at))
        else:
            manifest = manifests[spec.stem]
            head = heads[spec.stem]
            assert manifest is not None and head is not None  # not stale
            mine = {rid: records[rid] for rid in changed_ids}
            updates.append(_update_feed(svc, spec, manifest, loads_page(head[0]), mine, entries, at, report))

    # 1. immutable archive pages
    for update in updates:
        for key, doc in update.archive:
            _put_page(svc, key, doc, report, cache_control=FROZEN_CACHE_CONTROL)
    # 2. where each record now sits (before the heads: a crash after a head write leaves an
    #    index that already says where its records are)
    _write_index(svc, records, updates, entries, index)
    # 3. each head page, conditionally, then its manifest
    for update in updates:
        current = heads[update.spec.stem]
        body = _put_page(
            svc,
            update.spec.first_key,
            update.head,
            report,
            cache_control=HEAD_CACHE_CONTROL,
            if_match=current[1] if current else None,
            if_none_match=current is None,
            unless_equal=current[0] if current else None,
        )
        update.manifest.head_digest = hashlib.sha256(body).hexdigest()
        svc.db.feeds_published.put(update.spec.stem, update.manifest)
    # 4. cleanup: retired records' index entries, page generations past their grace period
    for rid, record in records.items():
        if record is None and entries.get(rid) is not None:
            svc.db.published.delete(rid)
    for update in updates:
        report.objects_deleted += _collect_garbage(svc, update.spec.stem, update.manifest)
    report.changed = sorted(rid for rid in changed_ids if records.get(rid) is not None)
    report.retired = sorted(rid for rid in changed_ids if records.get(rid) is None)
    # The search index takes this publish's changed and retired records before their pending
    # marks go, so a failed index update is retried by the next publish.
    from ..search.update import index_changes

    index_changes(svc, report.changed + report.retired)
    svc.db.publish.put_last(PublishMark("", sorted(report.keys), at))
    for record_id, _ in pending:
        svc.db.pending.clear(record_id)
    report.published = True
    report.items = updates[0].manifest.items if updates else 0
    return report


def _needs_rebuild(svc: Services, manifest: FeedManifest | None, head: tuple[bytes, str] | None) -> bool:
    """A feed is rebuilt whole when it has no manifest (new, or laid out by an older version),
    its page size changed, or its head page is not the one its manifest describes."""
    if manifest is None or head is None:
        return True
    return manifest.page_size != svc.settings.page_size or hashlib.sha256(head[0]).hexdigest() != manifest.head_digest


def _unreconciled(svc: Services, specs: list[FeedSpec]) -> set[str]:
    """Records whose published state differs from the record index (state-table reads only)."""
    index = dict(svc.db.records.all())
    published = dict(svc.db.published.all())
    out = {rid for rid in published if rid not in index}
    for rid, meta in index.items():
        entry = published.get(rid)
        if (
            entry is None
            or entry.fingerprint != meta.fingerprint
            or any(_shows(spec, entry.partners) and spec.stem not in entry.slots for spec in specs)
        ):
            out.add(rid)
    return out


def _rebuild_feed(
    svc: Services,
    spec: FeedSpec,
    records: dict[str, dict[str, Any] | None],
    old: FeedManifest | None,
    at: str,
) -> _FeedUpdate:
    """The whole feed anew from every record: slots in date order, every page a new key.

    Every page the feed had (listed under its folder, and any older generations waiting
    for deletion) becomes garbage, deleted after the grace period like any superseded page.
    """
    fresh = FeedManifest(page_size=svc.settings.page_size)
    update = _layout(svc, spec, fresh, {}, {}, {}, records, set(), at)
    for rid, record in records.items():
        if record is None or not _shows(spec, _partners_of(record)):
            update.slots[rid] = None
    written = {key for key, _ in update.archive}
    kept = old.garbage if old else []
    listed = [
        [key, at]
        for key in svc.store.list_keys(spec.stem + "/")
        if key.endswith(".json") and key not in written and "/" not in key[len(spec.stem) + 1 :]
    ]
    seen = {key for key, _ in kept}
    update.manifest.garbage = kept + [g for g in listed if g[0] not in seen]
    return update


def _update_feed(
    svc: Services,
    spec: FeedSpec,
    manifest: FeedManifest,
    head_doc: dict[str, Any],
    changed: dict[str, dict[str, Any] | None],
    entries: dict[str, PublishedRecord | None],
    at: str,
    report: PublishReport,
) -> _FeedUpdate:
    """This feed after the changed records: each updated or retired in the page holding it."""
    size = manifest.page_size
    head_items = {str(i["id"]): i for i in head_doc.get("items", [])}
    pages: dict[int, dict[str, dict[str, Any]]] = {}

    def load(number: int) -> dict[str, dict[str, Any]]:
        if number not in pages:
            raw = _get_retrying(svc, archive_key(spec.stem, number, manifest.pages[number - 1]), report)
            if raw is None:
                raise StorageError(f"{spec.first_key}: archive page {number} is missing; the manifest is stale")
            pages[number] = {str(i["id"]): i for i in loads_page(raw).get("items", [])}
        return pages[number]

    touched: set[int] = set()
    placed: dict[str, dict[str, Any] | None] = {}  # id -> record to place anew (None: remove)
    for rid, record in sorted(changed.items()):
        shown = record is not None and _shows(spec, _partners_of(record))
        entry = entries.get(rid)
        slot = entry.slots.get(spec.stem) if entry else None
        if rid in manifest.head:
            placed[rid] = record if shown else None
        elif slot is not None and slot < len(manifest.pages) * size and rid in load(slot // size + 1):
            number = slot // size + 1
            touched.add(number)
            if record is not None and shown:
                pages[number][rid] = record
            else:
                del pages[number][rid]
                manifest.items -= 1
                placed[rid] = None
        elif shown:
            placed[rid] = record
    return _layout(svc, spec, manifest, head_items, pages, dict(manifest.head), placed, touched, at, load)


def _layout(
    svc: Services,
    spec: FeedSpec,
    manifest: FeedManifest,
    head_items: dict[str, dict[str, Any]],
    pages: dict[int, dict[str, dict[str, Any]]],
    head_slots: dict[str, int],
    placed: Mapping[str, dict[str, Any] | None],
    touched: set[int],
    at: str,
    load: Callable[[int], dict[str, dict[str, Any]]] | None = None,
) -> _FeedUpdate:
    """Apply head changes, give new records slots, freeze full pages, re-key what changed."""
    size = manifest.page_size
    slots: dict[str, int | None] = {}
    new: list[dict[str, Any]] = []
    for rid, record in placed.items():
        if rid in head_slots:
            if record is None:
                del head_slots[rid]
                head_items.pop(rid, None)
                manifest.items -= 1
                slots[rid] = None
            else:
                head_items[rid] = record
        elif record is not None and _shows(spec, _partners_of(record)):
            new.append(record)
        elif record is None and rid not in slots:
            slots[rid] = None
    new.sort(key=lambda r: (str(r.get("date_published") or ""), str(r["id"])))  # oldest first
    for record in new:
        rid = str(record["id"])
        head_slots[rid] = slots[rid] = manifest.next_slot
        head_items[rid] = record
        manifest.next_slot += 1
        manifest.items += 1
    old_count = len(manifest.pages)
    frozen: dict[int, dict[str, dict[str, Any]]] = {}
    count = old_count
    while manifest.next_slot - count * size > size:  # the head keeps 1..size slots
        count += 1
        low, high = (count - 1) * size, count * size
        ids = [rid for rid, slot in head_slots.items() if low <= slot < high]
        frozen[count] = {rid: head_items.pop(rid) for rid in ids}
        for rid in ids:
            del head_slots[rid]

    base = svc.settings.public_base_url
    base = base if base.endswith("/") else base + "/"

    def page_doc(items: Any, next_key: str | None) -> dict[str, Any]:
        return feed_document(
            sort_newest_first(items),
            title=spec.title,
            feed_url=base + spec.first_key,
            next_url=base + next_key if next_key else None,
            home_page_url=spec.home_page_url,
            description=spec.description,
        )

    # Rewrite from the oldest touched page up (each page links to the one before it), then
    # the newly frozen pages; a page whose bytes come out the same keeps its key.
    first = min(touched) if touched else old_count + 1
    archive: list[tuple[str, dict[str, Any]]] = []
    prev_key = archive_key(spec.stem, first - 1, manifest.pages[first - 2]) if first > 1 else None
    for number in range(first, count + 1):
        items = (load(number) if load else pages[number]) if number <= old_count else frozen[number]
        doc = page_doc(items.values(), prev_key)
        digest = hashlib.sha256(dumps(doc)).hexdigest()[:12]
        key = archive_key(spec.stem, number, digest)
        if number <= old_count:
            old_key = archive_key(spec.stem, number, manifest.pages[number - 1])
            manifest.pages[number - 1] = digest
            if old_key == key:
                prev_key = key
                continue
            manifest.garbage.append([old_key, at])
        else:
            manifest.pages.append(digest)
        archive.append((key, doc))
        prev_key = key
    newest = archive_key(spec.stem, count, manifest.pages[count - 1]) if count else None
    manifest.head = head_slots
    return _FeedUpdate(spec, manifest, archive, page_doc(head_items.values(), newest), slots)


def _put_page(
    svc: Services,
    key: str,
    doc: dict[str, Any],
    report: PublishReport,
    *,
    cache_control: str,
    if_match: str | None = None,
    if_none_match: bool = False,
    unless_equal: bytes | None = None,
) -> bytes:
    """Write one page gzip-encoded with its headers, then the same page as Atom 1.0 beside it
    (`.atom` for `.json`, same headers); returns the stored JSON bytes.

    The one place a page becomes an object. The Atom page is written after the JSON one, so
    a publish that lost the JSON head's conditional write writes no Atom either.
    """
    body = encode_page(doc)
    if body == unless_equal:
        return body
    svc.store.put(
        key,
        body,
        FEED_CONTENT_TYPE,
        if_match=if_match,
        if_none_match=if_none_match,
        cache_control=cache_control,
        content_encoding=PAGE_ENCODING,
    )
    report.objects_written += 1
    report.bytes_written += len(body)
    report.keys.append(key)
    atom_key = atom_key_of(key)
    self_url, first_url, next_url = _atom_links(svc, key, doc)
    atom = gzip.compress(render_atom(doc, self_url=self_url, first_url=first_url, next_url=next_url), mtime=0)
    svc.store.put(atom_key, atom, ATOM_CONTENT_TYPE, cache_control=cache_control, content_encoding=PAGE_ENCODING)
    report.objects_written += 1
    report.bytes_written += len(atom)
    report.keys.append(atom_key)
    return body


def atom_key_of(json_key: str) -> str:
    """The Atom page beside a JSON Feed page: `feed.atom` for `feed.json`."""
    return json_key.removesuffix(".json") + ".atom"


def _atom_links(svc: Services, key: str, doc: Mapping[str, Any]) -> tuple[str, str, str | None]:
    """RFC 5005 paging links of the Atom page at `key`: self, first (the feed's head) and next
    (the Atom of the JSON page's next_url). Archive pages do not know the newer page in front
    of them (it is written later), so `previous` is left out, as RFC 5005 allows."""
    base = svc.settings.public_base_url
    base = base if base.endswith("/") else base + "/"
    head = key.split("/archive-", 1)[0].removesuffix(".json") + ".atom"
    next_url = doc.get("next_url")
    return base + atom_key_of(key), base + head, atom_key_of(str(next_url)) if next_url else None


def _write_index(
    svc: Services,
    records: dict[str, dict[str, Any] | None],
    updates: list[_FeedUpdate],
    entries: dict[str, PublishedRecord | None],
    index: dict[str, str],
) -> None:
    """Record where each changed record now sits, one item per record that moved or changed."""
    for rid, record in records.items():
        if record is None:
            continue
        old = entries.get(rid)
        entry = PublishedRecord(slots=dict(old.slots) if old else {})
        for update in updates:
            if rid in update.slots:
                slot = update.slots[rid]
                if slot is None:
                    entry.slots.pop(update.spec.stem, None)
                else:
                    entry.slots[update.spec.stem] = slot
        entry.date_published = record.get("date_published")
        entry.partners = sorted(p for p in _partners_of(record) if p)
        if rid in index:
            entry.fingerprint = index[rid]
        else:
            meta = svc.db.records.get(rid)
            entry.fingerprint = meta.fingerprint if meta else ""
        if entry != old:
            svc.db.published.put(rid, entry)


def _collect_garbage(svc: Services, stem: str, manifest: FeedManifest) -> int:
    """Delete page generations superseded more than GARBAGE_GRACE ago; keep the rest listed."""
    limit = svc.now() - GARBAGE_GRACE
    keep: list[list[str]] = []
    deleted = 0
    for key, when in manifest.garbage:
        if datetime.fromisoformat(when.replace("Z", "+00:00")) <= limit:
            svc.store.delete(key)
            svc.store.delete(atom_key_of(key))  # its Atom sibling goes with it
            deleted += 1
        else:
            keep.append([key, when])
    if deleted:
        manifest.garbage = keep
        svc.db.feeds_published.put(stem, manifest)
    return deleted
