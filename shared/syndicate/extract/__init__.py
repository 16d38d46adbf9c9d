"""Page HTML -> article: trafilatura plus per-partner profiles, then sanitizing."""

from .article import ExtractError, extract_article
from .sanitize import sanitize_html

__all__ = ["ExtractError", "extract_article", "sanitize_html"]
