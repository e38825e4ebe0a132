import pytest

from animateur.nlp import language
from animateur.nlp.language import detect_language, detect_languages

LONG_FR = (
    "Merci beaucoup pour ce compte rendu de la réunion de jeudi, il est très complet. Je voulais seulement "
    "ajouter que la salle des fêtes sera fermée le mois prochain pour des travaux, il faudra donc trouver "
    "un autre lieu pour la rencontre de septembre."
)
LONG_EN = (
    "Thanks a lot for the notes of Thursday's meeting, they are very thorough. I only wanted to add that "
    "the village hall will be closed next month for repairs, so we will have to find another place for "
    "the September meetup."
)
LONG_DE = (
    "Vielen Dank für das Protokoll der Sitzung am Donnerstag, es ist sehr ausführlich. Ich wollte nur "
    "ergänzen, dass der Gemeindesaal im nächsten Monat wegen Bauarbeiten geschlossen ist, wir müssen also "
    "einen anderen Ort für das Treffen im September finden."
)


def test_long_messages_are_detected_among_the_configured_languages_and_others_are_not_covered():
    assert detect_language(LONG_FR) == "fr"
    assert detect_language(LONG_EN) == "en"
    assert detect_language(LONG_DE) is None
    assert detect_language(LONG_DE, ("de", "fr")) == "de"


def test_a_batch_gets_the_answer_each_text_gets_alone():
    texts = [
        LONG_FR,
        "Hello everyone, I am new here and happy to join",
        "Das ist ein sehr schöner Tag heute, vielen Dank",
        "merci !",
        "12345 !!!",
        "",
        LONG_FR,
    ]
    assert detect_languages(texts) == [detect_language(t) for t in texts]
    assert detect_languages(texts) == ["fr", "en", None, "fr", None, None, "fr"]


def test_a_text_repeated_in_a_batch_is_detected_once(monkeypatch):
    calls = []
    real = language._detect

    def counting(text, codes, detectors):
        calls.append(text)
        return real(text, codes, detectors)

    monkeypatch.setattr(language, "_detect", counting)
    assert detect_languages([LONG_EN, LONG_EN, LONG_EN], ["EN", "fr", "fr"]) == ["en", "en", "en"]
    assert calls == [LONG_EN]


def test_an_unknown_language_code_is_refused_clearly():
    with pytest.raises(ValueError, match="unknown ISO 639-1 language code"):
        detect_languages(["Bonjour à tous"], ("fr", "xx"))
    with pytest.raises(ValueError, match="at least one language"):
        detect_languages(["Bonjour à tous"], ())


def test_clear_french_and_english_are_told_by_their_common_words_without_lingua(monkeypatch):
    def no_lingua(codes):
        raise AssertionError(f"lingua asked for {codes}")

    monkeypatch.setattr(language, "_detectors", no_lingua)
    assert detect_languages(
        [
            "Merci pour cet article, il tombe à pic pour notre association",
            "Thanks for this post, it came at the right time",
        ]
    ) == ["fr", "en"]


def test_texts_the_common_words_cannot_settle_still_go_to_lingua():
    # Words of another language, a mix of French and English, or a language the lists do not cover.
    assert language._by_common_words("Les deseo a todos un feliz día con sus familias") is None
    assert language._by_common_words("Ich bin nicht sicher, ob das für uns alle gut ist") is None
    assert language._by_common_words("Merci pour the help, you are très gentil") is None
    assert detect_language("Les deseo a todos un feliz día con sus familias y amigos") is None
    catalan = "Els amics de la ciutat van venir amb tots els seus fills i les seves filles"
    assert detect_language(catalan, ("ca", "fr")) == "ca"
