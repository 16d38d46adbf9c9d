"""Reading authors and licences as a person would (issue 12): names cleaned of link text,
prefixes and roles in the partners' languages, organisations and logins told apart from
people, Creative Commons licences read from links, badges and written statements, ported
versions kept. The saved pages under tests/fixtures/pages/generic/ hold the same mistakes in
page markup; these are the rules one by one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from syndicate.attribution.authors import page_authors_sourced
from syndicate.attribution.licences import family_from_text, licence_label, permits, spdx_from_text, spdx_from_url
from syndicate.attribution.page import read_page_facts
from syndicate.attribution.record import licence_terms
from syndicate.attribution.sources import attribution_sources
from syndicate.model import Article, Licence
from syndicate.text.names import (
    clean_name,
    display_name_of_login,
    looks_like_login,
    looks_like_organisation,
    split_names,
)


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("View all posts by Daniel Lemire", "Daniel Lemire"),
        ("Zeige alle Beiträge von Cem Basman →", "Cem Basman"),
        ("Edilson La RosaZeige alle Beiträge von Edilson La Rosa", "Edilson La Rosa"),
        ("Posted by Jane Roe", "Jane Roe"),
        ("Von Tobias Kuske", "Tobias Kuske"),
        ("Par Anna Kubišta", "Anna Kubišta"),
        ("Auteur Anna Kubišta", "Anna Kubišta"),
        ("Por Adriano Fernandes | 03/05/2022 20:36", "Adriano Fernandes"),
        ("Escrito por Rodolfo Costa", "Rodolfo Costa"),
        ("责任编辑：孔德明", "孔德明"),
        ("Redaktion: Eberhard Fuhr (Pressesprecher)", "Eberhard Fuhr"),
        ("Logan C. RitchieStaff Writer", "Logan C. Ritchie"),
        ("Tomas Spahn Fr, 18. Oktober 2019", "Tomas Spahn"),
        ("Williams Perdomo @wperdomod", "Williams Perdomo"),
        ("Joe S.", "Joe S."),
        ("Perry Bacon Jr.", "Perry Bacon Jr."),
        ("Rasender Reporter", "Rasender Reporter"),  # a role word is kept when it is the whole credit
        ("Redacci&oacute;n Diario Pagina Siete", "Redacción Diario Pagina Siete"),
    ],
)
def test_a_credit_is_cleaned_to_the_name(raw: str, name: str):
    assert clean_name(raw) == name


@pytest.mark.parametrize(
    "raw",
    ["Über den Autor", "Getestet und geliebt!", "Posted by", "Follow", "Name", "No Author", "wordpressadmin",
     "facebook.com", "@NatGeoUK", "Theme by ThemeGrill", "Hecho en Bolivia con Drupal por Smartica",
     "29. Juni 2017", "Eine realistische Interpretation des Keynes-Hicks-Multiplikators und seine Folgen", ""],
)
def test_what_names_nobody_is_no_name(raw: str):
    assert clean_name(raw) is None


def test_names_join_in_the_partners_languages():
    assert split_names("Jelko Djuren und Jutta Klaukien") == ["Jelko Djuren", "Jutta Klaukien"]
    assert split_names("Rocío Latorre y José Miguel Wilson") == ["Rocío Latorre", "José Miguel Wilson"]
    assert split_names("Joe S. and Perry Bacon Jr.") == ["Joe S.", "Perry Bacon Jr."]


def test_a_newsrooms_slash_credit_is_one_credit():
    assert split_names("dpa/lno") == ["dpa/lno"] and split_names("det/dpa") == ["det/dpa"]
    assert clean_name("Quelle: hessenschau.example/bb") == "hessenschau.example/bb"
    assert split_names("Ana Li/Bo Chen") == ["Ana Li", "Bo Chen"]  # two people stay two
    assert split_names("Reuters/AFP") == ["Reuters", "AFP"]


def _dateline_page(lead: str, byline: str = "") -> str:
    return ("<html><head><title>News</title></head><body><article><h1>News</h1>" + byline + f"<p>{lead}</p>"
            + "<p>The talks went on into the night without an agreement on the budget.</p>" * 4
            + "</article></body></html>")


@pytest.mark.parametrize(("lead", "agency"), [
    ("Hamburg (dpa/lno) – Trotz eines Gespräches bleiben die Fronten zwischen beiden Seiten verhärtet.", "dpa/lno"),
    ("WASHINGTON (AP) — Lawmakers worked through the weekend to reach a deal on the spending bill.", "AP"),
    ("Bad Homburg (ots) - Die Stadtwerke erhöhen zum ersten Januar die Preise für Strom und Gas.", "ots"),
    ("Berlin (Germany) - A city of many museums, and the debate about them goes on every winter.", None),
    ("The talks (a first in years) - said the minister - would go on into the night without a deal.", None),
])
def test_an_agency_dateline_credits_the_agency_only_when_nobody_else_is(lead: str, agency: str | None):
    facts = read_page_facts(_dateline_page(lead), "https://news.example/a/")
    assert facts.dateline_credit == agency
    found = page_authors_sourced(facts)
    assert [(a.name, source) for a, source in found] == ([(agency, "dateline")] if agency else [])
    credited = read_page_facts(_dateline_page(lead, "<p class='byline'>By Lois Lane</p>"), "https://news.example/a/")
    assert [a.name for a, _ in page_authors_sourced(credited)] == ["Lois Lane"]


def test_a_meta_line_label_names_the_author():
    page = ("<html><body><div class='post'><div class='meta'>05.02.2020 <span>- Redaktion: Eva Albers "
            "(Pressesprecherin)</span></div><div class='entry-content'>"
            + "<p>The harbour reopened on Monday after a week of repairs.</p>" * 5 + "</div></div></body></html>")
    found = page_authors_sourced(read_page_facts(page, "https://news.example/a/"))
    assert [(a.name, source) for a, source in found] == [("Eva Albers", "byline-markup")]


def test_a_login_is_spelt_as_the_page_prints_it_never_guessed():
    text = "Der Rat hat entschieden. (Christian P. Stadtfeld) +++ christian stadtfeld"
    assert display_name_of_login("christian.stadtfeld", text) == "Christian P. Stadtfeld"
    assert display_name_of_login("robert.stitz", '"display_name":"Robert  Stitz"') == "Robert Stitz"
    assert display_name_of_login("robert.stitz", "robert stitz wrote this") is None  # not a printed name
    assert display_name_of_login("robert.stitz", "nothing here") is None
    assert display_name_of_login("Isabella.DiBiase", "Isabella DiBiase") is None  # typed by a person: kept


def test_logins_and_organisations_are_told_from_people():
    assert looks_like_login("edilson.la.rosa") and looks_like_login("wordpressadmin")
    assert not looks_like_login("Edilson La Rosa")
    sites = ("Die FURCHE", "furche", "furche.at")
    assert looks_like_organisation("Die Furche", sites) and looks_like_organisation("furche.at", sites)
    assert looks_like_organisation("Redaktion Polizeiticker Schweiz")
    assert not looks_like_organisation("Ursula Baatz", sites)
    assert not looks_like_organisation("Daniel Lemire", ("lemire", "lemire.me"))  # the site is named after him


def test_the_person_is_the_author_and_the_site_only_when_nobody_is_credited():
    org_and_person = (
        '<html><head><meta property="og:site_name" content="Daily Planet"><meta name="author" content="Daily Planet">'
        "</head><body><article><p class='byline'>By <span class='author'>Lois Lane</span></p>"
        + "<p>Text of the article that goes on for a while.</p>" * 5 + "</article></body></html>"
    )

    found = page_authors_sourced(read_page_facts(org_and_person, "https://dailyplanet.example/a/"))
    assert [(a.name, source) for a, source in found] == [("Lois Lane", "byline")]
    org_only = org_and_person.replace("<p class='byline'>By <span class='author'>Lois Lane</span></p>", "")
    found = page_authors_sourced(read_page_facts(org_only, "https://dailyplanet.example/a/"))
    assert [(a.name, source) for a, source in found] == [("Daily Planet", "meta")]


def test_related_posts_and_comments_name_no_author():
    page = (
        "<html><body><article><header><h1>T</h1><span class='author vcard'><a class='fn' href='/a/jane'>Jane Roe</a>"
        "</span></header>" + "<p>Text of the article that goes on for a while.</p>" * 5 + "</article>"
        "<section class='related-posts'><article><span class='author'>Max Muster</span></article></section>"
        "<div id='comments'><span class='comment-author vcard'><b class='fn'>Troll</b></span></div></body></html>"
    )
    facts = read_page_facts(page, "https://example.org/x/")
    assert [a.name for a in facts.element_authors] == ["Jane Roe"]
    assert facts.element_authors[0].url == "https://example.org/a/jane"


@pytest.mark.parametrize(
    ("url", "spdx"),
    [
        ("http://creativecommons.org/licenses/by-sa/3.0/de/", "CC-BY-SA-3.0-DE"),
        ("http://creativecommons.org/licenses/by/3.0/at/", "CC-BY-3.0-AT"),
        ("https://creativecommons.org/licenses/by-nc-nd/3.0/de/deed.en", "CC-BY-NC-ND-3.0-DE"),
        ("https://creativecommons.org/licenses/by-sa/4.0/deed.de", "CC-BY-SA-4.0"),  # a translation, not a port
        ("https://creativecommons.org/licenses/by-nc-nd/4.0/legalcode.de", "CC-BY-NC-ND-4.0"),
        ("https://creativecommons.org/licenses/by/2.5/ch/", "LicenseRef-CC-BY-2.5-CH"),  # a port off the SPDX list
        ("https://licensebuttons.net/l/by-nc-nd/3.0/de/88x31.png", "CC-BY-NC-ND-3.0-DE"),
        ("http://i.creativecommons.org/l/by-nc/3.0/de/88x31.png", "CC-BY-NC-3.0-DE"),
        ("https://web.archive.org/web/2016/http://creativecommons.org/licenses/by-nc-sa/3.0/de/", "CC-BY-NC-SA-3.0-DE"),
        ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0-1.0"),
        ("https://creativecommons.org/publicdomain/mark/1.0/", "CC-PDM-1.0"),
        ("https://licensebuttons.net/p/zero/1.0/88x31.png", "CC0-1.0"),
    ],
)
def test_licence_links_and_badges_keep_their_port(url: str, spdx: str):
    found = spdx_from_url(url)
    assert found is not None and found[0] == spdx


@pytest.mark.parametrize(
    ("text", "spdx"),
    [
        ("Creative Commons Namensnennung – Weitergabe unter gleichen Bedingungen 3.0 Deutschland", "CC-BY-SA-3.0-DE"),
        ("Creative Commons Namensnennung-Keine Bearbeitung 3.0 Deutschland.", "CC-BY-ND-3.0-DE"),
        ("Creative Commons Namensnennung 3.0 Österreich Lizenz", "CC-BY-3.0-AT"),
        ("Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International License", "CC-BY-NC-SA-4.0"),
        ("Creative Commons Paternité - Pas d'Utilisation Commerciale 2.0 France", "LicenseRef-CC-BY-NC-2.0-FR"),
        ("bajo una licencia Creative Commons Reconocimiento-CompartirIgual 4.0", "CC-BY-SA-4.0"),
        ("CC BY-NC-ND 3.0 DE", "CC-BY-NC-ND-3.0-DE"),
        ("licensed under CC BY 3.0 by the author", "CC-BY-3.0"),  # 'by' is no jurisdiction
    ],
)
def test_written_statements_in_the_partners_languages(text: str, spdx: str):
    found = spdx_from_text(text)
    assert found is not None and found[0] == spdx


def test_ported_licences_permit_and_read_like_their_family():
    assert permits("CC-BY-SA-3.0-DE") == "full" and permits("LicenseRef-CC-BY-2.5-CH") == "full"
    assert permits("LicenseRef-All-Rights-Reserved") == "excerpt"
    ported = Licence(spdx="CC-BY-NC-ND-3.0-DE", republish="full")
    assert licence_label(ported) == "CC BY-NC-ND 3.0 DE"
    assert licence_terms(Licence(spdx="LicenseRef-CC-BY-2.5-CH")) == "licensed under CC BY 2.5 CH"
    assert licence_terms(Licence(spdx="LicenseRef-All-Rights-Reserved")) == "all rights reserved by the publisher"


def test_an_image_caption_licence_is_not_the_articles():
    page = (
        "<html><body><article>" + "<p>Text of the article that goes on for a while.</p>" * 5
        + "<div class='wp-caption'><p>Demonstranten in Managua. Foto: Jorge Peralta (CC BY 2.0)</p></div>"
        "<p>Bildnachweis: Karl Weber, licensed under CC BY-SA 4.0</p>"
        "</article></body></html>"
    )
    assert read_page_facts(page, "https://example.org/x/").licence is None


def test_a_body_without_article_markup_still_has_a_site_footer():
    page = ("<html><body><div class='post'>" + "<p>Text of the article that goes on for a while.</p>" * 5
            + "</div><div id='footer'><a href='http://creativecommons.org/licenses/by-nc-nd/3.0/de/'>"
            "<img src='x.png'></a></div></body></html>")
    facts = read_page_facts(page, "https://example.org/x/")
    assert (facts.licence or ("",))[0] == "CC-BY-NC-ND-3.0-DE" and facts.licence_source == "footer"


def test_extract_says_where_each_credit_came_from():
    article = Article(url="https://example.org/x/", author_sources={"lois lane": "byline-markup"},
                      licence_found_in="footer")
    item = {"_syndicate": {"authors": [{"name": "Lois Lane"}, {"name": "Clark Kent"}],
                           "licence": {"spdx": "CC-BY-4.0", "source": "page"}, "claimed_licence": None}}
    assert attribution_sources(item, article) == {
        "authors": [{"name": "Lois Lane", "source": "byline-markup"}, {"name": "Clark Kent", "source": "feed"}],
        "licence": {"spdx": "CC-BY-4.0", "source": "footer"},
        "claimed_licence": None,
        "licence_seen": [],
    }


# --- a licence read where it may not be used (issue 12, part 3) -----------------------------------

SIDEBAR_PAGE = (
    "<html><head><title>Harbour news</title></head><body><main><article><h1>Harbour news</h1>"
    "<p class='byline'>By Lois Lane</p>"
    + "<p>The harbour reopened on Monday after a week of repairs to the north pier and its cranes.</p>" * 8
    + "</article><aside id='sidebar'><section class='widget widget_text'><div class='textwidget'>"
    "<a rel='license' href='https://creativecommons.org/licenses/by-sa/3.0/de/'>"
    "<img src='https://i.creativecommons.org/l/by-sa/3.0/de/88x31.png'></a> Dieser Blog steht unter einer "
    "Creative Commons Namensnennung – Weitergabe unter gleichen Bedingungen 3.0 Deutschland Lizenz.</div>"
    "</section></aside></main><footer><p>© 2024 Harbour Post</p></footer></body></html>"
)


def test_a_sidebar_licence_is_read_and_shown_but_never_used():
    """Reading is not deciding: the widget's licence is read (with where it was seen) and
    `syndicate extract` shows it, while the record's licence and decision stay the registry's."""
    from syndicate.cli import PREVIEW_PARTNER, preview_record
    from syndicate.registry import Registry

    facts = read_page_facts(SIDEBAR_PAGE, "https://harbour.example/news/1/")
    assert facts.licence is None and facts.licence_source is None
    assert facts.licence_seen == [{"spdx": "CC-BY-SA-3.0-DE", "url": "https://creativecommons.org/licenses/by-sa/3.0/de/",
                                   "where": "sidebar"}]
    registry = Registry(source="(test)", partners=[PREVIEW_PARTNER])
    item = preview_record(registry, PREVIEW_PARTNER, SIDEBAR_PAGE.encode(), "https://harbour.example/news/1/")
    ext = item["_syndicate"]
    assert ext["licence"]["spdx"] == PREVIEW_PARTNER.licence.spdx and ext["licence"]["source"] == "registry"
    assert ext.get("claimed_licence") is None and item["sources"]["claimed_licence"] is None
    assert ext["licence"]["republish"] == PREVIEW_PARTNER.licence.republish
    assert item["sources"]["licence_seen"] == [
        {"spdx": "CC-BY-SA-3.0-DE", "url": "https://creativecommons.org/licenses/by-sa/3.0/de/", "where": "sidebar"}]
    assert "CC-BY-SA-3.0-DE" not in json.dumps(ext)


@pytest.mark.parametrize(("text", "family"), [
    ("Copyleft © 2002-2016 The Author CC-BY-SA.", "CC-BY-SA"),
    ("Contenidos bajo licencia Creative Commons (CC-BY-NC) salvo donde indique lo contrario.", "CC-BY-NC"),
    ("All posts licensed under CC BY-NC-ND unless noted", "CC-BY-NC-ND"),
    ("Text: CC BY", "CC-BY"),
])
def test_an_unversioned_cc_statement_is_read_as_its_family(text: str, family: str):
    assert family_from_text(text) == (family, f"https://creativecommons.org/licenses/{family[3:].lower()}/")
    assert spdx_from_text(text) is None  # no SPDX id: a version is needed to cite a licence


@pytest.mark.parametrize("text", [
    "licensed under CC BY-SA 4.0", "CC BY-NC-ND 3.0 DE", "CC-BY-SA-3.0", "Access control list", "ACC BYTE", "",
])
def test_a_versioned_or_no_statement_is_no_unversioned_family(text: str):
    assert family_from_text(text) is None


UNVERSIONED_PAGE = (
    "<html><head><title>Harbour news</title></head><body><main><article><h1>Harbour news</h1>"
    "<p class='byline'>By Lois Lane</p>"
    + "<p>The harbour reopened on Monday after a week of repairs to the north pier and its cranes.</p>" * 8
    + "</article></main><footer><p>Copyleft © 2024 Harbour Post <a href='/license'>CC-BY-SA</a>.</p></footer>"
    "</body></html>"
)


def test_an_unversioned_footer_licence_is_shown_as_read_but_never_used():
    """'Copyleft © … CC-BY-SA.' in the site footer: the family is read and shown by `syndicate
    extract` (`"versioned": false`), the record's licence and decision stay the registry's, and
    a versioned licence the page states elsewhere is not replaced by it."""
    from syndicate.cli import PREVIEW_PARTNER, preview_record
    from syndicate.registry import Registry

    facts = read_page_facts(UNVERSIONED_PAGE, "https://harbour.example/news/1/")
    assert facts.licence is None and facts.licence_source is None
    seen = {"spdx": "CC-BY-SA", "url": "https://creativecommons.org/licenses/by-sa/", "where": "footer",
            "versioned": False}
    assert facts.licence_seen == [seen]
    registry = Registry(source="(test)", partners=[PREVIEW_PARTNER])
    item = preview_record(registry, PREVIEW_PARTNER, UNVERSIONED_PAGE.encode(), "https://harbour.example/news/1/")
    ext = item["_syndicate"]
    assert ext["licence"]["spdx"] == PREVIEW_PARTNER.licence.spdx and ext["licence"]["source"] == "registry"
    assert ext.get("claimed_licence") is None and item["sources"]["claimed_licence"] is None
    assert item["sources"]["licence_seen"] == [seen]
    assert "CC-BY-SA" not in json.dumps(ext)
    versioned = UNVERSIONED_PAGE.replace("</article>", "<p>Licensed under CC BY 4.0.</p></article>")
    facts = read_page_facts(versioned, "https://harbour.example/news/1/")
    assert facts.licence is not None and facts.licence[0] == "CC-BY-4.0" and facts.licence_source == "statement"


def test_comments_state_no_licence_even_one_seen():
    page = SIDEBAR_PAGE.replace("<aside id='sidebar'>", "<div id='comments'>").replace("</aside>", "</div>")
    facts = read_page_facts(page, "https://harbour.example/news/1/")
    assert facts.licence is None and facts.licence_seen == []


# --- author boxes of the common WordPress plugins (issue 12, part 2) ------------------------------

PLUGIN_CASES = Path(__file__).resolve().parents[1] / "fixtures" / "pages" / "generic"


@pytest.mark.parametrize(("case", "people"), [
    ("publishpress-authors-box", {"Ana Li": "Coastal Ledger", "Tom Berg": "Institute for Maritime Studies"}),
    ("simple-author-box", {"Ana Li": "Coastal Ledger"}),
    ("molongui-box", {"Ana Li": "Coastal Ledger"}),
    ("co-authors-plus-box", {"Ana Li": "Coastal Ledger", "Tom Berg": "Institute for Maritime Studies"}),
])
def test_plugin_author_boxes_give_name_link_bio_and_affiliation(case: str, people: dict[str, str]):
    """Each plugin's box gives every person with link, bio and affiliation; the same plugin's
    box in a sidebar widget ('Sidebar Sam') is never read."""
    url = json.loads((PLUGIN_CASES / f"{case}.json").read_text(encoding="utf-8"))["url"]
    facts = read_page_facts((PLUGIN_CASES / f"{case}.html").read_bytes(), url)
    boxes = {a.name: a for a in facts.author_boxes}
    assert set(boxes) == set(people)
    for name, affiliation in people.items():
        assert boxes[name].affiliation == affiliation
        assert boxes[name].bio and len(boxes[name].bio) > 30 and "Sidebar" not in boxes[name].bio
        assert boxes[name].url == f"https://coastal-ledger.test/author/{name.lower().replace(' ', '-')}/"
    authors = [a for a, _ in page_authors_sourced(facts)]
    assert [a.name for a in authors] == list(people) and all(a.bio for a in authors)


# --- image credits in the partners' languages (issue 12, part 4) ----------------------------------


@pytest.mark.parametrize(("caption", "credit", "spdx"), [
    ("Demonstranten in Managua. Foto: Jorge Peralta (CC BY 2.0)", "Jorge Peralta", "CC-BY-2.0"),
    ("Bild: Karl Weber, CC BY-SA 4.0", "Karl Weber", "CC-BY-SA-4.0"),
    ("Imagen: Ana Ruiz / <a href='https://creativecommons.org/licenses/by-nc/4.0/'>CC BY-NC 4.0</a>", "Ana Ruiz",
     "CC-BY-NC-4.0"),
    ("Le port au matin. Crédit photo : Jean Dupont", "Jean Dupont", None),
    ("港口的早晨。图片：新华社", "新华社", None),
    ("Fotografía: Pedro Gómez, CC BY-SA 3.0 ES", "Pedro Gómez", "LicenseRef-CC-BY-SA-3.0-ES"),
])
def test_image_credits_in_the_partners_languages_keep_their_own_licence(caption: str, credit: str, spdx: str | None):
    page = ("<html><body><article>" + "<p>Text of the article that goes on for a while.</p>" * 5
            + f"<figure><img src='/media/pier.jpg'><figcaption>{caption}</figcaption></figure></article></body></html>")
    facts = read_page_facts(page, "https://example.org/x/")
    assert facts.licence is None  # the image's licence is not the article's
    assert [(i.url, i.credit, (i.licence or {}).get("spdx")) for i in facts.images] == [
        ("https://example.org/media/pier.jpg", credit, spdx)]
