import pytest
from django.test import Client

from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.moderation.actions.decisions import do_decide
from animateur.moderation.actions.flags import do_flag_message
from animateur.moderation.actions.rules import do_save_rule
from animateur.moderation.actions.settings import do_update_moderation_settings
from animateur.moderation.learning import adapter_for
from animateur.moderation.models import Flag, ReviewItem
from animateur.stream.models import Visibility

from .factories import SYSTEM, post

# Spam the shipped models do not recognise (a plug for a cousin's shop), and a near-identical copy.
SPAM = "Super article ! Au passage, mon cousin vend des montres de luxe à prix cassés, contactez-le sur son site"
NEAR = "Super article !! Au passage mon cousin vend des montres de luxe à prix cassés, contactez le sur son site"


def item_of(message):
    return ReviewItem.objects.get(message=message)


def test_marking_spam_teaches_this_workspace_and_a_near_identical_message_is_then_held_as_spam(
    workspace, make_workspace, make_user
):
    other = make_workspace("autre", "Autre")
    moderator = make_user("mod@example.org", workspace, Role.MODERATOR)
    first = post(workspace, SPAM, email="a@example.org")
    before = post(other, NEAR, email="b@example.org").scores["spam"]
    assert first.visibility == Visibility.PENDING  # a first comment: held, whatever its score
    do_decide([item_of(first)], "spam", actor=moderator)
    assert adapter_for(workspace).decisions == 1 and adapter_for(other).decisions == 0

    again = post(workspace, NEAR, email="c@example.org")
    assert again.visibility == Visibility.SPAM
    assert "spam-score" in {r.kind for r in item_of(again).reasons.all()}
    assert again.scores["spam"] >= 0.85 > first.scores["spam"]
    elsewhere = post(other, NEAR, email="d@example.org")
    assert elsewhere.visibility != Visibility.SPAM
    assert elsewhere.scores["spam"] == pytest.approx(before, abs=1e-3)


def test_marking_not_spam_lowers_the_score_of_similar_messages(workspace, make_user):
    moderator = make_user("mod@example.org", workspace, Role.MODERATOR)
    first = post(workspace, SPAM, email="a@example.org")
    do_decide([item_of(first)], "approve", actor=moderator)
    again = post(workspace, NEAR, email="c@example.org")
    assert again.scores["spam"] < first.scores["spam"]


def test_each_item_shows_every_reason_with_its_score_and_the_queue_counts_reasons(workspace, client_as):
    do_save_rule(
        workspace,
        {
            "name": "Liens",
            "conditions": [{"field": "links", "op": "gte", "value": "1"}],
            "actions": [{"type": "hold"}],
        },
        actor=SYSTEM,
    )
    post(workspace, "Voyez https://exemple.fr", email="a@example.org")
    post(workspace, "Bonjour", email="b@example.org")
    client = client_as(workspace, Role.MODERATOR)
    page = client.get("/app/moderation/").content.decode()
    assert "Liens" in page and "https://exemple.fr" in page
    assert 'data-reason="rule">Règles (<span class="n">1</span>)' in page
    assert 'data-reason="first-comment">Premier commentaire (<span class="n">2</span>)' in page
    only_rules = client.get("/app/moderation/?reason=rule").content.decode()
    assert "exemple.fr" in only_rules and "Bonjour" not in only_rules


def test_the_item_page_shows_the_thread_the_authors_history_and_trust(workspace, client_as):
    root = post(workspace, "Premier message", email="a@example.org", source_visibility="visible")
    reply = post(workspace, "Une réponse à modérer", email="b@example.org", parent_external_id=root.external_id)
    client = client_as(workspace, Role.MODERATOR)
    page = client.get(f"/app/moderation/items/{item_of(reply).pk}/").content.decode()
    assert "Premier message" in page and "Une réponse à modérer" in page
    assert "nouveau" in page and "premier commentaire de cet auteur" in page


def test_bulk_decisions_apply_to_the_checked_items_and_each_is_audited(workspace, client_as):
    messages = [post(workspace, f"Commentaire numéro {n}", email=f"c{n}@example.org") for n in range(3)]
    client = client_as(workspace, Role.MODERATOR)
    response = client.post(
        "/app/moderation/decide/", {"item": [item_of(m).pk for m in messages[:2]], "decision": "approve"}
    )
    assert response.status_code == 302
    visibilities = [type(m).objects.get(pk=m.pk).visibility for m in messages]
    assert visibilities == ["visible", "visible", "pending"]
    events = AuditEvent.objects.filter(verb="moderation.approve")
    assert events.count() == 2 and {e.actor_user for e in events} == {client.user}


def test_a_single_items_button_decides_only_that_item_even_with_others_checked(workspace, client_as):
    a, b = post(workspace, "Premier", email="a@example.org"), post(workspace, "Second", email="b@example.org")
    client = client_as(workspace, Role.MODERATOR)
    client.post("/app/moderation/decide/", {"item": [item_of(a).pk, item_of(b).pk], "one": f"spam:{item_of(b).pk}"})
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.visibility, b.visibility) == ("pending", "spam")


def test_escalating_assigns_the_item_to_a_manager_and_keeps_it_in_the_queue(workspace, client_as, make_user):
    manager = make_user("boss@example.org", workspace, Role.MANAGER)
    message = post(workspace, "Je vais porter plainte", email="a@example.org")
    client = client_as(workspace, Role.MODERATOR)
    client.post(
        "/app/moderation/decide/",
        {"item": [item_of(message).pk], "decision": "escalate", "note": "juridique"},
    )
    item = item_of(message)
    assert item.status == "escalated" and item.escalated_to == manager
    assert "Je vais porter plainte" in client.get("/app/moderation/?status=escalated").content.decode()
    assert AuditEvent.objects.filter(verb="moderation.escalate", data__note="juridique").exists()


def test_the_manager_is_told_of_an_escalation_by_email_in_their_language(
    workspace, client_as, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    make_user("boss@example.org", workspace, Role.MANAGER)
    message = post(workspace, "Je vais porter plainte", email="a@example.org")
    client = client_as(workspace, Role.MODERATOR)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/app/moderation/decide/", {"item": [item_of(message).pk], "decision": "escalate", "note": "juridique"}
        )
    [mail] = mailoutbox
    assert mail.to == ["boss@example.org"]
    assert mail.subject == f"[{workspace.name}] Un message vous a été transmis"
    assert mail.body == "juridique"


def test_the_queue_has_keyboard_shortcuts_and_works_without_them(workspace, client_as):
    post(workspace, "Bonjour", email="a@example.org")
    page = client_as(workspace, Role.MODERATOR).get("/app/moderation/").content.decode()
    assert "moderation/queue.js" in page
    assert 'name="decision" value="approve"' in page and 'name="item"' in page


def test_flags_are_weighted_by_the_flaggers_trust_and_past_accuracy_and_enough_weight_holds(workspace, make_user):
    moderator = make_user("mod@example.org", workspace, Role.MODERATOR)
    do_update_moderation_settings(workspace, flag_hold_weight=1.5, actor=SYSTEM)
    target = post(workspace, "Un message visible", email="a@example.org", source_visibility="visible")
    flagger = post(workspace, "Je signale", email="f@example.org", source_visibility="visible").author.member
    first = do_flag_message(target, "insultant", actor=SYSTEM, by_member=flagger)
    assert first.weight < 1.0  # a basic member weighs less than a teammate
    target.refresh_from_db()
    assert target.visibility == Visibility.VISIBLE
    assert item_of(target).status == "pending"
    do_flag_message(target, "vraiment", actor=moderator)
    target.refresh_from_db()
    assert target.visibility == Visibility.PENDING  # 1.0 + the member's weight reached 1.5
    do_decide([item_of(target)], "reject", actor=moderator)
    assert set(Flag.objects.values_list("outcome", flat=True)) == {"upheld"}
    other = post(workspace, "Autre message", email="b@example.org", source_visibility="visible")
    assert do_flag_message(other, "encore", actor=SYSTEM, by_member=flagger).weight > first.weight


@pytest.mark.parametrize(
    ("role", "queue", "rules_edit", "sanction"),
    [
        (Role.OWNER, 200, 200, 302),
        (Role.MANAGER, 200, 200, 302),
        (Role.MODERATOR, 200, 403, 302),
        (Role.ANALYST, 403, 403, 403),
        (Role.GUEST, 403, 403, 403),
    ],
)
def test_permissions_follow_the_roles(workspace, client_as, role, queue, rules_edit, sanction):
    message = post(workspace, "Bonjour", email="a@example.org")
    client = client_as(workspace, role)
    assert client.get("/app/moderation/").status_code == queue
    assert client.get("/app/moderation/rules/new/").status_code == rules_edit
    assert client.get("/app/moderation/settings/").status_code == rules_edit
    response = client.post(
        f"/app/moderation/members/{message.author.member_id}/sanction/", {"kind": "warn", "reason": "ton"}
    )
    assert response.status_code == sanction


def test_another_workspaces_items_messages_members_and_rules_are_404(workspace, make_workspace, client_as):
    other = make_workspace("autre", "Autre")
    message = post(other, "Ailleurs", email="a@example.org")
    rule = do_save_rule(
        other,
        {
            "name": "r",
            "conditions": [{"field": "links", "op": "gte", "value": "1"}],
            "actions": [{"type": "hold"}],
        },
        actor=SYSTEM,
    )
    client = client_as(workspace, Role.OWNER)
    for url in (
        f"/app/moderation/items/{item_of(message).pk}/",
        f"/app/moderation/messages/{message.pk}/",
        f"/app/moderation/members/{message.author.member_id}/",
        f"/app/moderation/rules/{rule.pk}/",
        f"/app/moderation/rules/{rule.pk}/dry-run/",
    ):
        assert client.get(url).status_code == 404, url
    client.post("/app/moderation/decide/", {"item": [item_of(message).pk], "decision": "approve"})
    message.refresh_from_db()
    assert message.visibility == Visibility.PENDING
    assert Client().get("/app/moderation/").status_code == 302  # anonymous: to the login page
