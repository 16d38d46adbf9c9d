"""China Global South Project (chinaglobalsouth.com): WordPress with a Memberful paywall.

Around the article: category links, share buttons (twice), a newsletter sign-up block and
related posts. News items add "WHY IS THIS IMPORTANT?" (editorial analysis: kept) and
"SUGGESTED READING" (links: pruned). Some feed summaries are the newsletter sign-up text.
Paywalled items show a Memberful teaser (`.memberful-global-teaser-content`) and "Subscribe or
log in to read the rest": they are marked paywalled and the teaser is never republished.
Bylines are the generic "By A and B, Org" paragraph; no cross-post wording of its own.
Attribution facts come from the post's `article.hentry` only: CGSP publishes no licence, and a
reader's comment claiming one is not the publisher's statement.
"""

from __future__ import annotations

import re

from . import Profile
from ._rules import WORDPRESS_CHROME, by_class, para_starting

PRUNE = (
    *WORDPRESS_CHROME,
    by_class("div", "post-categories"),
    by_class("div", "newsletter-signup"),
    para_starting("Get a daily email packed with"),
    para_starting("Subscribe or log in"),
    by_class("div", "memberful-global-restricted-access-message"),
    by_class("div", "suggested-reading"),
)

PROFILE = Profile(
    "cgsp",
    prune_xpath=PRUNE,
    paywall_text=(re.compile(r"subscribe or log ?in to (?:read|continue|access)", re.IGNORECASE),),
    paywall_xpath=(by_class("*", "memberful-global-teaser-content"),),
    bad_summaries=("Get a daily email packed with", "Subscribe or log in", "Sign up for the CGSP"),
    # A WordPress `article.hentry`: header (categories, title, "by <author>"), content, newsletter
    # block, share buttons. Related posts and the site footer's widgets sit outside it.
    article_xpath=by_class("article", "hentry"),
    byline_region_xpath=by_class("header", "entry-header"),
)
