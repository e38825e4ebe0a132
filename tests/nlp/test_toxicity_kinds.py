"""Reasons say what kind of harm a toxic message is: moderators answer a threat, hate and an insult differently."""

import pytest

from animateur.nlp import score_messages
from animateur.nlp.features import normalize, tokenize
from animateur.nlp.scoring import toxicity_kind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("I will kill you, you idiot", "(threat)"),
        ("je vais te buter espèce de connard", "(threat)"),
        ("tu vas crever sale con", "(threat)"),
        ("all muslims are scum", "(hate about a group)"),
        ("les immigrés sont des ordures", "(hate about a group)"),
        ("you are a stupid idiot", "(insult)"),
        ("espèce de débile", "(insult)"),
    ],
)
def test_kind_of_a_toxic_message(text, kind):
    assert toxicity_kind(tokenize(normalize(text)), text) == kind


def test_the_kind_comes_first_among_the_toxicity_reasons():
    scores = score_messages(["I will kill you, you stupid idiot"], ["en"])[0]
    toxic = [r.feature for r in scores.reasons if r.kind == "toxicity"]
    assert toxic and toxic[0] == "(threat)"
    assert len(toxic) >= 2  # then the words that weighed


def test_an_everyday_sentence_about_finding_something_is_not_a_threat():
    assert (
        toxicity_kind(tokenize(normalize("I will find the answer, you idiot")), "I will find the answer, you idiot")
        == "(insult)"
    )
