"""Links sent by email or webhook open the page of the workspace they are about."""

from __future__ import annotations

from django.test import Client
from django.urls import set_script_prefix

from animateur.core.links import absolute_url
from animateur.core.roles import Role
from animateur.inbox.actions.conversations import do_assign_conversation
from animateur.inbox.models import Conversation
from tests.inbox.factories import inbound, post_message


def test_a_link_to_another_workspace_carries_its_path_prefix_and_opens_its_page(
    workspace, make_workspace, make_user, settings
):
    settings.BASE_URL = "https://animateur.example.org/"
    other = make_workspace("marque-b", "Marque B", is_default=False)
    ana = make_user("ana@team.org", other, Role.MANAGER)
    assert absolute_url(workspace, "channels:list") == "https://animateur.example.org/app/channels/"
    link = absolute_url(other, "channels:list")
    assert link == "https://animateur.example.org/w/marque-b/app/channels/"
    client = Client()
    client.force_login(ana)
    assert client.get(link.removeprefix("https://animateur.example.org")).status_code == 200


def test_a_link_made_while_browsing_another_workspace_names_its_own():
    set_script_prefix("/w/marque-b/")
    try:
        from animateur.core.models import Workspace

        default = Workspace(slug="acme", name="Acme", is_default=True)
        assert absolute_url(default, "channels:list").endswith("/app/channels/")
        assert "/w/marque-b/" not in absolute_url(default, "channels:list")
    finally:
        set_script_prefix("/")


def test_an_assignment_email_in_another_workspace_links_to_the_conversation_there(
    workspace, make_workspace, make_user, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.BASE_URL = "https://animateur.example.org"
    other = make_workspace("marque-b", "Marque B", is_default=False)
    ana = make_user("ana@team.org", other, Role.MANAGER)
    bob = make_user("bob@team.org", other, Role.MODERATOR)
    conversation = Conversation.objects.get(root=inbound(other, "Une question", parent=post_message(other)))
    with django_capture_on_commit_callbacks(execute=True):
        do_assign_conversation(conversation, bob, actor=ana)
    [email] = [m for m in mailoutbox if m.to == ["bob@team.org"]]
    link = f"https://animateur.example.org/w/marque-b/app/inbox/c/{conversation.pk}/"
    assert link in email.body
    client = Client()
    client.force_login(bob)
    assert "Une question" in client.get(link.removeprefix("https://animateur.example.org")).content.decode()
