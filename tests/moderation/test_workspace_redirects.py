"""After a moderation action the browser stays in the workspace it acted in, and never leaves the site.

A moderator of two workspaces who decided in /w/other/ was sent to /app/moderation/..., the default
workspace's pages: its queue, or whatever message or member had the same id there.
"""

from __future__ import annotations

import pytest
from django.test import Client

from animateur.core.roles import Role
from animateur.moderation.actions.words import do_add_watched_word
from animateur.moderation.models import ReviewItem, Sanction
from tests.inbox.factories import inbound, post_message

FOREIGN = ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)", "x1"]


@pytest.fixture
def two_workspaces(workspace, make_workspace, make_user):
    """A moderator of the default workspace and of « other », and a held comment in each."""
    other = make_workspace("other", "Other")
    user = make_user("mod@a.org", workspace, Role.OWNER)
    from animateur.core.models import Membership

    Membership.objects.create(user=user, workspace=other, role=Role.OWNER)
    for ws in (workspace, other):  # held by a watched word, whatever the first-comment settings
        do_add_watched_word(ws, "zut", "require_approval", actor=user)
    here = inbound(workspace, "Zut, ici", parent=post_message(workspace))
    there = inbound(other, "Zut, là-bas", parent=post_message(other), email="bea@example.org")
    client = Client()
    client.force_login(user)
    return {"client": client, "other": other, "here": here, "there": there}


def test_a_decision_in_another_workspace_goes_back_to_that_workspace_queue(two_workspaces):
    client, there = two_workspaces["client"], two_workspaces["there"]
    item = ReviewItem.objects.get(message=there)
    response = client.post("/w/other/app/moderation/decide/", {"one": f"approve:{item.pk}"})
    assert response.status_code == 302
    assert response["Location"] == "/w/other/app/moderation/"
    assert ReviewItem.objects.get(pk=item.pk).status != "open"


def test_message_and_member_actions_in_another_workspace_stay_in_it(two_workspaces):
    client, there = two_workspaces["client"], two_workspaces["there"]
    message_page = f"/w/other/app/moderation/messages/{there.pk}/"
    response = client.post(f"{message_page}decide/", {"decision": "approve"})
    assert response["Location"] == message_page
    response = client.post(f"/w/other/app/moderation/messages/{there.pk}/flag/", {"reason": "doute"})
    assert response["Location"] == message_page
    member = there.author.member
    member_page = f"/w/other/app/moderation/members/{member.pk}/"
    response = client.post(f"{member_page}sanction/", {"kind": "warn", "reason": "ton"})
    assert response["Location"] == member_page
    sanction = Sanction.objects.get(member=member)
    response = client.post(f"/w/other/app/moderation/sanctions/{sanction.pk}/lift/", {"reason": "ok"})
    assert response["Location"] == member_page


@pytest.mark.parametrize("target", FOREIGN)
def test_next_never_leads_to_another_site(two_workspaces, target):
    client, here = two_workspaces["client"], two_workspaces["here"]
    item = ReviewItem.objects.get(message=here)
    response = client.post("/app/moderation/decide/", {"one": f"approve:{item.pk}", "next": target})
    assert response["Location"] == "/app/moderation/"
    response = client.post(f"/app/moderation/messages/{here.pk}/decide/", {"decision": "reject", "next": target})
    assert response["Location"] == f"/app/moderation/messages/{here.pk}/"
    response = client.post("/app/space/comments/bulk/", {"one": f"{here.pk}:pending", "next": target})
    assert response["Location"] == "/app/space/comments/"


def test_next_within_the_site_is_followed(two_workspaces):
    client, there = two_workspaces["client"], two_workspaces["there"]
    item = ReviewItem.objects.get(message=there)
    back = "/w/other/app/moderation/?status=open&reason=first-comment"
    response = client.post("/w/other/app/moderation/decide/", {"one": f"approve:{item.pk}", "next": back})
    assert response["Location"] == back


@pytest.mark.parametrize("target", FOREIGN[:3])
def test_logging_in_never_leads_to_another_site(workspace, make_user, target):
    make_user("ana@a.org", workspace, Role.OWNER)
    response = Client().post(
        "/app/login/?next=" + target, {"username": "ana@a.org", "password": "correct horse battery"}
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


@pytest.mark.parametrize("target", ["x1", "moderation:queue", "1"])
def test_logging_in_with_a_next_that_is_no_path_goes_to_the_dashboard(workspace, make_user, target):
    make_user("ana@a.org", workspace, Role.OWNER)
    response = Client().post(
        "/app/login/?next=" + target, {"username": "ana@a.org", "password": "correct horse battery"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/")
