"""Page HTML -> article: trafilatura plus per-partner profiles, then sanitizing.

The names below load on first use (PEP 562), so importing `syndicate.extract.profiles` (as
the registry does, to validate `profile:` against the profiles on disk) does not import
trafilatura (0.3 s) or the sanitizer.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .article import ExtractError, extract_article
    from .sanitize import sanitize_html

__all__ = ["ExtractError", "extract_article", "sanitize_html"]

_HOME = {"ExtractError": ".article", "extract_article": ".article", "sanitize_html": ".sanitize"}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(importlib.import_module(_HOME[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
