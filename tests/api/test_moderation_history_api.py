"""The moderation API beyond the queue: past decisions and their reversal, members' trust and
sanctions, the trust levels' thresholds, rules; as the pages do them, through the same actions."""

from __future__ import annotations

import pytest
from django.test import Client

from animateur.api.actions import do_create_api_token
from animateur.core.actions import SystemActor
from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.moderation.actions.rules import do_save_rule
from animateur.moderation.models import ReviewItem, Rule, Sanction
from animateur.stream.models import Visibility
from tests.moderation.factories import post

SYSTEM = SystemActor("tests")


def bearer(workspace, user):
    _token, key = do_create_api_token(workspace, user, "t", actor=SYSTEM)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def send(method, path, headers, body=None):
    client = Client()
    if method == "GET":
        return client.get(path, **headers)
    if method == "DELETE":
        return client.delete(path, **headers)
    call = client.put if method == "PUT" else client.post
    return call(path, body if isinstance(body, str) else (body or {}), content_type="application/json", **headers)


@pytest.fixture
def held(workspace):
    """A first comment on the site, held for review."""
    return ReviewItem.objects.get(message=post(workspace, "Bonjour, première visite ici", email="ana@example.org"))


@pytest.fixture
def team(workspace, make_user):
    return {role: bearer(workspace, make_user(f"{role}@a.org", workspace, role)) for role in Role.values}


@pytest.fixture
def delivered(monkeypatch):
    events = []
    monkeypatch.setattr("animateur.core.events._deliver", events.extend)
    return events


def test_the_history_lists_a_decision_with_its_author_its_reason_and_the_change_of_visibility(held, team):
    send("POST", f"/api/moderation/items/{held.pk}/decide", team["moderator"], {"decision": "hide"})
    body = send("GET", "/api/moderation/decisions", team["moderator"]).json()
    [decision] = body["decisions"]
    assert decision["decision"] == "reject" and decision["by"] == "moderator@a.org"
    assert decision["message_id"] == held.message_id and decision["review_item"] == held.pk
    assert (decision["previous_visibility"], decision["visibility"]) == ("pending", "hidden")
    assert decision["reasons"] == ["first-comment"]
    assert body["has_more"] is False and body["page"] == 1
    member_id = held.message.author.member_id
    mine = send("GET", f"/api/moderation/decisions?member_id={member_id}", team["moderator"]).json()
    assert [d["id"] for d in mine["decisions"]] == [decision["id"]]
    assert send("GET", "/api/moderation/decisions?decision=spam", team["moderator"]).json()["decisions"] == []


def test_an_escalation_keeps_the_note_said_to_the_manager(held, team):
    send(
        "POST", f"/api/moderation/items/{held.pk}/decide", team["moderator"], {"decision": "escalate", "note": "Doute"}
    )
    [decision] = send("GET", "/api/moderation/decisions", team["manager"]).json()["decisions"]
    assert decision["decision"] == "escalate" and decision["note"] == "Doute" and decision["by"] == "moderator@a.org"


def test_reversing_a_decision_publishes_the_message_again_with_its_audit_and_its_event(
    held, team, delivered, django_capture_on_commit_callbacks
):
    send("POST", f"/api/moderation/items/{held.pk}/decide", team["moderator"], {"decision": "reject"})
    before = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = send(
            "POST", f"/api/moderation/messages/{held.message_id}/decide", team["manager"], {"decision": "publish"}
        )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["decision"] == "approve" and body["count"] == 1
    assert body["message"]["message"]["visibility"] == "visible"
    assert [(d["decision"], d["by"]) for d in body["message"]["decisions"]] == [
        ("approve", "manager@a.org"),
        ("reject", "moderator@a.org"),
    ]
    held.message.refresh_from_db()
    assert held.message.visibility == Visibility.VISIBLE
    assert AuditEvent.objects.count() == before + 1
    audit = AuditEvent.objects.latest("id")
    assert (
        audit.verb == "moderation.approve"
        and audit.data["from"] == "hidden"
        and audit.actor_user.email == "manager@a.org"
    )
    [event] = [e for e in delivered if e.type.name == "message.moderated"]
    assert (event.data["previous_visibility"], event.data["visibility"]) == ("hidden", "visible")
    page = send("GET", f"/api/moderation/messages/{held.message_id}", team["moderator"]).json()
    assert page["item"]["status"] == "approved" and page["item"]["resolved_by"] == "manager@a.org"


def test_reversing_what_a_rule_hid_counts_against_the_rule(workspace, team):
    do_save_rule(
        workspace,
        {"name": "Liens", "conditions": [{"field": "links", "op": "gte", "value": "1"}], "actions": [{"type": "hide"}]},
        actor=SYSTEM,
    )
    message = post(workspace, "Voyez https://exemple.fr", email="b@example.org")
    assert message.visibility == Visibility.HIDDEN
    reversed_ = send(
        "POST", f"/api/moderation/messages/{message.pk}/decide", team["moderator"], {"decision": "approve"}
    )
    assert reversed_.status_code == 200 and reversed_.json()["message"]["message"]["visibility"] == "visible"
    [rule] = send("GET", "/api/moderation/rules", team["moderator"]).json()
    assert (rule["name"], rule["hits"], rule["reversed"], rule["reversal_rate"]) == ("Liens", 1, 1, 1.0)


def test_raising_a_trust_level_s_thresholds_shows_on_the_author_and_in_the_audit(held, team):
    send("POST", f"/api/moderation/items/{held.pk}/decide", team["moderator"], {"decision": "approve"})
    member_id = held.message.author.member_id
    author = send("GET", f"/api/moderation/members/{member_id}", team["moderator"]).json()
    assert (author["trust"], author["stats"]["approved"]) == ("basic", 1)
    response = send(
        "PUT", "/api/moderation/settings", team["manager"], {"trust_thresholds": {"basic": {"approved": 3}}}
    )
    assert response.status_code == 200, response.content
    thresholds = response.json()["trust_thresholds"]
    assert thresholds["basic"] == {"approved": 3, "days_active": 1, "max_upheld_flags": 2}
    assert thresholds["member"]["approved"] == 5  # the other levels as they were
    audit = AuditEvent.objects.latest("id")
    assert audit.verb == "moderation.settings" and audit.data["trust_thresholds"]["basic"]["approved"] == 3
    author = send("GET", f"/api/moderation/members/{member_id}", team["moderator"]).json()
    assert (author["trust"], author["trust_label"]) == ("new", "nouveau")
    assert (
        send("GET", f"/api/moderation/messages/{held.message_id}", team["moderator"]).json()["author"]["trust"] == "new"
    )


def test_a_sanction_shows_on_the_author_and_in_the_audit_and_is_lifted_once(held, team):
    member_id = held.message.author.member_id
    response = send(
        "POST", f"/api/moderation/members/{member_id}/sanctions", team["moderator"], {"kind": "ban", "reason": "Spam"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["rejected_held"] == 1  # the held comment, rejected by the ban
    assert (
        body["sanction"]["kind"] == "ban" and body["sanction"]["active"] and body["sanction"]["by"] == "moderator@a.org"
    )
    assert [s["id"] for s in body["author"]["sanctions"]] == [body["sanction"]["id"]]
    audit = AuditEvent.objects.latest("id")
    assert audit.verb == "moderation.sanction.ban" and audit.data["reason"] == "Spam"
    held.message.refresh_from_db()
    assert held.message.visibility == Visibility.HIDDEN
    sanction_id = body["sanction"]["id"]
    lifted = send("POST", f"/api/moderation/sanctions/{sanction_id}/lift", team["manager"], {"reason": "Erreur"})
    assert lifted.status_code == 200
    assert lifted.json()["active"] is False and lifted.json()["lifted_by"] == "manager@a.org"
    again = send("POST", f"/api/moderation/sanctions/{sanction_id}/lift", team["manager"], {})
    assert again.status_code == 400 and again.json()["code"] == "refused"


def test_rules_are_made_changed_and_deleted_with_one_audit_event_each(team):
    rule = {
        "name": "Liens",
        "conditions": [{"field": "links", "op": "gte", "value": 2}],
        "actions": [{"type": "hold"}, {"type": "label", "value": "promo"}],
    }
    made = send("POST", "/api/moderation/rules", team["manager"], rule)
    assert made.status_code == 201, made.content
    rule_id = made.json()["id"]
    assert made.json()["actions"] == [{"type": "hold"}, {"type": "label", "value": "promo"}]
    assert AuditEvent.objects.latest("id").verb == "moderation.rule.create"
    changed = send("PUT", f"/api/moderation/rules/{rule_id}", team["owner"], {**rule, "name": "Trop de liens"})
    assert changed.status_code == 200 and changed.json()["name"] == "Trop de liens"
    assert AuditEvent.objects.latest("id").verb == "moderation.rule.update"
    assert send("GET", f"/api/moderation/rules/{rule_id}", team["manager"]).json()["name"] == "Trop de liens"
    assert send("DELETE", f"/api/moderation/rules/{rule_id}", team["manager"]).status_code == 204
    assert AuditEvent.objects.latest("id").verb == "moderation.rule.delete"
    assert not Rule.objects.filter(pk=rule_id).exists()
    assert send("GET", f"/api/moderation/rules/{rule_id}", team["manager"]).status_code == 404


def test_a_rule_that_calls_a_webhook_gives_its_secret_once(team, settings):
    settings.ALLOW_PRIVATE_URLS = True
    rule = {
        "name": "CRM",
        "conditions": [{"field": "links", "op": "gte", "value": 2}],
        "actions": [{"type": "webhook", "value": "http://127.0.0.1:9/in"}],
    }
    made = send("POST", "/api/moderation/rules", team["manager"], rule)
    assert made.status_code == 201, made.content
    assert len(made.json()["webhook_secret"]) >= 20
    assert send("GET", f"/api/moderation/rules/{made.json()['id']}", team["manager"]).json()["webhook_secret"] == ""


@pytest.mark.parametrize(
    ("role", "method", "path", "body"),
    [
        ("analyst", "GET", "/api/moderation/decisions", None),
        ("guest", "GET", "/api/moderation/messages/{message}", None),
        ("analyst", "POST", "/api/moderation/messages/{message}/decide", {"decision": "approve"}),
        ("analyst", "GET", "/api/moderation/members/{member}", None),
        ("analyst", "POST", "/api/moderation/members/{member}/sanctions", {"kind": "warn", "reason": "x"}),
        ("guest", "POST", "/api/moderation/sanctions/{sanction}/lift", {}),
        ("moderator", "GET", "/api/moderation/settings", None),
        ("moderator", "PUT", "/api/moderation/settings", {"flag_hold_weight": 3}),
        ("moderator", "POST", "/api/moderation/rules", {"name": "x", "conditions": [], "actions": []}),
        ("moderator", "DELETE", "/api/moderation/rules/{rule}", None),
    ],
)
def test_roles_the_pages_refuse_get_403_and_change_nothing(workspace, held, team, role, method, path, body):
    from animateur.moderation.actions.sanctions import do_sanction_member

    rule = do_save_rule(
        workspace,
        {"name": "Liens", "conditions": [{"field": "links", "op": "gte", "value": "3"}], "actions": [{"type": "hold"}]},
        actor=SYSTEM,
    )
    member = held.message.author.member
    sanction = do_sanction_member(member, "warn", "Ton", actor=SYSTEM)
    before = AuditEvent.objects.count()
    url = path.format(message=held.message_id, member=member.pk, sanction=sanction.pk, rule=rule.pk)
    response = send(method, url, team[role], body)
    assert response.status_code == 403, response.content
    assert AuditEvent.objects.count() == before


def test_bad_input_gets_a_clear_4xx_and_changes_nothing(held, team):
    member_id = held.message.author.member_id
    before = AuditEvent.objects.count()
    cases = [
        ("POST", f"/api/moderation/messages/{held.message_id}/decide", {"decision": "snooze"}, 400),
        ("POST", f"/api/moderation/messages/{held.message_id}/decide", {"decision": 3}, 422),
        ("GET", "/api/moderation/decisions?decision=snooze", None, 400),
        ("GET", "/api/moderation/decisions?page=0", None, 400),
        ("GET", "/api/moderation/decisions?member_id=abc", None, 422),
        ("GET", "/api/moderation/decisions?member_id=99999999999999999999999", None, 404),
        ("POST", f"/api/moderation/members/{member_id}/sanctions", {"kind": "exile", "reason": "x"}, 400),
        ("POST", f"/api/moderation/members/{member_id}/sanctions", {"kind": "warn", "reason": ""}, 400),
        ("POST", f"/api/moderation/members/{member_id}/sanctions", {"kind": "mute", "reason": "x", "days": "x"}, 422),
        ("POST", f"/api/moderation/members/{member_id}/sanctions", {"kind": "mute", "reason": "x", "days": 10**9}, 400),
        ("PUT", "/api/moderation/settings", {"trust_thresholds": {"basic": {"approved": "many"}}}, 422),
        ("PUT", "/api/moderation/settings", {"trust_thresholds": {"basic": {"karma": 3}}}, 400),
        ("PUT", "/api/moderation/settings", {"trust_thresholds": {"guru": {"approved": 3}}}, 400),
        ("PUT", "/api/moderation/settings", {"trust_thresholds": {"basic": {"approved": -1}}}, 400),
        ("PUT", "/api/moderation/settings", {"site_hold_below": "guru"}, 400),
        ("PUT", "/api/moderation/settings", {"score_thresholds": {"spam_hold": 2}}, 400),
        ("PUT", "/api/moderation/settings", '{"flag_hold_weight": NaN}', 400),
        ("PUT", "/api/moderation/settings", '{"score_thresholds": {"spam_hold": Infinity}}', 400),
        ("PUT", "/api/moderation/settings", {"flag_hold_weight": 1e308}, 400),
        ("POST", "/api/moderation/rules", {"name": "x", "conditions": "links", "actions": []}, 422),
        (
            "POST",
            "/api/moderation/rules",
            {"name": "x", "conditions": [{"field": ["a"], "op": "gte"}], "actions": []},
            422,
        ),
        (
            "POST",
            "/api/moderation/rules",
            {"name": "x", "conditions": [{"field": "nope", "op": "gte"}], "actions": [{"type": "hold"}]},
            400,
        ),
        (
            "POST",
            "/api/moderation/rules",
            {
                "name": "x",
                "conditions": [{"field": "links", "op": "gte", "value": 1}],
                "actions": [{"type": "explode"}],
            },
            400,
        ),
        (
            "POST",
            "/api/moderation/rules",
            {
                "name": "x",
                "conditions": [{"field": "links", "op": "gte", "value": 1}],
                "actions": [{"type": "hold"}],
                "position": 2**40,
            },
            400,
        ),
        ("POST", "/api/moderation/rules", "not json", 400),
    ]
    for absurd in ("0", "-3", "99999999999999999999999", "abc", "1e3"):
        cases += [
            ("GET", f"/api/moderation/messages/{absurd}", None, 404),
            ("POST", f"/api/moderation/messages/{absurd}/decide", {"decision": "approve"}, 404),
            ("GET", f"/api/moderation/members/{absurd}", None, 404),
            ("POST", f"/api/moderation/members/{absurd}/sanctions", {"kind": "warn", "reason": "x"}, 404),
            ("POST", f"/api/moderation/sanctions/{absurd}/lift", {}, 404),
            ("GET", f"/api/moderation/rules/{absurd}", None, 404),
            ("PUT", f"/api/moderation/rules/{absurd}", {"name": "x", "conditions": [], "actions": []}, 404),
            ("DELETE", f"/api/moderation/rules/{absurd}", None, 404),
        ]
    problems = []
    for method, path, body, expected in cases:
        response = send(method, path, team["owner"], body)
        if response.status_code != expected:
            problems.append(f"{method} {path} {body}: {response.status_code} {response.content[:200]!r}")
        elif expected == 400 and not response.json().get("detail"):
            problems.append(f"{method} {path} {body}: a 400 without words")
    assert not problems, "\n".join(problems)
    assert AuditEvent.objects.count() == before
    held.refresh_from_db()
    assert held.status == ReviewItem.Status.PENDING and not Sanction.objects.exists()


def test_another_workspace_s_message_member_sanction_and_rule_are_not_found(held, team, make_workspace, make_user):
    from animateur.moderation.actions.sanctions import do_sanction_member

    other = make_workspace("other", "Other")
    stranger = bearer(other, make_user("own@b.org", other, Role.OWNER))
    member = held.message.author.member
    sanction = do_sanction_member(member, "warn", "Ton", actor=SYSTEM)
    send("POST", f"/api/moderation/items/{held.pk}/decide", team["moderator"], {"decision": "reject"})
    rule_id = send(
        "POST",
        "/api/moderation/rules",
        team["owner"],
        {"name": "L", "conditions": [{"field": "links", "op": "gte", "value": 3}], "actions": [{"type": "hold"}]},
    ).json()["id"]
    before = AuditEvent.objects.count()
    for method, path, body in [
        ("GET", f"/api/moderation/messages/{held.message_id}", None),
        ("POST", f"/api/moderation/messages/{held.message_id}/decide", {"decision": "approve"}),
        ("GET", f"/api/moderation/members/{member.pk}", None),
        ("GET", f"/api/moderation/decisions?member_id={member.pk}", None),
        ("POST", f"/api/moderation/members/{member.pk}/sanctions", {"kind": "ban", "reason": "x"}),
        ("POST", f"/api/moderation/sanctions/{sanction.pk}/lift", {}),
        ("GET", f"/api/moderation/rules/{rule_id}", None),
        ("DELETE", f"/api/moderation/rules/{rule_id}", None),
    ]:
        assert send(method, path, stranger, body).status_code == 404, (method, path)
    assert send("GET", "/api/moderation/decisions", stranger).json()["decisions"] == []
    assert send("GET", "/api/moderation/rules", stranger).json() == []
    assert AuditEvent.objects.count() == before
    held.message.refresh_from_db()
    assert held.message.visibility == Visibility.HIDDEN


def test_the_errors_are_in_the_workspace_s_language(held, team):
    member_id = held.message.author.member_id
    days = send(
        "POST",
        f"/api/moderation/members/{member_id}/sanctions",
        team["owner"],
        {"kind": "mute", "reason": "x", "days": 0},
    )
    assert days.json()["detail"] == "La durée est un nombre de jours de 1 à 36500 (ou vide : jusqu’à la levée)."
    key = send("PUT", "/api/moderation/settings", team["owner"], {"trust_thresholds": {"basic": {"karma": 3}}})
    assert key.json()["detail"].startswith("Les seuils de « basic » sont des nombres de 0 à 1000000")
    score = send("PUT", "/api/moderation/settings", team["owner"], {"score_thresholds": {"spam": 0.5}})
    assert score.json()["detail"].startswith("Seuil de score inconnu : « spam »")


def test_watched_words_are_added_tried_and_removed_as_on_their_page(team, make_workspace, make_user):
    added = send("POST", "/api/moderation/words", team["manager"], {"pattern": "arnaq*", "action": "censor"})
    assert added.status_code == 201, added.content
    word = added.json()
    assert (word["pattern"], word["action"], word["action_label"]) == ("arnaq*", "censor", "Censurer")
    audit = AuditEvent.objects.latest("id")
    assert audit.verb == "moderation.word.add" and audit.actor_user.email == "manager@a.org"
    tried = send("POST", "/api/moderation/words/try", team["moderator"], {"text": "Quelle ARNAQUE !"}).json()
    assert [(m["action"], m["found"]) for m in tried["matches"]] == [("censor", "ARNAQUE")]
    assert tried["result"] == "Quelle ■■■■■■■ !"
    again = send("POST", "/api/moderation/words", team["manager"], {"pattern": "ARNAQ*", "action": "censor"})
    assert again.status_code == 400 and "arnaq*" in again.json()["detail"].lower()
    listed = send("GET", "/api/moderation/words", team["moderator"]).json()
    assert [w["id"] for w in listed["words"]] == [word["id"]] and "insults_fr" in listed["starter_lists"]
    assert (
        send("POST", "/api/moderation/words", team["moderator"], {"pattern": "x", "action": "flag"}).status_code == 403
    )
    other = make_workspace("other", "Other")
    stranger = bearer(other, make_user("own@b.org", other, Role.OWNER))
    assert send("DELETE", f"/api/moderation/words/{word['id']}", stranger).status_code == 404
    assert send("DELETE", f"/api/moderation/words/{word['id']}", team["owner"]).status_code == 204
    assert AuditEvent.objects.latest("id").verb == "moderation.word.remove"
    assert send("GET", "/api/moderation/words", team["moderator"]).json()["words"] == []


def test_a_ready_made_list_is_watched_once_and_bad_words_input_is_refused(team):
    first = send("POST", "/api/moderation/words/starter", team["owner"], {"list": "insults_fr", "action": "flag"})
    assert first.status_code == 200 and first.json()["added"] > 10 and first.json()["already_watched"] == 0
    second = send("POST", "/api/moderation/words/starter", team["owner"], {"list": "insults_fr", "action": "flag"})
    assert second.json() == {"added": 0, "already_watched": first.json()["added"]}
    before = AuditEvent.objects.count()
    for body, expected in [
        ({"list": "insults_xx", "action": "flag"}, 400),
        ({"list": "insults_fr", "action": "replace"}, 400),
        ({"list": ["insults_fr"], "action": "flag"}, 422),
    ]:
        assert send("POST", "/api/moderation/words/starter", team["owner"], body).status_code == expected, body
    for body, expected in [
        ({"pattern": "", "action": "flag"}, 400),
        ({"pattern": "***", "action": "flag"}, 400),
        ({"pattern": "x" * 201, "action": "flag"}, 400),
        ({"pattern": "escroc", "action": "explode"}, 400),
        ({"pattern": "escroc", "action": "label", "value": "x" * 201}, 400),
        ({"pattern": 3, "action": "flag"}, 422),
    ]:
        assert send("POST", "/api/moderation/words", team["owner"], body).status_code == expected, body
    for absurd in ("0", "-3", "99999999999999999999999", "abc"):
        assert send("DELETE", f"/api/moderation/words/{absurd}", team["owner"]).status_code == 404
    assert AuditEvent.objects.count() == before


def test_a_flag_from_the_api_is_audited_and_enough_flags_hold_the_message(workspace, team, held):
    send("POST", f"/api/moderation/items/{held.pk}/decide", team["moderator"], {"decision": "approve"})
    url = f"/api/moderation/messages/{held.message_id}/flag"
    first = send("POST", url, team["guest"], {"reason": "Insultant"})
    assert first.status_code == 201, first.content
    assert first.json()["visibility"] == "visible"
    audit = AuditEvent.objects.latest("id")
    assert audit.verb == "moderation.flag" and audit.data["reason"] == "Insultant"
    assert send("POST", url, team["guest"], {"reason": "Encore"}).status_code == 400  # already flagged by them
    second = send("POST", url, team["analyst"], {"reason": "Oui"})
    assert second.json()["visibility"] == "pending"  # two flags weigh the default 2
    assert (
        send("GET", f"/api/moderation/messages/{held.message_id}", team["moderator"]).json()["item"]["status"]
        == "pending"
    )


def test_a_rule_is_tried_before_and_after_it_is_saved_and_its_secret_renewed(workspace, team, settings):
    settings.ALLOW_PRIVATE_URLS = True
    post(workspace, "Voyez https://exemple.fr", email="b@example.org")
    post(workspace, "Rien à voir", email="c@example.org")
    rule = {
        "name": "Liens",
        "conditions": [{"field": "links", "op": "gte", "value": 1}],
        "actions": [{"type": "hide"}, {"type": "webhook", "value": "http://127.0.0.1:9/in"}],
    }
    before = AuditEvent.objects.count()
    tried = send("POST", "/api/moderation/rules/dry-run", team["manager"], {**rule, "days": 30})
    assert tried.status_code == 200, tried.content
    assert (tried.json()["examined"], tried.json()["matched"], tried.json()["would_change"]) == (2, 1, 1)
    assert [s["excerpt"] for s in tried.json()["samples"]] == ["Voyez https://exemple.fr"]
    assert AuditEvent.objects.count() == before and not Rule.objects.exists()
    made = send("POST", "/api/moderation/rules", team["manager"], rule).json()
    saved = send("GET", f"/api/moderation/rules/{made['id']}/dry-run?days=30", team["moderator"]).json()
    assert saved["matched"] == 1
    assert send("GET", f"/api/moderation/rules/{made['id']}/dry-run?days=0", team["moderator"]).status_code == 400
    assert send("POST", "/api/moderation/rules/dry-run", team["manager"], {**rule, "days": 999}).status_code == 400
    bad = send("POST", "/api/moderation/rules/dry-run", team["manager"], {**rule, "conditions": []})
    assert bad.status_code == 400 and bad.json()["detail"]
    renewed = send("POST", f"/api/moderation/rules/{made['id']}/webhook-secret", team["manager"])
    assert renewed.status_code == 200 and renewed.json()["webhook_secret"] not in ("", made["webhook_secret"])
    assert AuditEvent.objects.latest("id").verb == "moderation.rule.webhook_secret"
    assert send("POST", f"/api/moderation/rules/{made['id']}/webhook-secret", team["moderator"]).status_code == 403
