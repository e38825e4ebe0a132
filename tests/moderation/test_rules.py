from datetime import timedelta

import pytest
from django.utils import timezone

from animateur.core.actions import ActionError
from animateur.moderation.actions.decisions import do_decide
from animateur.moderation.actions.rules import do_save_rule
from animateur.moderation.actions.words import do_add_watched_word
from animateur.moderation.conditions import Subject, clean_condition, matches
from animateur.moderation.models import ReviewItem, RuleHit
from animateur.moderation.selectors import dry_run, rules_with_figures
from animateur.stream.models import Visibility

from .factories import SYSTEM, other_channel, post


def subject(**kw):
    base = {
        "text": "Bonjour à tous",
        "language": "fr",
        "channel_id": 1,
        "channel_kind": "site",
        "kind": "comment",
        "trust": "basic",
        "first_message": False,
        "labels": set(),
        "spam": 0.1,
        "toxicity": 0.1,
        "sentiment": "neutral",
        "created_at": timezone.now().replace(hour=23),
    }
    base.update(kw)
    return Subject(**base)


def cond(field, op, value):
    return clean_condition({"field": field, "op": op, "value": value})


@pytest.mark.parametrize(
    ("condition", "yes", "no"),
    [
        (("text", "contains", "promo*, soldes"), {"text": "Grosses PROMOTIONS"}, {"text": "rien"}),
        (("text", "not_contains", "merci"), {"text": "bof"}, {"text": "Merci !"}),
        (("text", "matches", r"\d{10}"), {"text": "appelez 0612345678"}, {"text": "appelez-moi"}),
        (("language", "in", "en, de"), {"language": "en"}, {"language": "fr"}),
        (("channel", "in", "7"), {"channel_id": 7}, {"channel_id": 1}),
        (("channel_kind", "not_in", "site"), {"channel_kind": "mastodon"}, {"channel_kind": "site"}),
        (("kind", "in", "mention"), {"kind": "mention"}, {"kind": "comment"}),
        (("trust", "below", "member"), {"trust": "basic"}, {"trust": "regular"}),
        (("trust", "at_least", "regular"), {"trust": "leader"}, {"trust": "member"}),
        (("first_message", "is", "oui"), {"first_message": True}, {"first_message": False}),
        (("labels", "has", "promo"), {"labels": {"promo"}}, {"labels": {"autre"}}),
        (("links", "gte", "2"), {"text": "http://a.fr et https://b.fr"}, {"text": "http://a.fr"}),
        (("spam", "gte", "0,7"), {"spam": 0.9}, {"spam": 0.2}),
        (("spam", "gte", "0.7"), {"spam": 0.7}, {"spam": None}),
        (("toxicity", "lte", "0.2"), {"toxicity": 0.1}, {"toxicity": 0.5}),
        (("sentiment", "in", "negative"), {"sentiment": "negative"}, {"sentiment": "positive"}),
        (
            ("hour", "between", "22-6"),
            {"created_at": timezone.now().replace(hour=2)},
            {"created_at": timezone.now().replace(hour=12)},
        ),
    ],
)
def test_each_condition_type_matches_what_it_says_and_nothing_else(condition, yes, no):
    c = cond(*condition)
    assert matches(subject(**yes), [c], "all")
    assert not matches(subject(**no), [c], "all")


def test_all_needs_every_condition_and_any_needs_one():
    conditions = [cond("language", "in", "fr"), cond("spam", "gte", "0.5")]
    assert not matches(subject(spam=0.1), conditions, "all")
    assert matches(subject(spam=0.1), conditions, "any")
    assert matches(subject(spam=0.9), conditions, "all")
    assert not matches(subject(language="en", spam=0.1), conditions, "any")


@pytest.mark.parametrize(
    "text", ["Casino en ligne", "CASINO", "c@s1no gratuit", "Casíno", "Le ＣＡＳＩＮＯ", "Ça, c'est un casino !"]
)
def test_text_conditions_find_words_folded_whatever_the_case_accents_or_leetspeak(text):
    assert matches(subject(text=text), [cond("text", "contains", "casino")], "all")
    assert not matches(subject(text=text), [cond("text", "not_contains", "casino")], "all")


def test_every_rule_reads_the_subjects_current_text():
    contains = [cond("text", "contains", "casino")]
    s = subject(text="Un casino")
    assert matches(s, contains, "all")
    s.text = "Une kermesse"  # a rewrite (censoring) between two evaluations
    assert not matches(s, contains, "all")


@pytest.mark.parametrize(
    "bad",
    [
        {"field": "colour", "op": "in", "value": "x"},
        {"field": "spam", "op": "contains", "value": "x"},
        {"field": "spam", "op": "gte", "value": "beaucoup"},
        {"field": "text", "op": "matches", "value": "("},
        {"field": "trust", "op": "below", "value": "god"},
    ],
)
def test_a_bad_condition_is_refused_with_its_problem_named_and_no_rule_is_saved(workspace, bad):
    with pytest.raises(ActionError):
        do_save_rule(workspace, {"name": "x", "conditions": [bad], "actions": [{"type": "hold"}]}, actor=SYSTEM)
    assert not workspace.moderation_rules.exists()


def rule(workspace, name, conditions, actions, position=100, match="all"):
    return do_save_rule(
        workspace,
        {
            "name": name,
            "match": match,
            "position": position,
            "conditions": [dict(zip(("field", "op", "value"), c, strict=True)) for c in conditions],
            "actions": [dict(zip(("type", "value"), a, strict=False)) for a in actions],
        },
        actor=SYSTEM,
    )


def test_every_matching_rule_applies_and_hide_beats_approve(open_site):
    channel = other_channel(open_site)
    approve = rule(open_site, "trusted words", [("text", "contains", "bravo")], [("approve",), ("label", "kudos")], 1)
    hide = rule(open_site, "links", [("links", "gte", "1")], [("hide",), ("label", "link")], 2)
    message = post(open_site, "Bravo ! voyez https://spam.example", channel=channel)
    assert message.visibility == Visibility.HIDDEN
    assert set(message.moderation_labels.values_list("label", flat=True)) == {"kudos", "link"}
    assert set(RuleHit.objects.filter(message=message).values_list("rule_id", flat=True)) == {
        approve.pk,
        hide.pk,
    }
    sources = [r["source"] for r in message.scores["reasons"]]
    assert sources.index(f"rule:{approve.pk}") < sources.index(f"rule:{hide.pk}")


def test_a_later_rule_sees_the_labels_an_earlier_rule_gave(open_site):
    rule(open_site, "promo", [("text", "contains", "soldes")], [("label", "promo")], 1)
    rule(open_site, "promo to review", [("labels", "has", "promo")], [("hold",)], 2)
    assert post(open_site, "Les soldes sont là").visibility == Visibility.PENDING


def test_a_rule_can_test_labels_given_by_watched_words(open_site):
    do_add_watched_word(open_site, "remboursement", "label", "sav", actor=SYSTEM)
    rule(
        open_site,
        "sav",
        [("labels", "has", "sav"), ("sentiment", "in", "negative")],
        [("hold",)],
        match="any",
    )
    assert post(open_site, "Je veux un remboursement").visibility == Visibility.PENDING


def test_a_disabled_rule_does_nothing(open_site):
    r = rule(open_site, "all", [("text", "contains", "bonjour")], [("hold",)])
    do_save_rule(
        open_site,
        {"name": r.name, "conditions": r.conditions, "actions": r.actions, "enabled": False},
        r,
        actor=SYSTEM,
    )
    assert post(open_site, "Bonjour").visibility == Visibility.VISIBLE


def test_the_dry_run_counts_what_the_rule_would_have_matched_in_the_last_days(open_site):
    old = timezone.now() - timedelta(days=20)
    post(open_site, "Achetez des soldes", email="a@example.org")
    post(open_site, "Soldes, soldes !", email="b@example.org")
    post(open_site, "Bonjour", email="c@example.org")
    post(open_site, "Vieilles soldes", email="d@example.org", created_at=old)
    data = {"match": "all", "conditions": [cond("text", "contains", "soldes")], "actions": [{"type": "hold"}]}
    week = dry_run(open_site, data, days=7)
    assert (week.matched, week.examined, week.would_change) == (2, 3, 2)
    assert week.by_visibility == {"visible": 2}
    assert dry_run(open_site, data, days=30).matched == 3


def test_hits_and_the_reversal_rate_follow_the_moderators_decisions(open_site, make_user):
    moderator = make_user("mod@example.org", open_site, "moderator")
    r = rule(open_site, "links", [("links", "gte", "1")], [("hold",)])
    first = post(open_site, "voir https://a.example", email="a@example.org")
    post(open_site, "voir https://b.example", email="b@example.org")
    do_decide([ReviewItem.objects.get(message=first)], "approve", actor=moderator)
    figures = {f.rule.pk: f for f in rules_with_figures(open_site)}[r.pk]
    assert (figures.hits, figures.reversed, figures.reversal_rate) == (2, 1, 0.5)
    assert RuleHit.objects.get(message=first).reversed_by == moderator


def test_rejecting_what_a_rule_held_is_not_a_reversal(open_site, make_user):
    moderator = make_user("mod@example.org", open_site, "moderator")
    r = rule(open_site, "links", [("links", "gte", "1")], [("hold",)])
    held = post(open_site, "voir https://a.example")
    do_decide([ReviewItem.objects.get(message=held)], "reject", actor=moderator)
    assert {f.rule.pk: f for f in rules_with_figures(open_site)}[r.pk].reversed == 0


def test_assign_alert_and_auto_reply_happen_once_the_message_is_stored(
    open_site, make_user, django_capture_on_commit_callbacks
):
    from django.core import mail

    from animateur.stream.models import Message

    teammate = make_user("lea@example.org", open_site, "moderator")
    rule(
        open_site,
        "questions",
        [("text", "contains", "question")],
        [
            ("hold",),
            ("assign", "lea@example.org"),
            ("alert", "lea@example.org"),
            ("reply", "Merci, on regarde !"),
        ],
        1,
    )
    rule(open_site, "questions again", [("text", "contains", "question")], [("reply", "Second answer")], 2)
    with django_capture_on_commit_callbacks(execute=True):
        message = post(open_site, "Une question sur la livraison")
    assert ReviewItem.objects.get(message=message).assignee == teammate
    from animateur.inbox.models import ConversationItem

    assert ConversationItem.objects.get(message=message).conversation.assignee == teammate
    assert len([m for m in mail.outbox if m.to == ["lea@example.org"]]) >= 2  # the alert, and the assignment
    replies = Message.objects.filter(parent=message)
    assert [r.text for r in replies] == ["Merci, on regarde !"]
    assert replies[0].from_organisation
