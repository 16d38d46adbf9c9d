"""LSE Blogs (blogs.lse.ac.uk/<blog>/): one WordPress install, a folder per blog.

What a reader sees around the article (../shared/partners.md): the header block (authors,
date, title, "0 comments", reading time) printed twice, a cross-post notice, the
disclaimer, the image credit, "About the author", "Posted In", share buttons, a comment form.
The cross-post notice has no noun ("This was published by the China Global South Project on
14 January 2022."), so the profile adds that wording to the generic one. Author boxes are
`section.about-the-author` (one per author, bio in paragraphs). Attribution facts are read from
the post's `article.hentry` (and its header and author section, should a theme move them out),
never from the comments or the sidebar.
"""

from __future__ import annotations

from . import GENERIC_CROSSPOST, Profile, crosspost_notice
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
    crosspost_patterns=(GENERIC_CROSSPOST, crosspost_notice(r"this")),
    # The post is a WordPress `article.hentry` holding the header (twice), the content, "About
    # the author" and "Posted In"; the comment form and the widget sidebar sit outside it.
    article_xpath=by_class("article", "hentry"),
    byline_region_xpath=by_class("*", "entry-header") + " | " + by_class("section", "about-the-author"),
)
