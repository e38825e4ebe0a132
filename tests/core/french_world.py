"""A workspace as a French team has it after a few weeks: every kind of stored code has a row to show.

Conversations on several channels with their whole history (assigned, prioritised, labelled,
noted, answered, waiting), channels of several kinds with their health, posts with their audit
trail, comments held for a first-time author, a spam comment, watched words, a rule, a sanction,
business hours, holidays, targets, an invitation and an API token. Names and texts are French, so
that any English word or code on a page comes from the app, not from the data.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from animateur.channels.models import Channel, ChannelRun
from animateur.core.actions import SystemActor
from animateur.core.models import User, Workspace
from animateur.core.roles import Role
from animateur.inbox.actions.conversations import (
    do_assign_conversation,
    do_set_conversation_priority,
    do_set_conversation_state,
)
from animateur.inbox.actions.expectations import do_add_holiday, do_set_business_hours, do_set_response_target
from animateur.inbox.actions.labels import do_create_label, do_set_conversation_labels
from animateur.inbox.actions.notes import do_add_note
from animateur.inbox.actions.replies import do_mark_answered_elsewhere, do_reply_conversation
from animateur.inbox.actions.saved_replies import do_save_saved_reply
from animateur.inbox.actions.saved_views import do_save_view
from animateur.inbox.models import Conversation
from animateur.stream.models import Kind
from tests.inbox.factories import inbound

SYSTEM = SystemActor("tests")


def _comment(post: Any, name: str, email: str, text: str) -> Any:
    """A visitor's comment through the public form's action, held or not as the site decides."""
    from animateur.space.comments import receive_comment

    result = receive_comment(post, {"name": name, "email": email, "text": text}, "192.0.2.10")
    assert result.message is not None, result.form.errors
    return result.message


def build(workspace: Workspace, make_user: Any) -> dict[str, Any]:
    """The workspace filled in; returns the team and the ids the team's pages take."""
    from animateur.api.actions import do_create_api_token
    from animateur.core.team import do_invite_member
    from animateur.moderation.actions.flags import do_flag_message
    from animateur.moderation.actions.rules import do_save_rule
    from animateur.moderation.actions.sanctions import do_sanction_member
    from animateur.moderation.actions.words import do_add_watched_word
    from animateur.moderation.models import ReviewItem
    from animateur.space.actions import posts, taxonomy
    from animateur.stream.models import Member

    owner = make_user("camille@exemple.fr", workspace, Role.OWNER, display_name="Camille Martin")
    moderator = make_user("lea@exemple.fr", workspace, Role.MODERATOR, display_name="Léa Dubois")
    now = timezone.now()

    do_set_business_hours(
        workspace,
        {day: [["09:00", "12:30"], ["14:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
        actor=owner,
    )
    holiday = do_add_holiday(workspace, date(2030, 12, 25), "Noël", actor=owner)
    target = do_set_response_target(
        workspace, actor=owner, channel_kind="site", priority="high", minutes=60
    )
    do_set_response_target(workspace, actor=owner, channel_kind="mastodon", priority="", minutes=240)
    do_set_response_target(workspace, actor=owner, channel_kind="", priority="", minutes=480)

    # Posts, through the actions, so that their audit trail is the real one.
    category = taxonomy.do_create_category(workspace, actor=owner, name="Ateliers")
    post = posts.do_create_post(
        workspace,
        actor=owner,
        title="Nos ateliers d’hiver",
        body="Tout le programme de l’hiver.",
        status="published",
        categories=[category],
        tags=["hiver"],
    )
    posts.do_update_post(post, actor=owner, excerpt="Le programme")
    draft = posts.do_create_post(workspace, actor=owner, title="Brouillon de printemps", body="À venir.")
    post.refresh_from_db()
    assert post.message is not None

    # Channels of several kinds, in every state of health.
    mastodon = Channel.objects.create(
        workspace=workspace,
        kind="mastodon",
        name="Piaille",
        config={"api_base_url": "https://piaille.fr", "hashtags": ["atelier"]},
        last_success_at=now - timedelta(minutes=5),
        last_run_at=now - timedelta(minutes=5),
        next_poll_at=now + timedelta(minutes=5),
    )
    rss = Channel.objects.create(
        workspace=workspace,
        kind="rss",
        name="Revue de presse",
        config={"url": "https://exemple.fr/flux.xml"},
        last_error="server unreachable: [Errno 111] Connection refused",
        last_error_cause="unreachable",
        last_error_at=now - timedelta(minutes=3),
        consecutive_failures=3,
    )
    ChannelRun.objects.create(channel=rss, finished_at=now, ok=False, cause="unreachable", error="timed out")
    ChannelRun.objects.create(channel=mastodon, finished_at=now, ok=True, items=3, created=2, updated=1)
    email = Channel.objects.create(
        workspace=workspace,
        kind="email",
        name="Boîte contact",
        config={"host": "imap.exemple.fr", "username": "contact@exemple.fr", "folder": "INBOX"},
        paused=True,
    )
    reddit = Channel.objects.create(
        workspace=workspace,
        kind="reddit",
        name="Sous-forum",
        config={"subreddits": ["france"]},
        needs_reconnection=True,
    )

    # A conversation worked from start to end, and others on other channels.
    question = inbound(workspace, "Bonjour, à quelle heure ouvre l’atelier ?", parent=post.message, name="Zoé Lambert")
    conversation = Conversation.objects.get(root=question)
    label = do_create_label(workspace, "trolls", actor=owner)
    do_assign_conversation(conversation, moderator, actor=owner)
    do_set_conversation_priority(conversation, "high", actor=owner)
    do_set_conversation_labels(conversation, [label], actor=owner)
    do_add_note(conversation, "Je regarde avec @lea.", actor=owner)
    do_reply_conversation(conversation, "Bonjour Zoé, l’atelier ouvre à 9 h.", actor=owner)
    do_set_conversation_state(conversation, "waiting", actor=owner)
    mention = inbound(
        workspace, "@acme super atelier hier soir !", channel=mastodon, kind=Kind.MENTION, name="Hugo Bernard"
    )
    mention_conversation = Conversation.objects.get(root=mention)
    do_mark_answered_elsewhere(mention_conversation, actor=moderator)
    inbound(workspace, "Un article sur vos ateliers", channel=rss, kind=Kind.MENTION, name="La Gazette")
    inbound(workspace, "Question par courriel", channel=email, kind=Kind.DIRECT, name="Inès Petit")
    inbound(workspace, "Vous ouvrez le dimanche ?", channel=reddit, kind=Kind.COMMENT, name="Paul")
    do_save_saved_reply(workspace, actor=owner, title="Horaires", body="Bonjour {member_name}, …")
    view = do_save_view(workspace, "Urgences", {"sentiment": "negative"}, actor=owner, shared=True)

    # Moderation: a first-time author held, a spammer, words, a rule, a sanction.
    workspace.refresh_from_db()
    word = do_add_watched_word(workspace, "arnaq*", "require_approval", actor=owner)
    rule = do_save_rule(
        workspace,
        {
            "name": "Liens en masse",
            "match": "all",
            "conditions": [{"field": "links", "op": "gte", "value": 3}],
            "actions": [{"type": "hold"}, {"type": "label", "value": "liens"}],
        },
        actor=owner,
    )
    held = _comment(post, "Nouvelle Venue", "nv@exemple.fr", "Premier message, bonjour à tous")
    spam = _comment(
        post,
        "Vendeur",
        "vendeur@exemple.fr",
        "GAGNEZ DE L’ARGENT FACILE !!! Une arnaque ? Non : http://gain.example/a http://gain.example/b "
        "http://gain.example/c cliquez vite !!!",
    )
    troll = Member.objects.get(workspace=workspace, display_name="Vendeur")
    sanction = do_sanction_member(troll, "mute", "Messages publicitaires", 7, actor=owner)
    _comment(post, "Vendeur", "vendeur@exemple.fr", "Encore moi, toujours là")
    do_flag_message(question, "Hors sujet", actor=moderator)
    item = ReviewItem.objects.filter(workspace=workspace).order_by("pk").first()

    invitation, _url = do_invite_member(workspace, "nouveau@exemple.fr", Role.MODERATOR, actor=owner)
    token, _key = do_create_api_token(workspace, owner, "Tableau de bord", actor=owner)
    membership = moderator.memberships.get(workspace=workspace)
    tag = post.tags.first()
    ids = {
        "conversation_id": [conversation.pk, mention_conversation.pk],
        "reply_id": [],
        "view_id": [view.pk],
        "target_id": [target.pk],
        "holiday_id": [holiday.pk],
        "invitation_id": [invitation.pk],
        "membership_id": [membership.pk],
        "token_id": [token.pk],
        "post_id": [post.pk, draft.pk],
        "category_id": [category.pk],
        "tag_id": [tag.pk] if tag else [],
        "author_id": [post.author_id],
        "message_id": [held.pk, spam.pk, question.pk],
        "item_id": [item.pk] if item else [],
        "member_id": [troll.pk],
        "sanction_id": [sanction.pk],
        "word_id": [word.pk],
        "rule_id": [rule.pk],
        # The site's own channel has no page: its comments are managed under « Espace ».
        "pk": [c.pk for c in Channel.objects.filter(workspace=workspace).exclude(kind="site")],
        "kind": ["rss", "mastodon", "email", "reddit", "bluesky", "discourse", "files", "mbox", "wordpress"],
    }
    return {"owner": owner, "moderator": moderator, "ids": ids}


__all__ = ["User", "build"]
