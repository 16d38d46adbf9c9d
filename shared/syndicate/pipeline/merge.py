"""Merge: a copy's near-duplicates -> one record, stored under leases on it and its copies.

Each copy is kept under its own id (state `copy`), indexed by MinHash/LSH, and listed under
the merged record it belongs to (state `members#<record id>`). The copy is indexed *before*
it looks for its duplicates, so of two near-duplicates ingested at the same moment at least
one sees the other; the merged record is then written under leases on its id and on each
of its copies, re-reading their state under the leases, so a merge that saw fewer copies can
never overwrite one that saw more, nor publish a copy a second time (`_settle`). A merge
that moves the canonical URL (an earlier original arrives later) retires the old record.

Which copies make one record is `dedup.groups`' rule, recomputed over every copy the arrival
touches (its matches and all members of their records): similar copies join transitively, a
copy matched by containment only joins its best container alone. So an arrival can also
take a copy out of a record (an excerpt whose original just arrived leaves the article that
merely quotes it); every record whose copies changed is rewritten, under its own lease.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from ..clock import iso_z
from ..dedup.groups import groups as cut_into_groups
from ..dedup.groups import links_between
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
    held: dict[str, str] = {}
    try:
        parts = _settle(svc, copies, groups, copy_id, fp, ranks, held, deadline)
        writing = _to_write(parts, copies, copy_id)
        old = _old_members(copies)
        gone = _gone(parts, copies)
        at = iso_z(svc.now())
        # A record that moves to another id (its original turned up) stays one article: its
        # version goes on from the record it replaces, whichever copy arrived first.
        replaced = {
            p.record.id: max((meta.version for g in gone if old[g] & p.members and (meta := svc.db.records.get(g))),
                             default=0)
            for p in writing
        }
        stored_records: dict[str, Stored] = {}
        with svc.db.batch():  # memberships, retirements, the records' index items and pending marks: one write
            for part in writing:
                for member in sorted(part.members):
                    copies[member].stored.published_as = part.record.id
                    svc.db.copies.put(member, copies[member].stored)
                    svc.db.copies.add_member(part.record.id, member, at)
                for member in sorted(old.get(part.record.id, frozenset()) - part.members):
                    svc.db.copies.remove_member(part.record.id, member)  # it moved to its best container
            for group in gone:
                _retire(svc, group, at)
            for part in writing:
                stored_records[part.record.id] = _store_record(
                    svc, part.record, replaced[part.record.id], modified_at=modified_at
                )
        (own,) = (p for p in parts if copy_id in p.members)
        stored_record = stored_records[own.record.id]
        if stored_record.changed and len(own.members) > 1 and (known is None or known.published_as != own.record.id):
            stored_record.kind = "duplicate"  # this copy joined a record other copies make
        return stored_record
    finally:
        for name, token in held.items():
            svc.db.leases.release(name, token)


@dataclass
class Part:
    """One record-to-be among the copies an arrival touched: its copies and the merged record."""

    members: frozenset[str]
    record: Record


def _plan(
    svc: Services, copies: dict[str, Loaded], copy_id: str, fp: Fingerprint, ranks: dict[str, tuple[str, int]]
) -> list[Part]:
    """The gathered copies cut into records by `dedup.groups` (usually one: this copy's), each
    merged. A copy only contained in others joins its best container alone, so a one-paragraph
    excerpt quoted by another article never joins that article to its original; and a copy
    whose better container just arrived leaves the record it was in."""
    fps = _fingerprints(svc, copies, copy_id, fp)
    titles = {member: loaded.record.title for member, loaded in copies.items()}
    index = svc.index

    def decide(a: Fingerprint, b: Fingerprint) -> tuple[float, float] | None:
        found = index.is_duplicate(a, b)
        return None if found is None else (found.jaccard, found.containment)

    similar, contained = links_between(fps, titles, decide, index.min_jaccard)
    for member in sorted(set(copies) - set(fps)):  # its add is under way: it stays where it is
        group = copies[member].stored.published_as
        if group:
            similar += [(member, m) for m in sorted(copies) if m != member and copies[m].stored.published_as == group]
    parts = []
    for members in cut_into_groups(copies, similar, contained):
        excerpts = partial_copies({m: fps[m] for m in members if m in fps}, index.min_containment)
        merged = merge_copies([_copy_of(copies[m].record, ranks, m in excerpts) for m in sorted(members)])
        parts.append(Part(members, merged))
    return parts


def _old_members(copies: dict[str, Loaded]) -> dict[str, frozenset[str]]:
    """The records the gathered copies were published as, with those of their copies."""
    old: dict[str, set[str]] = {}
    for member, loaded in copies.items():
        if loaded.stored.published_as:
            old.setdefault(loaded.stored.published_as, set()).add(member)
    return {g: frozenset(m) for g, m in old.items()}


def _to_write(parts: list[Part], copies: dict[str, Loaded], copy_id: str) -> list[Part]:
    """This copy's record, and every other one whose copies changed (one left, or joined)."""
    old = _old_members(copies)
    return [p for p in parts if copy_id in p.members or old.get(p.record.id) != p.members]


#: Rounds of lease-taking and re-reading before a merge gives up as busy (SQS retries it).
SETTLE_ROUNDS = 3


def _settle(
    svc: Services, copies: dict[str, Loaded], groups: set[str], copy_id: str, fp: Fingerprint,
    ranks: dict[str, tuple[str, int]], held: dict[str, str], deadline: Deadline,
) -> list[Part]:
    """The records to write, planned from state re-read while holding every lease they need.

    A merge holds the lease of each record it writes or retires, and of each copy whose
    membership it writes. Leasing the records alone was not enough: two near-duplicates
    ingested together can plan *different* records (the first did not see the second yet; the
    second saw the first before it was published), take different record leases, and both
    publish, the first copy then in two records. The copy's lease is the one both need. Once a
    lease is held, what it guards is re-read (membership, the records' member lists); when that
    changes the plan, the new plan's leases are taken too. Leases are only tried, never waited
    for, so two merges cannot deadlock: the one that finds a lease taken lets go of all of its
    own (raising MergeBusy) and its message comes back later.
    """
    parts = _plan(svc, copies, copy_id, fp, ranks)
    for round_ in range(SETTLE_ROUNDS + 1):
        missing = sorted(_leases_needed(parts, copies, copy_id) - held.keys())
        if not missing:
            return parts  # the last re-read came after every lease this plan needs was held
        if round_ == SETTLE_ROUNDS:
            break
        for name in missing:
            token = svc.db.leases.acquire(name, min(LEASE_SECONDS, deadline()))
            if token is None:
                raise MergeBusy(f"{name} is being merged by another ingest")
            held[name] = token
        if _refresh(svc, copies, groups, held):
            parts = _plan(svc, copies, copy_id, fp, ranks)
    raise MergeBusy(f"the records around {copy_id} kept changing while it was being merged")


#: Copies' lease names start with this, apart from record ids (a record's id can equal its first copy's).
COPY_LEASE_PREFIX = "copy/"


def _copy_lease(copy_id: str) -> str:
    return COPY_LEASE_PREFIX + copy_id


def _gone(parts: list[Part], copies: dict[str, Loaded]) -> list[str]:
    """Records the gathered copies were in whose copies all went elsewhere: to be retired."""
    return sorted(_old_members(copies).keys() - {p.record.id for p in parts})


def _leases_needed(parts: list[Part], copies: dict[str, Loaded], copy_id: str) -> set[str]:
    """The records this plan writes or retires, and the copies whose membership it writes."""
    writing = _to_write(parts, copies, copy_id)
    names = {p.record.id for p in writing} | set(_gone(parts, copies))
    names |= {_copy_lease(member) for p in writing for member in p.members}
    return names


def _refresh(svc: Services, copies: dict[str, Loaded], groups: set[str], held: dict[str, str]) -> bool:
    """Re-read what the held leases guard: each gathered copy's record, and the members of
    every record involved. True when anything differs from what the plan was made from."""
    changed = False
    for member, loaded in sorted(copies.items()):
        now = svc.db.copies.get(member)
        if now is not None and now.published_as != loaded.stored.published_as:
            loaded.stored = now
            changed = True
        if loaded.stored.published_as:
            groups.add(loaded.stored.published_as)
    records = groups | {name for name in held if not name.startswith(COPY_LEASE_PREFIX)}
    for record_id in sorted(records):
        changed = _join_late_members(svc, record_id, copies) or changed
    return changed


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


def _fingerprints(svc: Services, copies: dict[str, Loaded], copy_id: str, fp: Fingerprint) -> dict[str, Fingerprint]:
    """The gathered copies' stored fingerprints (one read each; this copy's is `fp`). A copy
    whose fingerprint is missing is left out: its add is still under way."""
    fps = {copy_id: fp}
    for member in sorted(copies):
        if member != copy_id and (stored := svc.index.get(member)) is not None:
            fps[member] = stored
    return fps


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
