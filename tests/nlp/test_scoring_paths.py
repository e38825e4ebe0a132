"""Scoring gives the same scores and reasons whichever way it is asked: in a batch or one text at a
time, with reasons for every message or only for those a moderator reads, and with the cached
feature hashing the same as the plain formula of the feature space."""

import numpy as np
import pytest

from animateur.nlp import score_messages
from animateur.nlp.adapter import WorkspaceAdapter
from animateur.nlp.features import _h, _shape_features, batch_features, message_features, normalize, tokenize

TEXTS = [
    "Merci pour cet article, il tombe à pic pour notre association",
    "Thanks for this post, it came at just the right time for our team",
    "CHECK OUT MY CHANNEL!!! subscribe now http://spam.example.com free prize",
    "Abonnez-vous à ma chaîne, cliquez ici : www.gagnez.fr 06 12 34 56 78",
    "you are a stupid idiot and a loser, shut up",
    "t'es qu'un connard, espèce d'abruti, ferme-la",
    "@alice @bob look at this: buy now, limited time, email me at win@cash.biz",
    "Débiiiile ce match… l'arbitre était nul, vraiment nul",
    "Est-ce que la rencontre de jeudi est ouverte à tout le monde ?",
    "2.126.521.750 views and still the best song 🎶 œuvre façon Ærø",
    "ok",
    "!!!",
    "Œil pour œil — ‘quote’ and ’apostrophe’ d’accord",
    '<p>Visit <a href="https://shop.example.org">my shop</a> &amp; win</p>',
    "good video, share it",
    "Merci, abonnez-vous",
    "you stupid idiot, read my page",
]
LANGS = ["fr", "en", "en", "fr", "en", "fr", "en", "fr", "fr", "en", "en", "en", "fr", "en", "en", "fr", "en"]


def as_tuples(scores):
    return [(s.language, s.spam, s.toxicity, s.sentiment, s.unknown, [r.as_dict() for r in s.reasons]) for s in scores]


def test_a_batch_scores_each_text_as_it_alone_would_be_scored():
    batch = as_tuples(score_messages(TEXTS, LANGS))
    alone = [as_tuples(score_messages([t], [lang]))[0] for t, lang in zip(TEXTS, LANGS, strict=True)]
    assert batch == alone
    assert any(reasons for *_, reasons in batch)  # the set has messages that are explained


def reference_features(text):
    """The feature space as its docstring states it, hashing each feature string whole."""
    tokens = tokenize(normalize(text))
    out = []
    for tok in tokens:
        out.append(_h("w:" + tok))
        if tok[0].isalnum() and len(tok) > 1:
            padded = " " + tok + " "
            for n in (2, 3, 4, 5):
                out.extend(_h("c:" + padded[i : i + n]) for i in range(len(padded) - n + 1))
    words = [t for t in tokens if t[0].isalnum()]
    out.extend(_h("b:" + a + " " + b) for a, b in zip(words, words[1:], strict=False))
    out.extend(_h(f) for f in _shape_features(text, tokens))
    return out


def test_cached_feature_hashing_gives_the_features_of_the_plain_formula():
    for text in TEXTS * 2:  # the second time from the caches
        assert message_features(text) == reference_features(text)
    idx, _, off = batch_features(TEXTS)
    assert [idx[a:b].tolist() for a, b in zip(off[:-1], off[1:], strict=True)] == [reference_features(t) for t in TEXTS]


def test_ascii_text_is_normalised_as_with_the_accent_table():
    from animateur.nlp.features import _ACCENTS

    assert all(code > 127 for code in _ACCENTS)
    assert normalize("Hello WORLD, it's fine") == "hello world, it's fine"
    assert normalize("Éléphant ’ok’ œuf") == "elephant 'ok' oeuf"


@pytest.mark.parametrize("adapted", [False, True])
def test_reasons_only_from_thresholds_are_the_full_reasons_of_the_messages_they_keep(adapted):
    adapter = None
    if adapted:
        adapter = WorkspaceAdapter()
        adapter.learn(TEXTS[2], "en", "spam", True)
    full = score_messages(TEXTS, LANGS, adapter)
    spam_from, toxicity_from = 0.97, 0.85
    some = score_messages(TEXTS, LANGS, adapter, reasons={"spam": spam_from, "toxicity": toxicity_from})
    kept = 0
    for f, s in zip(full, some, strict=True):
        assert (f.spam, f.toxicity, f.sentiment, f.adapted) == (s.spam, s.toxicity, s.sentiment, s.adapted)
        if f.spam is not None and (f.spam >= spam_from or f.toxicity >= toxicity_from):
            assert s.reasons == f.reasons and s.reasons
            kept += 1
        else:
            assert s.reasons == []
    assert 0 < kept < sum(1 for f in full if f.reasons)  # some explained, some skipped
    # toxic enough to be shown: its spam reasons too, though its spam score alone would not be
    toxic = some[TEXTS.index("you stupid idiot, read my page")]
    assert toxic.spam < spam_from and {r.kind for r in toxic.reasons} == {"spam", "toxicity"}
    assert all(s.reasons == [] for s in score_messages(TEXTS, LANGS, adapter, reasons={}))


def test_reasons_for_an_unknown_kind_are_refused():
    with pytest.raises(ValueError, match="spam and toxicity"):
        score_messages(TEXTS, LANGS, reasons={"sentiment": 0.5})


def test_scores_do_not_depend_on_asking_for_reasons():
    with_reasons = score_messages(TEXTS, LANGS)
    without = score_messages(TEXTS, LANGS, reasons=False)
    assert np.array_equal([s.spam for s in with_reasons], [s.spam for s in without])
    assert np.array_equal([s.toxicity for s in with_reasons], [s.toxicity for s in without])
