"""The Conversation (theconversation.com): academics' articles under CC BY-ND 4.0.

The site's republishing guidelines: no edits beyond time, place and house style; credit each
author and their institution, ideally in the byline; link back; images, charts and graphics
are NOT covered by the article licence (each carries its own terms in its caption), and the
site's own Republish button drops the images that are not licensed for reuse.

What an article page holds (not WordPress: its own markup):
- head: canonical link, og:* tags, JSON-LD `NewsArticle` whose `author` lists each person with
  their profile URL (no licence in it);
- the author list, `div.content-authors-group ul.author-list > li`: the name in
  `span.author-name` inside a link to `/profiles/<slug>-<id>`, then `p.role` reading
  "Role, Institution" (e.g. "Senior Lecturer in Marine Biology, University of Tasmania");
- the body, `div[itemprop=articleBody]`: paragraphs, subheadings, "Read more: <title>" links
  to other articles (inline promos), and figures whose `figcaption` has `span.caption` and
  `span.attribution` = `a.source` (who made it) and, where the image is openly licensed,
  `a.license` (a creativecommons.org link);
- after the body: topics, the "Republish this article" button with the licence link; beside
  it: "Disclosure statement" (the authors' funding and interests), "Partners" (member
  universities' funding blurbs), "Most read".

What we keep as article text: the body's paragraphs and subheadings, and captions of the
figures we keep. What becomes metadata: authors with role (as `bio`) and institution (as
`affiliation`), the licence (from the Republish block's link), each figure's credit as an
image with its own licence where the caption gives one. What is removed: the author list,
"Read more" promos, topics, the Republish block, the disclosure statement and the partners'
funding blurbs (not the article; The Conversation's own republish HTML leaves them out too;
the record has no field for a disclosure yet), and figures without an open licence (as the
site's Republish button does: their rights are not the article's).
"""

from __future__ import annotations

from typing import Any

from ...attribution.page import join_url, text_of
from ...model import Author
from . import Profile
from ._rules import by_class, para_starting, under_heading

_CREDIT = "//figure//figcaption//*[contains(concat(' ', normalize-space(@class), ' '), ' attribution ')]"
_OPEN_LICENCE = (
    "contains(@href, 'creativecommons.org/licenses/') or contains(@href, 'creativecommons.org/publicdomain/')"
)

PRUNE = (
    by_class("div", "content-authors-group"),
    para_starting("Read more:"),
    by_class("div", "topic-list-container"),
    by_class("div", "republish-article"),
    under_heading("Disclosure statement"),
    under_heading("Partners"),
    under_heading("Most read"),
    f"//figure[not(.//figcaption//a[{_OPEN_LICENCE}])]",
    _CREDIT,  # after the figure rule, which reads its licence link; images[] reads it from the raw page
)


def _text(nodes: list[Any]) -> str:
    return text_of(nodes[0]) if nodes else ""


def read_author(item: Any, base: str) -> Author | None:
    """One `ul.author-list > li`: 'Name' linking to the profile, then 'Role, Institution'.
    The institution is what follows the role's first comma (an institution may have commas of
    its own: 'University of California, Berkeley'); a role without a comma names none."""
    name = _text(item.xpath(".//span[contains(concat(' ', normalize-space(@class), ' '), ' author-name ')]"))
    if not name:
        return None
    href = item.xpath(".//a[@href][1]/@href")
    role = _text(item.xpath(".//*[contains(concat(' ', normalize-space(@class), ' '), ' role ')]")) or None
    affiliation = (role.split(",", 1)[1].strip() or None) if role and "," in role else None
    return Author(name=name, url=join_url(base, href[0]) if href else None, bio=role, affiliation=affiliation)


PROFILE = Profile(
    "the_conversation",
    prune_xpath=PRUNE,
    author_box_xpath=by_class("div", "content-authors-group") + by_class("ul", "author-list") + "/li",
    read_author_box=read_author,
    image_credit_xpath=_CREDIT,
    licence_xpath=(by_class("div", "republish-article") + f"//a[{_OPEN_LICENCE}]/@href",),
    # `article` holds the header, the author list, the body and the Republish block; the
    # disclosure and partners sidebar is an `aside` beside it (never evidence).
    article_xpath="//article[.//*[@itemprop='articleBody']]",
    byline_region_xpath=by_class("div", "content-authors-group"),
)
