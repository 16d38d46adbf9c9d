"""One partition of the state table holding items of one dataclass shape.

Every repository is a `Partition` with its partition key and item shape (plus, for some, a
few operations of its own). Reading tolerates keys a newer or older version wrote (they are
ignored) and fills missing ones with the field defaults, so adding a field to an item shape
needs no migration.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Generic, TypeVar

from ..ports import StateStore

T = TypeVar("T")


def from_item(cls: type[T], data: dict[str, Any]) -> T:
    """An instance of the dataclass `cls` from a stored item (unknown keys ignored)."""
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in data.items() if k in names})


def to_item(obj: Any) -> dict[str, Any]:
    """The stored item of a dataclass instance (a plain JSON-compatible dict)."""
    return dataclasses.asdict(obj)


class Partition(Generic[T]):
    """Items of `shape` under partition key `pk`, addressed by their sort key."""

    pk: ClassVar[str]
    shape: type[T]

    def __init__(self, table: StateStore) -> None:
        self.table = table

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.table!r})"

    def get(self, sk: str) -> T | None:
        item = self.table.get(self.pk, sk)
        return None if item is None else from_item(self.shape, item)

    def put(self, sk: str, value: T) -> None:
        self.table.put(self.pk, sk, to_item(value))

    def delete(self, sk: str) -> None:
        self.table.delete(self.pk, sk)

    def all(self) -> list[tuple[str, T]]:
        """Every item of the partition, in sort-key order."""
        return [(sk, from_item(self.shape, item)) for sk, item in self.table.query(self.pk)]
