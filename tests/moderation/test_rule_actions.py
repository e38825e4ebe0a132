"""Each rule action, end to end: a visitor comments on the public site, the pipeline applies the rule,
and the effect shows where the team (or the visitor) would look for it."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from animateur.core.actions import ActionError
from animateur.core.roles import Role
from animateur.inbox.actions.saved_replies import do_save_saved_reply
from animateur.moderation.actions.rules import do_save_rule
from animateur.stream.models import Message, Visibility
from tests.space.test_site_factories import make_post, page_text

from .factories import SYSTEM

URL = "/2011/01/06/un-article/"


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


@pytest.fixture
def site(open_site):
    """A site that publishes comments at once unless a rule says otherwise, with one post."""
    make_post(open_site, "Un article", slug="un-article", body="Le corps de l’article.")
    return open_site


def rule(workspace, name, word, *actions):
    return do_save_rule(
        workspace,
        {
            "name": name,
            "conditions": [{"field": "text", "op": "contains", "value": word}],
            "actions": [dict(zip(("type", "value"), a, strict=False)) for a in actions],
        },
        actor=SYSTEM,
    )


def comment(text, capture, name="Ana", email="ana@example.org", status=302) -> Message:
    """A visitor's comment through the public form, effects included."""
    with capture(execute=True):
        answer = Client().post(URL, {"name": name, "email": email, "url": "", "text": text})
    assert answer.status_code == status, answer.content[:500]
    message = Message.objects.get(text=text)
    message.answer = page_text(answer) if status != 302 else ""
    return message


def public_page() -> str:
    return page_text(Client().get(URL))


def test_hold_keeps_the_comment_off_the_site_and_puts_it_in_the_queue_with_the_rule_named(
    site, client_as, django_capture_on_commit_callbacks
):
    rule(site, "Questions de livraison", "livraison", ("hold",))
    message = comment("Où en est ma livraison ?", django_capture_on_commit_callbacks)
    assert message.visibility == Visibility.PENDING
    assert "Où en est ma livraison ?" not in public_page()
    queue = page_text(client_as(site, Role.MODERATOR).get("/app/moderation/"))
    assert "Où en est ma livraison ?" in queue and "Questions de livraison" in queue


def test_delete_takes_the_comment_off_the_site_into_the_trash_of_the_comments_page(
    site, client_as, django_capture_on_commit_callbacks
):
    rule(site, "Casinos", "casino", ("delete",))
    refused = comment("Le meilleur casino en ligne", django_capture_on_commit_callbacks, status=400)
    assert "refusé par les règles de modération du site" in refused.answer
    assert refused.visibility == Visibility.TRASH
    assert "casino" not in public_page()
    moderator = client_as(site, Role.MODERATOR)
    assert "Le meilleur casino en ligne" in page_text(moderator.get("/app/space/comments/?visibility=trash"))
    assert "Le meilleur casino en ligne" not in page_text(moderator.get("/app/space/comments/?visibility=visible"))


def test_spam_puts_the_comment_in_the_spam_of_the_comments_page_and_in_the_queue(
    site, client_as, django_capture_on_commit_callbacks
):
    rule(site, "Pilules", "pilules", ("spam",))
    # The visitor is told on the form's page (200) that the comment was not published.
    message = comment("Des pilules pas chères ici", django_capture_on_commit_callbacks, status=200)
    assert message.visibility == Visibility.SPAM
    assert "n’a pas été publié" in message.answer or "n'a pas été publié" in message.answer
    assert "pilules" not in public_page()
    moderator = client_as(site, Role.MODERATOR)
    assert "Des pilules pas chères ici" in page_text(moderator.get("/app/space/comments/?visibility=spam"))
    assert "Des pilules pas chères ici" in page_text(moderator.get("/app/moderation/"))


def test_label_shows_on_the_messages_page_and_leaves_the_comment_published(
    site, client_as, django_capture_on_commit_callbacks
):
    rule(site, "Après-vente", "remboursement", ("label", "sav"))
    message = comment("Comment obtenir un remboursement ?", django_capture_on_commit_callbacks)
    assert "Comment obtenir un remboursement ?" in public_page()
    page = client_as(site, Role.MODERATOR).get(f"/app/moderation/messages/{message.pk}/").content.decode()
    assert '<span class="label">sav</span>' in page


def test_assign_puts_the_conversation_in_the_teammates_own_inbox(site, make_user, django_capture_on_commit_callbacks):
    lea = make_user("lea@example.org", site, Role.MODERATOR)
    paul = make_user("paul@example.org", site, Role.MODERATOR)
    rule(site, "Presse", "journaliste", ("assign", "lea@example.org"))
    comment("Je suis journaliste, puis-je vous interviewer ?", django_capture_on_commit_callbacks)
    as_lea, as_paul = Client(), Client()
    as_lea.force_login(lea)
    as_paul.force_login(paul)
    assert "Je suis journaliste" in page_text(as_lea.get("/app/inbox/?view=mine"))
    assert "Je suis journaliste" not in page_text(as_paul.get("/app/inbox/?view=mine"))


def test_an_auto_reply_with_a_saved_reply_answers_on_the_site_with_its_variables_filled(
    site, django_capture_on_commit_callbacks
):
    saved = do_save_saved_reply(
        site,
        title="Accusé de réception",
        body="Merci {member_name}, l’équipe {workspace_name} revient vers vous.",
        actor=SYSTEM,
    )
    rule(site, "Accusé", "commande", ("reply", str(saved.pk)))
    message = comment("Ma commande est incomplète", django_capture_on_commit_callbacks, name="Ana Dupont")
    [answer] = Message.objects.filter(parent=message)
    assert answer.from_organisation and answer.text == "Merci Ana Dupont, l’équipe Acme revient vers vous."
    assert "Merci Ana Dupont, l’équipe Acme revient vers vous." in public_page()


def test_a_rule_naming_a_saved_reply_that_does_not_exist_is_refused(site, manager_client):
    with pytest.raises(ActionError, match="pas de réponse enregistrée numéro 999"):
        rule(site, "Accusé", "commande", ("reply", "999"))
    saved = do_save_saved_reply(site, title="Accusé de réception", body="Merci !", actor=SYSTEM)
    form = manager_client.get("/app/moderation/rules/new/").content.decode()
    assert f'<option value="{saved.pk}">Accusé de réception</option>' in form  # picked by its title


def test_alert_emails_the_teammate_a_link_that_opens_the_message(site, make_user, django_capture_on_commit_callbacks):
    lea = make_user("lea@example.org", site, Role.MODERATOR)
    rule(site, "Urgences", "urgent", ("alert", "lea@example.org"))
    message = comment("C'est urgent, mon compte est bloqué", django_capture_on_commit_callbacks)
    [alert] = [m for m in mail.outbox if m.to == ["lea@example.org"]]
    assert "C'est urgent, mon compte est bloqué" in alert.subject
    link = next(word for word in alert.body.split() if "/app/moderation/messages/" in word)
    assert link.endswith(f"/app/moderation/messages/{message.pk}/")
    as_lea = Client()
    as_lea.force_login(lea)
    opened = as_lea.get(urlsplit(link).path)
    assert opened.status_code == 200 and "mon compte est bloqué" in page_text(opened)


def test_an_alert_to_someone_outside_the_team_sends_nothing(site, django_capture_on_commit_callbacks):
    rule(site, "Urgences", "urgent", ("alert", "stranger@example.org"))
    comment("C'est urgent", django_capture_on_commit_callbacks)
    assert not [m for m in mail.outbox if "stranger@example.org" in m.to]


def test_an_assignee_written_with_digits_int_cannot_read_is_nobody_not_a_crash(site, make_user):
    from animateur.moderation.effects import teammate

    lea = make_user("lea@example.org", site, Role.MODERATOR)
    assert teammate(site.pk, str(lea.pk)) == lea
    assert teammate(site.pk, " LEA@example.org ") == lea
    assert teammate(site.pk, "²") is None
