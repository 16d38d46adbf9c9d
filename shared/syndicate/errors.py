"""The one shape of an error about what a URL gave us: `str()` is "url: reason", and it
survives pickling intact.

Feeds, pages and fetches fail for reasons that belong to one URL, and those errors cross
process boundaries (multiprocessing, pickled results, a worker reporting to its parent).
Exception's own pickling re-calls `__init__` with the formatted message alone, which fails
for any constructor with more arguments; `UrlError` restores the instance's fields instead,
so every subclass pickles whatever its constructor looks like.
"""

from __future__ import annotations

from typing import Any


class UrlError(Exception):
    """A problem with one URL's feed, page or response; names the URL and the reason."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (type(self), self.args, dict(self.__dict__)))


def _restore(cls: type[UrlError], args: tuple[Any, ...], state: dict[str, Any]) -> UrlError:
    error = cls.__new__(cls, *args)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error
