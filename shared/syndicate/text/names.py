"""One string naming several people -> the names, however the source joined them.

Feeds (a WordPress dc:creator from a multi-author plugin), JSON-LD, meta tags, bylines and
trafilatura's author field all join names the same few ways: "A, B and C", "A; B",
"A / B", "A & B". A hyphen is never a separator: "Jean-Paul Sartre" is one person, and
"Name - Organisation" is a credit with an affiliation, not two authors.
"""

from __future__ import annotations

import re

# Spaces are folded before splitting, so the separators' optional spaces match at most one
# character each and cannot backtrack over a long run of them (linear on any input).
_SEPARATOR = re.compile(r" ?(?:,|;|/|&|\band\b) ?")


def split_names(value: str | None) -> list[str]:
    """'A, B and C' / 'A; B' / 'A/B' / 'A & B' -> ['A', 'B', 'C'], in order, empties dropped.

    Each name has its spaces folded and loses surrounding full stops (the end of a sentence
    such as "By A and B."), never inner ones ("A. Smith").
    """
    if not value or not isinstance(value, str):
        return []
    pieces = _SEPARATOR.split(" ".join(value.split()))
    return [name for piece in pieces if (name := piece.strip(" ."))]
