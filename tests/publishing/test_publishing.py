"""Publishing to Mastodon through Mastodon.py, against recorded answers of a real server (tests/channels/
fixtures, the replay server): never twice, the server's own limit, the network's own words on failure."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from animateur.channels import actions as channel_actions
from animateur.channels.connectors import connector_for
from animateur.core.actions import ActionError
from animateur.core.roles import Role
from animateur.publishing import actions
from animateur.publishing.models import Publication, PublicationState, PublicationTarget, TargetState
from animateur.publishing.tasks import publish_due_now
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.models import Kind, Message
from animateur.stream.pipeline import run_pipeline
from tests.channels.factories import TEST_TOKEN, mastodon_channel
from tests.channels.replay import FIXTURES

STATUS_ID = "117020583245459824"  # the status of the recorded POST /api/v1/statuses
STATUSES = "/api/v1/statuses"


def _instance_with_limit(limit: int | None) -> str:
    data = json.loads((FIXTURES / "mastodon" / "instance_v2.json").read_text())
    body = json.loads(data["body"])
    if limit is None:
        del body["configuration"]["statuses"]["max_characters"]
    else:
        body["configuration"]["statuses"]["max_characters"] = limit
    return json.dumps(body)


@pytest.fixture
def owner(workspace, make_user):
    return make_user("owner@acme.org", workspace, Role.OWNER)


def _lose_the_answer(replay) -> None:
    """The server gets the request (and would make the status) but the answer never comes back."""

    def hang_up(received):
        raise ConnectionAbortedError("answer lost")

    replay.server.handle_error = lambda *args: None
    replay.add("POST", STATUSES, body=hang_up)


def test_publishing_sends_the_idempotency_key_and_keeps_the_status_as_the_organisations_post(workspace, owner, replay):
    replay.recorded("mastodon", "post_status")
    channel = mastodon_channel(workspace, replay.base)
    publication = actions.do_save_publication(workspace, "Toot, finally!", [channel.pk], actor=owner)
    actions.do_publish_publication(publication, actor=owner)
    target = PublicationTarget.objects.get(publication=publication)
    sent = replay.requests("POST", STATUSES)
    assert len(sent) == 1 and sent[0].headers["Idempotency-Key"] == target.idempotency_key
    assert sent[0].headers["Authorization"] == f"Bearer {TEST_TOKEN}"
    publication.refresh_from_db()
    assert publication.state == PublicationState.PUBLISHED and target.state == TargetState.SENT
    assert target.remote_id == STATUS_ID and target.url == f"{replay.base}/@mastodonpy_test_2/{STATUS_ID}"
    message = Message.objects.get(channel=channel, external_id=STATUS_ID)
    assert target.message == message and message.kind == Kind.POST and message.from_organisation
    assert message.url == target.url and message.text == "Toot, finally!"


def test_a_reply_to_the_published_status_attaches_to_it(workspace, owner, replay):
    replay.recorded("mastodon", "post_status")
    channel = mastodon_channel(workspace, replay.base)
    publication = actions.do_save_publication(workspace, "Toot, finally!", [channel.pk], actor=owner)
    actions.do_publish_publication(publication, actor=owner)
    reply = Incoming(
        channel=channel,
        external_id="117020583258292382",
        text="@acme same!",
        created_at=timezone.now(),
        kind=Kind.REPLY,
        parent_external_id=STATUS_ID,
        author=AuthorInfo(external_id="https://mastodon.example/@ana", display_name="Ana", handle="@ana"),
    )
    stored = run_pipeline([reply]).created[0]
    assert stored.parent == Message.objects.get(channel=channel, external_id=STATUS_ID)


def test_after_a_lost_answer_the_retry_sends_the_same_key_and_one_message_is_stored(
    workspace, owner, replay, manager_client
):
    _lose_the_answer(replay)
    replay.recorded("mastodon", "post_status")  # what the server answers the same key: the status it made
    channel = mastodon_channel(workspace, replay.base)
    publication = actions.do_save_publication(workspace, "Toot, finally!", [channel.pk], actor=owner)
    actions.do_publish_publication(publication, actor=owner)
    publication.refresh_from_db()
    target = PublicationTarget.objects.get(publication=publication)
    assert publication.state == PublicationState.FAILED and target.state == TargetState.FAILED
    assert "injoignable" in target.error  # the failure table's words, in the team's language
    page = manager_client.get(f"/app/publishing/{publication.pk}/")
    assert "Réessayer" in page.content.decode()
    answer = manager_client.post(f"/app/publishing/{publication.pk}/publish/")
    assert answer.status_code == 302
    keys = [r.headers["Idempotency-Key"] for r in replay.requests("POST", STATUSES)]
    assert keys == [target.idempotency_key, target.idempotency_key]
    assert Message.objects.filter(channel=channel, external_id=STATUS_ID).count() == 1
    publication.refresh_from_db()
    target.refresh_from_db()
    assert publication.state == PublicationState.PUBLISHED and target.attempts == 2 and target.error == ""
    with pytest.raises(ActionError):  # published: nothing is sent again
        actions.do_publish_publication(publication, actor=owner)
    assert len(replay.requests("POST", STATUSES)) == 2


def test_a_publication_a_crash_left_sending_is_sent_again_with_its_key_by_the_periodic_task(workspace, owner, replay):
    replay.recorded("mastodon", "post_status")
    channel = mastodon_channel(workspace, replay.base)
    publication = actions.do_save_publication(workspace, "Toot, finally!", [channel.pk], actor=owner)
    actions._claim(publication)  # the intent committed, then the process died before storing the answer
    assert publish_due_now() == 0  # not yet: someone may still be sending it
    Publication.objects.filter(pk=publication.pk).update(updated_at=timezone.now() - actions.STALE_SENDING)
    assert publish_due_now() == 1
    target = PublicationTarget.objects.get(publication=publication)
    assert replay.requests("POST", STATUSES)[0].headers["Idempotency-Key"] == target.idempotency_key
    assert target.state == TargetState.SENT and Message.objects.filter(external_id=STATUS_ID).count() == 1


def test_a_422_shows_mastodons_own_error_text_and_a_retry_button(workspace, owner, replay, manager_client):
    # In the shape Mastodon documents for POST /api/v1/statuses (422 Unprocessable Entity).
    replay.add("POST", STATUSES, 422, {"error": "Validation failed: Text character limit of 500 exceeded"})
    channel = mastodon_channel(workspace, replay.base)
    publication = actions.do_save_publication(workspace, "Trop long pour ce serveur", [channel.pk], actor=owner)
    actions.do_publish_publication(publication, actor=owner)
    target = PublicationTarget.objects.get(publication=publication)
    assert target.state == TargetState.FAILED
    assert "Validation failed: Text character limit of 500 exceeded" in target.error
    assert "HTTP 422" in target.error and not Message.objects.filter(channel=channel).exists()
    page = manager_client.get(f"/app/publishing/{publication.pk}/").content.decode()
    assert "Validation failed: Text character limit of 500 exceeded" in page
    assert "Réessayer" in page and "Échec" in page


def test_the_servers_own_limit_is_learned_on_connecting_and_a_text_is_checked_against_it(workspace, owner, replay):
    replay.recorded("mastodon", "verify_credentials")
    replay.add("GET", "/api/v2/instance", body=_instance_with_limit(5000), headers={"content-type": "application/json"})
    tested = channel_actions.test_connection(
        workspace, "mastodon", {"api_base_url": replay.base}, {"access_token": TEST_TOKEN}
    )
    assert tested.ok and tested.learned["max_characters"] == 5000 and "5000 caractères" in tested.detail
    channel = channel_actions.do_create_channel(
        workspace, "mastodon", "@acme", {"api_base_url": replay.base}, {"access_token": TEST_TOKEN},
        learned=tested.learned, actor=owner,
    )  # fmt: skip
    assert channel.config["max_characters"] == 5000
    long_text = "a" * 4000
    assert actions.do_save_publication(workspace, long_text, [channel.pk], actor=owner).text == long_text
    small = mastodon_channel(workspace, replay.base, config={"max_characters": 300})
    with pytest.raises(ActionError, match="300 caractères .la limite de son serveur. ; ce texte en a 4000"):
        actions.do_save_publication(workspace, long_text, [channel.pk, small.pk], actor=owner)
    assert Publication.objects.count() == 1


def test_a_server_that_does_not_say_its_limit_gets_500_and_the_message_says_so(workspace, owner, replay):
    channel = mastodon_channel(workspace, replay.base)
    with pytest.raises(ActionError, match="500 caractères .son serveur n’a pas indiqué"):
        actions.do_save_publication(workspace, "b" * 501, [channel.pk], actor=owner)
    link = "https://example.org/" + "x" * 600  # Mastodon counts a link as 23 characters
    assert actions.do_save_publication(workspace, f"Lisez {link}", [channel.pk], actor=owner)


def test_a_poll_learns_the_servers_limit(workspace, replay):
    replay.recorded("mastodon", "verify_credentials")
    replay.add(
        "GET", "/api/v2/instance", body=_instance_with_limit(11000), headers={"content-type": "application/json"}
    )
    replay.add("GET", "/api/v1/notifications", body=[])
    replay.add("GET", "/api/v1/accounts/117020565693913441/statuses", body=[])
    channel = mastodon_channel(workspace, replay.base)
    from animateur.channels.runner import poll_channel

    assert poll_channel(channel.pk).ok
    channel.refresh_from_db()
    assert channel.config["max_characters"] == 11000
    unknown = mastodon_channel(workspace, replay.base)
    replay.add("GET", "/api/v2/instance", body=_instance_with_limit(None), headers={"content-type": "application/json"})
    assert connector_for(unknown).max_characters() == 500


def test_a_scheduled_publication_is_published_when_its_time_comes(workspace, owner, replay):
    replay.recorded("mastodon", "post_status")
    channel = mastodon_channel(workspace, replay.base)
    publication = actions.do_save_publication(workspace, "Toot, finally!", [channel.pk], actor=owner)
    with pytest.raises(ActionError):
        actions.do_schedule_publication(publication, timezone.now() - timedelta(minutes=1), actor=owner)
    actions.do_schedule_publication(publication, timezone.now() + timedelta(hours=1), actor=owner)
    assert publish_due_now() == 0 and not replay.requests("POST", STATUSES)
    Publication.objects.filter(pk=publication.pk).update(scheduled_at=timezone.now() - timedelta(seconds=1))
    assert publish_due_now() == 1
    publication.refresh_from_db()
    assert publication.state == PublicationState.PUBLISHED
    assert Message.objects.get(external_id=STATUS_ID).from_organisation


def test_the_page_composes_and_publishes_now_in_french(workspace, replay, manager_client):
    replay.recorded("mastodon", "post_status")
    channel = mastodon_channel(workspace, replay.base, config={"max_characters": 1000})
    page = manager_client.get("/app/publishing/").content.decode()
    assert "Nouvelle publication" in page and "@acme (1000 caractères au plus)" in page
    answer = manager_client.post(
        "/app/publishing/", {"text": "Toot, finally!", "channels": [channel.pk], "goal": "publish"}, follow=True
    )
    body = answer.content.decode()
    assert answer.status_code == 200 and "Publiée" in body and "La voir sur le réseau" in body
    assert f"{replay.base}/@mastodonpy_test_2/{STATUS_ID}" in body


def test_a_draft_and_a_schedule_from_the_page(workspace, manager_client):
    channel = mastodon_channel(workspace, "https://mastodon.example")
    answer = manager_client.post("/app/publishing/", {"text": "Plus tard", "channels": [channel.pk], "goal": "draft"})
    publication = Publication.objects.get()
    assert answer.status_code == 302 and publication.state == PublicationState.DRAFT
    when = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    manager_client.post(
        f"/app/publishing/{publication.pk}/",
        {"text": "Plus tard", "channels": [channel.pk], "goal": "schedule", "scheduled_at": when},
    )
    publication.refresh_from_db()
    assert publication.state == PublicationState.SCHEDULED and publication.scheduled_at > timezone.now()
    # A publication is feminine: the blog's « Planifié » (an article) must not stand for it.
    page = manager_client.get(f"/app/publishing/{publication.pk}/").content.decode()
    assert "<strong>Programmée</strong>" in page and "Planifié" not in page


def test_bad_input_gets_a_clear_error_and_changes_nothing(workspace, make_workspace, manager_client, client_as):
    other = make_workspace("other", "Other")
    foreign = mastodon_channel(other, "https://mastodon.example")
    answer = manager_client.post("/app/publishing/", {"text": "x", "channels": [foreign.pk], "goal": "publish"})
    assert answer.status_code == 400 and not Publication.objects.exists()
    own = mastodon_channel(workspace, "https://mastodon.example")
    answer = manager_client.post("/app/publishing/", {"text": "  ", "channels": [own.pk], "goal": "draft"})
    assert answer.status_code == 400 and not Publication.objects.exists()
    answer = manager_client.post("/app/publishing/", {"text": "x", "channels": [own.pk], "goal": "schedule"})
    assert answer.status_code == 400 and "Choisissez quand publier." in answer.content.decode()
    analyst = client_as(workspace, Role.ANALYST)
    assert analyst.get("/app/publishing/").status_code == 200
    assert analyst.post("/app/publishing/", {"text": "x", "channels": [own.pk]}).status_code == 403


REAL_CASSETTES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "mastodon" / "cassettes"


def _recorded_error_body(cassette: Path) -> str:
    """The answer body of a VCR cassette's first interaction (a YAML double-quoted string, JSON inside)."""
    raw = re.search(r'string: ("(?:[^"\\]|\\.|\\\n)*")', cassette.read_text(), re.S)
    assert raw, cassette
    return json.loads(re.sub(r"\\\n\s*", "", raw.group(1)))


@pytest.mark.skipif(not REAL_CASSETTES.is_dir(), reason="needs ../shared/data (Mastodon.py's recorded cassettes)")
def test_a_real_422_of_a_mastodon_server_is_shown_in_its_own_words(workspace, owner, replay):
    # Mastodon.py's test_status_empty: a real server refusing an empty status, in Japanese.
    body = _recorded_error_body(REAL_CASSETTES / "test_status_empty.yaml")
    said = json.loads(body)["error"]
    replay.add("POST", STATUSES, 422, body, {"content-type": "application/json; charset=utf-8"})
    channel = mastodon_channel(workspace, replay.base)
    publication = actions.do_save_publication(workspace, "Bonjour", [channel.pk], actor=owner)
    actions.do_publish_publication(publication, actor=owner)
    target = PublicationTarget.objects.get(publication=publication)
    assert said.startswith("バリデーションに失敗しました") and said in target.error
    assert target.state == TargetState.FAILED


def test_a_channel_connected_before_limits_were_kept_learns_its_servers_limit_at_its_next_poll(workspace, replay):
    replay.add("GET", "/api/v2/instance", body=_instance_with_limit(None), headers={"content-type": "application/json"})
    replay.add("GET", "/api/v1/notifications", body=[])
    replay.add("GET", "/api/v1/accounts/42/statuses", body=[])
    channel = mastodon_channel(workspace, replay.base, config={"account_id": "42", "acct": "acme"})
    from animateur.channels.runner import poll_channel

    assert poll_channel(channel.pk).ok and poll_channel(channel.pk).ok
    channel.refresh_from_db()
    assert channel.config["max_characters"] == 0  # the server did not say: 500 applies, and it is asked once
    assert len(replay.requests("GET", "/api/v2/instance")) == 1
