"""Publishing with tracked links (the workspace's own domain, each network's UTM, made once whatever the
retries) and threads (a long text cut into numbered parts, each answering the one before: Mastodon's
in_reply_to_id, Bluesky's reply root and parent), each part sent once, against locally served answers in
the networks' own shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from animateur.api.actions import do_create_api_token
from animateur.channels.site import site_channel
from animateur.core.actions import ActionError, SystemActor
from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.links.actions import short_url
from animateur.links.models import TrackedLink
from animateur.publishing import actions
from animateur.publishing.limits import graphemes, split_thread
from animateur.publishing.models import PublicationTarget, TargetState
from animateur.publishing.sending import record_key
from animateur.space.models import Post
from animateur.stream.models import Message
from tests.channels.factories import mastodon_channel
from tests.channels.replay import FIXTURES
from tests.publishing.test_blog_and_bluesky import CREATE, DID, LIST, bsky

STATUSES = "/api/v1/statuses"


@pytest.fixture
def owner(workspace, make_user):
    return make_user("owner@acme.org", workspace, Role.OWNER)


def _status_server(replay, lose: set[int] | None = None):
    """A Mastodon server answering POST /api/v1/statuses in the recorded shape, a new id per status (the
    same for a key it has seen, as Mastodon does); the answers numbered in `lose` never come back."""
    recorded = json.loads(json.loads((FIXTURES / "mastodon" / "post_status.json").read_text())["body"])
    made: dict[str, dict] = {}
    calls = []

    def answer(received):
        calls.append(received)
        key = received.headers["Idempotency-Key"]
        if key not in made:
            number = len(made) + 1
            status_id = str(117020583245459824 + number)
            form = dict(
                part.split("=", 1) for part in received.body.decode().split("&") if "=" in part
            )  # Mastodon.py posts a form
            made[key] = {
                **recorded,
                "id": status_id,
                "url": f"{replay.base}/@acme/{status_id}",
                "uri": f"{replay.base}/users/acme/statuses/{status_id}",
                "in_reply_to_id": form.get("in_reply_to_id"),
            }
        if len(calls) in (lose or set()):
            raise ConnectionAbortedError("answer lost")
        return made[key]

    replay.server.handle_error = lambda *args: None
    replay.add("POST", STATUSES, body=answer)
    return made, calls


def _form(received) -> dict[str, str]:
    from urllib.parse import parse_qsl

    return dict(parse_qsl(received.body.decode()))


def test_links_go_out_as_tracked_links_with_each_networks_utm_and_the_blog_keeps_them(workspace, owner, replay):
    made, _calls = _status_server(replay)
    toot, blog = mastodon_channel(workspace, replay.base), site_channel(workspace)
    text = "Le programme : https://acme.example/programme?jour=1, et (https://acme.example/plan)."
    publication = actions.do_save_publication(workspace, text, [toot.pk, blog.pk], actor=owner)
    before = AuditEvent.objects.count()
    actions.do_publish_publication(publication, actor=owner)
    links = {link.target: link for link in TrackedLink.objects.filter(workspace=workspace)}
    assert set(links) == {
        "https://acme.example/programme?jour=1&utm_source=mastodon&utm_medium=social",
        "https://acme.example/plan?utm_source=mastodon&utm_medium=social",
    }
    sent = _form(replay.requests("POST", STATUSES)[0])["status"]
    first, second = (short_url(link) for link in links.values())
    assert sent == f"Le programme : {first}, et ({second})."
    assert first.startswith("http://127.0.0.1:8000/l/")  # the workspace's own address, no shortener
    # The blog is the workspace's own site: its links stay as written.
    assert "https://acme.example/plan" in Post.objects.get(workspace=workspace).body
    # One action, one audit event: the links are made under publishing's own.
    verbs = list(AuditEvent.objects.order_by("pk").values_list("verb", flat=True)[before:])
    assert verbs == ["publishing.publication.publish"]
    assert Message.objects.get(channel=toot).text == sent


def test_a_retry_sends_the_same_tracked_links_and_makes_none(workspace, owner, replay):
    made, calls = _status_server(replay, lose={1})
    toot = mastodon_channel(workspace, replay.base)
    publication = actions.do_save_publication(workspace, "Voir https://acme.example/ete", [toot.pk], actor=owner)
    actions.do_publish_publication(publication, actor=owner)
    target = PublicationTarget.objects.get(publication=publication)
    assert target.state == TargetState.FAILED and TrackedLink.objects.count() == 1
    actions.do_publish_publication(publication, actor=owner)
    target.refresh_from_db()
    texts = [_form(r)["status"] for r in calls]
    assert len(texts) == 2 and texts[0] == texts[1] and TrackedLink.objects.count() == 1
    assert target.state == TargetState.SENT and len(made) == 1


def test_tracked_links_can_be_turned_off_and_the_setting_is_in_the_api(workspace, owner, replay, client):
    _status_server(replay)
    toot = mastodon_channel(workspace, replay.base)
    assert actions.tracks_links(workspace)  # on unless turned off
    actions.do_set_publishing_settings(workspace, "", track_links=False, actor=owner)
    publication = actions.do_save_publication(workspace, "Voir https://acme.example/ete", [toot.pk], actor=owner)
    actions.do_publish_publication(publication, actor=owner)
    assert _form(replay.requests("POST", STATUSES)[0])["status"] == "Voir https://acme.example/ete"
    assert not TrackedLink.objects.exists()
    _token, key = do_create_api_token(workspace, owner, "t", actor=SystemActor("tests"))
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    got = client.get("/api/publishing/publishing-settings", **headers)
    assert got.json() == {"approval": "", "track_links": False, "alt_required": False}
    answer = client.put(
        "/api/publishing/publishing-settings",
        {"approval": "", "track_links": True},
        content_type="application/json",
        **headers,
    )
    assert answer.status_code == 200 and answer.json()["track_links"] is True


def test_bluesky_counts_a_link_as_long_as_the_tracked_link_it_becomes(workspace, owner, replay):
    channel = bsky(workspace, replay)
    placeholder = short_url(TrackedLink(workspace=workspace, code="x" * 8))
    room = 300 - len(" ") - len(placeholder)
    text = "a" * room + " https://acme.example/" + "p" * 40
    assert graphemes(text) > 300  # too long as written, but not once its link is a tracked link
    assert actions.do_save_publication(workspace, text, [channel.pk], actor=owner)
    with pytest.raises(ActionError, match="300"):
        actions.do_save_publication(workspace, "a" + text, [channel.pk], actor=owner)


LONG = (
    "Premier paragraphe du compte rendu. Il parle de la soirée d'hier et de ses invités.\n\n"
    + " ".join(f"Phrase numéro {n} du deuxième paragraphe, assez longue pour compter." for n in range(12))
    + "\n\nDernier mot : merci à toutes et à tous !"
)


def test_a_long_text_goes_to_mastodon_as_a_thread_each_part_answering_the_one_before(
    workspace, owner, replay, manager_client
):
    made, _calls = _status_server(replay)
    toot = mastodon_channel(workspace, replay.base)
    toot.config = {**toot.config, "max_characters": 200}
    toot.save(update_fields=["config"])
    with pytest.raises(ActionError, match="200"):  # without a thread, the server's limit refuses it
        actions.do_save_publication(workspace, LONG, [toot.pk], actor=owner)
    publication = actions.do_save_publication(workspace, LONG, [toot.pk], thread=True, actor=owner)
    actions.do_publish_publication(publication, actor=owner)
    sent = [_form(r) for r in replay.requests("POST", STATUSES)]
    target = PublicationTarget.objects.get(publication=publication)
    count = len(sent)
    assert count >= 4 and len(target.parts) == count
    assert all(len(form["status"]) <= 200 for form in sent)
    assert [form["status"].rsplit(" ", 1)[-1] for form in sent] == [f"({n}/{count})" for n in range(1, count + 1)]
    assert sent[0]["status"].startswith("Premier paragraphe du compte rendu.")
    assert "in_reply_to_id" not in sent[0]
    ids = [part["remote_id"] for part in target.parts]
    assert [form.get("in_reply_to_id") for form in sent[1:]] == ids[:-1]
    keys = [r.headers["Idempotency-Key"] for r in replay.requests("POST", STATUSES)]
    assert keys[0] == target.idempotency_key and len(set(keys)) == count
    assert target.state == TargetState.SENT and target.remote_id == ids[0]
    assert Message.objects.filter(channel=toot, external_id__in=ids).count() == count
    assert target.message.external_id == ids[0]
    page = manager_client.get(f"/app/publishing/{publication.pk}/").content.decode()
    assert "Fil :" in page and f'href="{target.parts[-1]["url"]}"' in page


def test_a_thread_cut_by_a_lost_answer_goes_on_from_where_it_stopped(workspace, owner, replay):
    made, calls = _status_server(replay, lose={2})
    toot = mastodon_channel(workspace, replay.base)
    toot.config = {**toot.config, "max_characters": 200}
    toot.save(update_fields=["config"])
    publication = actions.do_save_publication(workspace, LONG, [toot.pk], thread=True, actor=owner)
    actions.do_publish_publication(publication, actor=owner)
    target = PublicationTarget.objects.get(publication=publication)
    assert target.state == TargetState.FAILED
    assert target.parts[0]["remote_id"] and not target.parts[1].get("remote_id")
    actions.do_publish_publication(publication, actor=owner)
    target.refresh_from_db()
    keys = [r.headers["Idempotency-Key"] for r in calls]
    # The first part is not sent again; the second is sent again with its own key, and made once.
    assert keys.count(target.idempotency_key) == 1 and keys.count(f"{target.idempotency_key}-1") == 2
    assert len(made) == len(target.parts) and target.state == TargetState.SENT
    ids = [part["remote_id"] for part in target.parts]
    assert [made[key]["in_reply_to_id"] for key in sorted(made, key=lambda k: made[k]["id"])][1:] == ids[:-1]


def test_a_long_text_goes_to_bluesky_as_a_thread_with_root_and_parent(workspace, owner, replay):
    replay.recorded("bluesky", "create_session")
    count = {"n": 0}

    def created(received):
        count["n"] += 1
        rkey = json.loads(received.body)["rkey"]
        return {"uri": f"at://{DID}/app.bsky.feed.post/{rkey}", "cid": f"bafyreicid{count['n']}"}

    replay.add("POST", CREATE, body=created)
    channel = bsky(workspace, replay)
    publication = actions.do_save_publication(workspace, LONG * 2, [channel.pk], thread=True, actor=owner)
    actions.do_publish_publication(publication, actor=owner)
    target = PublicationTarget.objects.get(publication=publication)
    records = [json.loads(r.body) for r in replay.requests("POST", CREATE)]
    assert len(records) == len(target.parts) >= 3
    assert all(graphemes(r["record"]["text"]) <= 300 for r in records)
    assert "reply" not in records[0]["record"]
    root = {"uri": target.parts[0]["remote_id"], "cid": "bafyreicid1"}
    for index, sent in enumerate(records[1:], 1):
        refs = sent["record"]["reply"]
        reply = {key: {k: v for k, v in refs[key].items() if k != "$type"} for key in ("root", "parent")}
        assert reply["root"] == root
        assert reply["parent"] == {
            "uri": target.parts[index - 1]["remote_id"],
            "cid": f"bafyreicid{index}",
        }
    assert len({r["rkey"] for r in records}) == len(records)
    assert records[0]["rkey"] == record_key(target.prepared_at, target.idempotency_key)
    assert not replay.requests("GET", LIST) and target.state == TargetState.SENT


def test_a_thread_that_cannot_be_cut_is_refused_with_the_reason(workspace, owner, replay):
    channel = bsky(workspace, replay)
    with pytest.raises(ActionError, match="fil"):
        actions.do_save_publication(workspace, "x" * 400, [channel.pk], thread=True, actor=owner)
    assert split_thread(channel, "court") == ["court"]


def test_best_hours_come_from_when_the_audience_answers(workspace, owner, replay, client):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from animateur.publishing.selectors import best_hours
    from animateur.stream.items import AuthorInfo, Incoming
    from animateur.stream.models import Kind
    from animateur.stream.pipeline import run_pipeline

    toot = mastodon_channel(workspace, replay.base)
    workspace.timezone = "Europe/Paris"
    workspace.save(update_fields=["timezone"])
    paris = ZoneInfo("Europe/Paris")
    monday = timezone.localtime(timezone.now(), paris).date() - timedelta(days=14)
    monday -= timedelta(days=monday.weekday())
    times = [datetime.combine(monday + timedelta(days=1), datetime.min.time(), paris).replace(hour=18)] * 7
    times += [datetime.combine(monday + timedelta(days=3), datetime.min.time(), paris).replace(hour=12)] * 4
    times += [datetime.combine(monday + timedelta(days=5), datetime.min.time(), paris).replace(hour=9)]
    assert best_hours(workspace) == ([], 0)
    run_pipeline(
        [
            Incoming(
                channel=toot,
                external_id=f"answer-{n}",
                text=f"Merci pour l'annonce numéro {n} !",
                created_at=at + timedelta(minutes=n),
                kind=Kind.COMMENT,
                author=AuthorInfo(external_id=f"https://mastodon.example/@fan{n}", display_name=f"Fan {n}"),
            )
            for n, at in enumerate(times)
        ]
    )
    hours, answers = best_hours(workspace)
    assert answers == 12
    assert [(h.weekday, h.hour, h.answers) for h in hours] == [(1, 18, 7), (3, 12, 4), (5, 9, 1)]
    client.force_login(owner)
    page = client.get("/app/publishing/").content.decode()
    assert "mardi à 18 h" in page and "12 réponses" in page
    _token, key = do_create_api_token(workspace, owner, "t", actor=SystemActor("tests"))
    got = client.get("/api/publishing/best-hours", {"channel_id": toot.pk}, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert got.status_code == 200 and got.json()["hours"][0] == {
        "weekday": 1,
        "hour": 18,
        "answers": 7,
        "share": 0.5833,
    }
    for wrong in (toot.pk + 1000, 2**70):  # another's channel, or an id no row can have: 404, not 500
        answer = client.get("/api/publishing/best-hours", {"channel_id": wrong}, HTTP_AUTHORIZATION=f"Bearer {key}")
        assert answer.status_code == 404


REAL_POSTS = (
    Path(__file__).resolve().parents[3] / "shared" / "data" / "interactions" / "stackexchange-beer" / "Posts.xml"
)


@pytest.mark.skipif(not REAL_POSTS.exists(), reason="../shared/data (Stack Exchange beer posts) is not beside the repo")
def test_real_long_posts_split_into_threads_that_keep_every_word_and_fit():
    """On real long texts (Stack Exchange answers, 2,326 posts): every part fits the network's limit, and
    the parts, their numbering taken off, are the text's words in order."""
    import html
    import re
    import xml.etree.ElementTree as ET

    from animateur.channels.models import Channel
    from animateur.publishing.limits import broken_rule

    texts = []
    for row in ET.parse(REAL_POSTS).getroot():  # noqa: S314 (the shared data set, not untrusted input)
        body = re.sub(r"</p>\s*<p>", "\n\n", row.get("Body") or "")
        if text := html.unescape(re.sub(r"<[^>]+>", "", body)).strip():
            texts.append(text)
    for channel in (
        Channel(kind="bluesky", name="b"),
        Channel(kind="mastodon", name="m", config={"max_characters": 500}),
    ):
        long = [t for t in texts if broken_rule(channel, t)][:300]
        assert len(long) == 300
        cut = 0
        for text in long:
            parts = split_thread(channel, text)
            if parts is None:
                continue
            cut += 1
            assert not [p for p in parts if broken_rule(channel, p)]
            words = " ".join(re.sub(r" \(\d+/\d+\)$", "", p) for p in parts).split()
            assert words == text.split()
        assert cut >= 298  # a text is refused only for a word longer than a post (a long address)
