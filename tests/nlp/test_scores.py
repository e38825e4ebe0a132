"""What a moderator would check with the shipped models (no data folder needed)."""

from animateur.nlp import Scores, detect_language, score_messages, sentiment


def one(text: str, language: str | None = None) -> Scores:
    return score_messages([text], [language] if language else None)[0]


def test_obvious_english_spam_scores_high_and_an_ordinary_comment_low():
    spam = one("Check out my channel and subscribe!!! Free iPhone giveaway http://bit.ly/win-now")
    ordinary = one("I love this song, it reminds me of summer with my friends")
    assert spam.language == "en"
    assert spam.spam is not None and spam.spam > 0.8
    assert ordinary.spam is not None and ordinary.spam < 0.3


def test_obvious_french_spam_scores_high_and_an_ordinary_comment_low():
    spam = one("Gagnez un iPhone gratuit !!! Cliquez ici et abonnez-vous à ma chaîne http://promo-gratuite.fr")
    ordinary = one("Merci pour cet article, je suis tout à fait d'accord avec vous")
    assert spam.language == "fr"
    assert spam.spam is not None and spam.spam > 0.5
    assert ordinary.spam is not None and ordinary.spam < 0.3


def test_insults_score_toxic_and_friendly_comments_do_not():
    assert one("espèce de débile", "fr").toxicity > 0.5
    assert one("You are a stupid idiot, shut up").toxicity > 0.5
    assert one("Merci beaucoup, c'est une très belle initiative").toxicity < 0.5
    assert one("Thank you so much, this is a lovely idea").toxicity < 0.5


def test_spam_is_judged_in_every_language_toxicity_and_sentiment_only_in_french_and_english():
    german, japanese = score_messages(["Das ist ein sehr schöner Tag heute, vielen Dank", "今日はいい天気ですね"])
    for scores in (german, japanese):
        assert scores.unknown
        assert scores.toxicity is None and scores.sentiment is None
        assert scores.spam is not None and scores.spam < 0.5
    given = score_messages(["whatever the text"], ["de"])[0]
    assert given.unknown and given.spam is not None and given.toxicity is None
    regional = score_messages(["whatever the text"], ["en-GB"])[0]
    assert regional.language == "en" and regional.spam is not None


def test_detect_language_is_restricted_to_the_configured_languages():
    assert detect_language("Bonjour à tous, je suis nouveau ici et content d'être là") == "fr"
    assert detect_language("Hello everyone, I am new here and happy to join") == "en"
    assert detect_language("Das ist ein sehr schöner Tag heute, vielen Dank") is None
    assert detect_language("Das ist ein sehr schöner Tag heute, vielen Dank", ("de", "fr")) == "de"
    assert detect_language("12345 !!!") is None


def test_reasons_name_the_words_that_weighed():
    spam = one("Please subscribe to my channel, check it out http://bit.ly/x")
    spam_words = [r.feature for r in spam.reasons if r.kind == "spam"]
    assert "subscribe" in spam_words or "channel" in spam_words
    insult = one("you stupid idiot", "en")
    toxic_words = [r.feature for r in insult.reasons if r.kind == "toxicity"]
    assert {"stupid", "idiot"} & set(toxic_words)
    assert all(r.weight > 0 for r in insult.reasons)


def test_sentiment_is_negative_neutral_or_positive():
    labels = sentiment(["I love it, this is wonderful and amazing", "C'est horrible, je déteste ça, quelle honte"])
    assert labels == ["positive", "negative"]


def test_empty_and_odd_messages_do_not_break_a_batch():
    results = score_messages(["", "!!!", "ok", "http://example.com"])
    assert len(results) == 4
    assert results[0].unknown and results[1].unknown
