"""Shape features: the cheap pre-checks must not hide a link, an address, a phone number or capitals."""

import pytest

from animateur.nlp.features import (
    LINK_FEATURE_REPEAT,
    _shape_features,
    host_name,
    normalize,
    readable,
    tokenize,
    without_links_to,
)


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
        ("Franchement, vous êtes des abrutis", {"m:insult", "m:insult_you"}, set()),
        ("Espèce de crétin !", {"m:insult", "m:insult_you"}, set()),
        ("t'es vraiment un connard", {"m:insult_you"}, set()),
        ("you are such a moron", {"m:insult_you"}, set()),
        ("les abrutis de la télé ont encore frappé", {"m:insult"}, {"m:insult_you"}),  # nobody addressed
        ("vous êtes des génies", set(), {"m:insult", "m:insult_you"}),  # addressed, not insulted
        # versions, dates and addresses are not phone numbers (mailing lists were held for them)
        ("fixed in 2.6.18-1.2798 and 1.0.4", set(), {"m:phone"}),
        ("since 2002-08-21 10:54 it fails", set(), {"m:phone"}),
        ("the server 192.168.100.200 is down", set(), {"m:phone"}),
        ("appelez le 01.23.45.67.89", {"m:phone"}, set()),
        ("call 555.123.4567 now", {"m:phone"}, set()),
        ("QuickBooks support number +1-844-205-0712", {"m:phone", "m:toll_free"}, set()),
        ("call 06-12-34-56-78 tonight", set(), {"m:toll_free"}),
        ("diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@", {"m:patch"}, set()),
        ("> you wrote that\nI disagree", {"m:quote"}, {"m:patch"}),
        ("try this:\n    import os\n    os.sync()\nit works", {"m:code"}, set()),
    ],
)
def test_shape_features(text, expected, absent):
    found = shapes(text)
    assert expected <= found
    assert not (absent & found)


def test_normalize_replaces_links_addresses_and_mentions():
    text = normalize("@Marie écris à jo@example.xyz ou va sur http://localhost:8000/x")
    assert text.split() == ["xxuser", "ecris", "a", "xxemail", "ou", "va", "sur", "xxurl"]


@pytest.mark.parametrize(
    ("text", "expected", "absent"),
    [
        ("see https://plus.google.com/u/0/123 now", {"m:dom:google.com"}, {"m:url_video", "m:timecode"}),
        ("buy at http://shop.example.co.uk/x", {"m:dom:example.co.uk"}, set()),
        (
            '<a href="http://www.youtube.com/watch?v=abc&amp;t=2m19s">2:19</a> best part',
            {"m:dom:youtube.com", "m:url_video", "m:url_time", "m:timecode"},
            set(),
        ),
        ("Roar (Official): http://youtu.be/CevxZvSJLk8", {"m:dom:youtu.be", "m:url_video"}, {"m:url_time"}),
        ("the drop at 3:40 is the best", {"m:timecode"}, {"m:url"}),
        ("see you at 10:30:15 or 2015", set(), {"m:timecode"}),
    ],
)
def test_link_features(text, expected, absent):
    found = shapes(text)
    assert expected <= found
    assert not (absent & found)


@pytest.mark.parametrize("text", ["http://.", "see http://[::1]/x", "x" * 300 + ".com", "http://" + "a." * 200 + "com"])
def test_a_malformed_or_endless_host_is_not_named_as_a_domain(text):
    found = shapes(text)
    assert "m:url" in found
    assert not any(f.startswith("m:dom:") for f in found)


def test_link_features_are_repeated_so_that_nb_lr_does_not_shrink_them():
    found = _shape_features("at 3:40 it starts", tokenize(normalize("at 3:40 it starts")))
    assert found.count("m:timecode") == LINK_FEATURE_REPEAT


@pytest.mark.parametrize(
    "text", ["Like this comment if you are watching in 2015", "give it a like", "please like and subscribe"]
)
def test_engagement_bait_counts_as_a_call_to_action(text):
    assert "m:promo" in shapes(text)


def test_readable_link_units():
    assert readable("m:dom:example.com") == "(link to example.com)"
    assert readable("m:timecode") == "(time code)"


@pytest.mark.parametrize(
    ("typed", "host"),
    [
        ("https://www.Exemple.fr/blog?x=1", "exemple.fr"),
        ("blog.exemple.co.uk:8080/a", "blog.exemple.co.uk"),
        ("exemple", None),  # no dot: not a site's name
        ("http://[::1]/x", None),
        ("a" * 300 + ".fr", None),
    ],
)
def test_host_name_reads_the_site_of_a_link_or_of_what_was_typed(typed, host):
    assert host_name(typed) == host


def test_without_links_to_drops_links_to_the_sites_and_their_subdomains_only():
    text = (
        "Lire WWW.Exemple.FR/page, puis https://blog.exemple.fr/a "
        'et <a href="https://exemple.fr/b">mon article</a>; '
        "https://faux-exemple.fr/c et https://exemple.fr.promo.example/d restent"
    )
    read = without_links_to(text, ("exemple.fr",))
    assert "exemple.fr/page" not in read.lower() and "blog.exemple.fr" not in read
    assert "mon article" in read and 'href="https://exemple.fr/b"' not in read
    assert "https://faux-exemple.fr/c" in read and "https://exemple.fr.promo.example/d" in read
    assert without_links_to(text, ()) == text
