"""LSE Blogs (blogs.lse.ac.uk/<blog>/): one WordPress install, a folder per blog.

What a reader sees around the article (../shared/partners.md): the header block (authors,
date, title, "0 comments", reading time) printed twice, a cross-post notice, the
disclaimer, the image credit, "About the author", "Posted In", share buttons, a comment form.
"""

from __future__ import annotations

from . import Profile
from ._rules import WORDPRESS_CHROME, by_class, para_starting

PRUNE = (
    *WORDPRESS_CHROME,
    by_class("div", "entry-header--sticky"),
    by_class("div", "entry-stats"),
    by_class("span", "reading-time"),
    by_class("section", "about-the-author"),
    by_class("div", "cat-links"),
    para_starting("This was published by"),
    para_starting("This article gives the views of the author"),
    para_starting("This article gives the views of the authors"),
    para_starting("The blog image"),
    para_starting("Featured image"),
    para_starting("Image credit"),
    para_starting("Posted In:"),
    para_starting("Estimated reading time"),
)

PROFILE = Profile(
    "lse_blogs",
    prune_xpath=PRUNE,
    author_box_xpath=by_class("section", "about-the-author") + by_class("div", "author-bio").removeprefix("/"),
)
