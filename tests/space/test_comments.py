"""Comments on the public site: posting, holding first-timers, defences, and the team's moderation page."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from animateur.core.models import AuditEvent
from animateur.space.comment_cookie import HELD_COOKIE
from animateur.space.comments import do_reply_as_organisation
from animateur.space.models import Post
from animateur.stream.actions import do_set_message_visibility
from animateur.stream.models import Message, Visibility
from tests.space.test_site_factories import add_comment, make_post, page_text

URL = "/2011/01/06/un-article/"


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


@pytest.fixture
def post(workspace):
    return make_post(workspace, "Un article", slug="un-article", body="Le corps de l’article.")


def form(**overrides):
    data = {"name": "Ana", "email": "Ana@Example.org", "url": "", "text": "Bonjour, merci pour l’article !"}
    data.update(overrides)
    return data


def test_a_first_time_commenter_is_held_and_only_they_see_the_waiting_note_even_after_a_restart(client, post):
    response = client.post(URL, form(), REMOTE_ADDR="203.0.113.5", HTTP_USER_AGENT="Firefox")
    message = Message.objects.get(text="Bonjour, merci pour l’article !")
    assert response.status_code == 302
    assert response["Location"] == f"{URL}#comment-{message.pk}"
    assert message.visibility == Visibility.PENDING
    assert message.remote_addr == "203.0.113.5" and message.user_agent == "Firefox"
    assert message.author.external_id == "ana@example.org"
    assert message.parent_id == post.message_id

    mine = page_text(client.get(URL))
    assert "Votre commentaire est en attente de modération" in mine
    assert "Bonjour, merci pour l’article !" in mine
    assert "Aucun commentaire" in mine  # the count is of visible comments

    stranger = page_text(Client().get(URL))
    assert "Bonjour, merci pour l’article !" not in stranger
    assert "en attente de modération" not in stranger

    # After a restart, nothing in memory is left: a new client with the same cookie still sees it.
    cache.clear()
    again = Client()
    again.cookies[HELD_COOKIE] = client.cookies[HELD_COOKIE].value
    assert "Votre commentaire est en attente de modération" in page_text(again.get(URL))


def test_a_forged_cookie_shows_nothing(client, post):
    client.post(URL, form())
    forger = Client()
    forger.cookies[HELD_COOKIE] = "[1,2,3]:forged"
    assert "Bonjour, merci" not in page_text(forger.get(URL))


def test_approving_on_the_moderation_page_publishes_the_comment_and_increments_the_count(
    client, post, workspace, client_as
):
    client.post(URL, form())
    message = Message.objects.get(text__startswith="Bonjour, merci")
    moderator = client_as(workspace, "moderator")
    page = moderator.get("/app/space/comments/")
    assert page.status_code == 200
    text = page_text(page)
    assert "Ana" in text and "ana@example.org" in text and "Un article" in text and "Premier commentaire" in text
    response = moderator.post("/app/space/comments/bulk/", {"one": f"{message.pk}:visible"})
    assert response.status_code == 302
    message.refresh_from_db()
    post.refresh_from_db()
    assert message.visibility == Visibility.VISIBLE
    assert post.comment_count == 1
    public = page_text(Client().get("/"))
    assert "| 1 commentaire" in public
    assert "Bonjour, merci pour l’article !" in page_text(Client().get(URL))
    # One decision, one audit event.
    [event] = AuditEvent.objects.filter(
        verb__in=["stream.message.set_visibility", "moderation.approve"], target_id=str(message.pk)
    )
    assert event.verb == "moderation.approve" and event.actor_user == moderator.user
    assert (event.data["from"], event.data["to"]) == ("pending", "visible")
    # Her next comment is published at once.
    again = "Merci encore pour cette interview, elle m’a donné des idées pour notre office de tourisme."
    client.post(URL, form(text=again))
    assert Message.objects.get(text=again).visibility == Visibility.VISIBLE


def test_bulk_actions_move_the_checked_comments_and_counts_follow(post, workspace, client_as):
    comments = [add_comment(post, f"Commentaire {n}", email=f"c{n}@example.org") for n in range(3)]
    moderator = client_as(workspace, "moderator")
    response = moderator.post(
        "/app/space/comments/bulk/", {"ids": [comments[0].pk, comments[1].pk], "action": "spam"}
    )
    assert response.status_code == 302
    assert sorted(Message.objects.filter(visibility="spam").values_list("pk", flat=True)) == [
        comments[0].pk,
        comments[1].pk,
    ]
    post.refresh_from_db()
    assert post.comment_count == 1
    spam_tab = page_text(moderator.get("/app/space/comments/?visibility=spam"))
    assert "Commentaire 0" in spam_tab and "Commentaire 2" not in spam_tab
    moderator.post("/app/space/comments/bulk/", {"ids": [comments[0].pk], "action": "trash"})
    moderator.post("/app/space/comments/bulk/", {"ids": [comments[1].pk], "action": "pending"})
    assert Message.objects.get(pk=comments[0].pk).visibility == "trash"
    assert Message.objects.get(pk=comments[1].pk).visibility == "pending"
    counts = page_text(moderator.get("/app/space/comments/"))
    assert "En attente (1)" in counts and "Approuvés (1)" in counts and "Corbeille (1)" in counts


def test_a_bulk_action_without_selection_or_with_an_unknown_action_changes_nothing(
    post, workspace, client_as
):
    comment = add_comment(post, "Commentaire")
    moderator = client_as(workspace, "moderator")
    moderator.post("/app/space/comments/bulk/", {"ids": [comment.pk], "action": "explode"})
    moderator.post("/app/space/comments/bulk/", {"action": "spam"})
    assert Message.objects.get(pk=comment.pk).visibility == "visible"


def test_moderation_page_permissions(post, workspace, client_as, make_workspace, make_user):
    comment = add_comment(post, "Commentaire")
    assert client_as(workspace, "moderator").get("/app/space/comments/").status_code == 200
    analyst = client_as(workspace, "analyst")
    assert analyst.get("/app/space/comments/").status_code == 403
    assert analyst.post("/app/space/comments/bulk/", {"one": f"{comment.pk}:spam"}).status_code == 403
    assert Message.objects.get(pk=comment.pk).visibility == "visible"
    other = make_workspace("autre", "Autre")
    outsider = client_as(other, "owner")
    assert outsider.get("/w/autre/app/space/comments/").status_code == 200  # their own workspace
    # In the comment's workspace, an owner of another workspace is not a member: it does not exist for them.
    assert outsider.get("/app/space/comments/").status_code == 404
    assert outsider.post("/app/space/comments/bulk/", {"one": f"{comment.pk}:spam"}).status_code == 404
    assert Message.objects.get(pk=comment.pk).visibility == "visible"
    assert Client().get("/app/space/comments/").status_code == 302  # to the login page


def test_a_moderator_cannot_act_on_another_workspaces_comment(post, workspace, make_workspace, client_as):
    comment = add_comment(post, "Commentaire")
    other = make_workspace("autre", "Autre", is_default=False)
    other.domain = "autre.example.org"
    other.save()
    outsider = client_as(other, "owner")
    response = outsider.post(
        "/app/space/comments/bulk/", {"one": f"{comment.pk}:spam"}, HTTP_HOST="autre.example.org"
    )
    assert response.status_code == 404
    assert Message.objects.get(pk=comment.pk).visibility == "visible"


def test_the_honeypot_silently_drops_a_robots_comment_as_spam(client, post):
    response = client.post(URL, form(website_confirm="http://spam.example"))
    assert response.status_code == 302
    message = Message.objects.get(text__startswith="Bonjour, merci")
    assert message.visibility == Visibility.SPAM
    assert message.scores["reasons"][0]["source"] == "honeypot"
    assert "en attente" not in page_text(client.get(URL))


def test_too_many_comments_from_one_address_are_refused_with_a_clear_error(client, post, workspace):
    workspace.settings = {"comment_rate_limit": {"count": 2, "seconds": 600}}
    workspace.save()
    for n in range(2):
        assert client.post(URL, form(text=f"Commentaire {n}"), REMOTE_ADDR="198.51.100.7").status_code == 302
    refused = client.post(URL, form(text="Un de trop"), REMOTE_ADDR="198.51.100.7")
    assert refused.status_code == 429
    assert "Merci d’attendre 10 minutes" in page_text(refused)
    assert not Message.objects.filter(text="Un de trop").exists()
    # another address is not affected
    assert client.post(URL, form(text="Autre adresse"), REMOTE_ADDR="198.51.100.8").status_code == 302


def test_length_limits_and_missing_fields_give_clear_errors_and_store_nothing(client, post, workspace):
    too_long = client.post(URL, form(text="x" * 5001))
    assert too_long.status_code == 400
    assert "Votre commentaire est trop long : 5001 caractères, 5000 au plus." in page_text(too_long)
    empty = client.post(URL, form(name="", email="pas-une-adresse", text=""))
    text = page_text(empty)
    assert "Merci d’indiquer votre nom." in text
    assert "Cette adresse e-mail ne semble pas valide." in text
    assert "Merci d’écrire votre commentaire." in text
    assert 'aria-invalid="true"' in empty.content.decode()
    bad_url = client.post(URL, form(url="javascript:alert(1)"))
    assert "Cette adresse web ne semble pas valide" in page_text(bad_url)
    assert Message.objects.filter(kind__in=["comment", "reply"]).count() == 0


def test_comments_closed_on_a_post_are_refused(client, workspace):
    make_post(workspace, "Fermé", slug="ferme", comments_open=False)
    response = client.post("/2011/01/06/ferme/", form())
    assert response.status_code == 403
    assert "Les commentaires sont fermés" in page_text(response)
    assert not Message.objects.filter(kind="comment").exists()
    assert "Laisser un commentaire" not in page_text(client.get("/2011/01/06/ferme/"))


def test_a_reply_to_a_comment_is_threaded_under_it(client, post):
    parent = add_comment(post, "Question ?", name="Bruno", email="bruno@example.org")
    client.post(URL, form(text="Réponse à Bruno.", parent=parent.pk))
    reply = Message.objects.get(text="Réponse à Bruno.")
    assert reply.parent_id == parent.pk and reply.thread_root_id == post.message_id and reply.kind == "reply"
    bad = client.post(URL, form(text="Réponse perdue.", parent=999999))
    assert bad.status_code == 400 and "n’est pas disponible" in page_text(bad)


def test_a_comment_on_a_post_without_a_message_creates_it(client, post):
    Post.objects.filter(pk=post.pk).update(message=None)
    client.post(URL, form())
    post.refresh_from_db()
    assert post.message_id is not None
    assert Message.objects.get(text__startswith="Bonjour, merci").thread_root_id == post.message_id


def test_a_comment_to_an_unpublished_post_is_impossible(client, workspace):
    make_post(workspace, "Brouillon", slug="brouillon", status="draft")
    assert client.post("/2011/01/06/brouillon/", form()).status_code == 404
    assert not Message.objects.filter(kind="comment").exists()


def test_staff_reply_as_the_organisation_is_visible_at_once_and_signed_per_the_workspace_setting(
    post, workspace, client_as
):
    question = add_comment(post, "Quand sort le livre ?", name="Bruno", email="bruno@example.org")
    moderator = client_as(workspace, "moderator")
    moderator.user.display_name = "Catherine"
    moderator.user.save()
    response = moderator.post(f"/app/space/comments/{question.pk}/reply/", {"text": "Le 10 septembre !"})
    assert response.status_code == 302
    reply = Message.objects.get(text="Le 10 septembre !")
    assert (
        reply.visibility == Visibility.VISIBLE and reply.from_organisation and reply.sent_by == moderator.user
    )
    assert reply.parent_id == question.pk
    text = page_text(Client().get(URL))
    assert "Catherine" in text and "Le 10 septembre !" in text and "Équipe" in text
    workspace.comment_signature = "organisation"
    workspace.save()
    second = do_reply_as_organisation(question, "Et en e-book.", actor=moderator.user)
    assert second.raw["signature"] == "Acme"
    post.refresh_from_db()
    assert post.comment_count == 3
    assert AuditEvent.objects.filter(verb="space.comment.reply_as_organisation").count() == 2


def test_an_empty_reply_is_refused_and_an_analyst_may_not_reply(post, workspace, client_as):
    question = add_comment(post, "Question ?")
    moderator = client_as(workspace, "moderator")
    empty = moderator.post(f"/app/space/comments/{question.pk}/reply/", {"text": "  "})
    assert empty.status_code == 400 and "La réponse est vide." in page_text(empty)
    analyst = client_as(workspace, "analyst")
    assert analyst.post(f"/app/space/comments/{question.pk}/reply/", {"text": "Non"}).status_code == 403
    assert Message.objects.filter(from_organisation=True, kind__in=["comment", "reply"]).count() == 0


def test_set_message_visibility_refuses_unknown_visibilities_and_checks_the_permission(
    post, workspace, make_user
):
    from django.core.exceptions import PermissionDenied

    from animateur.core.actions import ActionError

    comment = add_comment(post, "Commentaire")
    analyst = make_user("a@example.org", workspace, "analyst")
    with pytest.raises(ActionError):
        do_set_message_visibility([comment], "exploded", actor=analyst)
    with pytest.raises(PermissionDenied):
        do_set_message_visibility([comment], "spam", actor=analyst)
    assert Message.objects.get(pk=comment.pk).visibility == "visible"


def test_a_banned_commenter_and_a_blocked_word_are_refused_with_a_message_naming_why(client, post, workspace):
    from animateur.core.actions import SystemActor
    from animateur.moderation.actions.sanctions import do_sanction_member
    from animateur.moderation.actions.words import do_add_watched_word

    actor = SystemActor("tests")
    do_add_watched_word(workspace, "arnaque", "block", actor=actor)
    blocked = client.post(URL, form(text="Quelle arnaque, ce livre"))
    assert blocked.status_code == 400
    assert "mots qui ne sont pas acceptés" in page_text(blocked)
    assert Message.objects.get(text__startswith="Quelle").visibility == Visibility.TRASH

    client.post(URL, form(text="Un premier message tout à fait correct."))
    member = Message.objects.get(text__startswith="Un premier").author.member
    do_sanction_member(member, "ban", "insultes répétées", actor=actor)
    banned = client.post(URL, form(text="Je reviens quand même."))
    assert banned.status_code == 400
    assert "ne pouvez plus commenter" in page_text(banned)
    assert "Je reviens quand même." not in page_text(Client().get(URL))


def test_marking_a_comment_as_spam_on_the_comment_page_teaches_the_workspace_scoring(
    client, post, workspace, client_as
):
    from animateur.moderation.learning import adapter_for

    spam = "Gagnez 500 euros par jour depuis chez vous, cliquez sur mon profil maintenant"
    client.post(URL, form(text=spam, email="bot@example.net"), REMOTE_ADDR="198.51.100.7")
    message = Message.objects.get(text=spam)
    moderator = client_as(workspace, "moderator")
    moderator.post("/app/space/comments/bulk/", {"one": f"{message.pk}:spam"})
    message.refresh_from_db()
    assert message.visibility == Visibility.SPAM
    assert AuditEvent.objects.filter(verb="moderation.spam", target_id=str(message.pk)).exists()
    assert adapter_for(workspace).to_bytes() != type(adapter_for(workspace))().to_bytes()


@pytest.mark.parametrize(
    ("language", "told"),
    [
        ("fr", "Votre commentaire n’a pas été publié : notre filtre l’a mis de côté. Un modérateur va le relire"),
        ("en", "Your comment was not published: our filter set it aside. A moderator will review it"),
    ],
)
def test_a_visitor_whose_comment_is_classed_as_spam_is_told_in_the_sites_language_and_keeps_their_text(
    client, post, workspace, language, told
):
    from lxml import html

    from animateur.moderation.actions.settings import do_update_moderation_settings
    from tests.conftest import SYSTEM

    workspace.language = language
    workspace.save(update_fields=["language"])
    # A site whose filter sends every comment of a newcomer to spam.
    do_update_moderation_settings(
        workspace, score_thresholds={"spam_hold": 0.0, "spam_spam": 0.0, "toxicity_hold": 1.0}, actor=SYSTEM
    )
    response = client.post(URL, form())
    message = Message.objects.get(text="Bonjour, merci pour l’article !")
    assert message.visibility == Visibility.SPAM
    assert response.status_code == 200
    text = page_text(response)
    assert told in text
    assert "score" not in text.lower() and str(message.scores.get("spam")) not in text
    page = html.fromstring(response.content)
    assert page.xpath("//textarea[@name='text']")[0].text_content().strip() == "Bonjour, merci pour l’article !"
    assert page.xpath("//input[@name='name']")[0].get("value") == "Ana"
