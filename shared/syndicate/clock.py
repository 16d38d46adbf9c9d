"""Time, in one place: the current UTC instant and the one timestamp format we write.

Every stored or published timestamp is ISO 8601 in UTC with a `Z` suffix and whole seconds
(`2022-01-14T09:30:00Z`), so timestamps sort as strings and read the same in every file.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current instant, timezone-aware (UTC)."""
    return datetime.now(UTC)


def iso_z(moment: datetime, timespec: str = "seconds") -> str:
    """`moment` as ISO 8601 in UTC with a `Z` suffix; a naive datetime is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


def parse_iso(value: str | None) -> datetime | None:
    """A stored timestamp (`iso_z`'s output, or any ISO 8601 with an offset) back as an aware
    datetime; None for nothing or for text that is not one (a hand-edited or old item)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
