"""The sentiment model (animateur.nlp.sentiment): what a user reads, and how the shipped file is made."""

from __future__ import annotations

import numpy as np
import pytest

from animateur.nlp import score_messages, sentiment
from animateur.nlp.features import batch_features
from animateur.nlp.models import MODELS_DIR
from animateur.nlp.sentiment import COLUMNS, N_EXTRA, SentimentModel, scan, shipped_sentiment, softmax

# Written for these tests (not taken from any data set): plain opinions on an article, a product,
# a delivery or a hotel, and plain statements of fact.
CLEAR = [
    ("fr", "Merci pour cet article, il est vraiment excellent !", "positive"),
    ("fr", "Super service, livraison rapide, je recommande vivement.", "positive"),
    ("fr", "Produit de très bonne qualité, je suis ravie de mon achat.", "positive"),
    ("fr", "Personnel accueillant et chambre impeccable, nous reviendrons.", "positive"),
    ("fr", "Très déçu, le colis est arrivé cassé et personne ne répond.", "negative"),
    ("fr", "Une vraie arnaque, à fuir absolument.", "negative"),
    ("fr", "Service client nul, j'attends toujours mon remboursement.", "negative"),
    ("fr", "Ce n'est pas terrible, la qualité est mauvaise.", "negative"),
    ("fr", "La réunion aura lieu mardi à 14 h dans la salle B.", "neutral"),
    ("en", "Thank you so much, this is a wonderful article!", "positive"),
    ("en", "Great product, fast shipping, highly recommend.", "positive"),
    ("en", "The staff were friendly and the room was spotless.", "positive"),
    ("en", "Absolutely love it, works perfectly.", "positive"),
    ("en", "Terrible service, I waited an hour and the food was cold.", "negative"),
    ("en", "It broke after two days, total waste of money.", "negative"),
    ("en", "Very disappointed, the package arrived damaged and nobody answers.", "negative"),
    ("en", "Not good at all, I would not recommend it.", "negative"),
    ("en", "The meeting is on Tuesday at 2 pm in room B.", "neutral"),
    ("en", "The new rules take effect on January 1st.", "neutral"),
]


@pytest.mark.parametrize(("language", "text", "expected"), CLEAR)
def test_clear_french_and_english_opinions_get_their_class(language: str, text: str, expected: str) -> None:
    assert sentiment([text], [language]) == [expected]


def test_language_is_detected_when_not_given() -> None:
    assert sentiment(
        ["Livraison rapide et produit parfait, je recommande !", "Worst purchase ever, it broke at once."]
    ) == [
        "positive",
        "negative",
    ]


def test_a_negated_opinion_is_not_read_as_it_is_written() -> None:
    # « pas » before « bon » in the same clause: the word counts apart (s:pos_not), not as praise
    plain = scan("c'est bon", ["c'est", "bon"])[0]
    negated, flags = scan("c'est pas bon", ["c'est", "pas", "bon"])
    assert flags == [False, False, True]
    assert set(plain) != set(negated)
    # a clause end stops the negation
    assert scan("pas cher, bon", ["pas", "cher", ",", "bon"])[1] == [False, True, False, False]
    assert sentiment(["This is not good, not good at all."], ["en"]) == ["negative"]


def test_emoji_carry_feeling() -> None:
    assert scan("😍", ["😍"])[0] != scan("😡", ["😡"])[0]


def test_score_messages_uses_the_sentiment_model_and_other_languages_get_none() -> None:
    scores = score_messages(["Great product, highly recommend.", "Das ist ein sehr gutes Produkt, danke schön."])
    assert scores[0].sentiment == "positive"
    assert scores[1].sentiment is None


def test_shipped_file_keeps_hashes_of_the_rated_words_not_their_text() -> None:
    model = shipped_sentiment()
    assert model.weights.shape[1] == len(COLUMNS) == 6
    assert model.extra.shape == (N_EXTRA, 6)
    for table in model.valences.values():
        assert table.keys.dtype == np.uint32
        assert len(table.keys) > 1000
    with np.load(MODELS_DIR / "sentiment.npz", allow_pickle=False) as npz:
        assert all(npz[name].dtype.kind in "fu" for name in npz.files)
    assert (MODELS_DIR / "sentiment.npz").stat().st_size < 5_000_000


def test_probabilities_sum_to_one() -> None:
    texts = ["Super !", "Bof."]
    tokens: list[list[str]] = []
    idx, values, off = batch_features(texts, tokens)
    logits = shipped_sentiment().logits_from_features(texts, idx, values, off, tokens, np.array([True, True]))
    assert np.allclose(softmax(logits).sum(axis=1), 1.0)


def test_inference_equals_the_training_matrix_with_the_weights_folded() -> None:
    """The shipped columns (shared + the language's weights, the valences folded into hashed rows)
    score a message exactly as the training matrix and coefficients do."""
    pytest.importorskip("sklearn")
    from animateur.nlp import sentiment_training as ST

    texts = ["C'est pas bon du tout 😡", "Great, I love it :)", "rien à dire", "not bad, not bad at all"]
    french = np.array([True, False, True, False])
    valences = {
        "fr": [{"bon": 1.9, "mauvais": -2.0}, {"bon": 2.4, "pas": 0.5}],
        "en": [{"great": 3.1, "love": 3.2, "bad": -2.5}],
    }
    vectors = shipped_sentiment().vectors
    base = ST.base_matrix(texts, french, valences, vectors)
    Z = ST.augmented(base, french)
    rng = np.random.default_rng(3)
    coef = rng.normal(size=(3, Z.shape[1]))
    intercept = rng.normal(size=3)
    expected = np.asarray(Z @ coef.T) + intercept
    model = ST.fold(coef, intercept, base.shape[1], valences, vectors, {})
    tokens: list[list[str]] = []
    idx, values, off = batch_features(texts, tokens)
    got = model.logits_from_features(texts, idx, values, off, tokens, french)
    # float16 weights in the shipped file; here float32, so the folding alone is checked
    assert np.allclose(got, expected, atol=1e-3)


def test_saved_and_loaded_model_scores_the_same(tmp_path: object) -> None:
    from pathlib import Path

    directory = Path(str(tmp_path))
    model = shipped_sentiment()
    model.save(directory)
    again = SentimentModel.load(directory, model.vectors)
    texts = ["Merci, c'est parfait", "Awful, never again"]
    tokens: list[list[str]] = []
    idx, values, off = batch_features(texts, tokens)
    french = np.array([True, False])
    a = model.logits_from_features(texts, idx, values, off, tokens, french)
    b = again.logits_from_features(texts, idx, values, off, tokens, french)
    assert np.allclose(a, b, atol=1e-2)
