"""The reasons a moderator reads under a spam or toxicity score (review queue, webhooks, the
message's stored reasons) are the model's full reasons, whatever the workspace's thresholds;
a message that no threshold holds is not explained (no one reads its reasons)."""

from animateur.moderation.actions.settings import do_update_moderation_settings
from animateur.moderation.models import ReviewItem
from animateur.nlp import score_messages

from .factories import SYSTEM, post


def expected_detail(message, kind):
    """What the review queue showed before reasons were computed only for held messages."""
    full = score_messages([message.text], [message.language])[0].reasons[:6]
    return ", ".join([r.feature for r in full if r.kind == kind][:4])


def score_reason(message, kind):
    item = ReviewItem.objects.get(message=message)
    rows = [r for r in item.reasons.all() if r.kind == f"{kind}-score"]
    stored = [r for r in message.scores.get("reasons", []) if r["source"] == f"{kind}-score"]
    assert len(rows) == len(stored) == 1
    assert rows[0].detail == stored[0]["detail"]  # what the queue and the webhooks both read
    return rows[0].detail


def test_held_messages_show_the_full_reasons_of_both_scores(workspace):
    spam = post(workspace, "shut up loser, subscribe", email="a@example.org")
    assert score_reason(spam, "spam") == expected_detail(spam, "spam") != ""
    # held for toxicity, with a spam score of 0.5 or more: the stored list keeps both kinds
    toxic = post(workspace, "you stupid idiot, visit my page", email="b@example.org")
    assert score_reason(toxic, "toxicity") == expected_detail(toxic, "toxicity") != ""
    assert score_reason(toxic, "spam") == expected_detail(toxic, "spam") != ""


def test_a_score_below_the_thresholds_is_not_explained_until_a_threshold_comes_down(workspace):
    text = "nice track, thanks for sharing"
    quiet = post(workspace, text, email="c@example.org")
    assert 0.5 <= quiet.scores["spam"] < 0.7  # the model calls it spam, the workspace does not hold it
    assert "score_reasons" not in quiet.scores
    assert not any(r["source"] == "spam-score" for r in quiet.scores.get("reasons", []))

    do_update_moderation_settings(
        workspace, score_thresholds={"spam_hold": 0.55, "spam_spam": 0.9, "toxicity_hold": 0.85}, actor=SYSTEM
    )
    held = post(workspace, text, email="d@example.org")
    assert score_reason(held, "spam") == expected_detail(held, "spam") != ""
