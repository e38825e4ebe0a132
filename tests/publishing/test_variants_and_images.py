"""A publication's text per channel (a variant: its limits are checked, and a thread cut, on the text that
channel sends) and its images with their alt text (checked by their content; the alt text a workspace may
require; each network's own rules; uploaded before the post, never posting twice), against answers in the
networks' own shapes served locally: Mastodon's POST /api/v2/media, Bluesky's uploadBlob, Discourse's
uploads, WordPress's media."""

from __future__ import annotations

import io
import json
import os
from urllib.parse import parse_qsl

import pytest
from PIL import Image

from animateur.api.actions import do_create_api_token
from animateur.channels.connectors.mastodon import media_rules
from animateur.channels.models import Channel
from animateur.channels.site import site_channel
from animateur.core.actions import ActionError, SystemActor
from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.publishing import actions, images
from animateur.publishing.blog import image_address
from animateur.publishing.images import ImageIn
from animateur.publishing.models import Publication, PublicationImage, PublicationTarget, TargetState
from animateur.space.models import Post
from tests.channels.factories import mastodon_channel
from tests.channels.replay import FIXTURES
from tests.publishing.test_blog_and_bluesky import CREATE, bsky
from tests.publishing.test_links_and_threads import _form, _status_server
from tests.publishing.test_titled_networks import _created_topic, _forum, _lost_then, _wp_channel, _wp_post

STATUSES = "/api/v1/statuses"
MEDIA = "/api/v2/media"
UPLOAD_BLOB = "/xrpc/com.atproto.repo.uploadBlob"
LONG = "Le marché de Noël ouvre samedi sur la place, avec trente exposants et une chorale. " * 5  # ~420


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def owner(workspace, make_user):
    workspace.settings = {**(workspace.settings or {}), "publishing_track_links": False}
    workspace.save(update_fields=["settings"])
    return make_user("owner@acme.org", workspace, Role.OWNER)


def photo(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), exif: bool = False) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    extra = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        data[0x0112] = 6  # Orientation: turned a quarter
        extra["exif"] = data.tobytes()
    image.save(out, format=fmt, **extra)
    return out.getvalue()


def _media_answer(received) -> dict:
    """A MediaAttachment as POST /api/v2/media answers it (the recorded status's, as an image)."""
    recorded = json.loads(json.loads((FIXTURES / "mastodon" / "status_media.json").read_text())["body"])
    media = dict(recorded["media_attachments"][0])
    number = len(_media_answer.calls) + 1  # type: ignore[attr-defined]
    _media_answer.calls.append(received)  # type: ignore[attr-defined]
    media.update(id=str(117020575776246986 + number), type="image")
    return media


def _media_server(replay) -> list:
    _media_answer.calls = []  # type: ignore[attr-defined]
    replay.add("POST", MEDIA, body=_media_answer)
    return _media_answer.calls  # type: ignore[attr-defined]


def _multipart_field(received, name: str) -> bytes:
    """A multipart body's part `name` (a form field's value or a file's bytes)."""
    boundary = received.headers["Content-Type"].split("boundary=", 1)[1].encode()
    for part in received.body.split(b"--" + boundary):
        head, _sep, value = part.partition(b"\r\n\r\n")
        if f'name="{name}"'.encode() in head:
            return value.rsplit(b"\r\n", 1)[0]
    raise AssertionError(f"no part {name}")


# -- variants -------------------------------------------------------------------------------------------


def test_each_channel_is_checked_against_the_text_it_sends(workspace, owner, replay):
    toot, sky = mastodon_channel(workspace, replay.base, config={"max_characters": 1000}), bsky(workspace, replay)
    with pytest.raises(ActionError, match="300"):  # the long text is too long for Bluesky
        actions.do_save_publication(workspace, LONG, [toot.pk, sky.pk], actor=owner)
    short = "Marché de Noël samedi, place de la mairie !"
    publication = actions.do_save_publication(
        workspace, LONG, [toot.pk, sky.pk], variants={sky.pk: short, toot.pk: "  "}, actor=owner
    )
    texts = dict(PublicationTarget.objects.filter(publication=publication).values_list("channel_id", "text"))
    assert texts == {toot.pk: "", sky.pk: short}  # a blank variant is none: the publication's text goes
    with pytest.raises(ActionError, match="@acme.bsky.social.*300"):
        actions.do_save_publication(
            workspace, short, [toot.pk, sky.pk], publication=publication, variants={sky.pk: LONG}, actor=owner
        )
    with pytest.raises(
        ActionError, match="Un texte propre est donné pour un canal"
    ):  # a variant for a channel not chosen
        actions.do_save_publication(workspace, short, [toot.pk], variants={sky.pk: short}, actor=owner)
    assert Publication.objects.count() == 1
    assert PublicationTarget.objects.get(publication=publication, channel=sky).text == short


def test_variants_are_sent_audited_and_carried_by_the_event(workspace, owner, replay, monkeypatch):
    emitted = []
    real_emit = actions.emit
    monkeypatch.setattr(
        actions, "emit", lambda ws, name, data: emitted.append((name, data)) or real_emit(ws, name, data)
    )
    replay.recorded("bluesky", "create_session")
    replay.recorded("bluesky", "create_record")
    made, _calls = _status_server(replay)
    toot, sky = mastodon_channel(workspace, replay.base), bsky(workspace, replay)
    publication = actions.do_save_publication(
        workspace, "Pour Mastodon", [toot.pk, sky.pk], variants={sky.pk: "Pour Bluesky"}, actor=owner
    )
    saved = AuditEvent.objects.filter(verb="publishing.publication.save").latest("pk")
    assert saved.data["variants"] == {str(sky.pk): ["", "Pour Bluesky"]}
    [(_name, event)] = [e for e in emitted if e[0] == "publishing.publication.saved"]
    assert event["variants"] == {str(sky.pk): "Pour Bluesky"}  # its shape is checked by emit under tests
    # An edit keeps the variants unless it gives them; a change is audited before → after.
    actions.do_save_publication(workspace, "Pour Mastodon", [toot.pk, sky.pk], publication=publication, actor=owner)
    assert PublicationTarget.objects.get(publication=publication, channel=sky).text == "Pour Bluesky"
    actions.do_save_publication(
        workspace,
        "Pour Mastodon",
        [toot.pk, sky.pk],
        publication=publication,
        variants={sky.pk: "Pour Bluesky, enfin"},
        actor=owner,
    )
    changed = AuditEvent.objects.filter(verb="publishing.publication.save").latest("pk")
    assert changed.data["variants"] == {str(sky.pk): ["Pour Bluesky", "Pour Bluesky, enfin"]}
    actions.do_publish_publication(publication, actor=owner)
    assert _form(replay.requests("POST", STATUSES)[0])["status"] == "Pour Mastodon"
    assert json.loads(replay.requests("POST", CREATE)[0].body)["record"]["text"] == "Pour Bluesky, enfin"


def test_a_thread_cuts_the_channels_own_text(workspace, owner, replay):
    _made, calls = _status_server(replay)
    toot = mastodon_channel(workspace, replay.base, config={"max_characters": 200})
    publication = actions.do_save_publication(
        workspace, "Court.", [toot.pk], variants={toot.pk: LONG}, thread=True, actor=owner
    )
    actions.do_publish_publication(publication, actor=owner)
    texts = [_form(r)["status"] for r in calls]
    assert len(texts) >= 3 and texts[0].startswith("Le marché de Noël") and texts[0].endswith(f"(1/{len(texts)})")
    assert all(len(text) <= 200 for text in texts)


# -- images: checked by their content ---------------------------------------------------------------------


def test_an_image_is_told_by_its_content_and_redrawn_without_its_metadata():
    kept = images.checked_image(photo(exif=True, size=(64, 48)), "vacances.jpg", "  Un  chat  ")
    assert kept.content_type == "image/jpeg" and kept.alt == "Un chat"
    assert (kept.width, kept.height) == (48, 64)  # turned as its EXIF said
    with Image.open(io.BytesIO(kept.data)) as again:
        assert not again.getexif()  # the maker (and a place, had it one) is gone
    assert images.checked_image(photo("PNG"), "a.png").content_type == "image/png"
    assert images.checked_image(photo("WEBP"), "a.webp").content_type == "image/webp"
    assert images.checked_image(photo("GIF"), "a.gif").content_type == "image/gif"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "« x.png » est vide"),
        (b"<svg onload='alert(1)'></svg>", "« x.png » n’est pas une image JPEG, PNG, WebP ou GIF"),
        (photo("PNG")[:40], "« x.png » n’est pas une image JPEG, PNG, WebP ou GIF"),  # a PNG cut short
        (b"\xff\xd8\xff" + b"\0" * 100, "« x.png » n’est pas une image JPEG, PNG, WebP ou GIF"),
        (photo("BMP"), "« x.png » n’est pas une image JPEG, PNG, WebP ou GIF"),
        (
            b"\x89PNG\r\n\x1a\n" + b"x" * (images.MAX_IMAGE_BYTES + 2**20),
            "« x.png » pèse 11,0.Mio ; une image pèse au plus 10,0.Mio",
        ),
    ],
)
def test_a_bad_file_is_refused_with_its_name(data, words):
    with pytest.raises(ActionError, match=words.replace("(", r"\(")):
        images.checked_image(data, "x.png")


def test_a_bad_image_changes_nothing(workspace, owner, replay):
    toot = mastodon_channel(workspace, replay.base)
    with pytest.raises(ActionError, match="« notes.jpg »"):
        actions.do_save_publication(
            workspace,
            "Photo",
            [toot.pk],
            pictures=[ImageIn(data=photo(), name="ok.jpg"), ImageIn(data=b"hello", name="notes.jpg")],
            actor=owner,
        )
    assert not Publication.objects.exists() and not PublicationImage.objects.exists()
    with pytest.raises(ActionError, match="Une publication a au plus 4 images"):
        actions.do_save_publication(
            workspace, "Photo", [toot.pk], pictures=[ImageIn(data=photo(), name="a.jpg")] * 5, actor=owner
        )


def test_the_workspace_may_require_alt_text_naming_the_image(workspace, owner, replay):
    toot = mastodon_channel(workspace, replay.base)
    actions.do_set_publishing_settings(workspace, "", alt_required=True, actor=owner)
    workspace.refresh_from_db()
    assert images.alt_required(workspace)
    pictures = [ImageIn(data=photo(), name="chat.jpg", alt="Un chat roux"), ImageIn(data=photo(), name="chien.jpg")]
    with pytest.raises(
        ActionError, match="« chien.jpg » .image 2. n’a pas de texte alternatif : cet espace de travail en demande"
    ):
        actions.do_save_publication(workspace, "Photos", [toot.pk], pictures=pictures, actor=owner)
    pictures[1] = ImageIn(data=photo(), name="chien.jpg", alt="Un chien")
    publication = actions.do_save_publication(workspace, "Photos", [toot.pk], pictures=pictures, actor=owner)
    assert [(i.name, i.alt, i.position) for i in publication.images.all()] == [
        ("chat.jpg", "Un chat roux", 0),
        ("chien.jpg", "Un chien", 1),
    ]
    # The setting turned on after a publication was written: it is refused when it would go out.
    actions.do_set_publishing_settings(workspace, "", alt_required=False, actor=owner)
    workspace.refresh_from_db()
    stored = [ImageIn(image_id=i.pk, alt="") for i in publication.images.all()]
    actions.do_save_publication(workspace, "Photos", [toot.pk], publication=publication, pictures=stored, actor=owner)
    actions.do_set_publishing_settings(workspace, "", alt_required=True, actor=owner)
    publication.refresh_from_db()
    with pytest.raises(ActionError, match="« chat.jpg » .image 1. n’a pas de texte alternatif"):
        actions.do_publish_publication(publication, actor=owner)
    assert not replay.requests("POST", MEDIA)


def test_each_networks_own_rules_for_images(workspace, owner, replay):
    toot = mastodon_channel(
        workspace,
        replay.base,
        config={"media_rules": {"max_attachments": 1, "mime_types": ["image/jpeg", "image/png"]}},
    )
    two = [ImageIn(data=photo(), name="a.jpg"), ImageIn(data=photo(), name="b.jpg")]
    with pytest.raises(
        ActionError, match="@acme prend au plus 1 images .la limite de son serveur. ; cette publication en a 2"
    ):
        actions.do_save_publication(workspace, "x", [toot.pk], pictures=two, actor=owner)
    with pytest.raises(
        ActionError, match="@acme ne prend pas « a.webp » .image/webp. : son serveur prend image/jpeg, image/png"
    ):
        actions.do_save_publication(
            workspace, "x", [toot.pk], pictures=[ImageIn(data=photo("WEBP"), name="a.webp")], actor=owner
        )
    reddit = Channel.objects.create(workspace=workspace, kind="reddit", name="r/acme", config={"subreddit": "acme"})
    with pytest.raises(ActionError, match="r/acme : aucune image n’est envoyée à Reddit"):
        actions.do_save_publication(workspace, "Titre\nTexte", [reddit.pk], pictures=two[:1], actor=owner)
    sky = bsky(workspace, replay)
    noise = Image.frombytes("RGB", (700, 700), os.urandom(700 * 700 * 3))
    big = io.BytesIO()
    noise.save(big, format="PNG")
    assert len(big.getvalue()) > images.BLUESKY_IMAGE_BYTES
    with pytest.raises(
        ActionError,
        match=r"@acme.bsky.social prend des images d’au plus 1\D000\D000 octets .la limite de Bluesky. ; « big.png »",
    ):
        actions.do_save_publication(
            workspace, "x", [sky.pk], pictures=[ImageIn(data=big.getvalue(), name="big.png")], actor=owner
        )
    assert not Publication.objects.exists()


def test_a_mastodon_server_says_its_media_rules_in_its_instance_api():
    body = json.loads(json.loads((FIXTURES / "mastodon" / "instance_v2.json").read_text())["body"])
    rules = media_rules(body)
    assert rules["max_attachments"] == 4 and rules["image_size_limit"] == 16777216
    assert rules["description_limit"] == 10000 and rules["image_matrix_limit"] == 33177600
    assert "image/webp" in rules["mime_types"] and not any(t.startswith("video/") for t in rules["mime_types"])
    assert media_rules({"configuration": {}}) == {}


# -- images: sent ---------------------------------------------------------------------------------------


def test_mastodon_uploads_each_image_with_its_alt_text_then_names_them_and_never_posts_twice(workspace, owner, replay):
    uploads = _media_server(replay)
    made, calls = _status_server(replay, lose={1})
    toot = mastodon_channel(workspace, replay.base)
    pictures = [ImageIn(data=photo(), name="chat.jpg", alt="Un chat roux"), ImageIn(data=photo("PNG"), name="b.png")]
    publication = actions.do_save_publication(workspace, "Nos chats", [toot.pk], pictures=pictures, actor=owner)
    actions.do_publish_publication(publication, actor=owner)
    target = PublicationTarget.objects.get(publication=publication)
    assert target.state == TargetState.FAILED  # the status's answer was lost
    assert len(uploads) == 2 and [m["media_id"] for m in target.media] == ["117020575776246987", "117020575776246988"]
    first = uploads[0]
    assert parse_qsl(first.query) == [] and _multipart_field(first, "description") == b"Un chat roux"
    assert _multipart_field(first, "file").startswith(b"\xff\xd8\xff")
    actions.do_publish_publication(publication, actor=owner)  # the retry
    target.refresh_from_db()
    assert len(uploads) == 2  # kept: not uploaded again
    assert len(calls) == 2 and len(made) == 1  # the same key: one status
    sent = parse_qsl(calls[1].body.decode())
    assert [v for k, v in sent if k == "media_ids[]"] == ["117020575776246987", "117020575776246988"]
    assert calls[0].headers["Idempotency-Key"] == calls[1].headers["Idempotency-Key"]
    assert target.state == TargetState.SENT


def test_bluesky_uploads_blobs_and_embeds_the_images_with_their_alt_text(workspace, owner, replay):
    replay.recorded("bluesky", "create_session")
    replay.recorded("bluesky", "create_record")
    blob = {"$type": "blob", "ref": {"$link": "bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy"}}
    replay.add("POST", UPLOAD_BLOB, body={"blob": {**blob, "mimeType": "image/jpeg", "size": 1234}})
    sky = bsky(workspace, replay)
    publication = actions.do_save_publication(
        workspace, "Le marché", [sky.pk], pictures=[ImageIn(data=photo(), name="m.jpg", alt="Des étals")], actor=owner
    )
    actions.do_publish_publication(publication, actor=owner)
    [uploaded] = replay.requests("POST", UPLOAD_BLOB)
    assert uploaded.body.startswith(b"\xff\xd8\xff")  # the bytes (the server tells their type by them)
    record = json.loads(replay.requests("POST", CREATE)[0].body)["record"]
    embed = record["embed"]
    assert embed["$type"] == "app.bsky.embed.images"
    assert embed["images"][0]["alt"] == "Des étals" and (
        embed["images"][0]["aspectRatio"]["width"],
        embed["images"][0]["aspectRatio"]["height"],
    ) == (64, 48)
    assert embed["images"][0]["image"]["ref"] == blob["ref"]
    assert PublicationTarget.objects.get(publication=publication).state == TargetState.SENT


def test_the_blog_shows_the_images_with_their_alt_text_once_published(workspace, owner, client):
    blog = site_channel(workspace)
    publication = actions.do_save_publication(
        workspace,
        "Nos chats\nDeux photos.",
        [blog.pk],
        pictures=[ImageIn(data=photo(), name="chat.jpg", alt="Un chat [roux]")],
        actor=owner,
    )
    image = publication.images.get()
    address = image_address(image)
    path = address.split("://", 1)[1].split("/", 1)[1]
    assert client.get(f"/{path}").status_code == 404  # a draft's image is the team's
    actions.do_publish_publication(publication, actor=owner)
    post = Post.objects.get(workspace=workspace)
    assert f"![Un chat (roux)]({address})" in post.body
    assert f'<img src="{address}" alt="Un chat (roux)"' in post.body_html
    served = client.get(f"/{path}")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content).startswith(b"\xff\xd8\xff")
    assert client.get("/images/nothing.jpg").status_code == 404


def test_discourse_uploads_then_writes_the_image_in_its_markdown(workspace, owner, replay):
    upload = {
        "id": 77,
        "url": "/uploads/default/original/1X/abc.jpeg",
        "short_url": "upload://abc.jpeg",
        "original_filename": "chat.jpg",
        "width": 64,
        "height": 48,
    }
    replay.add("POST", "/uploads.json", 200, upload)
    replay.add("POST", "/posts.json", 200, _created_topic())
    forum = _forum(workspace, replay)
    publication = actions.do_save_publication(
        workspace,
        "Nos chats\nUne photo.",
        [forum.pk],
        pictures=[ImageIn(data=photo(), name="chat.jpg", alt="Un chat | roux")],
        actor=owner,
    )
    actions.do_publish_publication(publication, actor=owner)
    [sent_file] = replay.requests("POST", "/uploads.json")
    assert _multipart_field(sent_file, "type") == b"composer"
    assert _multipart_field(sent_file, "file").startswith(b"\xff\xd8\xff")
    raw = json.loads(replay.requests("POST", "/posts.json")[0].body)["raw"]
    assert raw == "Une photo.\n\n![Un chat roux|64x48](upload://abc.jpeg)"


def test_wordpress_uploads_with_alt_text_and_a_retry_finds_the_same_body(workspace, owner, replay):
    media = {
        "id": 3001,
        "source_url": f"{replay.base}/wp-content/uploads/2026/12/chat.jpg",
        "alt_text": "Un chat",
        "media_details": {"width": 64, "height": 48},
    }
    replay.add("POST", "/wp-json/wp/v2/media", 201, media)
    channel = _wp_channel(workspace, replay)
    posted = {}

    def answer(received):
        body = json.loads(received.body)
        posted["content"] = body["content"]
        entry = _wp_post(replay)
        entry["title"] = {"raw": body["title"], "rendered": body["title"]}
        entry["content"] = {"raw": body["content"], "rendered": body["content"], "protected": False}
        return entry

    calls = _lost_then(replay, "POST", "/wp-json/wp/v2/posts", answer)
    publication = actions.do_save_publication(
        workspace,
        "Nos chats\nUne photo.",
        [channel.pk],
        pictures=[ImageIn(data=photo(), name="chat.jpg", alt='Un "chat"')],
        actor=owner,
    )
    actions.do_publish_publication(publication, actor=owner)  # the post's answer is lost
    [uploaded] = replay.requests("POST", "/wp-json/wp/v2/media")
    assert _multipart_field(uploaded, "alt_text") == b'Un "chat"'
    sent = json.loads(calls[0].body)["content"]
    assert sent.startswith('Une photo.\n\n<figure class="wp-block-image">')
    assert f'src="{media["source_url"]}" alt="Un &quot;chat&quot;" width="64" height="48"' in sent
    entry = _wp_post(replay)
    entry["title"] = {"raw": "Nos chats", "rendered": "Nos chats"}
    entry["content"] = {"raw": sent, "rendered": sent, "protected": False}
    replay.add("GET", "/wp-json/wp/v2/posts", 200, [entry], query="context=edit")
    actions.do_publish_publication(publication, actor=owner)
    assert len(calls) == 1 and len(replay.requests("POST", "/wp-json/wp/v2/media")) == 1  # found: not again
    assert PublicationTarget.objects.get(publication=publication).state == TargetState.SENT


# -- the API --------------------------------------------------------------------------------------------


def test_the_api_takes_variants_and_images(workspace, owner, replay, client):
    toot, sky = mastodon_channel(workspace, replay.base), bsky(workspace, replay)
    _token, key = do_create_api_token(workspace, owner, "t", actor=SystemActor("tests"))
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    created = client.post(
        "/api/publishing/publications",
        {
            "text": LONG[:400],
            "channel_ids": [toot.pk, sky.pk],
            "variants": [{"channel_name": "@acme.bsky.social", "text": "Court pour Bluesky"}],
        },
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    pid = body["id"]
    assert {t["channel_id"]: t["text"] for t in body["targets"]} == {toot.pk: "", sky.pk: "Court pour Bluesky"}
    refused = client.put(
        f"/api/publishing/publications/{pid}",
        {"variants": [{"channel_id": sky.pk, "text": LONG}]},
        content_type="application/json",
        **headers,
    )
    assert refused.status_code == 400 and "300" in refused.json()["detail"]
    changed = client.put(
        f"/api/publishing/publications/{pid}", {"variants": []}, content_type="application/json", **headers
    )
    assert changed.status_code == 400  # without its variant, the text is too long for Bluesky
    changed = client.put(
        f"/api/publishing/publications/{pid}",
        {"text": "Court", "variants": []},
        content_type="application/json",
        **headers,
    )
    assert changed.status_code == 200 and all(t["text"] == "" for t in changed.json()["targets"])
    bad = client.post(
        f"/api/publishing/publications/{pid}/images",
        {"file": io.BytesIO(b"not an image"), "alt": "x"},
        **headers,
    )
    assert bad.status_code == 400 and "n’est pas une image JPEG, PNG, WebP ou GIF" in bad.json()["detail"]
    upload = io.BytesIO(photo())
    upload.name = "chat.jpg"
    added = client.post(f"/api/publishing/publications/{pid}/images", {"file": upload, "alt": "Un chat"}, **headers)
    assert added.status_code == 201, added.content
    second = io.BytesIO(photo("PNG"))
    second.name = "b.png"
    added = client.post(f"/api/publishing/publications/{pid}/images", {"file": second}, **headers)
    shown = added.json()["images"]
    assert [(i["name"], i["alt"], i["content_type"]) for i in shown] == [
        ("chat.jpg", "Un chat", "image/jpeg"),
        ("b.png", "", "image/png"),
    ]
    reordered = client.put(
        f"/api/publishing/publications/{pid}/images",
        {"images": [{"id": shown[1]["id"], "alt": "Un carré rouge"}, {"id": shown[0]["id"], "alt": "Un chat"}]},
        content_type="application/json",
        **headers,
    )
    assert [i["alt"] for i in reordered.json()["images"]] == ["Un carré rouge", "Un chat"]
    removed = client.delete(f"/api/publishing/publications/{pid}/images/{shown[0]['id']}", **headers)
    assert [i["name"] for i in removed.json()["images"]] == ["b.png"]
    other = client.delete(f"/api/publishing/publications/{pid}/images/999999", **headers)
    assert other.status_code == 404
    audit = AuditEvent.objects.filter(verb="publishing.publication.save").latest("pk")
    assert audit.data["images"]["removed"] == ["chat.jpg"]


# -- the command line -------------------------------------------------------------------------------------


def test_the_command_line_takes_variants_and_images(workspace, owner, replay, capsys, tmp_path):
    from animateur.cli import main

    uploads = _media_server(replay)
    _made, calls = _status_server(replay)
    toot = mastodon_channel(workspace, replay.base, config={"max_characters": 1000})
    blog = site_channel(workspace)
    picture = tmp_path / "chat.jpg"
    picture.write_bytes(photo())
    status = main(
        [
            "publish", "--workspace", workspace.slug, "--channel", toot.name, "--channel", blog.name,
            "--text", "Pour le blog\nLe texte long.", "--variant", f"{toot.name}=Pour Mastodon",
            "--image", f"{picture}=Un chat roux",
        ]
    )  # fmt: skip
    assert status == 0, capsys.readouterr().err
    assert _form(calls[0])["status"] == "Pour Mastodon" and len(uploads) == 1
    assert "![Un chat roux](" in Post.objects.get(workspace=workspace).body
    bad = tmp_path / "notes.jpg"
    bad.write_bytes(b"not an image")
    status = main(
        ["publish", "--workspace", workspace.slug, "--channel", toot.name, "--text", "x", "--image", str(bad)]
    )
    assert status == 2 and "« notes.jpg »" in capsys.readouterr().err
    assert Publication.objects.count() == 1


# -- the pages ------------------------------------------------------------------------------------------


def test_the_pages_take_variants_and_images_and_a_bad_file_is_a_clear_error(workspace, owner, manager_client, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    toot = mastodon_channel(workspace, "https://mastodon.example")
    bad = SimpleUploadedFile("notes.jpg", b"hello", content_type="image/jpeg")
    answer = manager_client.post(
        "/app/publishing/", {"text": "Photo", "channels": [toot.pk], "goal": "draft", "image_0": bad}
    )
    assert answer.status_code == 400 and "« notes.jpg » n’est pas une image JPEG" in answer.content.decode()
    assert not Publication.objects.exists()
    good = SimpleUploadedFile("chat.jpg", photo(), content_type="image/jpeg")
    answer = manager_client.post(
        "/app/publishing/",
        {
            "text": "Photo",
            "channels": [toot.pk],
            "goal": "draft",
            f"variant_{toot.pk}": "Pour Mastodon",
            "image_0": good,
            "image_alt_0": "Un chat",
        },
    )
    publication = Publication.objects.get()
    assert answer.status_code == 302 and publication.targets.get().text == "Pour Mastodon"
    image = publication.images.get()
    page = manager_client.get(f"/app/publishing/{publication.pk}/").content.decode()
    assert 'value="Un chat"' in page and f'name="remove_{image.pk}"' in page and "Pour Mastodon" in page
    answer = manager_client.post(
        f"/app/publishing/{publication.pk}/",
        {"text": "Photo", "channels": [toot.pk], "goal": "draft", f"alt_{image.pk}": "", f"remove_{image.pk}": "on"},
    )
    assert answer.status_code == 302 and not publication.images.exists()
    assert publication.targets.get().text == ""  # the variant field left blank: the publication's text
