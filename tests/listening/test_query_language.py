"""Every construct of the listening query language, with French and English examples."""

from __future__ import annotations

import pytest

from animateur.listening.matcher import Doc, compile_query, match_text
from animateur.listening.query import QueryError, parse

# (query, text, matches)
WORDS = [
    # whole words, case- and accent-insensitive
    ("ecole", "L'École est fermée demain.", True),
    ("ecole", "Les écoliers sont en vacances.", False),
    ("École", "une ecole de musique", True),
    ("school", "The SCHOOL opens at nine.", True),
    ("school", "Schooling at home.", False),
    ("noel", "Joyeux Noël à tous", True),
    ("coeur", "Avec tout mon cœur", True),
    # typographic and plain apostrophes are the same; an apostrophe splits words
    ("l'ecole", "Vive l’école publique", True),
    ("l’ecole", "Vive l'école publique", True),
    ("aujourd'hui", "Ouvert aujourd’hui", True),
    ("don't", "I don’t like it", True),
    ("ecole", "vive l’école", True),
    # a hyphen splits words: « e-réputation » is a phrase of two
    ("e-reputation", "Notre e-réputation souffre", True),
    ("reputation", "Notre e-réputation souffre", True),
]

BOOLEANS = [
    ("greve transports", "La grève des transports continue", True),
    ("greve transports", "La grève continue", False),
    ("strike AND trains", "Trains stopped by the strike", True),
    ("greve OR manifestation", "Grande manifestation samedi", True),
    ("greve OR manifestation", "Rien à signaler", False),
    # a lower-case « or », « and », « not » is a word
    ("greve or manifestation", "Grande manifestation samedi", False),
    ("black or white", "black or white, it is the same", True),
    ("to be or not to be", "to be or not to be", True),
    ("to be or not to be", "to be or to be", False),
    ("tarif NOT promo", "Le tarif augmente", True),
    ("tarif NOT promo", "Tarif promo du jour", False),
    ("price -discount", "The price went up", True),
    ("price -discount", "Price discount today", False),
    ('price -"black friday"', "Price drop on Black Friday", False),
    ("price -(discount OR sale)", "Price sale", False),
    ("price -(discount OR sale)", "Price rise", True),
    ("(greve OR manif*) AND sncf", "Manifestation contre la SNCF", True),
    ("(greve OR manif*) AND sncf", "Manifestation contre la RATP", False),
    # AND binds tighter than OR
    ("a1 OR b1 c1", "a1", True),
    ("a1 OR b1 c1", "b1", False),
    ("a1 OR b1 c1", "b1 c1", True),
    ("NOT spam tarif", "tarif", True),
]

PHRASES_AND_WILDCARDS = [
    ('"service client"', "Le service client ne répond pas", True),
    ('"service client"', "Le client du service", False),
    ('"customer service"', "Worst CUSTOMER Service ever", True),
    ('"customer service"', "customer care service", False),
    ('"l\'ecole publique"', "pour l’École Publique", True),
    ("manif*", "Les manifestants arrivent", True),
    ("manif*", "La manif de demain", True),
    ("manif*", "Un simple manifeste", True),
    ("manif*", "Une démanifestation", False),
    ("refund*", "Refunds are late", True),
    ("gr?ve", "la grève", True),
    ("gr?ve", "la greve", True),
    ("gr?ve", "le graves", False),
    ("colo?r", "the color red", False),
    ("col??r", "the colour red", True),
    ('"retard* train"', "retards train", True),
]

NEAR = [
    ("tarif NEAR/3 cher", "Le tarif est vraiment trop cher", True),  # 3 words between
    ("tarif NEAR/2 cher", "Le tarif est vraiment trop cher", False),
    ("tarif NEAR/3 cher", "Trop cher, ce tarif", True),  # either order
    ("tarif ONEAR/3 cher", "Trop cher, ce tarif", False),  # in that order only
    ("tarif ONEAR/5 cher", "Le tarif est vraiment trop cher", True),
    ("price NEAR/0 hike", "a price hike", True),
    ("price NEAR/0 hike", "a hike in price", False),
    ("price NEAR/2 hike", "a hike in the price", True),
    ('"service client" NEAR/4 "trop lent"', "Le service client est bien trop lent", True),
    ('"service client" NEAR/1 "trop lent"', "Le service client est bien trop lent", False),
    ('"customer service" ONEAR/3 slow', "customer service is so slow", True),
    ('"customer service" ONEAR/3 slow', "slow customer service", False),
    ("refund* NEAR/2 late", "late refunds again", True),
]

TAGS = [
    ("#rscci", "Conférence #RSCCI demain", True),
    ("#rscci", "Conférence RSCCI demain", False),
    ("rscci", "Conférence #RSCCI demain", False),
    ("@mairie", "Merci @Mairie pour la réponse", True),
    ("@mairie", "Merci à la mairie", False),
    ("@mairie", "écrire à contact@mairie.fr", False),
    ("#greve*", "#grève2024 partout", True),
]


@pytest.mark.parametrize(("query", "text", "expected"), WORDS + BOOLEANS + PHRASES_AND_WILDCARDS + NEAR + TAGS)
def test_query_matches_text_as_documented(query, text, expected):
    assert match_text(query, text) is expected, f"{query!r} on {text!r}"


FIELDS = [
    ("author:dupont", {"author": "@jdupont Jean Dupont"}, True),
    ("author:jdupont", {"author": "@jdupont Jean Dupont"}, True),
    ("author:@jdupont", {"author": "@jdupont Jean Dupont"}, True),
    ('author:"Jean Dupont"', {"author": "Jean Dupont"}, True),
    ('author:"jean durand"', {"author": "Jean Dupont"}, False),
    ("channel:mastodon", {"channel_kind": "mastodon", "channel_name": "Our toots"}, True),
    ("channel:rss", {"channel_kind": "mastodon", "channel_name": "Our toots"}, False),
    ('channel:"our toots"', {"channel_kind": "mastodon", "channel_name": "Our toots"}, True),
    ("channel:blog", {"channel_kind": "site", "channel_name": "Le blog"}, True),
    ("lang:fr", {"language": "fr"}, True),
    ("lang:FR", {"language": "fr"}, True),
    ("lang:en", {"language": "fr"}, False),
    ("site:example.org", {"url": "https://news.example.org/a"}, True),
    ("site:example.org", {"url": "https://badexample.org/a"}, False),
    ("site:www.example.org", {"url": "https://example.org/a"}, True),
    ("site:exemple.fr", {"html": '<a href="https://blog.exemple.fr/x">lien</a>'}, True),
    ("sentiment:negative", {"sentiment": "negative"}, True),
    ("sentiment:négatif", {"sentiment": "negative"}, True),
    ("sentiment:positive", {"sentiment": "negative"}, False),
    ("kind:reply", {"kind": "reply"}, True),
    ("kind:réponse", {"kind": "reply"}, True),
    ("kind:post", {"kind": "reply"}, False),
]


@pytest.mark.parametrize(("query", "fields", "expected"), FIELDS)
def test_fields_match_the_message_they_name(query, fields, expected):
    assert match_text(f"hello {query}", "Hello world", **fields) is expected


def test_site_reads_links_in_the_text():
    assert match_text("site:exemple.fr", "Lisez https://www.blog.exemple.fr/article ici")
    assert match_text("site:exemple.fr", "voir www.exemple.fr.")
    assert not match_text("site:exemple.fr", "voir exemple.fr sans lien")


ERRORS = [
    ("", "empty", 0),
    ("   ", "empty", 0),
    ('"service client', "quotation mark", 0),
    ("tarif (cher OR prix", "parenthesis is never closed", 6),
    ("tarif cher)", "no opening", 10),
    ("tarif AND", "nothing on its right", 6),
    ("AND tarif", "nothing on its left", 0),
    ("tarif OR OR prix", "nothing on its right", 6),
    ("tarif NEAR/x prix", "number of words", 6),
    ("tarif NEAR prix", "number of words", 6),
    ("tarif NEAR/3 lang:fr", "two terms or phrases", 6),
    ("(a OR b) NEAR/3 prix", "two terms or phrases", 9),
    ("a NEAR/2 b NEAR/2 c", "Only two terms", 11),
    ("sentiment:happy", "Unknown sentiment", 10),
    ("kind:tweet", "Unknown kind", 5),
    ("lang:french", "language code", 5),
    ("site:nothing", "domain name", 5),
    ("author:", "no value", 0),
    ("()", "empty", 0),
    ('""', "phrase is empty", 0),
    ("!!!", "no letter or digit", 0),
    ("ma*nif", "only end a word", 2),
    ("*nif", "may not start", 0),
    ("NOT spam", "only excludes", 0),
    ("-spam -promo", "only excludes", 0),
    ("tarif NOT", "must be followed", 6),
]


@pytest.mark.parametrize(("query", "problem", "position"), ERRORS)
def test_invalid_query_names_the_problem_and_where(query, problem, position):
    from django.utils import translation

    with translation.override("en"):
        with pytest.raises(QueryError) as raised:
            parse(query)
        assert problem in raised.value.message
        assert raised.value.position == position
        assert f"character {position + 1}" in str(raised.value)


def test_error_message_is_in_french_for_a_french_reader():
    from django.utils import translation

    with translation.override("fr"), pytest.raises(QueryError) as raised:
        parse("tarif (cher")
    assert "parenthèse" in str(raised.value).lower()
    assert "caractère 7" in str(raised.value)


def test_lower_case_near_is_a_word():
    assert match_text('"near/3"', "near 3")
    assert match_text("tarif near", "tarif near")


def test_anchors_say_which_words_a_match_needs():
    assert compile_query("greve OR manif*").anchors == {("=", "greve"), ("*", "manif")}
    assert compile_query("tarif NOT promo").anchors == {("=", "tarif")}
    assert compile_query("lang:fr").anchors is None
    assert compile_query("tarif OR lang:fr").anchors is None
    assert compile_query('"service client" lang:fr').anchors == {("=", "service")}


def test_a_doc_is_read_once_for_many_queries():
    doc = Doc.of("La grève des trains #sncf", language="fr")
    assert [compile_query(q).matches(doc) for q in ("greve", "#sncf", "sncf", "lang:fr trains")] == [
        True,
        True,
        False,
        True,
    ]


def test_a_one_letter_wildcard_is_anchored_by_its_longer_fixed_end():
    assert compile_query("g?ave").anchors == {("$", "ave")}
    assert compile_query("grav?").anchors == {("*", "grav")}


def test_the_standing_index_finds_what_testing_every_query_finds():
    from collections import Counter

    from animateur.listening.matcher import frequency_cost
    from animateur.listening.standing import StandingIndex

    written = [
        "greve", "greve sncf", "manif* OR defile", '"service client" lent', "tarif NEAR/2 cher",
        "g?ave", "#rscci", "lang:fr", "retard -train", "(a1 OR b1) c1",
    ]  # fmt: skip
    texts = [
        "La grève SNCF", "Le service client est lent", "Tarif bien trop cher", "C'est grave", "#RSCCI demain",
        "Un retard de bus", "Un retard de train", "a1 et c1", "Défilé et manifestation",
    ]  # fmt: skip
    docs = [Doc.of(t, language="fr") for t in texts]
    seen = Counter(w for d in docs for w in d.word_set)
    index = StandingIndex.build(enumerate(written), frequency_cost(seen, len(docs)))
    for doc in docs:
        expected = {i for i, q in enumerate(written) if compile_query(q).matches(doc)}
        assert set(index.matching(doc)) == expected, doc.words
