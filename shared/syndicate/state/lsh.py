"""The near-duplicate index's items: LSH band buckets, fingerprints and the index config.

    (`lsh#b<band>#<bucket>`, `ids`)   a set of copy ids      one set item per band bucket
    (`lsh#c#<key>`, `ids`)            a set of copy ids      one set item per containment key
                                                             (two anchor shingles' hashes, 16 hex)
    (`lsh#doc#<copy id>`, `fp`)       the copy's fingerprint {"sig", "sh", "n", "ck"}
    (`lsh#config`, `v1`)              the MinHash config and layout, written once

One partition per bucket or key (no hot partition in DynamoDB), the set under a fixed sort
key, so a lookup reads all of a text's bands and containment keys in ONE `get_sets` (a single
BatchGetItem: 32 bands + at most 64 keys) and an add is one atomic set ADD per band or key.
`dedup/index.py` holds the algorithm; this module only where things are kept.
"""

from __future__ import annotations

from typing import Any

from ..ports import StateStore

BAND_SK = "ids"
FP_SK = "fp"
CONFIG_SK = "v1"


class LshTable:
    def __init__(self, table: StateStore, namespace: str = "lsh") -> None:
        if not namespace or "#" in namespace:
            raise ValueError(f"namespace must be non-empty and without '#', got {namespace!r}")
        self.table = table
        self.namespace = namespace

    def __repr__(self) -> str:
        return f"LshTable({self.table!r}, namespace={self.namespace!r})"

    def band_key(self, band: int, bucket: str) -> tuple[str, str]:
        return f"{self.namespace}#b{band:02d}#{bucket}", BAND_SK

    def containment_key(self, key: str) -> tuple[str, str]:
        return f"{self.namespace}#c#{key}", BAND_SK

    def _doc_pk(self, doc_id: str) -> str:
        return f"{self.namespace}#doc#{doc_id}"

    @property
    def _config_pk(self) -> str:
        return f"{self.namespace}#config"

    # band buckets
    def bucket_members(self, buckets: list[tuple[int, str]]) -> set[str]:
        """Every id in any of the (band, bucket) sets: one batched read."""
        if not buckets:
            return set()
        sets = self.table.get_sets([self.band_key(band, bucket) for band, bucket in buckets])
        return set().union(*sets.values())

    def members(
        self, buckets: list[tuple[int, str]], keys: list[str]
    ) -> tuple[set[str], dict[str, set[str]]]:
        """Band bucket members (all together) and each containment key's members: one batched read."""
        band_keys = [self.band_key(band, bucket) for band, bucket in buckets]
        key_keys = [self.containment_key(key) for key in keys]
        if not band_keys and not key_keys:
            return set(), {}
        sets = self.table.get_sets(band_keys + key_keys)
        banded: set[str] = set().union(*(sets.get(k, set()) for k in band_keys))
        return banded, {key: sets.get(k, set()) for key, k in zip(keys, key_keys, strict=True)}

    def containment_members(self, keys: list[str]) -> dict[str, set[str]]:
        """Each containment key's members: one batched read."""
        return self.members([], keys)[1]

    def add_to_containment(self, key: str, doc_id: str) -> None:
        self.table.add_to_set(*self.containment_key(key), doc_id)

    def remove_from_containment(self, key: str, doc_id: str) -> None:
        self.table.remove_from_set(*self.containment_key(key), doc_id)

    def add_to_bucket(self, band: int, bucket: str, doc_id: str) -> None:
        self.table.add_to_set(*self.band_key(band, bucket), doc_id)

    def remove_from_bucket(self, band: int, bucket: str, doc_id: str) -> None:
        self.table.remove_from_set(*self.band_key(band, bucket), doc_id)

    # fingerprints
    def fingerprint(self, doc_id: str) -> dict[str, Any] | None:
        return self.table.get(self._doc_pk(doc_id), FP_SK)

    def put_fingerprint(self, doc_id: str, item: dict[str, Any]) -> None:
        self.table.put(self._doc_pk(doc_id), FP_SK, item)

    def delete_fingerprint(self, doc_id: str) -> None:
        self.table.delete(self._doc_pk(doc_id), FP_SK)

    # config
    def config(self) -> dict[str, Any] | None:
        return self.table.get(self._config_pk, CONFIG_SK)

    def create_config(self, item: dict[str, Any]) -> bool:
        """Write the config if there is none yet; True when this call wrote it."""
        return self.table.put_if_absent(self._config_pk, CONFIG_SK, item)
