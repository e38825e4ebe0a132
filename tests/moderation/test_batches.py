"""The pipeline's moderation works on whole batches: a connector's thousand messages cost as few
queries as one, and history (an import) is moderated but alerts and answers no one."""

from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from animateur.channels.site import site_channel
from animateur.moderation.actions.rules import do_save_rule
from animateur.moderation.actions.settings import do_update_moderation_settings
from animateur.moderation.models import ReviewItem
from animateur.moderation.reviews import enqueue, enqueue_many
from animateur.stream import pipeline, stages
from animateur.stream.items import AuthorInfo, Incoming, Reason
from animateur.stream.models import Message, Visibility
from animateur.stream.pipeline import run_pipeline

from .factories import SYSTEM, post


def comments(workspace, n, *, start=0, text="Une question sur la livraison", **kw):
    return [
        Incoming(
            channel=site_channel(workspace),
            external_id=f"batch-{start + i}",
            text=f"{text} {start + i}",
            created_at=timezone.now(),
            author=AuthorInfo(external_id=f"p{start + i}@example.org", email=f"p{start + i}@example.org"),
            **kw,
        )
        for i in range(n)
    ]


def queries_for(items, monkeypatch):
    """Queries of the stream's stages and moderation's hooks (other apps' hooks are theirs to count)."""
    ours = ("animateur.moderation", "animateur.stream")
    for module, name in (
        (pipeline, "ON_STORE"),
        (pipeline, "AFTER_COMMIT"),
        (stages, "ENRICHERS"),
        (stages, "MODERATORS"),
    ):
        monkeypatch.setattr(module, name, [h for h in getattr(module, name) if h.__module__.startswith(ours)])
    with CaptureQueriesContext(connection) as ctx:
        run_pipeline(items)
    monkeypatch.undo()
    return len(ctx.captured_queries)


def test_every_held_message_of_a_batch_gets_its_review_item_with_its_reasons(workspace):
    result = run_pipeline(comments(workspace, 12))
    assert len(result.created) == 12
    items = ReviewItem.objects.filter(message__in=result.created)
    assert items.count() == 12
    for item in items:
        assert item.status == ReviewItem.Status.PENDING
        assert "first-comment" in {r.kind for r in item.reasons.all()}
        assert item.score == sum(1.0 if r.score is None else r.score for r in item.reasons.all())


def test_a_bigger_batch_costs_the_same_number_of_queries(workspace, monkeypatch):
    do_save_rule(
        workspace,
        {
            "name": "questions",
            "conditions": [{"field": "text", "op": "contains", "value": "question"}],
            "actions": [{"type": "hold"}, {"type": "label", "value": "question"}],
        },
        actor=SYSTEM,
    )
    run_pipeline(comments(workspace, 1, start=1000))  # caches warm (models, settings, matcher)
    small = queries_for(comments(workspace, 3), monkeypatch)
    big = queries_for(comments(workspace, 30, start=100), monkeypatch)
    assert ReviewItem.objects.count() == 34
    assert big == small


def test_enqueueing_again_reopens_a_closed_item_and_adds_the_new_reasons(workspace):
    message = post(workspace, "Bonjour", email="a@example.org")
    item = ReviewItem.objects.get(message=message)
    item.status = ReviewItem.Status.APPROVED
    item.resolved_at = timezone.now()
    item.save()
    before = item.score
    other = post(workspace, "Re-bonjour", email="b@example.org")
    found = enqueue_many(
        [(message, [Reason("flag", "rude", 2.0, "flag")]), (other, [Reason("flag", "rude", None, "flag")])]
    )
    item.refresh_from_db()
    assert found[message.pk].pk == item.pk
    assert item.status == ReviewItem.Status.PENDING and item.resolved_at is None
    assert item.score == before + 2.0
    assert enqueue(other, [Reason("flag", "again", 0.5, "flag")]).score == ReviewItem.objects.get(message=other).score


def test_historical_items_are_moderated_but_alert_and_answer_no_one(
    workspace, make_user, django_capture_on_commit_callbacks
):
    workspace.hold_first_comments = False
    workspace.save()
    do_update_moderation_settings(
        workspace,
        site_hold_below="new",
        actor=SYSTEM,
        score_thresholds={"spam_hold": 1, "spam_spam": 1, "toxicity_hold": 1},
    )
    make_user("lea@example.org", workspace, "moderator")
    do_save_rule(
        workspace,
        {
            "name": "questions",
            "conditions": [{"field": "text", "op": "contains", "value": "question"}],
            "actions": [
                {"type": "hold"},
                {"type": "alert", "value": "lea@example.org"},
                {"type": "reply", "value": "Merci, on regarde !"},
            ],
        },
        actor=SYSTEM,
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = run_pipeline(comments(workspace, 2, historical=True))
    assert [m.visibility for m in result.created] == [Visibility.PENDING] * 2
    assert not mail.outbox
    assert not Message.objects.filter(parent__in=result.created).exists()
    with django_capture_on_commit_callbacks(execute=True):
        live = run_pipeline(comments(workspace, 1, start=50)).created[0]
    assert [m.to for m in mail.outbox] == [["lea@example.org"]]
    assert Message.objects.filter(parent=live).count() == 1
