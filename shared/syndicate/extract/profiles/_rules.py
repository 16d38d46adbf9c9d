"""XPath builders shared by the partner profiles (they are WordPress sites alike)."""

from __future__ import annotations


def by_class(tag: str, name: str) -> str:
    """Elements whose class list contains `name` (not merely a substring of another class)."""
    return f"//{tag}[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]"


def para_starting(prefix: str, tag: str = "p") -> str:
    """Paragraphs whose visible text starts with `prefix` (case as written on the site)."""
    return f"//{tag}[starts-with(normalize-space(.), '{prefix}')]"


WORDPRESS_CHROME = (
    by_class("div", "share-buttons"),
    by_class("div", "sharedaddy"),
    "//div[@id='comments']",
    by_class("div", "comment-respond"),
    by_class("section", "related-posts"),
    "//form",
)
