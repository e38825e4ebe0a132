"""Meta's webhooks for the workspace's app: signed notifications posted through the test client, the
Instagram lookups they lead to served by the replay server in the documented shapes (fixtures/instagram,
mentioned_*), and the real answers kept by python-facebook's tests when ../shared/data is there."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import timedelta

import pytest
from django.db.models import Q
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from animateur.channels import meta_webhook
from animateur.channels.connectors import connector_for
from animateur.channels.models import Channel, MetaNotification, OAuthApp, RejectedItem
from animateur.core.roles import Role
from animateur.inbox.models import Conversation
from animateur.stream.models import Kind, Message
from tests.channels.replay import FIXTURES
from tests.channels.test_instagram import IG_USER, REAL, account
from tests.untranslated import untranslated

APP_ID = "998877665544"
SECRET = "app-secret-of-acme"  # noqa: S105 - a test app's secret
MEDIA = "17900000000000021"
COMMENT = "17850000000000031"


@pytest.fixture
def app(workspace):
    return OAuthApp.objects.create(workspace=workspace, network="facebook", client_id=APP_ID, client_secret=SECRET)


def url() -> str:
    return reverse("channels:meta_webhook", args=(APP_ID,))


def notification(*changes: dict, account_id: str = IG_USER, obj: str = "instagram") -> bytes:
    entry = {"id": account_id, "time": 1764495000, "changes": list(changes)}
    return json.dumps({"object": obj, "entry": [entry]}).encode()


def mention(media: str = MEDIA, comment: str | None = None) -> dict:
    value = {"media_id": media, **({"comment_id": comment} if comment else {})}
    return {"field": "mentions", "value": value}


def serve(replay, name: str, query: str) -> None:
    """A recorded lookup, as if just written (Instagram writes +0000, which replay's `recent` does not move)."""
    recorded = json.loads((FIXTURES / "instagram" / f"{name}.json").read_text())
    now = (timezone.now() - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    body = re.sub(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000", now, recorded["body"])
    replay.add("GET", recorded["path"], body=body, headers=recorded["headers"], query=query)


def signature(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(body: bytes, sig: str | None = None, *, capture=None):
    headers = {"HTTP_X_HUB_SIGNATURE_256": signature(body) if sig is None else sig}
    if capture is None:
        return Client().post(url(), data=body, content_type="application/json", **headers)
    with capture(execute=True):
        return Client().post(url(), data=body, content_type="application/json", **headers)


# -- subscribing ----------------------------------------------------------------------------------------
def test_meta_subscribes_the_callback_with_the_verify_token_shown_on_the_channel_page(app):
    token = meta_webhook.verify_token(app)
    answer = Client().get(url(), {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "1158201444"})
    assert answer.status_code == 200 and answer.content == b"1158201444"
    assert answer["Content-Type"].startswith("text/plain")
    wrong = Client().get(url(), {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"})
    assert wrong.status_code == 403
    assert Client().get(url()).status_code == 400  # no check asked
    markup = {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "<script>"}
    assert Client().get(url(), markup).status_code == 400  # only Meta's plain challenge is echoed


def test_an_app_no_workspace_registered_has_no_callback(db):
    assert Client().get(url(), {"hub.mode": "subscribe"}).status_code == 404
    assert (
        Client().post("/app/channels/meta/x1/webhook/", data=b"{}", content_type="application/json").status_code == 404
    )


def test_the_verify_token_changes_with_the_apps_secret(app):
    before = meta_webhook.verify_token(app)
    app.client_secret = "another secret"  # noqa: S105
    assert meta_webhook.verify_token(app) != before and len(before) == 40


# -- receiving ------------------------------------------------------------------------------------------
def test_a_caption_mention_is_kept_looked_up_and_arrives_in_the_inbox_as_a_mention(
    app, workspace, replay, django_capture_on_commit_callbacks
):
    serve(replay, "mentioned_media", "mentioned_media")
    channel = account(workspace, replay)
    body = notification(mention())
    answer = post(body, capture=django_capture_on_commit_callbacks)
    assert answer.status_code == 200 and answer.content == b"EVENT_RECEIVED"
    note = MetaNotification.objects.get()
    assert note.body == body.decode() and note.state == MetaNotification.DONE, note.error
    asked = replay.requests("GET", f"/v21.0/{IG_USER}")
    assert len(asked) == 1 and asked[0].headers["Authorization"] == "Bearer ig-token"
    fields = dict(p.split("=", 1) for p in asked[0].query.split("&"))["fields"]
    assert "mentioned_media.media_id%2817900000000000021%29" in fields and "username" in fields
    message = Message.objects.get(channel=channel, external_id=MEDIA)
    assert message.kind == Kind.MENTION and not message.from_organisation
    assert message.text == "Merci @acme.fr pour la livraison express !"
    assert message.url == "https://www.instagram.com/p/C0ZOE7/"
    assert message.author.handle == "zoe.dupont" and message.author.display_name == "zoe.dupont"
    assert Conversation.objects.filter(root=message).exists()
    channel.refresh_from_db()
    assert channel.last_notified_at == note.received_at


def test_a_comment_mention_joins_its_media_as_its_thread_and_is_answered_where_instagram_allows(
    app, workspace, replay, django_capture_on_commit_callbacks
):
    serve(replay, "mentioned_media", "mentioned_media")
    serve(replay, "mentioned_comment", "mentioned_comment")
    replay.recorded("instagram", "mention_answered")
    channel = account(workspace, replay)
    assert post(notification(mention()), capture=django_capture_on_commit_callbacks).status_code == 200
    body = notification(mention(MEDIA, COMMENT))
    assert post(body, capture=django_capture_on_commit_callbacks).status_code == 200
    media = Message.objects.get(channel=channel, external_id=MEDIA)
    comment = Message.objects.get(channel=channel, external_id=COMMENT)
    assert comment.kind == Kind.MENTION and comment.text == "@acme.fr vous livrez en Belgique ?"
    assert comment.parent == media and comment.thread_root == media
    assert comment.author.handle == "lea.martin" and comment.url == "https://www.instagram.com/p/C0ZOE7/"
    question = Conversation.objects.filter(Q(root=comment) | Q(items__message=comment)).distinct()
    assert question.exists()

    connector = connector_for(channel)
    assert connector.reply(comment, "Oui, sous 48 h !") == "17850000000000032"
    sent = json.loads(replay.requests("POST", f"/v21.0/{IG_USER}/mentions")[-1].body)
    assert sent == {"media_id": MEDIA, "comment_id": COMMENT, "message": "Oui, sous 48 h !"}
    connector.reply(media, "Merci Zoé !")  # a caption: the media is commented
    assert json.loads(replay.requests("POST", f"/v21.0/{IG_USER}/mentions")[-1].body) == {
        "media_id": MEDIA,
        "message": "Merci Zoé !",
    }


def test_a_notification_sent_again_is_kept_once_and_stores_its_mention_once(
    app, workspace, replay, django_capture_on_commit_callbacks
):
    serve(replay, "mentioned_media", "mentioned_media")
    channel = account(workspace, replay)
    body = notification(mention())
    for _attempt in range(3):  # Meta retries what it thinks was not answered
        assert post(body, capture=django_capture_on_commit_callbacks).status_code == 200
    assert MetaNotification.objects.count() == 1
    assert len(replay.requests("GET", f"/v21.0/{IG_USER}")) == 1
    # Another body telling of the same mention (Meta batches differently): the message key absorbs it.
    other = notification(mention(), {"field": "mentions", "value": {"media_id": MEDIA}})
    assert post(other, capture=django_capture_on_commit_callbacks).status_code == 200
    assert Message.objects.filter(channel=channel, external_id=MEDIA).count() == 1


@pytest.mark.parametrize(
    "sig",
    [
        "sha256=" + "0" * 64,
        "",
        "sha1=abc",
        "sha256=",
        signature(b"another body"),
        signature(notification(mention()), "not the secret"),
    ],
)
def test_a_notification_not_signed_by_the_app_is_refused_and_nothing_is_kept(app, workspace, replay, sig):
    account(workspace, replay)
    answer = post(notification(mention()), sig)
    assert answer.status_code == 403
    assert not MetaNotification.objects.exists() and not replay.received


def test_signed_bodies_that_are_not_meta_notifications_get_a_clear_400_and_nothing_is_kept(app):
    for body in (b"{not json", b"[1, 2]", b'{"object": "instagram"}', "é".encode("latin-1"), b"null"):
        answer = post(body)
        assert answer.status_code == 400, body
        assert "JSON" in answer.content.decode()
    form = Client().post(url(), {"object": "instagram"}, HTTP_X_HUB_SIGNATURE_256=signature(b""))  # multipart
    assert form.status_code == 400
    assert not MetaNotification.objects.exists()


def test_a_body_over_the_limit_is_refused_before_it_is_read(app, monkeypatch):
    monkeypatch.setattr(meta_webhook, "MAX_BODY", 100)
    body = notification(*[mention(str(17900000000000000 + n)) for n in range(10)])
    assert post(body).status_code == 413
    assert not MetaNotification.objects.exists()


def test_one_unreadable_notification_stops_none_of_the_others(
    app, workspace, replay, django_capture_on_commit_callbacks
):
    serve(replay, "mentioned_media", "mentioned_media")
    channel = account(workspace, replay)
    # Signed by Meta but naming an id that is not one: kept, its reason on the channel's page.
    bad = notification({"field": "mentions", "value": {"media_id": "1,2){id}"}}, mention())
    assert post(bad, capture=django_capture_on_commit_callbacks).status_code == 200
    assert MetaNotification.objects.get().state == MetaNotification.DONE
    assert (
        RejectedItem.objects.get(channel=channel).reason == "cette mention Instagram ne désigne ni média ni commentaire"
    )
    assert Message.objects.filter(channel=channel, external_id=MEDIA).exists()
    # An entry for no channel of the workspace (Meta's « Test » button sends such samples).
    sample = notification(mention(), account_id="0")
    assert post(sample, capture=django_capture_on_commit_callbacks).status_code == 200
    assert MetaNotification.objects.get(digest=hashlib.sha256(sample).hexdigest()).error.startswith(
        "aucun canal pour le compte 0"
    )


def test_a_lookup_meta_refuses_for_a_time_is_read_again_later_by_the_sweep(
    app, workspace, replay, django_capture_on_commit_callbacks
):
    replay.recorded("instagram", "rate_limited", path=f"/v21.0/{IG_USER}")
    channel = account(workspace, replay)
    assert post(notification(mention()), capture=django_capture_on_commit_callbacks).status_code == 200
    note = MetaNotification.objects.get()
    assert note.state == MetaNotification.PENDING and note.attempts == 1 and note.retry_at > timezone.now()
    assert "(#4)" in note.error
    assert meta_webhook.process_pending() == 0  # not due yet
    serve(replay, "mentioned_media", "mentioned_media")
    MetaNotification.objects.update(retry_at=timezone.now() - timedelta(seconds=1))
    assert meta_webhook.process_pending() == 1
    note.refresh_from_db()
    assert note.state == MetaNotification.DONE and note.attempts == 2
    assert Message.objects.filter(channel=channel, external_id=MEDIA).exists()


def test_a_notification_refused_at_each_attempt_is_kept_failed_and_named_on_the_channel_page(
    app, workspace, replay, make_user, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(meta_webhook, "MAX_ATTEMPTS", 1)
    replay.recorded("instagram", "rate_limited", path=f"/v21.0/{IG_USER}")
    channel = account(workspace, replay)
    assert post(notification(mention()), capture=django_capture_on_commit_callbacks).status_code == 200
    note = MetaNotification.objects.get()
    assert note.state == MetaNotification.FAILED and "(#4)" in note.error and note.body
    client = Client()
    client.force_login(make_user("manager@acme.org", workspace, Role.MANAGER, language="en"))
    html = client.get(reverse("channels:detail", args=(channel.pk,))).content.decode()
    assert "1 notification of the workspace could not be read" in html and "(#4)" in html


def test_notifications_read_long_ago_are_let_go_by_the_sweep(app, workspace):
    old = timezone.now() - meta_webhook.KEEP_READ - timedelta(days=1)
    kept = {"workspace": workspace, "app_id": APP_ID, "body": "{}", "processed_at": old}
    MetaNotification.objects.create(digest="a", state=MetaNotification.DONE, **kept)
    MetaNotification.objects.create(digest="b", state=MetaNotification.FAILED, **kept)
    meta_webhook.process_pending()
    assert list(MetaNotification.objects.values_list("digest", flat=True)) == ["b"]


def test_a_channel_being_polled_leaves_the_notification_pending(
    app, workspace, replay, django_capture_on_commit_callbacks
):
    from animateur.channels import lease

    serve(replay, "mentioned_media", "mentioned_media")
    channel = account(workspace, replay)
    assert lease.acquire(channel.pk)
    assert post(notification(mention()), capture=django_capture_on_commit_callbacks).status_code == 200
    assert MetaNotification.objects.get().state == MetaNotification.PENDING
    assert not Message.objects.filter(channel=channel).exists()


def test_a_page_feed_notification_has_the_page_polled_within_a_minute(
    app, workspace, django_capture_on_commit_callbacks
):
    later = timezone.now() + timedelta(minutes=10)
    page = Channel.objects.create(
        workspace=workspace,
        kind="facebook",
        name="Acme",
        config={"page_id": "1122334455"},
        credentials=json.dumps({"page_access_token": "t"}),
        next_poll_at=later,
    )
    value = {"item": "comment", "verb": "add", "comment_id": "1_2", "post_id": "1122334455_9", "message": "Top"}
    body = notification({"field": "feed", "value": value}, account_id="1122334455", obj="page")
    assert post(body, capture=django_capture_on_commit_callbacks).status_code == 200
    page.refresh_from_db()
    assert page.next_poll_at <= timezone.now() and page.last_notified_at is not None
    from animateur.channels.tasks import claim_due_channels

    assert page.pk in claim_due_channels()


def test_an_app_shared_by_two_workspaces_gives_each_its_own_copy(
    app, workspace, make_workspace, replay, django_capture_on_commit_callbacks
):
    other = make_workspace("agence", "Agence")
    OAuthApp.objects.create(workspace=other, network="facebook", client_id=APP_ID, client_secret=SECRET)
    serve(replay, "mentioned_media", "mentioned_media")
    account(workspace, replay)
    assert post(notification(mention()), capture=django_capture_on_commit_callbacks).status_code == 200
    assert set(MetaNotification.objects.values_list("workspace__slug", flat=True)) == {"acme", "agence"}
    assert Message.objects.filter(external_id=MEDIA, workspace=workspace).count() == 1
    assert not Message.objects.filter(workspace=other).exists()


# -- the channel's page ---------------------------------------------------------------------------------
@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_channel_page_explains_the_setup_and_shows_the_last_notification(
    app, workspace, replay, make_user, language
):
    channel = account(workspace, replay)
    manager = make_user("manager@acme.org", workspace, Role.MANAGER, language=language)
    client = Client()
    client.force_login(manager)
    page = client.get(reverse("channels:detail", args=(channel.pk,))).content.decode()
    assert f"/app/channels/meta/{APP_ID}/webhook/" in page and meta_webhook.verify_token(app) in page
    assert "<code>mentions</code>" in page
    if language == "fr":
        assert "Dernière notification de Meta" in page and "aucune pour l’instant" in page
        assert "URL de rappel" in page and "Jeton de vérification" in page
        section = page[
            page.index('<section class="meta-webhook"') : page.index("</section>", page.index("meta-webhook"))
        ]
        assert not untranslated(section)
    else:
        assert "Last notification from Meta" in page and "none yet" in page
    Channel.objects.filter(pk=channel.pk).update(last_notified_at=timezone.now() - timedelta(minutes=3))
    page = client.get(reverse("channels:detail", args=(channel.pk,))).content.decode()
    assert "none yet" not in page and "aucune pour l’instant" not in page


def test_a_page_channel_is_told_to_subscribe_to_the_feed_and_to_install_the_app_on_the_page(app, workspace, make_user):
    page = Channel.objects.create(workspace=workspace, kind="facebook", name="Acme", config={"page_id": "1122334455"})
    client = Client()
    client.force_login(make_user("manager@acme.org", workspace, Role.MANAGER, language="en"))
    html = client.get(reverse("channels:detail", args=(page.pk,))).content.decode()
    assert "<code>feed</code>" in html and "within a minute" in html
    assert "POST /1122334455/subscribed_apps?subscribed_fields=feed" in html


def test_without_the_meta_app_the_page_says_the_owner_must_register_it_first(workspace, replay, make_user):
    channel = account(workspace, replay)
    client = Client()
    client.force_login(make_user("manager@acme.org", workspace, Role.MANAGER, language="fr"))
    html = client.get(reverse("channels:detail", args=(channel.pk,))).content.decode()
    assert "doit d’abord enregistrer l’application Meta" in html and "/webhook/" not in html


def test_the_verify_token_is_for_those_who_manage_channels(app, workspace, replay, make_user):
    channel = account(workspace, replay)
    analyst = make_user("analyst@acme.org", workspace, Role.ANALYST)
    client = Client()
    client.force_login(analyst)
    page = client.get(reverse("channels:detail", args=(channel.pk,))).content.decode()
    assert meta_webhook.verify_token(app) not in page and f"/meta/{APP_ID}/webhook/" in page


# -- the real answers kept by python-facebook's tests ---------------------------------------------------
real = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/data/apis/facebook is absent: real answers not replayed")


@real
def test_real_mentioned_media_and_comment_answers_are_stored_as_mentions(
    app, workspace, replay, django_capture_on_commit_callbacks
):
    users = REAL / "users"
    media_answer = json.loads((users / "mentioned_media.json").read_text())
    comment_answer = json.loads((users / "mentioned_comment.json").read_text())
    ig_user = media_answer["id"]
    replay.add("GET", f"/v21.0/{ig_user}", body=media_answer, query="mentioned_media")
    replay.add("GET", f"/v21.0/{ig_user}", body=comment_answer, query="mentioned_comment")
    channel = account(workspace, replay, ig_user_id=ig_user, ig_username="ikroskun_brand")
    media_id, comment_id = media_answer["mentioned_media"]["id"], comment_answer["mentioned_comment"]["id"]
    body = notification(mention(media_id), mention(media_id, comment_id), account_id=ig_user)
    assert post(body, capture=django_capture_on_commit_callbacks).status_code == 200
    assert MetaNotification.objects.get().state == MetaNotification.DONE
    assert not RejectedItem.objects.filter(channel=channel).exists()
    media = Message.objects.get(channel=channel, external_id=media_id)
    assert media.kind == Kind.MENTION and media.text == "@ikroskun hey"
    assert media.author is None  # recorded without `username`
    comment = Message.objects.get(channel=channel, external_id=comment_id)
    assert comment.kind == Kind.MENTION and comment.text == "@ikroskun good"
    assert comment.author.handle == "ikroskun" and comment.parent == media  # recorded without `media`


def test_a_moderator_answers_a_comment_mention_from_the_inbox(
    app, workspace, replay, client_as, django_capture_on_commit_callbacks
):
    serve(replay, "mentioned_comment", "mentioned_comment")
    replay.recorded("instagram", "mention_answered")
    channel = account(workspace, replay)
    assert post(notification(mention(MEDIA, COMMENT)), capture=django_capture_on_commit_callbacks).status_code == 200
    comment = Message.objects.get(channel=channel, external_id=COMMENT)
    conversation = Conversation.objects.filter(Q(root=comment) | Q(items__message=comment)).distinct().get()
    moderator = client_as(workspace, Role.MODERATOR)
    assert 'id="reply-form"' in moderator.get(f"/app/inbox/c/{conversation.pk}/").content.decode()
    answer = moderator.post(f"/app/inbox/c/{conversation.pk}/reply/", {"text": "Oui, sous 48 h !"})
    assert answer.status_code == 302
    sent = json.loads(replay.requests("POST", f"/v21.0/{IG_USER}/mentions")[0].body)
    assert sent == {"media_id": MEDIA, "comment_id": COMMENT, "message": "Oui, sous 48 h !"}
    stored = Message.objects.get(channel=channel, external_id="17850000000000032")
    assert stored.from_organisation and stored.parent == comment
    conversation.refresh_from_db()
    assert conversation.first_response_at is not None
