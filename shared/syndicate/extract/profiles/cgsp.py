"""China Global South Project (chinaglobalsouth.com): WordPress with a Memberful paywall.

Around the article: category links, share buttons (twice), a newsletter sign-up block,
related posts; news items add "WHY IS THIS IMPORTANT?" / "SUGGESTED READING" blocks.
"""

from __future__ import annotations

from . import Profile
from ._rules import WORDPRESS_CHROME, by_class, para_starting

PRUNE = (
    *WORDPRESS_CHROME,
    by_class("div", "post-categories"),
    by_class("div", "newsletter-signup"),
    para_starting("Get a daily email packed with"),
    para_starting("Subscribe or log in"),
)

PROFILE = Profile("cgsp", prune_xpath=PRUNE)
