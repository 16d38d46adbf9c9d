"""Text normalization and word shingles for near-duplicate detection.

The same article reaches us from two partners with different typography (curly or straight
quotes, dashes, full-width characters), different letter case in titles and, most damaging
for word shingles, British spelling on one site and American on the other ("colour
revolution" / "color revolution", "spiralling" / "spiraling"). One changed word spoils every
shingle that covers it, so with 5-word shingles a single spelling variant costs up to five
shingles; an article with a few dozen such words loses a third of its overlap. Everything
here therefore maps both copies onto one canonical form before shingling:

- NFKC, then quotes and dashes unified, then lowercase;
- apostrophes removed inside words ("beijing's" -> "beijings"), all other punctuation a space;
- British spellings mapped to American ones by a small table of endings (our/or, ise/ize,
  yse/yze, tre/ter, -lled/-led ...) plus a table of whole words (defence, programme ...).

The spelling map only has to send both variants to the same token; it does not have to be a
perfect dictionary. Where a rule would rewrite a word that has no British variant ("advise"
-> "advize"), that is harmless as long as it does not merge two different words, which is
what the stem conditions and `SPELLING_KEEP` prevent ("four" is not "for", "filled" is not
"filed", "hatred" stays).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

__all__ = [
    "SHINGLE_WORDS",
    "SPELLING_ENDINGS",
    "SPELLING_KEEP",
    "SPELLING_WORDS",
    "canonical_spelling",
    "common_shingles",
    "normalize_text",
    "shingles",
    "tokens",
]

# 5-word shingles: measured here (DESIGN.md) to separate cross-posts (median Jaccard 0.81)
# from different articles on the same topic (<= 0.105) on 300-1,200-word articles.
SHINGLE_WORDS = 5

# Typographic variants that differ between CMSs and copy-paste paths, mapped to one character
# each. Apostrophes are removed afterwards, other quotes and dashes become spaces.
_TYPOGRAPHY = str.maketrans(
    {
        "\u2018": "'",  # left single quote
        "\u2019": "'",  # right single quote, the usual WordPress apostrophe
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",  # prime
        "\u02bc": "'",  # modifier letter apostrophe
        "`": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00ad": None,  # soft hyphen: invisible, must not split a word
        "\u200b": None,  # zero-width space
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,
    }
)
#: The same mapping as pairs: no replacement is itself replaced, so replacing one after the
#: other is what `str.translate(_TYPOGRAPHY)` does.
_TYPOGRAPHY_PAIRS = tuple((chr(code), to or "") for code, to in _TYPOGRAPHY.items())
# An apostrophe between letters belongs to the word ("beijing's", "don't"); elsewhere it is a quote.
_INNER_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
_NON_WORD = re.compile(r"[\W_]+")

# ---------------------------------------------------------------------------------- spelling
# One row per family of British endings: (British base, American base, inflections, stem
# pattern). A token ending in British base + inflection whose remaining stem fully matches the
# pattern gets American base + inflection instead. The stem patterns keep short words out
# ("four", "hour", "your" have one-letter stems; "crises", "rising" two) and, for the doubled
# l, demand two syllables so "filled", "called", "smaller" stay while "travelled",
# "spiralling", "fuelled" and "counsellor" lose an l.
_TWO = r"[a-z]{2,}"
_THREE = r"[a-z]{3,}"
_TWO_SYLLABLES = r"[a-z]*[aeiou][^aeiou]*[aeiou]"
SPELLING_ENDINGS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    (
        "our",
        "or",
        ("", "s", "ed", "ing", "ite", "ites", "able", "ably", "er", "ers", "ful", "less", "ist", "ists"),
        _TWO,
    ),
    ("is", "iz", ("e", "es", "ed", "ing", "er", "ers", "ation", "ations", "ational"), _THREE),
    ("ys", "yz", ("e", "es", "ed", "ing", "er", "ers"), _TWO),
    ("tre", "ter", ("", "s"), _TWO),
    ("tred", "tered", ("",), _THREE),
    ("bre", "ber", ("", "s"), _TWO),
    ("ogue", "og", ("", "s"), _THREE),
    ("ll", "l", ("ed", "ing", "er", "ers", "or", "ors"), _TWO_SYLLABLES),
)
# Whole words whose variants no ending rule covers.
SPELLING_WORDS: dict[str, str] = {
    "defence": "defense",
    "defences": "defenses",
    "offence": "offense",
    "offences": "offenses",
    "licence": "license",
    "licences": "licenses",
    "pretence": "pretense",
    "programme": "program",
    "programmes": "programs",
    "grey": "gray",
    "ageing": "aging",
    "judgement": "judgment",
    "judgements": "judgments",
    "manoeuvre": "maneuver",
    "manoeuvres": "maneuvers",
    "aluminium": "aluminum",
    "cheque": "check",
    "cheques": "checks",
    "tyre": "tire",
    "tyres": "tires",
    "sceptic": "skeptic",
    "sceptics": "skeptics",
    "sceptical": "skeptical",
    "scepticism": "skepticism",
    "mould": "mold",
    "plough": "plow",
    "draught": "draft",
    "jewellery": "jewelry",
    "enrol": "enroll",
    "enrolment": "enrollment",
    "fulfil": "fulfill",
    "fulfilment": "fulfillment",
    "instalment": "installment",
    "skilful": "skillful",
    "wilful": "willful",
    "paediatric": "pediatric",
    "encyclopaedia": "encyclopedia",
    "foetus": "fetus",
    "oestrogen": "estrogen",
    "anaemia": "anemia",
    "haemorrhage": "hemorrhage",
    "kerb": "curb",
    "storey": "story",
    "storeys": "stories",
    "pyjamas": "pajamas",
    # -wards adverbs: British keeps the s, American mostly drops it ("rewards" is not one).
    "towards": "toward",
    "afterwards": "afterward",
    "backwards": "backward",
    "forwards": "forward",
    "upwards": "upward",
    "downwards": "downward",
    "inwards": "inward",
    "outwards": "outward",
    "onwards": "onward",
    "eastwards": "eastward",
    "westwards": "westward",
    "northwards": "northward",
    "southwards": "southward",
}
# Words an ending rule would otherwise turn into a different word (or into a word that is not
# a spelling variant of it): left as they are.
SPELLING_KEEP: frozenset[str] = frozenset(
    {
        "flour",
        "flours",
        "devour",
        "devours",
        "devoured",
        "devouring",
        "contour",
        "contours",
        "detour",
        "detours",
        "detoured",
        "scour",
        "scours",
        "scoured",
        "scouring",
        "amour",
        "paramour",
        "troubadour",
        "velour",
        "notre",
        "hatred",
        "macabre",
    }
)


def _compile_endings() -> tuple[tuple[str, str, re.Pattern[str]], ...]:
    """Expand the table into (British ending, American ending, stem pattern), longest first,
    so "ourites" is tried before "our" and "isation" before "is"."""
    rows = [
        (british + inflection, american + inflection, re.compile(stem))
        for british, american, inflections, stem in SPELLING_ENDINGS
        for inflection in inflections
    ]
    rows.sort(key=lambda row: -len(row[0]))
    return tuple(rows)


_ENDINGS = _compile_endings()


@lru_cache(maxsize=1 << 16)
def canonical_spelling(token: str) -> str:
    """The American spelling of a lowercase token when the tables know a British one, else the token.

    Cached: an article's vocabulary repeats, and a corpus's vocabulary is far smaller than its
    word count.
    """
    word = SPELLING_WORDS.get(token)
    if word is not None:
        return word
    if token in SPELLING_KEEP or not token.isascii():
        return token
    for british, american, stem in _ENDINGS:
        if token.endswith(british) and stem.fullmatch(token[: -len(british)]):
            return token[: -len(british)] + american
    return token


# ------------------------------------------------------------------------------ text, tokens


def normalize_text(text: str) -> str:
    """Lowercase words separated by single spaces: NFKC, unified quotes, punctuation removed.

    Spelling is not touched here (see `tokens`), so the result is still readable text.
    """
    text = unicodedata.normalize("NFKC", text)
    for char, replacement in _TYPOGRAPHY_PAIRS:  # str.translate, but a C scan per character: 6x faster
        if char in text:
            text = text.replace(char, replacement)
    text = text.lower()
    if "'" in text:
        text = _INNER_APOSTROPHE.sub("", text)
    return _NON_WORD.sub(" ", text).strip()


# Month names and the abbreviations sites use in dates. "may" is also a verb, but a number
# followed by the verb is rare and swapped the same way in both copies, so it does no harm.
_MONTHS = frozenset(
    {
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
        "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    }
)  # fmt: skip


def _month_first(words: list[str]) -> list[str]:
    """Day-month dates in month-day order: "14 january 2022" -> "january 14 2022".

    British copies write "on 2 January", American ones "on January 2": after punctuation is
    gone the only difference is the order, which would otherwise cost every shingle over it.
    """
    for i in range(len(words) - 1):
        day, month = words[i], words[i + 1]
        if month in _MONTHS and day.isdigit() and len(day) <= 2 and 1 <= int(day) <= 31:
            words[i], words[i + 1] = month, day
    return words


def tokens(text: str) -> list[str]:
    """The words of `text` in canonical form: normalized, British spellings made American,
    dates in month-day order."""
    return _month_first([canonical_spelling(word) for word in normalize_text(text).split()])


def shingles(words: Sequence[str], size: int = SHINGLE_WORDS) -> list[str]:
    """Distinct `size`-word shingles of `words`, in order of first appearance.

    A text shorter than `size` words yields one shingle of all its words (so a very short text
    can still match an identical one); an empty text yields none.
    """
    if size < 1:
        raise ValueError(f"shingle size must be >= 1, got {size}")
    if not words:
        return []
    if len(words) <= size:
        return [" ".join(words)]
    # zip of shifted views, stopping at the shortest: each shingle is one C-level join.
    return list(dict.fromkeys(map(" ".join, zip(*(words[i:] for i in range(size)), strict=False))))


def common_shingles(texts: Iterable[str], min_share: float = 0.3, size: int = SHINGLE_WORDS) -> frozenset[str]:
    """Shingles found in at least `min_share` of `texts`: one partner's boilerplate.

    Feed this a sample of one partner's recent pages; passing the result as the index's
    `ignore_shingles` drops disclaimers, newsletter blurbs and "about the author" lines that
    survived extraction, which otherwise make two different articles of one partner look
    alike and two copies of one article on different partners look less alike. Needs at
    least two texts to call anything common.
    """
    if not 0 < min_share <= 1:
        raise ValueError(f"min_share must be within (0, 1], got {min_share}")
    counts: Counter[str] = Counter()
    total = 0
    for text in texts:
        total += 1
        counts.update(shingles(tokens(text), size))
    if total < 2:
        return frozenset()
    need = max(2, math.ceil(min_share * total))
    return frozenset(s for s, n in counts.items() if n >= need)
