"""Shape features: the cheap pre-checks must not hide a link, an address, a phone number or capitals."""

import pytest

from animateur.nlp.features import _shape_features, normalize, tokenize


def shapes(text: str) -> set[str]:
    return set(_shape_features(text, tokenize(normalize(text))))


@pytest.mark.parametrize(
    ("text", "expected", "absent"),
    [
        ("see http://localhost/page now", {"m:url"}, set()),
        ("go to WWW.EXAMPLE.COM today", {"m:url", "m:caps_mid"}, set()),
        ("write to jo@example.org please", {"m:email"}, {"m:phone"}),
        ("call 06-12-34-56-78 tonight", {"m:phone"}, set()),
        ("2.126.521.750 views already", set(), {"m:phone"}),
        ("CHECK OUT MY CHANNEL FRIENDS", {"m:caps_high"}, set()),
        ("ÉCOUTEZ ÇA TOUT DE SUITE ÉNORME", {"m:caps_high"}, set()),
        ("écoutez ça tout de suite, c'est énorme", set(), {"m:caps_high", "m:caps_mid", "m:url"}),
    ],
)
def test_shape_features(text, expected, absent):
    found = shapes(text)
    assert expected <= found
    assert not (absent & found)


def test_normalize_replaces_links_addresses_and_mentions():
    text = normalize("@Marie écris à jo@example.xyz ou va sur http://localhost:8000/x")
    assert text.split() == ["xxuser", "ecris", "a", "xxemail", "ou", "va", "sur", "xxurl"]
