"""A moderator triages the inbox with the keyboard and answers with a saved reply while a teammate watches."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from animateur.core.actions import SystemActor
from animateur.core.roles import Role
from animateur.inbox.actions.saved_replies import do_save_saved_reply
from animateur.inbox.models import Conversation, ResponseTarget, State
from tests.inbox.factories import inbound
from tests.space.test_site_factories import make_post

pytestmark = pytest.mark.browser

TITLE = "Les horaires d’été du musée"
QUESTIONS = [
    ("Inès Martin", "ines@example.org", "Le musée ouvre-t-il le lundi en juillet ?"),
    ("Paul Durand", "paul@example.org", "Peut-on venir avec une poussette ?"),
    ("Léa Petit", "lea@example.org", "Merci pour ce programme, il est superbe !"),
]


def test_a_moderator_triages_with_the_keyboard_and_replies_with_a_saved_reply_seen_by_a_teammate(
    page, new_page, login, workspace, make_user
):
    system = SystemActor("tests")
    ResponseTarget.objects.create(workspace=workspace, minutes=120, business_hours=False)
    do_save_saved_reply(
        workspace,
        actor=system,
        title="Horaires d’été",
        body="Bonjour {member_name}, le musée est ouvert tous les jours de 10 h à 19 h cet été. {agent_name}",
        language="fr",
    )
    post = make_post(workspace, TITLE, published_at=timezone.now() - timedelta(days=1))
    post.refresh_from_db()
    now = timezone.now()
    for i, (name, email, text) in enumerate(QUESTIONS):
        # Oldest first: the « time left » sort puts the most urgent (oldest) on top.
        inbound(
            workspace, text, parent=post.message, name=name, email=email, created_at=now - timedelta(minutes=30 - i)
        )
    make_user("camille@example.org", workspace, Role.MODERATOR, display_name="Camille")
    make_user("sam@example.org", workspace, Role.MANAGER, display_name="Sam")

    login(page, "camille@example.org")
    page.goto("/app/inbox/")
    rows = page.locator("[data-conversation]")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("Inès Martin")
    expect(rows.first.locator("[data-clock=left]")).to_contain_text("reste")

    # Select the first two with x, j, x and take them with a.
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    with page.expect_navigation():
        page.keyboard.press("a")
    expect(page.locator('.inbox-views [data-count="mine"]')).to_have_text("2")

    # The praise needs no answer: move onto it and close it with c.
    page.keyboard.press("j")
    expect(page.locator("[data-conversation].is-cursor")).to_contain_text("Léa Petit")
    with page.expect_navigation():
        page.keyboard.press("c")
    expect(page.locator('.inbox-views [data-count="closed"]')).to_have_text("1")
    expect(page.locator("[data-conversation]")).to_have_count(2)

    # Open Inès's question with o.
    page.keyboard.press("k")
    page.keyboard.press("k")
    expect(page.locator("[data-conversation].is-cursor")).to_contain_text("Inès Martin")
    with page.expect_navigation():
        page.keyboard.press("o")
    expect(page.locator("h1")).to_have_text("Inès Martin")
    conversation_url = page.url

    # A teammate opens the same conversation and sees Camille on it, then replying.
    sam = new_page()
    login(sam, "sam@example.org")
    sam.goto(conversation_url)
    expect(sam.locator("[data-presence]")).to_contain_text("Camille consulte la conversation")

    # A saved reply, found while typing, fills the reply with the member's and the agent's names.
    page.locator("#saved-reply-search").fill("été")
    expect(page.locator("[data-saved-reply-results] li").first).to_contain_text("Horaires d’été")
    page.locator("#saved-reply-search").press("Enter")
    reply = page.locator("#reply-text")
    expect(reply).to_have_value(re.compile(r"^Bonjour Inès Martin, le musée est ouvert .* Camille$"))
    expect(sam.locator("[data-presence]")).to_contain_text("Camille est en train de répondre", timeout=20_000)
    with page.expect_navigation():
        page.get_by_role("button", name="Envoyer la réponse").click()
    expect(page.locator(".flash")).to_contain_text("Réponse envoyée.")

    # The conversation's clock stopped: answered, waiting for the member.
    expect(page.locator("[data-state]")).to_have_text("En attente")
    expect(page.locator(".facts [data-clock=answered]")).to_contain_text("répondue en")
    conversation = Conversation.objects.get(author_name="Inès Martin")
    assert conversation.state == State.WAITING and conversation.first_response_at is not None

    # The reply is on the public site, under Inès's comment.
    visitor = new_page()
    visitor.goto("/")
    with visitor.expect_navigation():
        visitor.get_by_role("link", name=TITLE).first.click()
    expect(visitor.locator("li.comment.by-organisation", has_text="le musée est ouvert tous les jours")).to_be_visible()

    # Sam's page learns that a reply was sent meanwhile.
    expect(sam.locator("[data-newer]")).to_be_visible(timeout=20_000)
