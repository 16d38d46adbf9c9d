"""Dataclass <-> stored JSON item, shared by the repositories.

Reading tolerates keys a newer or older version wrote (they are ignored) and fills missing
ones with the field defaults, so adding a field to an item shape needs no migration.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")


def from_item(cls: type[T], data: dict[str, Any]) -> T:
    """An instance of the dataclass `cls` from a stored item (unknown keys ignored)."""
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in data.items() if k in names})


def to_item(obj: Any) -> dict[str, Any]:
    """The stored item of a dataclass instance (a plain JSON-compatible dict)."""
    return dataclasses.asdict(obj)
