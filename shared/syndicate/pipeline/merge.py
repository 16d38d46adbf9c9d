"""Merge: a copy's near-duplicates -> one record, stored under a lease on its id.

Each copy is kept under its own id (state `copy`), indexed by MinHash/LSH, and listed under
the merged record it belongs to (state `members#<record id>`). The copy is indexed *before*
it looks for its duplicates, so of two near-duplicates ingested at the same moment at least
one sees the other; the merged record is then written under a lease on its id, re-reading
its members under the lease, so a merge that saw fewer copies can never overwrite one that
saw more. A merge that moves the canonical URL (an earlier original arrives later) retires
the old record.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from ..clock import iso_z
from ..dedup.merge import Copy, merge_copies, partial_copies
from ..dedup.minhash import Fingerprint
from ..model import Record
from ..services import Deadline, Services
from ..state import RecordMeta, StoredCopy
from ..state.copies import copy_key

#: A merge takes well under a second; a dead holder blocks others at most this long.
LEASE_SECONDS = 30.0


class MergeBusy(Exception):
    """Another ingest holds the merge lease of this record: retry the message later."""


class ForeignCopy(Exception):
    """The copy's URL is already another partner's copy: a record stays with its partner."""


@dataclass
class Loaded:
    """A stored copy and its own record (read from the private object store)."""

    stored: StoredCopy
    record: Record


@dataclass
class Stored:
    record_id: str
    changed: bool
    kind: str = "updated"  # new | updated | duplicate | unchanged (see IngestResult)


def merge_and_store(
    svc: Services, copy_record: Record, text: str, deadline: Deadline, *, modified_at: str | None = None,
    fp: Fingerprint | None = None,
) -> Stored:
    """Index the copy, merge it with its near-duplicates, and store the merged record.

    `modified_at`: when a change counts as made (the record's date_modified, the pending
    mark); by default the copy's fetch time. `reprocess` passes its own time, since it
    changes a record long after its page was fetched. `fp`: `text`'s fingerprint under this
    index's config, when the caller computed it already (an extraction worker does).
    """
    registry = svc.current_registry()
    ranks = {p.id: (p.name, p.rank) for p in registry.partners}
    copy_id = copy_record.id
    partner = copy_record.syndicate.partner
    if fp is None:
        fp = svc.index.fingerprint(text)
    known = svc.db.copies.get(copy_id)
    if known is not None and known.partner != partner:
        raise ForeignCopy(f"{copy_record.url} is {known.partner}'s copy, not {partner}'s: left as it is")
    body = json.dumps(copy_record.to_item(), ensure_ascii=False, sort_keys=True).encode("utf-8")
    svc.private.put(copy_key(copy_id), body)  # the text first, then the small item naming it
    stored = StoredCopy(partner, hashlib.sha256(body).hexdigest(), known.published_as if known else None)
    with svc.db.batch():  # the copy item and its fingerprint and LSH bands: one write
        svc.db.copies.put(copy_id, stored)
        svc.index.add(copy_id, fp)
    mine = Loaded(stored, copy_record)
    copies, groups = _gather(svc, copy_id, fp, mine)
    excerpts = _excerpts(svc, copies, copy_id, fp)
    merged = merge_copies([_copy_of(copies[m].record, ranks, m in excerpts) for m in sorted(copies)])
    token = svc.db.leases.acquire(merged.id, min(LEASE_SECONDS, deadline()))
    if token is None:
        raise MergeBusy(f"record {merged.id} is being merged by another ingest")
    try:
        if _join_late_members(svc, merged.id, copies):  # a concurrent ingest joined since we gathered
            excerpts = _excerpts(svc, copies, copy_id, fp)
            merged = merge_copies([_copy_of(copies[m].record, ranks, m in excerpts) for m in sorted(copies)])
        at = iso_z(svc.now())
        # A record that moves to another id (its original turned up) stays one article: its
        # version goes on from the record it replaces, whichever copy arrived first.
        replaced = [meta.version for g in sorted(groups - {merged.id}) if (meta := svc.db.records.get(g))]
        with svc.db.batch():  # memberships, retirements, the record's index item and pending mark: one write
            for member in sorted(copies):
                copies[member].stored.published_as = merged.id
                svc.db.copies.put(member, copies[member].stored)
                svc.db.copies.add_member(merged.id, member, at)
            for group in sorted(groups - {merged.id}):
                _retire(svc, group, at)
            stored_record = _store_record(svc, merged, max(replaced, default=0), modified_at=modified_at)
        if stored_record.changed and len(copies) > 1 and (known is None or known.published_as != merged.id):
            stored_record.kind = "duplicate"  # this copy joined a record other copies make
        return stored_record
    finally:
        svc.db.leases.release(merged.id, token)


def _load(svc: Services, copy_id: str) -> Loaded | None:
    """A stored copy with its record; None when either is missing (an ingest still under way)."""
    stored = svc.db.copies.get(copy_id)
    if stored is None:
        return None
    body = svc.private.get(copy_key(copy_id))
    if body is None:
        return None
    return Loaded(stored, Record.model_validate_json(body))


def _gather(svc: Services, copy_id: str, fp: Fingerprint, mine: Loaded) -> tuple[dict[str, Loaded], set[str]]:
    """This copy, its near-duplicates, and every member of the records they belong to."""
    copies: dict[str, Loaded] = {copy_id: mine}
    groups: set[str] = {mine.stored.published_as} if mine.stored.published_as else set()
    for match in svc.index.find_duplicates(copy_id, fp):
        found = _load(svc, match.doc_id)
        if found is not None:
            copies[match.doc_id] = found
            if found.stored.published_as:
                groups.add(found.stored.published_as)
    for group in sorted(groups):
        _join_late_members(svc, group, copies)
    return copies, groups


def _join_late_members(svc: Services, record_id: str, copies: dict[str, Loaded]) -> bool:
    """Add the record's members not yet in `copies`; True when any was added."""
    added = False
    for member in svc.db.copies.members(record_id):
        if member not in copies and (found := _load(svc, member)) is not None:
            copies[member] = found
            added = True
    return added


def _excerpts(svc: Services, copies: dict[str, Loaded], copy_id: str, fp: Fingerprint) -> set[str]:
    """The copies that carry only part of the article, judged on their stored fingerprints
    (one read each; a copy whose fingerprint is missing counts as complete)."""
    if len(copies) < 2:
        return set()
    fps = {copy_id: fp}
    for member in sorted(copies):
        if member != copy_id and (stored := svc.index.get(member)) is not None:
            fps[member] = stored
    return partial_copies(fps, svc.index.min_containment)


def _copy_of(record: Record, ranks: dict[str, tuple[str, int]], excerpt: bool = False) -> Copy:
    name, rank = ranks.get(record.syndicate.partner, (record.syndicate.partner, 999))
    return Copy(record=record, partner_name=name, rank=rank, excerpt=excerpt)


def _retire(svc: Services, record_id: str, at: str) -> None:
    """A record merged into another one: out of the index; the next publish drops it."""
    svc.db.copies.clear_members(record_id)
    svc.db.records.delete(record_id)
    svc.store.delete(f"records/{record_id}.json")
    svc.db.pending.mark(record_id, at, retired=True)


def visible_fingerprint(record: Record) -> str:
    """A digest of what a reader would see: everything but when and how often we fetched it."""
    visible = record.to_item()
    visible.pop("date_modified", None)
    bookkeeping = visible.get("_syndicate")
    if isinstance(bookkeeping, dict):
        for key in ("fetched_at", "version"):
            bookkeeping.pop(key, None)
    return hashlib.sha256(json.dumps(visible, sort_keys=True).encode()).hexdigest()


def _store_record(
    svc: Services, record: Record, replaced_version: int = 0, *, modified_at: str | None = None
) -> Stored:
    """Write the record and index it, unless a reader would see no change."""
    ext = record.syndicate
    known = svc.db.records.get(record.id)
    fingerprint = visible_fingerprint(record)
    if known and known.fingerprint == fingerprint:
        return Stored(record.id, False, "unchanged")
    previous = max(known.version if known else 0, replaced_version)
    changed_at = modified_at or ext.fetched_at
    if previous:
        ext.version = previous + 1
        record.date_modified = changed_at
    svc.store.put(f"records/{record.id}.json", json.dumps(record.to_item(), ensure_ascii=False).encode("utf-8"))
    svc.db.records.put(record.id, RecordMeta(ext.partner, record.date_published, ext.version, fingerprint))
    svc.db.pending.mark(record.id, changed_at)
    return Stored(record.id, True, "updated" if previous else "new")
