"""A forum post or blog comment that is a link and hardly a word: the backlink of blog comment spam."""

from __future__ import annotations

import io
import json

import pytest

from animateur.nlp.link_drop import dropped_link
from animateur.nlp.score_command import run_score

BACKLINK = "Very informative post. Keep sharing such content. https://www.packersmoversinpune.in"


@pytest.mark.parametrize(
    ("text", "register", "site"),
    [
        (BACKLINK, "wordpress", "packersmoversinpune.in"),
        (BACKLINK, "blog", "packersmoversinpune.in"),
        ("Super article ! www.nettoyage-pro-paris.fr", "site", "nettoyage-pro-paris.fr"),
        ('Merci <a href="https://promo.example/x">ici</a>', "discourse", "promo.example"),
        # the same in a social post or an email: sharing a link with a word is what they are for
        (BACKLINK, "mastodon", None),
        (BACKLINK, "email", None),
        (BACKLINK, None, None),
        # a comment with words of its own, or without a link, is the spam model's to judge
        (
            "Thanks for the article. We measured the same drop in replies after moving our forum to a new "
            "platform last year, see https://example.org/report",
            "wordpress",
            None,
        ),
        ("Very informative post. Keep sharing such content.", "wordpress", None),
    ],
)
def test_a_link_with_hardly_a_word_is_found_in_forums_and_blogs_only(text, register, site):
    assert dropped_link(text, register) == site


def test_links_to_the_communitys_own_sites_are_not_dropped_links():
    text = "Voir https://forum.lecommunitymanagement.fr/t/42 merci"
    assert dropped_link(text, "wordpress", ["lecommunitymanagement.fr"]) is None
    assert dropped_link(text, "wordpress") == "forum.lecommunitymanagement.fr"


def test_animateur_score_holds_a_dropped_link_and_says_why():
    lines = [
        json.dumps({"text": BACKLINK, "register": "wordpress"}),
        json.dumps({"text": BACKLINK, "register": "mastodon"}),
    ]
    out = io.StringIO()
    assert run_score(io.StringIO("\n".join(lines) + "\n"), out) == 0
    blog, social = (json.loads(line) for line in out.getvalue().splitlines())
    assert blog["decision"] == "hold"
    assert {"kind": "link-drop", "feature": "packersmoversinpune.in"} in blog["reasons"]
    assert social["decision"] == "publish"
    assert all(r["kind"] != "link-drop" for r in social["reasons"])
