"""A moderator works held comments from the queue and from their conversation, with the same words."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from animateur.core.roles import Role
from animateur.stream.models import Message, Visibility
from tests.moderation.factories import post

pytestmark = pytest.mark.browser

QUESTION = "Bonjour, ma commande n’est jamais arrivée."
THANKS = "Merci pour ce billet, très utile."


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        (
            "fr",
            [
                "Approuver",
                "Rejeter",
                "Indésirable",
                "Supprimer",
                "Ouvrir la conversation",
                "Répondre",
                "Envoyer la réponse",
            ],
        ),
        ("en", ["Approve", "Reject", "Spam", "Delete", "Open the conversation", "Reply", "Send the reply"]),
    ],
)
def test_a_held_comment_is_approved_in_its_conversation_and_another_answered_from_the_queue(
    new_page, login, workspace, make_user, locale, words
):
    approve, reject, spam, delete, open_conversation, reply, send = words
    question = post(workspace, QUESTION, email="ana@example.org", name="Ana")
    post(workspace, THANKS, email="bob@example.org", name="Bob")
    make_user("moderatrice@example.org", workspace, Role.MODERATOR, language=locale)
    page = new_page("fr-FR" if locale == "fr" else "en-US")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page, "moderatrice@example.org")

    page.goto("/app/moderation/")
    item = page.locator(".mod-item", has_text=QUESTION)
    expect(item.locator(".one > button")).to_have_text([approve, reject, spam, delete])
    item.get_by_role("link", name=open_conversation).click()
    message = page.locator(f"#m{question.pk}")
    expect(message).to_contain_text(QUESTION)
    expect(message.locator("form[data-decisions] button")).to_have_text([approve, reject, spam, delete])
    message.get_by_role("button", name=approve, exact=True).click()
    expect(page.locator(".flash")).to_be_visible()
    assert Message.objects.get(pk=question.pk).visibility == Visibility.VISIBLE

    page.goto("/app/moderation/")
    expect(page.locator(".mod-item", has_text=QUESTION)).to_have_count(0)
    other = page.locator(".mod-item", has_text=THANKS)
    other.locator("summary", has_text=reply).click()
    other.locator("textarea").fill("Merci à vous, Bob !")
    other.get_by_role("button", name=send).click()
    expect(page.locator(".thread")).to_contain_text("Merci à vous, Bob !")
    assert Message.objects.filter(from_organisation=True, text="Merci à vous, Bob !").count() == 1
    assert errors == []
