"""XPath builders shared by the partner profiles (helpers, not a profile: the leading `_`)."""

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


def under_heading(heading: str) -> str:
    """The block (div, section, aside) that a heading with exactly this text opens, e.g. a
    sidebar's "Disclosure statement": sturdier than a class name, which sites rename."""
    return (
        "//*[self::div or self::section or self::aside]"
        f"[*[self::h2 or self::h3 or self::h4][normalize-space(.)='{heading}']]"
    )
