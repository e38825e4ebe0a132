"""Checks that need the shared data folder; skipped clearly when it is absent."""

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
needs_data = pytest.mark.skipif(
    not (DATA / "spam" / "youtube").is_dir(), reason=f"shared data folder not found at {DATA}"
)


@needs_data
def test_readers_load_the_documented_datasets():
    from animateur.nlp import training as T

    video = T.read_youtube(DATA, "01-psy")
    assert len(video) > 300 and set(video.labels) == {0, 1} and all(video.dates)
    assert len(T.read_olid(DATA, "val")) == 1324
    fr = T.read_mlma(DATA, "fr")
    assert 0.5 < sum(fr.labels) / len(fr) < 0.9


@needs_data
def test_shipped_spam_model_recognises_the_training_videos():
    from animateur.nlp import score_messages
    from animateur.nlp import training as T

    video = T.read_youtube(DATA, "04-katyperry")
    scores = score_messages(video.texts, ["en"] * len(video), reasons=False)
    correct = sum((s.spam >= 0.5) == bool(y) for s, y in zip(scores, video.labels, strict=True))
    assert correct / len(video) > 0.9
