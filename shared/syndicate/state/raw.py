"""The stored source pages (`raw` / copy id): what `syndicate reprocess` re-extracts.

Each fetched article page is kept, gzip-compressed, in the private object store under
`raw/<copy id>.html.gz` (`raw_key`; the object's format is `pipeline.raw`'s). The item here
names it with what a run needs without reading the object: the partner and final URL (to
filter by partner and to name a broken object), when it was fetched (`--since`), and a
digest of everything re-extraction reads, so a page fetched again unchanged costs no write.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._partition import Partition

RAW_PK = "raw"


def raw_key(copy_id: str) -> str:
    """Where a copy's source page is kept in the private object store."""
    return f"raw/{copy_id}.html.gz"


@dataclass
class RawPageMeta:
    """One stored page: partner, final URL, fetch time, digest of page + inputs, sizes.

    `digest` covers the page's bytes and the inputs stored with them (URL, headers, queue
    message), not the fetch time: the same page fetched again is not stored again.
    """

    partner: str
    url: str
    fetched_at: str
    digest: str
    size: int = 0  # the page's bytes as fetched
    stored_size: int = 0  # the gzip object's bytes


class RawPages(Partition[RawPageMeta]):
    """Stored source pages by copy id."""

    pk = RAW_PK
    shape = RawPageMeta
