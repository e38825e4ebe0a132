"""A moderator reads, in their language, what kind of harm a score found: spam signals, a threat,
hate about a group or an insult."""

import pytest
from django.utils import translation

from animateur.moderation.labels import score_features


@pytest.mark.parametrize(
    ("detail", "french"),
    [
        ("(threat), kill", "(menace), kill"),
        ("(hate about a group), scum", "(haine envers un groupe), scum"),
        ("(insult), idiot", "(insulte), idiot"),
        ("(link to a known spam site)", "(lien vers un site de spam connu)"),
        ("(known fake support number)", "(faux numéro d’assistance connu)"),
        ("(toll-free number), support", "(numéro vert), support"),
    ],
)
def test_score_reasons_are_read_in_french(detail, french):
    with translation.override("fr"):
        assert score_features(detail) == french
    with translation.override("en"):
        assert score_features(detail) == detail
