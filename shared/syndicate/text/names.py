"""Names of people as pages and feeds write them -> the names a reader would agree with.

One string naming several people: feeds (a WordPress dc:creator from a multi-author plugin),
JSON-LD, meta tags, bylines and trafilatura's author field all join names the same few ways:
"A, B and C", "A; B", "A / B", "A & B", "A und B", "A y B", "A et B". A hyphen is never a
separator: "Jean-Paul Sartre" is one person, and "Name - Organisation" is a credit with an
affiliation, not two authors.

One name as a page prints it (`clean_name`): pages wrap the name in link and button text,
prefixes and roles, in the languages partners write in ("View all posts by Daniel Lemire",
"Zeige alle Beiträge von Cem Basman", "Von …", "Par …", "Por …", "责任编辑：孔德明",
"… Staff Writer", "… | 03/05/2022"), or print a word that is no name at all ("Name",
"Follow", "weiter", "No Author", "Admin"). And some credits are not people: a site,
newsroom or agency (`looks_like_organisation`), or a CMS login name where the page shows a
display name elsewhere (`looks_like_login`). The rules are wording, never a site's address.
"""

from __future__ import annotations

import html
import re
import unicodedata

# Spaces are folded before splitting, so the separators' optional spaces match at most one
# character each and cannot backtrack over a long run of them (linear on any input).
_SEPARATOR = re.compile(r" ?(?:,|;|/|&|、|\b(?:and|und|et|y)\b) ?")
#: A last word that keeps its full stop: an initial ("Joe S.") or a suffix ("Bacon Jr.").
_KEEPS_STOP = re.compile(r"(?:^|[\s.])(?:\w|Jr|Sr)\.$")


#: A newsroom's credit line: a source and a desk or writer's shorthand joined by a slash, one of
#: them a short lower-case abbreviation ('dpa/lno', 'det/dpa', 'hessenschau.de/bb'). Agencies
#: print it as one credit; splitting it would invent a person called 'lno'.
_DESK_CREDIT = re.compile(r"^(?:[a-z]{2,5}/[\w.-]{2,30}|[\w.-]{2,30}/[a-z]{2,5})$")


def _strip_stops(piece: str) -> str:
    piece = piece.strip(" ")
    if _KEEPS_STOP.search(piece):
        return piece.lstrip(" .")
    return piece.strip(" .")


def split_names(value: str | None) -> list[str]:
    """'A, B and C' / 'A; B' / 'A/B' / 'A & B' / 'A und B' -> ['A', 'B', 'C'], in order, empties dropped.

    Each name has its spaces folded and loses surrounding full stops (the end of a sentence
    such as "By A and B."), never inner ones ("A. Smith") nor an initial's ("Joe S.").
    """
    if not value or not isinstance(value, str):
        return []
    value = " ".join(value.split())
    if _DESK_CREDIT.match(value):  # 'dpa/lno', 'det/dpa', 'hessenschau.de/bb': one credit, not two people
        return [value]
    pieces = _SEPARATOR.split(value)
    return [name for piece in pieces if (name := _strip_stops(piece))]


# --- one name, cleaned --------------------------------------------------------------------------

#: Words before a name that say "this is the author", or link/button text around it, in
#: English, German, French, Spanish, Portuguese and Chinese. Longest first within a language.
_PREFIXES = (
    # English
    r"(?:posted|published|written|updated)\s+(?:on|am)\s+[^|]{3,40}?\s+by",
    r"view all (?:posts|articles|stories) by", r"(?:see|show) all (?:posts|articles|stories)(?: by| of| from)?",
    r"all (?:posts|articles|stories) by", r"more (?:posts |articles |stories )?(?:by|from)", r"posts by",
    r"articles by", r"posted by", r"written by", r"published by", r"story by", r"words by", r"text by",
    r"reporting by", r"report by", r"photos? by", r"authors?", r"by", r"about the author", r"about", r"source\s*:",
    # German
    r"zeige alle beiträge von", r"alle beiträge von", r"weitere beiträge von", r"weitere artikel von",
    r"(?:veröffentlicht|erschienen)\s+am\s+[^|]{3,40}?\s+von", r"mehr von", r"beiträge von",
    r"artikel von", r"ein beitrag von", r"ein gastbeitrag von", r"gastbeitrag von", r"geschrieben von",
    r"verfasst von", r"veröffentlicht von", r"über den autor", r"über die autorin", r"zum profil von",
    r"profilbild von", r"erstellt von", r"autor(?:in|en|innen)?", r"redaktion\s*:", r"text(?: und fotos?)?",
    r"interview", r"quelle\s*:", r"durch", r"von",
    r"vom",
    # French
    r"voir tous les articles de", r"tous les articles de", r"écrit par", r"publié par", r"rédigé par",
    r"auteur(?:e|s)?", r"par",
    # Spanish / Portuguese
    r"ver todas las entradas de", r"ver todos os posts de", r"escrito por", r"publicado por", r"escrita por",
    r"redacción\s*:", r"redação\s*:", r"fuente\s*:", r"fonte\s*:", r"autora?", r"por",
    # Chinese
    r"责任编辑", r"作者", r"编辑", r"记者",
)
_PREFIX = re.compile(
    r"^(?:(?:" + "|".join(_PREFIXES) + r")(?:\b|(?<=von)(?=[A-Z])|(?<=:))\s*[:：/|-]?\s*"
    r"|(?:责任编辑|作者|编辑|记者|文)\s*[:：/]\s*)",
    re.IGNORECASE,
)
#: What may follow a name in the same element: a date, a separator with more metadata, a role.
_MONTHS = (
    r"jan(?:uary|uar|vier|eiro)?|feb(?:ruary|ruar)?|février|febrero|fevereiro|mar(?:ch|s|zo|ço)?|märz|apr(?:il)?|avril"
    r"|abril|may|mai|mayo|maio|jun(?:e|i|io|ho)?|juin|jul(?:y|i|io|ho)?|juillet|aug(?:ust)?|août|agosto|sep(?:t|tember)?"
    r"|septembre|septiembre|setembro|oct(?:ober|obre)?|okt(?:ober)?|octubre|outubro|nov(?:ember|embre|iembro|embro)?"
    r"|dec(?:ember)?|dez(?:ember|embro)?|décembre|diciembre"
)
_TAIL = re.compile(
    r"\s*(?:[|•·»→›]|(?:\s+\w{1,3}[.,]?)?\s+\d|\s@\w|,?\s+(?:" + _MONTHS + r")\.?\s+\d"
    r"|(?:\s|(?<=[a-z]))(?:view all|zeige alle|alle beiträge|alle autor(?:en|innen)|all authors|more by|mehr von"
    r"|voir tous|ver todas|ver todos|hace|vor \d)\b"
    r"|\s(?:am|on|le|el|em)\s+(?:mon|die|diens|mitt|donners|frei|sams|sonn|tues|wednes|thurs|fri|satur|sun)(?:tag|day)\b"
    r"|\s(?:le|el|em)\s+(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|lunes|martes|miércoles|jueves|viernes"
    r"|sábado|domingo)\b"
    r"|\s[-–—]\s*(?=\d)|\b(?:am|on|den|le|el|em)\s+\d|\d{1,2}\.\d{1,2}\.\d{2,4}"
    r"|\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2}|\b(?:published|publicado|publié|veröffentlicht|aktualisiert|updated|"
    r"stand|tiempo de lectura|lesezeit|reading time|min read|hace \d)\b).*$",
    re.IGNORECASE,
)
_ROLE_TAIL = re.compile(
    r"\s*(?:,\s*)?(?:\b|(?<=[a-z]))"
    r"(?:(?:senior |chief |staff |contributing )?(?:writer|editor|reporter|correspondent|columnist)|staff)\s*$",
    re.IGNORECASE,
)
_PAREN = re.compile(r"\s*\([^)]{0,80}\)")
#: Whole strings that are a button, a label or a placeholder, never a person.
_NOT_NAMES = frozenset((
    "name", "follow", "folgen", "datum", "date", "weiter", "weitere artikel", "mehr", "more", "share", "teilen",
    "posted", "author", "autor", "autorin", "auteur", "autora", "admin", "administrator", "wordpressadmin",
    "webmaster", "null", "none", "unknown", "anonymous", "anonym", "no author", "n/a", "guest", "gast",
    "getestet und geliebt!", "kommentare", "comments", "read more", "profil", "profile", "facebook", "twitter",
    "instagram", "linkedin", "e-mail", "email", "mail", "rss", "home", "startseite", "kontakt", "contact",
    "letzte aktualisierung", "zuletzt geändert", "zuletzt geändert am", "aktualisiert", "updated", "übersetzung",
    "veröffentlicht", "published", "publicado", "publié", "zur person", "about me", "über mich", "posted on",
    "posted in", "veröffentlicht am", "publicado el", "publié le",
))
_THEME_CREDIT = re.compile(
    r"\b(?:übersetzung|übersetzt|translated|translation|traducido|traduit|traduzido|traducci[óo]n|traduction|theme|wordpress|drupal|joomla|powered|designed"
    r"|hecho en|made with)\b",
    re.I,
)
_URLISH = re.compile(
    r"^(?:https?:|www\.)|^[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|de|at|ch|fr|es|pe|uk|io|info|eu)$|@\w+\.", re.I
)
MAX_NAME_WORDS = 6
#: A label inside a meta line ("Datum: 19.11.2021 Autor: Fritz Imhof Quelle: Livenet"): the name
#: is what follows the author's label, up to the next label.
_LABELLED = re.compile(
    r"(?:^|\s)(?:autor(?:in|en|innen)?|authors?|auteur(?:e|s)?|autora?|verfasser(?:in)?|text|texto)\s*[:：]\s*"
    r"(?P<rest>.+)$",
    re.IGNORECASE,
)
_NEXT_LABEL = re.compile(r"\s[\w-]{2,20}\s*:(?:\s|$).*$")
#: A section or column name before a capitalised 'Von'/'By' ("Disko Von Ernst Lohoff"): the
#: name is what follows (a lower-case 'von' is a particle of the name: "Romana von Mengershausen").
_KICKER = re.compile(r"^[\w-]+(?:\s[\w-]+)?\s+(?-i:Von|VON|By|BY|Par|Por)\s+(?=\w)")


def clean_name(raw: str | None) -> str | None:
    """One printed credit -> the name in it, or None when it names nobody.

    Link and button text, prefixes ("View all posts by", "Von", "Par", "Por", "责任编辑："),
    a trailing role ("Staff Writer"), date or separator, and parenthesised remarks go; a
    placeholder ("Name", "Follow", "No Author"), a web address, an @handle, a theme credit or a
    sentence (more than `MAX_NAME_WORDS` words) is no name.
    """
    if not raw:
        return None
    name = " ".join(html.unescape(raw).split())
    labelled = _LABELLED.search(name)
    if labelled and labelled.start() > 0:
        name = _NEXT_LABEL.sub("", labelled.group("rest"))
    name = _KICKER.sub("", name, count=1)
    for _ in range(3):  # "Posted by Author: X"
        stripped = _PREFIX.sub("", name, count=1).strip(" :-–—|")
        if stripped == name:
            break
        name = stripped
    name = _PAREN.sub("", name)
    name = _TAIL.sub("", name)
    without_role = _ROLE_TAIL.sub("", name).strip(" ,;:-–—|/")
    if len(without_role.split()) >= 2:  # "Logan C. Ritchie Staff Writer", not "Rasender Reporter"
        name = without_role
    name = _strip_stops(name)
    if not name or name.casefold() in _NOT_NAMES or name.startswith("@") or name[0].isdigit():
        return None
    if _URLISH.search(name[:200]) or _THEME_CREDIT.search(name[:200]) or _is_sentence(name):
        return None
    if not any(ch.isalpha() for ch in name[:200]):
        return None
    return name


_PARTICLES = frozenset(
    ["von", "van", "der", "den", "de", "da", "das", "do", "dos", "del", "della", "di", "du", "la", "le", "y", "e", "zu",
     "bin", "ibn", "al"]
)


def _is_sentence(name: str) -> bool:
    """More than `MAX_NAME_WORDS` words with lower-case words that are no name particle: a
    headline or a sentence, not a name (a very long name stays a name: limits cut it)."""
    words = name.split(maxsplit=60)
    lower = sum(1 for w in words if w[:1].islower() and w not in _PARTICLES)
    if len(words) <= MAX_NAME_WORDS:  # 'Pétition soutenue par un Super contributeur'
        return len(words) >= 3 and lower >= 2
    return lower >= 2


# --- what kind of credit ------------------------------------------------------------------------

_LOGIN = re.compile(r"^[a-z0-9]+(?:[._][a-z0-9]+)+$|admin", re.IGNORECASE)
_ORG_WORDS = re.compile(
    r"\b(?:redaktion|redaction|rédaction|redacción|redação|editorial|editors?|team|staff|newsroom|desk|news|"
    r"zeitung|magazin|magazine|verlag|verband|e\.\s?v|gmbh|ag|inc|ltd|llc|press|presse|pressestelle|media|online|"
    r"agency|agentur|dpa|afp|reuters|ap|kna|epd|kathpress|jiji|xinhua|blog|institut|institute|university|"
    r"universität|stiftung|foundation|ministerium|ministry|news\s?desk)\b",
    re.IGNORECASE,
)


_ARTICLES = re.compile(r"^(?:the|die|der|das|le|la|les|el|los|las|o|a|l')\s+")


def name_key(name: str) -> str:
    """A comparison key: case, accents, dots and spacing do not make a different person."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode() or name
    return " ".join(folded.casefold().replace(".", " ").replace("_", " ").split())


def looks_like_login(name: str) -> bool:
    """A CMS login rather than a display name: 'edilson.la.rosa', 'jane_doe', 'wordpressadmin'."""
    return " " not in name.strip() and bool(_LOGIN.search(name.strip()))


_LOGIN_PARTS = re.compile(r"^[a-z]{2,20}(?:[._-][a-z]{1,20}){1,3}$")


def display_name_of_login(login: str, text: str) -> str | None:
    """The display name a lower-case 'first.last' login stands for, as `text` prints it:
    'christian.stadtfeld' -> 'Christian P. Stadtfeld' (a middle initial or name may sit between),
    'robert.stitz' -> 'Robert Stitz'. Each word capitalised, in the login's order; None when
    `text` prints no such name (a login is never turned into a name by guessing)."""
    if not _LOGIN_PARTS.match(login):
        return None
    parts = re.split(r"[._-]", login)
    middle = r"(?:\s+(?:\w\.|\w{2,20}\.?))?"
    pattern = r"\s+".join(re.escape(p) for p in parts[:-1]) + middle + r"\s+" + re.escape(parts[-1])
    for found in re.finditer(r"(?<!\w)" + pattern + r"(?!\w)", text[:2_000_000], re.IGNORECASE):
        words = found.group(0).split()
        if all(w[:1].isupper() for w in words):
            return " ".join(words)
    return None


def looks_like_organisation(name: str, site_names: tuple[str, ...] = ()) -> bool:
    """A site, newsroom, agency or institution rather than a person: one of the page's own
    site or publisher names (or its domain), or a name with an organisation's word in it
    ('Redaktion', 'Staff', 'News', 'e.V.', 'dpa')."""
    key = _ARTICLES.sub("", name_key(name)).strip()
    squashed = re.sub(r"[\s-]", "", key)
    for site in site_names:
        site_squashed = re.sub(r"[\s-]", "", _ARTICLES.sub("", name_key(site)))
        if len(site_squashed) < 2:
            continue
        if squashed == site_squashed or (" " not in key and len(squashed) > 3 and squashed in site_squashed):
            return True
        site_words = _ARTICLES.sub("", name_key(site)).split()
        if len(site_words) >= 2 and len(key.split()) > 2 and key.split()[:2] == site_words[:2]:
            return True  # 'Global Voices Latin America' on 'Global Voices auf Deutsch'

    return bool(_ORG_WORDS.search(name))
