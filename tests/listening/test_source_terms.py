"""The terms the listening sources ask the networks for, derived from the saved searches."""

from __future__ import annotations

import pytest

from animateur.listening.query import parse
from animateur.listening.terms import cover, terms_of


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("ecole", ["ecole"]),
        ("École", ["École"]),  # as written: networks fold accents their own way
        ('"service client" -spam', ['"service client"']),
        ("#rscci", ["#rscci"]),
        ("greve OR manif", ["greve", "manif"]),
        ("(greve OR manif) AND #rscci", ["#rscci"]),  # one hashtag is tighter than two words
        ('tarif NEAR/3 "trop cher"', ['"trop cher"']),
        ("l'école", ['"l\'école"']),  # one term of two words: a phrase
        ("acme lang:fr", ["acme"]),
        ("(greve OR manif*) AND mairie", ["mairie"]),
        ("@mairie OR grève", ["@mairie", "grève"]),
        ("strike NEAR/5 union", ["strike"]),
    ],
)
def test_a_query_is_covered_by_terms_one_of_which_every_match_holds(query, terms):
    assert cover(query, parse(query)) == terms


@pytest.mark.parametrize("query", ["manif*", "lang:fr", "greve OR manif*", "te?t", "site:example.org"])
def test_a_query_with_no_literal_term_to_ask_for_has_no_cover(query):
    assert cover(query, parse(query)) is None


def test_a_workspace_s_terms_are_shared_and_the_searches_without_any_are_named():
    found = terms_of(
        [("Nous", "#acme OR acme"), ("Concurrent", "#acme OR globex"), ("Préfixes", "acm*"), ("Cassée", "(")]
    )
    assert found.texts == ["#acme", "acme", "globex"]
    assert found.hashtags == ["acme"]
    assert found.unsearchable == ["Préfixes", "Cassée"]
