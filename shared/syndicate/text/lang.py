"""Language tags as JSON Feed and Atom want them: BCP 47 (`en`, `en-GB`, `zh-Hant-TW`).

Pages say their language in several spellings: `<html lang="en-gb">`, `og:locale` as
`en_GB`, a feed's `<language>en-US</language>`. Readers match on the normalised form, and a
value that is not a language tag at all (`English`, `x`) is better left out than published.
"""

from __future__ import annotations

import re

#: language[-script][-region]: 2-3 letters, then an optional 4-letter script, then an optional
#: 2-letter or 3-digit region; variants and extensions are dropped (readers ignore them).
_TAG = re.compile(r"^([A-Za-z]{2,3})(?:-([A-Za-z]{4}))?(?:-([A-Za-z]{2}|\d{3}))?(?:-[A-Za-z0-9]{1,8})*$")


def bcp47(value: str | None) -> str | None:
    """`en_GB` / `EN-gb` / ` en ` -> `en-GB`; None for anything that is not a language tag.

    Case follows BCP 47's conventions: language lower, script title, region upper.
    """
    if not value:
        return None
    text = value.strip().replace("_", "-")
    match = _TAG.match(text)
    if not match:
        return None
    language, script, region = match.groups()
    parts = [language.lower()]
    if script:
        parts.append(script.title())
    if region:
        parts.append(region.upper())
    return "-".join(parts)
