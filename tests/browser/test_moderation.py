"""A moderator of a French community works the review queue: rule reasons, approval, spam that teaches."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from animateur.core.actions import SystemActor
from animateur.core.roles import Role
from animateur.moderation.actions.rules import do_save_rule
from animateur.space.actions.posts import do_create_post
from animateur.space.models import PostStatus
from animateur.stream.models import Message, Visibility

pytestmark = pytest.mark.browser

TITLE = "Le service client, version communauté"
QUESTION = "Je veux un remboursement pour ma commande, personne ne me répond."
SPAM = "Super article ! Au passage, mon cousin vend des montres de luxe à prix cassés, contactez-le sur son site"
NEAR = "Super article !! Au passage mon cousin vend des montres de luxe à prix cassés, contactez le sur son site"


def comment(page, path: str, name: str, email: str, text: str, *, shown: bool = True) -> None:
    page.goto(path)
    form = page.locator("#respond")
    form.get_by_label(re.compile(r"^Nom\b")).fill(name)
    form.get_by_label(re.compile(r"^(Courriel|Adresse e-mail)")).fill(email)
    form.get_by_label(re.compile(r"^Commentaire\b")).fill(text)
    with page.expect_navigation():
        form.get_by_role("button", name="Publier le commentaire").click()
    if shown:  # a comment taken for spam is not shown back to its author
        expect(page.locator("li.comment", has_text=text[:40])).to_be_visible()
    else:
        expect(page.locator("#respond")).to_be_visible()


def test_a_held_comment_is_approved_from_the_queue_and_spam_teaches_the_next_one(
    page, new_page, login, workspace, make_user
):
    system = SystemActor("tests")
    post = do_create_post(
        workspace, actor=system, title=TITLE, body="Répondre vite, et en public.", status=PostStatus.PUBLISHED
    )
    do_save_rule(
        workspace,
        {
            "name": "Demandes de remboursement",
            "conditions": [{"field": "text", "op": "contains", "value": "rembours*"}],
            "actions": [{"type": "hold"}, {"type": "label", "value": "sav"}],
        },
        actor=system,
    )
    make_user("moderatrice@example.org", workspace, Role.MODERATOR)
    page.goto("/")
    page.get_by_role("link", name=TITLE, exact=True).first.click()
    path = re.sub(r"^https?://[^/]+", "", page.url).split("#")[0]

    # A visitor asks for a refund: the rule holds the comment.
    comment(page, path, "Camille", "camille@example.org", QUESTION)
    expect(page.locator("li.comment", has_text=QUESTION)).to_contain_text("en attente de modération")

    # The moderator sees it in the one queue, with every reason, and approves it with the keyboard.
    moderator = new_page()
    login(moderator, "moderatrice@example.org")
    moderator.goto("/app/moderation/")
    expect(moderator.get_by_role("heading", level=1)).to_contain_text("File de modération")
    item = moderator.locator(".mod-item", has_text=QUESTION)
    expect(item.locator(".reason-rule")).to_contain_text("Demandes de remboursement")
    expect(item.locator(".reason-first-comment")).to_be_visible()
    expect(moderator.locator(".mod-filters [data-reason=rule]")).to_have_text("Règles (1)")
    moderator.keyboard.press("?")
    expect(moderator.locator("#mod-help")).to_be_visible()
    moderator.keyboard.press("a")
    expect(moderator.locator(".mod-item", has_text=QUESTION)).to_have_count(0)

    # Published on the site, for everyone.
    stranger = new_page()
    stranger.goto(path)
    expect(stranger.locator("li.comment", has_text=QUESTION)).to_be_visible()
    expect(stranger.locator("li.comment", has_text=QUESTION)).not_to_contain_text("en attente")

    # Another visitor plugs a shop; the moderator marks it as spam: it is gone from the site.
    comment(new_page(), path, "Dominique", "dominique@example.org", SPAM)
    moderator.goto("/app/moderation/")
    moderator.locator(".mod-item", has_text=SPAM[:40]).locator("button[value^='spam:']").click()
    expect(moderator.locator(".mod-item", has_text=SPAM[:40])).to_have_count(0)
    stranger.goto(path)
    expect(stranger.get_by_text(SPAM[:40])).to_have_count(0)
    assert Message.objects.get(text=SPAM).visibility == Visibility.SPAM

    # A near-identical comment posted next is held as spam, and the queue says why.
    comment(new_page(), path, "Sacha", "sacha@example.org", NEAR, shown=False)
    assert Message.objects.get(text=NEAR).visibility == Visibility.SPAM
    moderator.goto("/app/moderation/?reason=spam-score")
    near = moderator.locator(".mod-item", has_text=NEAR[:40])
    expect(near.locator(".reason-spam-score")).to_contain_text("→ indésirable")
    expect(near.locator(".reason-spam-score")).to_contain_text(
        "presque identique à un message qu’un modérateur a classé indésirable"
    )
    stranger.goto(path)
    expect(stranger.get_by_text(NEAR[:40])).to_have_count(0)
    assert post.pk


def test_a_manager_makes_a_rule_that_calls_a_webhook_copies_its_secret_once_and_sees_the_calls(
    page, new_page, login, workspace, make_user, settings
):
    import hashlib
    import hmac

    from tests.moderation.receiver import Receiver

    settings.ALLOW_PRIVATE_URLS = True  # the receiving service is on this machine
    receiver = Receiver()
    try:
        system = SystemActor("tests")
        workspace.hold_first_comments = False
        workspace.save()
        post = do_create_post(
            workspace, actor=system, title=TITLE, body="Répondre vite, et en public.", status=PostStatus.PUBLISHED
        )
        make_user("responsable@example.org", workspace, Role.MANAGER)
        login(page, "responsable@example.org")
        page.goto("/app/moderation/rules/new/")
        page.get_by_role("textbox", name="Nom :").fill("Remboursements vers le SAV")
        page.select_option("select[name=c0_field]", "text")
        page.select_option("select[name=c0_op]", "contains")
        page.fill("input[name=c0_value]", "rembours*")
        page.select_option("select[name=a0_type]", "webhook")
        page.fill("input[name=a0_value]", receiver.url)
        page.get_by_role("button", name="Enregistrer").click()

        expect(page.locator(".webhook-secret")).to_contain_text("il ne sera plus affiché")
        secret = page.locator("#webhook-secret").inner_text().strip()
        assert len(secret) >= 32
        from animateur.moderation.models import Rule

        page.goto(f"/app/moderation/rules/{Rule.objects.get(name='Remboursements vers le SAV').pk}/")
        expect(page.locator(".webhook-secret")).to_have_count(0)  # never shown again
        expect(page.locator("[data-rule-webhooks]")).to_contain_text("moderation.rule_matched")

        visitor = new_page()
        visitor.goto("/")
        visitor.get_by_role("link", name=TITLE, exact=True).first.click()
        path = re.sub(r"^https?://[^/]+", "", visitor.url).split("#")[0]
        comment(visitor, path, "Camille", "camille@example.org", QUESTION)

        assert len(receiver.calls) == 1
        call = receiver.calls[0]
        expected = "sha256=" + hmac.new(secret.encode(), call.body, hashlib.sha256).hexdigest()
        assert call.headers["x-animateur-signature"] == expected
        assert call.json()["data"]["message"]["excerpt"] == QUESTION
        # The rule's calls are the workspace's webhooks' deliveries: logged with each answer there.
        page.get_by_role("link", name="Voir les appels de cette règle et leurs réponses").click()
        page.get_by_role("link", name="Remboursements vers le SAV").click()
        row = page.locator("tr[data-delivery]").first
        expect(row).to_contain_text("moderation.rule_matched")
        expect(row).to_contain_text("HTTP 200")
        expect(row).to_have_attribute("data-status", "delivered")
        expect(page.locator("[data-rule-webhook]")).to_contain_text("règle de modération")
        assert post.pk
    finally:
        receiver.close()
