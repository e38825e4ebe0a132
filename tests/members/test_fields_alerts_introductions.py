"""Custom fields (set on the member page, filtering the list, in the API, the export and GDPR), segment
alerts (the managers told once per member who enters), and introductions (shared topics, no reply)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.inbox.models import Notification
from animateur.members import actions, introductions
from animateur.members.models import CustomValue, IntroductionDismissal, SegmentAlertSeen
from animateur.stream.models import Member
from tests.conftest import SYSTEM
from tests.members.factories import channel, say


@pytest.fixture
def forum(workspace):
    return channel(workspace, "discourse", "Forum")


def member(forum, author: str, name: str, text: str = "Bonjour", **kw) -> Member:
    return say(forum, author, text, name=name, **kw).author.member


# --- custom fields ------------------------------------------------------------------------------


def test_the_team_defines_fields_sets_values_on_the_member_page_and_filters_the_list(
    workspace, forum, client_as, make_user
):
    owner = client_as(workspace, Role.OWNER)
    moderator = client_as(workspace, Role.MODERATOR)
    ana, bob = member(forum, "a", "Ana Lopez"), member(forum, "b", "Bob Martin")
    assert (
        owner.post("/app/members/fields/", {"name": "Ville", "kind": "choice", "choices": "Lyon, Paris"}).status_code
        == 302
    )
    assert owner.post("/app/members/fields/", {"name": "Entrée", "kind": "date"}).status_code == 302
    assert owner.post("/app/members/fields/", {"name": "Commandes", "kind": "number"}).status_code == 302
    page = owner.get("/app/members/fields/").content.decode()
    assert "Ville" in page and "Choix" in page and "Nombre" in page
    # A second field of the same name, or a choice field without choices: a clear error, nothing saved.
    refused = owner.post("/app/members/fields/", {"name": "ville", "kind": "text"})
    assert refused.status_code == 400 and "Un autre champ s’appelle déjà « ville »" in refused.content.decode()
    assert owner.post("/app/members/fields/", {"name": "Taille", "kind": "choice"}).status_code == 400

    fields = {f.name: f for f in actions.CustomField.objects.all()}
    data = {f"cf-field_{fields['Ville'].pk}": "Lyon", f"cf-field_{fields['Entrée'].pk}": "2026-03-01",
            f"cf-field_{fields['Commandes'].pk}": "12,5"}  # fmt: skip
    assert moderator.post(f"/app/members/{ana.pk}/fields/", data).status_code == 302
    shown = moderator.get(f"/app/members/{ana.pk}/").content.decode()
    assert 'data-custom-field="Ville">Lyon<' in shown and "1 mars 2026" in shown and ">12,5<" in shown  # in French
    # A value that is no number: refused in words, nothing changes.
    moderator.post(f"/app/members/{ana.pk}/fields/", {f"cf-field_{fields['Commandes'].pk}": "beaucoup"})
    assert CustomValue.objects.get(member=ana, field=fields["Commandes"]).value == "12.5"
    messages = [str(m) for m in moderator.get(f"/app/members/{ana.pk}/").context["messages"]]
    assert any("« Commandes » attend un nombre." in m for m in messages)

    listing = owner.get(f"/app/members/?field={fields['Ville'].pk}&value=Lyon").content.decode()
    assert "Ana Lopez" in listing and "Bob Martin" not in listing
    bad = owner.get(f"/app/members/?field={fields['Entrée'].pk}&value=hier")
    assert bad.status_code == 400 and "attend une date" in bad.content.decode()
    assert bob.pk  # Bob has no value: the filter leaves him out


def test_custom_fields_in_the_api_the_cli_export_and_gdpr_and_gone_with_the_erasure(
    workspace, forum, make_user, tmp_path
):
    from animateur.api.actions import do_create_api_token
    from animateur.cli import main

    owner = make_user("owner@example.org", workspace, Role.OWNER)
    ana = member(forum, "a", "Ana Lopez")
    actions.do_save_custom_field(workspace, "Ville", "text", actor=SYSTEM)
    actions.do_save_custom_field(workspace, "Commandes", "number", actor=SYSTEM)
    _token, key = do_create_api_token(workspace, owner, "t", actor=SYSTEM)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    api = Client()
    put = api.put(f"/api/members/{ana.pk}/custom-fields", {"custom_fields": {"Ville": "Lyon", "Commandes": "3"}},
                  content_type="application/json", **headers)  # fmt: skip
    assert put.status_code == 200 and put.json()["custom_fields"] == {"Commandes": 3, "Ville": "Lyon"}
    wrong = api.put(f"/api/members/{ana.pk}/custom-fields", {"custom_fields": {"Pays": "France"}},
                    content_type="application/json", **headers)  # fmt: skip
    assert wrong.status_code == 400 and "Pays" in wrong.json()["detail"]
    assert api.get(f"/api/members/{ana.pk}", **headers).json()["custom_fields"] == {"Commandes": 3, "Ville": "Lyon"}
    listed = api.get("/api/members/?field=Ville&value=lyo", **headers).json()
    assert [m["id"] for m in listed["members"]] == [ana.pk]
    assert [f["name"] for f in api.get("/api/members/fields", **headers).json()] == ["Commandes", "Ville"]

    out = tmp_path / "members.jsonl"
    assert main(["members", "export", "--workspace", workspace.slug, "-o", str(out)]) == 0
    line = json.loads(out.read_text().splitlines()[0])
    assert line["custom_fields"] == {"Commandes": 3, "Ville": "Lyon"}

    assert actions.do_export_member(workspace, ana, actor=owner)["custom_fields"] == {"Commandes": 3, "Ville": "Lyon"}
    actions.do_erase_member(workspace, ana, actor=owner)
    assert not CustomValue.objects.exists()
    assert not AuditEvent.objects.filter(data__icontains="Lyon").exists()


# --- segment alerts -----------------------------------------------------------------------------


def test_members_entering_a_cohort_with_an_alert_are_told_once_to_the_managers(
    workspace, forum, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    manager = make_user("manager@example.org", workspace, Role.MANAGER)
    moderator = make_user("moderator@example.org", workspace, Role.MODERATOR)
    old = timezone.now() - timedelta(days=90)
    member(forum, "old", "Ancienne", created_at=old)
    member(forum, "a", "Ana Lopez")  # already a newcomer when the alert is turned on: not news
    actions.do_recompute_members(workspace, actor=SYSTEM)
    actions.do_set_segment_alert(workspace, cohort="newcomers", enabled=True, actor=manager)
    assert actions.do_check_segment_alerts(workspace, actor=SYSTEM) == {"alerts": 0, "members": 0}

    member(forum, "b", "Bob Martin")
    member(forum, "c", "Chloé Roy")
    actions.do_recompute_members(workspace, actor=SYSTEM)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert actions.do_check_segment_alerts(workspace, actor=SYSTEM) == {"alerts": 1, "members": 2}
    told = Notification.objects.get(user=manager)
    assert told.text == "2 membres sont entrés dans « Nouveaux venus du mois »"
    assert not Notification.objects.filter(user=moderator).exists()
    assert [m.to for m in mailoutbox] == [["manager@example.org"]] and callbacks
    # Both lead to the alerts page, as a conversation's notification leads to the conversation.
    assert "/app/members/alerts/" in mailoutbox[0].body
    browser = Client()
    browser.force_login(manager)
    page = browser.get("/app/inbox/notifications/").content.decode()
    assert '<a href="/app/members/alerts/">2 membres sont entrés' in page
    assert SegmentAlertSeen.objects.count() == 3
    # Checked again with no one new: no repeat, nothing written.
    before = AuditEvent.objects.count()
    assert actions.do_check_segment_alerts(workspace, actor=SYSTEM) == {"alerts": 0, "members": 0}
    assert Notification.objects.count() == 1 and AuditEvent.objects.count() == before


def test_a_saved_segment_alert_is_turned_on_in_the_page_and_follows_its_filters(workspace, forum, client_as):
    owner = client_as(workspace, Role.OWNER)
    ana = member(forum, "a", "Ana Lopez")
    segment = actions.do_save_segment(workspace, "VIP", "tag=vip", actor=SYSTEM)
    page = owner.get("/app/members/alerts/").content.decode()
    assert "Alertes de segments" in page and "VIP" in page and "Nouveaux venus du mois" in page
    assert owner.post("/app/members/alerts/", {"segment": segment.pk, "enabled": "1"}).status_code == 302
    actions.do_set_member_tags(workspace, ana, "vip", actor=SYSTEM)
    assert actions.do_check_segment_alerts(workspace, actor=SYSTEM) == {"alerts": 1, "members": 1}
    text = Notification.objects.get(user=owner.user).text
    assert text == "1 membre est entré dans « VIP »"
    assert owner.post("/app/members/alerts/", {"cohort": "nope", "enabled": "1"}).status_code == 302  # refused in words
    assert owner.post("/app/members/alerts/", {"segment": segment.pk, "enabled": "0"}).status_code == 302
    assert not actions.SegmentAlert.objects.exists()


# --- introductions ------------------------------------------------------------------------------


def test_introductions_pair_members_who_share_topics_but_never_answered_each_other(workspace, forum, client_as):
    texts = {
        "ana": ["Mon #espresso du matin avec un moulin conique", "Le moulin conique change tout pour l'espresso"],
        "bob": ["Quel moulin pour un espresso correct ?", "Mon espresso est amer, le moulin est trop fin"],
        "chloe": ["La bière de garde se brasse en hiver", "Une bière de garde et du houblon frais"],
        "denis": ["Du houblon frais pour une bière de garde", "Ma bière de garde est trouble"],
    }
    members = {}
    for author, lines in texts.items():
        for line in lines:
            members[author] = member(forum, author, author.title(), line)
    # Chloé and Denis already talk: no introduction for them.
    root = say(forum, "chloe", "Vos recettes de bière de garde ?", name="Chloe")
    say(forum, "denis", "La mienne, au houblon frais", name="Denis", parent=root)
    actions.do_recompute_members(workspace, actor=SYSTEM)

    found = introductions.suggestions(workspace)
    pairs = {frozenset((i.member.pk, i.other.pk)): i.topics for i in found}
    assert frozenset((members["ana"].pk, members["bob"].pk)) in pairs
    assert {"espresso", "moulin"} <= set(pairs[frozenset((members["ana"].pk, members["bob"].pk))])
    assert frozenset((members["chloe"].pk, members["denis"].pk)) not in pairs

    viewer = client_as(workspace, Role.ANALYST)
    page = viewer.get(f"/app/members/{members['ana'].pk}/").content.decode()
    assert "Mises en relation à faire" in page and "espresso" in page
    listing = viewer.get("/app/members/introductions/").content.decode()
    assert "Sujets communs" in listing and "Bob" in listing

    moderator = client_as(workspace, Role.MODERATOR)
    url = f"/app/members/{members['ana'].pk}/introductions/{members['bob'].pk}/dismiss/"
    assert moderator.post(url, {"next": "member"}).status_code == 302
    assert IntroductionDismissal.objects.count() == 1
    again = {frozenset((i.member.pk, i.other.pk)) for i in introductions.suggestions(workspace)}
    assert frozenset((members["ana"].pk, members["bob"].pk)) not in again


def test_introductions_in_the_api(workspace, forum, make_user):

    from animateur.api.actions import do_create_api_token

    owner = make_user("owner@example.org", workspace, Role.OWNER)
    for author in ("ana", "bob"):
        for n in range(2):
            member(forum, author, author.title(), f"Le moulin conique et l'espresso, essai {n}")
    actions.do_recompute_members(workspace, actor=SYSTEM)
    _token, key = do_create_api_token(workspace, owner, "t", actor=SYSTEM)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    rows = Client().get("/api/members/introductions", **headers).json()
    assert len(rows) == 1 and {"moulin", "espresso"} <= set(rows[0]["topics"])
    dismissed = Client().post(f"/api/members/{rows[0]['member']}/introductions/{rows[0]['other']}/dismiss", **headers)
    assert dismissed.status_code == 200
    assert Client().get("/api/members/introductions", **headers).json() == []
