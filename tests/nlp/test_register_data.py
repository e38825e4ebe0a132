"""The registers' development splits: fixed, thread by thread, never in the training data.

Needs the shared data folder; skipped clearly when it is absent.
"""

from pathlib import Path

import pytest

from animateur.nlp import register_data as R

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
needs_data = pytest.mark.skipif(not (DATA / "interactions").is_dir(), reason=f"shared data folder not found at {DATA}")


def test_the_split_is_by_key_and_the_same_every_time():
    reg = R.Register("x")
    for thread in range(200):
        for answer in range(3):
            reg.add(f"post {thread}.{answer}", 0, f"thread:{thread}")
    dev, train = reg.split(dev=True), reg.split(dev=False)
    assert len(dev) + len(train) == len(reg)
    assert not set(dev.keys) & set(train.keys)  # a thread is wholly on one side
    assert 0.1 < len(dev) / len(reg) < 0.3
    assert reg.split(dev=True).texts == dev.texts


@needs_data
def test_forum_and_email_registers_are_read_and_split_apart():
    forum = R.read_forum(DATA)
    assert len(forum) > 2000 and set(forum.labels) == {0}
    ham, spam = R.read_email(DATA)
    assert len(ham) > 3000 and len(spam) > 1500
    assert not set(ham.split(dev=True).keys) & set(ham.split(dev=False).keys)


@needs_data
def test_the_training_parts_hold_no_development_message():
    from animateur.nlp import training as T

    ham, _ = R.read_email(DATA)
    dev = set(R.read_forum(DATA).split(dev=True).texts) | set(ham.split(dev=True).texts)
    trained = {t for ds, _ in T.register_parts(DATA) for t in ds.texts}
    assert not dev & trained
