"""Cutting text to a limit, at a word, visibly: one rule for summaries, titles and reasons.

A cut text ends in '…' so a reader knows there is more, and never in half a word when a
word boundary is near: the cut goes to the last space within the limit, provided that keeps
more than half of it (one enormous "word", such as a URL, is cut mid-word instead of to
almost nothing). Clause punctuation left dangling before the ellipsis is dropped.
"""

from __future__ import annotations

ELLIPSIS = "…"


def cut_at_word(text: str, limit: int) -> str:
    """`text` with its whitespace folded, at most `limit` characters including the '…'.

    Text that fits is returned folded and uncut, without an ellipsis.
    """
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    head = flat[:limit]
    space = head.rfind(" ")
    cut = head[:space] if space > limit // 2 else flat[: max(limit - 1, 0)]
    return cut.rstrip(" ,;:.") + ELLIPSIS
