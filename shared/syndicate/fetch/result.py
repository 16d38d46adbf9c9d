"""What a successful fetch returns (a 304 counts as success: the caller's copy is current)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

__all__ = ["FetchResult"]


@dataclass
class FetchResult:
    """The final response after redirects: `url` is where the body came from.

    `headers` have lowercase names. `redirects` lists each hop as (status, location), so a
    poller can notice a permanent move (301/308) of a feed.
    """

    url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    redirects: list[tuple[int, str]] = field(default_factory=list)

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        """The `charset` parameter of the Content-Type header, lowercased (None when absent).

        Documents that declare no encoding of their own (an XML prolog without one, HTML
        without a meta charset) are to be decoded with it: it is the server's statement
        about the bytes, which only the response carries.
        """
        for param in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "charset":
                charset = value.strip().strip("\"'").strip().lower()
                return charset or None
        return None

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def sha256(self) -> str:
        """Digest of the (decoded) body: an unchanged body from a server ignoring ETags
        can be recognised without parsing it."""
        return hashlib.sha256(self.body).hexdigest()
