"""Known spam sites and fake support numbers: a message that uses one is sent to spam, with that reason."""

from animateur.nlp.blocklists import KnownSpam
from animateur.nlp.models import shipped
from animateur.nlp.scoring import KNOWN_SPAM_SCORE, score_messages

LISTS = KnownSpam.build(["cheap-pills-online.com", "healthcaresup"], ["1-844-205-0712"])


def test_a_link_to_a_listed_site_or_its_subdomains_is_found():
    assert LISTS.signals("buy now at https://www.cheap-pills-online.com/x") == ["m:spam_site"]
    assert LISTS.signals("see shop.cheap-pills-online.com today") == ["m:spam_site"]
    assert LISTS.signals("read http://healthcaresup.net/keto") == ["m:spam_site"]  # listed by name alone
    assert LISTS.signals("see https://github.com/org/repo") == []


def test_a_listed_number_is_found_however_it_is_written():
    assert LISTS.signals("call +1 (844) 205 0712 for help") == ["m:fake_number"]
    assert LISTS.signals("call 844.205.0712") == ["m:fake_number"]
    assert LISTS.signals("call 06 12 34 56 78") == []


def test_empty_lists_find_nothing():
    assert KnownSpam.build([], []).signals("https://x.com 1-844-205-0712") == []


def test_scoring_sends_a_message_with_a_known_fake_number_to_spam_with_that_reason(monkeypatch):
    import animateur.nlp.scoring as scoring

    monkeypatch.setattr(scoring, "shipped_known_spam", lambda: LISTS)
    text = "Bonjour, pour toute question appelez le 1-844-205-0712, merci"
    scores = score_messages([text], ["fr"], models=shipped())[0]
    assert scores.spam is not None and scores.spam >= KNOWN_SPAM_SCORE
    assert [r.feature for r in scores.reasons if r.kind == "spam"][0] == "(known fake support number)"
