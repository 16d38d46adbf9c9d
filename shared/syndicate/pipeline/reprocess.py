"""Reprocess: the stored source pages -> extract again with today's profiles and registry.

After a profile fix or a licence-policy change, the articles already published should
follow it without fetching anything again (pipeline/raw.py keeps every fetched page). Each
stored page goes through exactly what ingest does after its fetch, `page_record` then
`store_copy` (the merge), with the registry as it is now; the merge writes a record only
when what a reader sees changed (`RecordMeta.fingerprint`), so unchanged records keep their
version and are not marked pending, and the publish at the end rewrites only what changed.

A page that cannot be read back or extracted is a failed outcome naming its copy and URL;
it never stops the others. `iter_reprocess` yields one outcome per page as it goes (for a
progress display); `reprocess` runs it, calls `on_item` per outcome, then publishes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import ValidationError

from ..clock import iso_z, parse_iso
from ..extract import ExtractError
from ..ports import StorageError
from ..registry import RegistryError
from ..services import Services
from ..state.raw import RawPageMeta
from .ingest import IngestError, page_record, store_copy, worker_deadline
from .publish import PublishReport, publish_pending
from .raw import RawPageError, load_raw_page

Status = Literal["changed", "unchanged", "failed"]


@dataclass
class ReprocessOutcome:
    """What became of one stored page: its record changed, did not, or the page failed."""

    copy_id: str
    partner: str
    url: str
    status: Status
    record_id: str | None = None
    error: str | None = None

    def __str__(self) -> str:
        if self.status == "failed":
            return f"{self.partner} {self.url} (copy {self.copy_id}): {self.error}"
        return f"{self.partner} {self.url} (copy {self.copy_id}): {self.status}, record {self.record_id}"


@dataclass
class ReprocessReport:
    """Counts over the pages selected, each page's outcome, and the publish that followed."""

    outcomes: list[ReprocessOutcome] = field(default_factory=list)
    publish: PublishReport = field(default_factory=PublishReport)

    def _count(self, status: Status) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def reprocessed(self) -> int:
        """Stored pages selected and extracted again (or tried: failures count too)."""
        return len(self.outcomes)

    @property
    def changed(self) -> int:
        return self._count("changed")

    @property
    def unchanged(self) -> int:
        return self._count("unchanged")

    @property
    def failed(self) -> int:
        return self._count("failed")

    @property
    def failures(self) -> list[ReprocessOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def changed_records(self) -> list[str]:
        """The records rewritten (a merged record of several copies is listed once)."""
        return sorted({o.record_id for o in self.outcomes if o.status == "changed" and o.record_id})

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "reprocessed": self.reprocessed,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "changed_records": self.changed_records,
            "outcomes": [asdict(o) for o in self.outcomes],
            "publish": self.publish.as_dict(),
        }


def parse_since(value: str) -> datetime:
    """`--since`: a date (midnight UTC) or an ISO 8601 date-time (UTC when it has no offset)."""
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"--since {value!r}: not a date (YYYY-MM-DD) or ISO 8601 date-time") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def selected_pages(
    svc: Services, *, partner: str | None = None, since: datetime | None = None
) -> list[tuple[str, RawPageMeta]]:
    """The stored pages to reprocess: one partner's, fetched at or after `since`, by copy id.

    Read from the state table's `raw` partition (one query), not by listing or opening objects.
    """
    chosen: list[tuple[str, RawPageMeta]] = []
    for copy_id, meta in svc.db.raw.all():
        if partner is not None and meta.partner != partner:
            continue
        if since is not None:
            fetched = parse_iso(meta.fetched_at)
            if fetched is None or fetched < since:
                continue
        chosen.append((copy_id, meta))
    return chosen


def reprocess_page(svc: Services, copy_id: str, meta: RawPageMeta) -> ReprocessOutcome:
    """Extract one stored page again and merge it, as ingest would have; never raises for a bad page."""
    try:
        raw = load_raw_page(svc, copy_id, meta)
        registry = svc.current_registry()
        partner = registry.partner(raw.partner)
        record, article = page_record(
            registry,
            partner,
            raw.message,
            raw.body,
            raw.url,
            fetched_at=raw.fetched_at,
            summary_chars=svc.settings.summary_chars,
            content_type=raw.content_type,
        )
        # A change made now: its date_modified is now, not when the page was fetched.
        result = store_copy(svc, partner.id, record, article, worker_deadline(), modified_at=iso_z(svc.now()))
    except IngestError as exc:
        return ReprocessOutcome(copy_id, meta.partner, meta.url, "failed", error=exc.reason)
    except ExtractError as exc:
        return ReprocessOutcome(copy_id, meta.partner, meta.url, "failed", error=f"extraction: {exc.reason}")
    except (RawPageError, RegistryError, StorageError, ValidationError) as exc:
        return ReprocessOutcome(copy_id, meta.partner, meta.url, "failed", error=str(exc))
    status: Status = "changed" if result.changed else "unchanged"
    return ReprocessOutcome(copy_id, partner.id, meta.url, status, record_id=result.record_id)


def iter_reprocess(
    svc: Services, *, partner: str | None = None, since: datetime | None = None
) -> Iterator[ReprocessOutcome]:
    """One outcome per selected stored page, as each is done (no publish)."""
    for copy_id, meta in selected_pages(svc, partner=partner, since=since):
        yield reprocess_page(svc, copy_id, meta)


def reprocess(
    svc: Services,
    *,
    partner: str | None = None,
    since: datetime | None = None,
    on_item: Callable[[ReprocessOutcome], None] | None = None,
    publish: bool = True,
) -> ReprocessReport:
    """Reprocess the selected stored pages, then publish what changed. No page is fetched."""
    report = ReprocessReport()
    for outcome in iter_reprocess(svc, partner=partner, since=since):
        report.outcomes.append(outcome)
        if on_item is not None:
            on_item(outcome)
    if publish:
        report.publish = publish_pending(svc)
    return report
