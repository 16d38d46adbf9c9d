"""Keep the search index in step with what publish published.

`index_changes` runs once per publish with the ids of the records that changed (the pending
marks): it reads only those records, upserts the ones that exist and deletes the ones that
are gone (retired by a merge), and commits them as one new segment. The first time, when
there is no index at all, it indexes every record in the record index instead, so an
archive that predates search gets one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

from ..services import Services
from . import CommitReport, SearchIndex
from .documents import search_doc

log = logging.getLogger("syndicate.search")


def index_changes(svc: Services, changed_ids: Iterable[str]) -> CommitReport | None:
    """Upsert or delete the changed records in `svc.search`; None when there is no index port."""
    index = svc.search
    if index is None:
        return None
    ids = sorted(set(changed_ids))
    if not index.exists():
        ids = sorted({*ids, *(rid for rid, _ in svc.db.records.all())})
        log.info("no search index yet: indexing all %d records", len(ids))
    if not ids:
        return CommitReport()
    return _apply(svc, index, ids)


def rebuild(svc: Services) -> CommitReport | None:
    """Index every record in the record index again (after a schema or policy change); records
    no longer indexed are not removed here: run it on an empty index prefix for that."""
    if svc.search is None:
        return None
    return _apply(svc, svc.search, sorted(rid for rid, _ in svc.db.records.all()))


def _apply(svc: Services, index: SearchIndex, ids: list[str]) -> CommitReport:
    gone: list[str] = []
    for record_id in ids:
        raw = svc.store.get(f"records/{record_id}.json")
        if raw is None:  # retired (merged into another record) or never written
            gone.append(record_id)
            continue
        index.upsert([search_doc(json.loads(raw))])
    if gone:
        index.delete(gone)
    return index.commit()
