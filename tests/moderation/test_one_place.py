"""One message, one set of actions: the conversation, the review queue and the comments list offer
the same decisions with the same words, link to the conversation, and the queue replies through it."""

from __future__ import annotations

import re

import lxml.html
from django.test import Client
from django.utils import timezone

from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.inbox.models import Conversation
from animateur.moderation.models import ReviewItem
from animateur.stream.models import Message, Visibility
from tests.inline_code import inline_code

from .factories import post

FRENCH = ["Approuver", "Rejeter", "Indésirable", "Supprimer"]
ENGLISH = ["Approve", "Reject", "Spam", "Delete"]


def held_comment(workspace) -> tuple[Message, Conversation]:
    message = post(workspace, "Bonjour, ma commande n’est jamais arrivée.", email="ana@example.org", name="Ana")
    assert message.visibility == Visibility.PENDING  # a first comment waits for a moderator
    return message, Conversation.objects.get(items__message=message)


def buttons(html: str, scope: str) -> list[str]:
    """The words of the submit buttons inside the elements ``scope`` (an XPath) finds, in order."""
    root = lxml.html.fromstring(html)
    found = []
    for element in root.xpath(scope):
        for button in element.xpath(".//button[@type='submit']"):
            for hidden in button.xpath(".//*[contains(@class, 'visually-hidden')]"):
                hidden.drop_tree()
            found.append(button.text_content().strip())
    return found


def links(html: str) -> list[str]:
    return lxml.html.fromstring(html).xpath("//a/@href")


def test_the_queue_the_comments_list_and_the_conversation_offer_the_same_decisions_with_the_same_words(
    workspace, client_as, make_user
):
    message, conversation = held_comment(workspace)
    item = ReviewItem.objects.get(message=message)
    for client, words in (
        (client_as(workspace, Role.MODERATOR), FRENCH),
        (_english(workspace, make_user), ENGLISH),
    ):
        queue = client.get("/app/moderation/").content.decode()
        assert buttons(queue, f"//li[@data-item='{item.pk}']//div[@class='one']")[:4] == words
        assert buttons(queue, "//div[@class='mod-bulk']")[:4] == words
        comments = client.get("/app/space/comments/").content.decode()
        assert buttons(comments, f"//tr[@id='m{message.pk}']//td[@class='row-actions']")[:4] == words
        page = client.get(f"/app/inbox/c/{conversation.pk}/").content.decode()
        assert buttons(page, f"//form[@data-decisions='{message.pk}']") == words
        detail = client.get(f"/app/moderation/items/{item.pk}/").content.decode()
        assert buttons(detail, "//form[contains(@class, 'mod-actions')]")[:4] == words
        # The queue, the comments list and the item's page all lead to the conversation.
        to_conversation = f"/app/inbox/c/{conversation.pk}/#m{message.pk}"
        assert to_conversation in links(queue) and to_conversation in links(comments)
        assert to_conversation in links(detail)


def _english(workspace, make_user) -> Client:
    client = Client()
    client.force_login(make_user("en@example.org", workspace, Role.MODERATOR, language="en"))
    return client


def test_a_held_comment_is_approved_from_its_conversation_with_one_audit_event_per_decision(
    workspace, client_as
):
    message, conversation = held_comment(workspace)
    client = client_as(workspace, Role.MODERATOR)
    page = client.get(f"/app/inbox/c/{conversation.pk}/").content.decode()
    [form] = lxml.html.fromstring(page).xpath(f"//form[@data-decisions='{message.pk}']")
    fields = {i.get("name"): i.get("value") for i in form.xpath(".//input")}
    before = timezone.now()
    response = client.post(form.get("action"), fields | {"decision": "approve"})
    assert response.status_code == 302
    assert response["Location"] == f"/app/inbox/c/{conversation.pk}/#m{message.pk}"
    message.refresh_from_db()
    assert message.visibility == Visibility.VISIBLE
    assert ReviewItem.objects.get(message=message).status == ReviewItem.Status.APPROVED
    # One change, one audit event: the decision, with where the message came from and went to.
    [event] = AuditEvent.objects.filter(target_id=str(message.pk), created_at__gte=before)
    assert event.verb == "moderation.approve" and (event.data["from"], event.data["to"]) == ("pending", "visible")
    assert "1 élément approuvé." in client.get(response["Location"]).content.decode()


def test_the_queue_replies_in_the_conversation_through_the_inbox(workspace, client_as):
    message, conversation = held_comment(workspace)
    item = ReviewItem.objects.get(message=message)
    client = client_as(workspace, Role.MODERATOR)
    queue = client.get("/app/moderation/").content.decode()
    root = lxml.html.fromstring(queue)
    [box] = root.xpath(f"//li[@data-item='{item.pk}']//textarea[@name='text']")
    [form] = root.xpath(f"//form[@id='{box.get('form')}']")
    assert form.get("action") == f"/app/inbox/c/{conversation.pk}/reply/"
    assert "Répondre" in root.xpath(f"//li[@data-item='{item.pk}']//summary")[0].text_content()
    fields = {i.get("name"): i.get("value") for i in form.xpath(".//input")}
    response = client.post(form.get("action"), fields | {"text": "Nous regardons votre commande tout de suite."})
    assert response.status_code == 302 and response["Location"].endswith(f"/app/inbox/c/{conversation.pk}/")
    [answer] = Message.objects.filter(from_organisation=True, parent=message)
    assert answer.text == "Nous regardons votre commande tout de suite."
    assert AuditEvent.objects.filter(verb="inbox.reply", target_id=str(conversation.pk)).count() == 1


def test_the_comments_list_shows_rejected_comments_in_a_tab_of_their_own(workspace, client_as):
    message, _conversation = held_comment(workspace)
    client = client_as(workspace, Role.MODERATOR)
    client.post("/app/space/comments/bulk/", {"one": f"{message.pk}:hidden"})
    message.refresh_from_db()
    assert message.visibility == Visibility.HIDDEN
    page = client.get("/app/space/comments/?visibility=hidden").content.decode()
    assert re.search(r"Rejetés <span class=\"count\">\(1\)</span>", page)
    assert f'id="m{message.pk}"' in page


def test_the_queue_and_the_comments_list_run_no_inline_script(workspace, client_as):
    held_comment(workspace)
    client = client_as(workspace, Role.MODERATOR)
    for url in ("/app/moderation/", "/app/space/comments/"):
        assert inline_code(client.get(url).content.decode()) == [], url
