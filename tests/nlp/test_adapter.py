"""A workspace's moderators teach its adapter; other workspaces are untouched."""

import pytest

from animateur.nlp import WorkspaceAdapter, score_messages

SPAM = "Hello friends, I sell handmade wooden spoons at great prices, at spoons-r-us"
COPY = "Hello friends!! I sell handmade wooden spoons at great prices, at spoons-r-us now"
ORDINARY = "The concert last night was wonderful, the crowd sang every song"


def spam_score(text: str, adapter: WorkspaceAdapter | None) -> float:
    score = score_messages([text], ["en"], adapter)[0].spam
    assert score is not None
    return score


def test_a_near_identical_copy_of_a_message_marked_spam_is_scored_spam():
    adapter = WorkspaceAdapter()
    # the shipped model alone does not hold it (0.7, the default); what the moderators taught does
    assert spam_score(COPY, adapter) < 0.7
    adapter.learn(SPAM, "en", "spam", True)
    assert spam_score(COPY, adapter) > 0.7
    assert spam_score(ORDINARY, adapter) < 0.5
    reasons = score_messages([COPY], ["en"], adapter)[0].reasons
    assert any("near-duplicate" in r.feature for r in reasons)


def test_another_workspace_is_untouched():
    ours, theirs = WorkspaceAdapter(), WorkspaceAdapter()
    before = spam_score(COPY, theirs)
    ours.learn(SPAM, "en", "spam", True)
    assert spam_score(COPY, theirs) == before
    assert spam_score(COPY, None) == pytest.approx(before, abs=1e-6)
    assert len(theirs) == 0


def test_marking_not_spam_lowers_the_score_of_similar_messages():
    adapter = WorkspaceAdapter()
    text = "Check out our new community garden channel, subscribe for weekly tips"
    assert spam_score(text, adapter) > 0.5
    adapter.learn(text, "en", "spam", False)
    assert spam_score(text, adapter) < 0.5


def test_hiding_a_message_teaches_toxicity():
    adapter = WorkspaceAdapter()
    rude = "your moderation team are clowns and turnips"
    before = score_messages([rude], ["en"], adapter)[0].toxicity
    adapter.learn(rude, "en", "toxicity", True)
    after = score_messages([rude + " !"], ["en"], adapter)[0].toxicity
    assert after > 0.5 and after > before


def test_round_trip_through_bytes_keeps_what_was_learned():
    adapter = WorkspaceAdapter()
    adapter.learn(SPAM, "en", "spam", True)
    adapter.learn("espèce de débile", "fr", "toxicity", True)
    blob = adapter.to_bytes()
    assert isinstance(blob, bytes)
    again = WorkspaceAdapter.from_bytes(blob)
    assert len(again) == len(adapter) == 2
    assert spam_score(COPY, again) == spam_score(COPY, adapter)
    assert again.to_bytes() == blob


def test_size_is_bounded():
    adapter = WorkspaceAdapter(max_memory=20, max_weights=500)
    for i in range(60):
        adapter.learn(f"message number {i} about topic {i * 7} with words w{i} x{i}", "en", "spam", i % 2 == 0)
    assert len(adapter) == 20
    assert all(len(w) <= 500 for w in adapter.weights.values())


def test_a_broken_blob_is_refused_clearly():
    with pytest.raises(ValueError):
        WorkspaceAdapter.from_bytes(b"not a blob")
