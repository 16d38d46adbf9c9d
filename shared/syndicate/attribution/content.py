"""The attribution that travels with the content: what a feed reader shows carries the credit.

Readers display `content_html` and never look at `_syndicate`, so a licence such as CC BY is
only honoured if the credit is in the HTML itself:

- `credit_images`: under each image of the republished body whose credit we read from the
  page (`_syndicate.images[]`), a `<figcaption>` naming it and its licence.
- `with_attribution`: the attribution line (the partner's required form, `attribution_line`
  with `html=True`) as the last paragraph of `content_html`. An excerpt record gets a
  `content_html` of its excerpt and that paragraph; a link-only record gets none (it carries
  no text of the partner's, and its `content_text` already is the attribution line).
- `lead_image`: the page's og:image as the item's `image`, only when the image's own licence
  lets us republish it (an article's licence does not cover third-party images).

Idempotent by construction: credits and paragraph are added to a record built from its
copies (attribution/record.py keeps each copy's body without them; dedup/merge.py adds them to
the merged record), never to HTML that already carries them; and appending to a record whose
`content_html` already ends with the same paragraph changes nothing.
All markup here is in the form nh3 leaves unchanged (escaped text, `rel="noopener noreferrer"`
links, tags of the sanitizer's allow-list), so a downstream sanitizer keeps it as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import lxml.etree
import lxml.html

from ..model import Image, Licence, Record
from .licences import licence_label, permits


def attribution_paragraph(line_html: str) -> str:
    """The attribution line as the paragraph appended to `content_html`."""
    return f"<p>{line_html}</p>"


def with_attribution(record: Record, line_html: str) -> Record:
    """The record as published: its `content_html` ending with the attribution paragraph.

    Full text: the body with each credited image captioned (`credit_images`, from the record's
    `_syndicate.images`, which a merge gathers from every copy) and the paragraph. Excerpt: the
    excerpt as a paragraph and the attribution paragraph (`content_text` stays the excerpt
    alone). Link-only: unchanged, no `content_html` at all.
    """
    republish = record.syndicate.licence.republish
    if republish == "link":
        return record
    paragraph = attribution_paragraph(line_html)
    if republish == "full":
        body = record.content_html or ""
        if body.endswith(paragraph):
            return record
        body = credit_images(body, record.syndicate.images)
        html = f"{body}\n{paragraph}" if body else paragraph
    else:
        html = f"<p>{escape(record.summary, quote=False)}</p>\n{paragraph}"
    return record.model_copy(update={"content_html": html})


def image_credit_html(image: Image) -> str:
    """'Image: <credit>, <licence linked to its deed>.' as figcaption content."""
    parts = [escape(image.credit or "", quote=False)] if image.credit else []
    licence = image.licence or {}
    spdx = licence.get("spdx")
    if spdx:
        label = escape(licence_label(Licence(spdx=spdx)), quote=False)
        url = licence.get("url")
        parts.append(f'<a href="{escape(url, quote=True)}" rel="noopener noreferrer">{label}</a>' if url else label)
    return "Image: " + ", ".join(parts) if parts else ""


def _caption(text_html: str) -> lxml.html.HtmlElement:
    return lxml.html.fragment_fromstring(f"<figcaption>{text_html}</figcaption>")


def credit_images(body_html: str, images: Sequence[Image]) -> str:
    """`body_html` with each credited image's credit in a `<figcaption>` under it.

    An image already in a `<figure>` gets the credit added to its figcaption (or a new one)
    unless the caption already says it; an image alone in its paragraph becomes a figure; an
    image inside running text gets its credit as a small paragraph after that block. Images
    without a credit are left as they are.
    """
    credits = {i.url: html for i in images if (html := image_credit_html(i))}
    if not body_html.strip() or not credits:
        return body_html
    root = lxml.html.fragment_fromstring(body_html, create_parent="div")
    changed = False
    for img in list(root.iter("img")):
        credit = credits.get(img.get("src") or "")
        if not credit:
            continue
        caption = _caption(credit)
        figure = next(img.iterancestors("figure"), None)
        if figure is not None:
            existing = figure.find("figcaption")
            if existing is not None and caption.text_content() in existing.text_content():
                continue
            if existing is not None:  # the partner's caption, then ours on its own line
                br = lxml.etree.SubElement(existing, "br")
                br.tail = caption.text
                existing.extend(list(caption))
            else:
                figure.append(caption)
            changed = True
            continue
        block = img
        while block.getparent() is not None and block.getparent() is not root:
            block = block.getparent()
        alone = block is img or (block.tag in ("p", "div") and not block.text_content().strip()
                                 and len(list(block.iter("img"))) == 1)
        if alone:
            new = lxml.html.fragment_fromstring("<figure></figure>")
            new.tail = block.tail
            block.addprevious(new)
            holder = img if block is img else block
            root.remove(holder)
            img.tail = None
            new.append(img)
            new.append(caption)
        else:
            note = lxml.html.fragment_fromstring("<p><small></small></p>")
            small = note[0]
            small.text = caption.text
            small.extend(list(caption))
            note.tail = block.tail
            block.tail = None
            block.addnext(note)
        changed = True
    if not changed:
        return body_html
    text = escape(root.text or "", quote=False)
    return text + "".join(lxml.html.tostring(child, encoding="unicode") for child in root)


def lead_image(url: str | None, images: Sequence[Image], republish: str) -> str | None:
    """The item's `image`: the page's lead image when the record republishes text (full or
    excerpt) and the image's own credit names a licence that lets us republish it. An image
    with no licence of its own is not covered by the article's (LSE: "third-party images ...
    are not covered"), so it is not republished."""
    if not url or republish == "link":
        return None
    for image in images:
        spdx = (image.licence or {}).get("spdx")
        if image.url == url and spdx and permits(spdx) == "full":
            return url
    return None
