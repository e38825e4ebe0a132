"""The store stage's own insert: what it writes is what Django reads back, keyed and threaded."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from animateur.channels.models import Channel
from animateur.core import bulk
from animateur.nlp import language
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.models import Identity, Member, Message
from animateur.stream.pipeline import run_pipeline

WHEN = datetime(2024, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)


@pytest.fixture
def forum(workspace):
    return Channel.objects.create(workspace=workspace, kind="files", name="forum")


def item(channel, external_id, text="Bonjour à tous, ceci est un message", parent=None, author="ana", **kw):
    return Incoming(
        channel=channel,
        external_id=external_id,
        text=text,
        created_at=WHEN,
        author=AuthorInfo(external_id=author, display_name=author.title()),
        parent_external_id=parent,
        **kw,
    )


def test_every_field_the_pipeline_sets_reads_back_the_same(forum, make_user):
    user = make_user("team@example.org")
    sent = item(
        forum,
        "m1",
        html="<p>Bonjour <em>à tous</em></p>",
        title="Un titre",
        url="https://example.org/m1",
        kind="reply",
        language="fr",
        from_organisation=True,
        sent_by_id=user.pk,
        remote_addr="2001:db8::1",
        user_agent="Navigateur/1.0",
        raw={"source": {"id": 1, "tags": ["a", "é"]}},
        source_visibility="visible",
    )
    created = run_pipeline([sent]).created[0]
    row = Message.objects.get(pk=created.pk)
    for field in Message._meta.concrete_fields:
        assert getattr(row, field.attname) == getattr(created, field.attname), field.name
    assert row.created_at == WHEN
    assert row.remote_addr == "2001:db8::1" and row.raw["source"]["tags"] == ["a", "é"]
    assert row.sent_by_id == user.pk and row.from_organisation is True
    assert row.thread_root_id == row.pk and row.author.member.display_name == "Ana"


def test_replies_get_greater_keys_than_their_parents_of_the_same_batch(forum):
    created = run_pipeline(
        [
            item(forum, "c", parent="b"),
            item(forum, "b", parent="a"),
            item(forum, "a"),
            item(forum, "x", parent="y"),
            item(forum, "y", parent="x"),
        ]
    ).created
    rows = {m.external_id: m for m in Message.objects.filter(channel=forum)}
    assert len(created) == 5
    assert rows["a"].pk < rows["b"].pk < rows["c"].pk
    assert rows["c"].thread_root_id == rows["b"].thread_root_id == rows["a"].pk
    # A cycle of parents inside a batch is broken: both become roots of their own thread.
    assert rows["x"].parent_id is None and rows["x"].thread_root_id == rows["x"].pk
    assert rows["y"].parent_id is None and rows["y"].thread_root_id == rows["y"].pk


def test_a_key_is_never_given_twice_even_after_the_last_message_was_deleted(forum):
    first = run_pipeline([item(forum, "one"), item(forum, "two")]).created
    highest = max(m.pk for m in first)
    Message.objects.filter(pk=highest).delete()
    again = run_pipeline([item(forum, "three")]).created[0]
    assert again.pk > highest


def test_authors_new_to_the_batch_become_members_with_their_identity(forum):
    run_pipeline([item(forum, "m1", author="ana"), item(forum, "m2", author="bob"), item(forum, "m3", author="ana")])
    identities = {i.external_id: i for i in Identity.objects.filter(channel=forum).select_related("member")}
    assert sorted(identities) == ["ana", "bob"]
    assert (
        identities["ana"].member.display_name == "Ana" and identities["ana"].member.workspace_id == forum.workspace_id
    )
    authors = dict(Message.objects.filter(channel=forum).values_list("external_id", "author__external_id"))
    assert authors == {"m1": "ana", "m2": "bob", "m3": "ana"}
    assert Member.objects.filter(workspace=forum.workspace).count() == 2


def test_an_insert_refused_by_the_database_writes_nothing(forum):
    run_pipeline([item(forum, "taken")])
    clash = Message(workspace_id=forum.workspace_id, channel=forum, external_id="taken", created_at=WHEN)
    fresh = Message(workspace_id=forum.workspace_id, channel=forum, external_id="fresh", created_at=WHEN)
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert_objects([fresh, clash])
    assert sorted(Message.objects.filter(channel=forum).values_list("external_id", flat=True)) == ["taken"]


def test_the_insert_runs_only_inside_a_transaction(forum, transactional_db):
    message = Message(workspace_id=forum.workspace_id, channel=forum, external_id="m", created_at=WHEN)
    with pytest.raises(RuntimeError, match="inside a transaction"):
        bulk.insert_objects([message])


def test_a_date_in_another_time_zone_is_stored_as_the_same_instant(forum):
    shifted = WHEN.astimezone(ZoneInfo("Europe/Paris")) + timedelta(seconds=1)
    incoming = item(forum, "tz")
    incoming.created_at = shifted
    message = run_pipeline([incoming]).created[0]
    assert Message.objects.get(pk=message.pk).created_at == WHEN + timedelta(seconds=1)


def test_a_text_in_another_language_is_detected_once_and_judged_for_spam_only(forum, monkeypatch):
    german = "Vielen Dank für das Protokoll der Sitzung am Donnerstag, es ist sehr ausführlich geschrieben."
    seen = []
    real = language._detect

    def counting(text, codes, detectors):
        seen.append(text)
        return real(text, codes, detectors)

    monkeypatch.setattr(language, "_detect", counting)
    result = run_pipeline([item(forum, "de", text=german), item(forum, "fr")])
    by_id = {m.external_id: m for m in result.created}
    # Spam shows in links, numbers and patterns whatever the language; toxicity and sentiment are
    # read in French and English only.
    assert by_id["de"].language == "" and "spam" in by_id["de"].scores
    assert "toxicity" not in by_id["de"].scores and by_id["de"].sentiment == ""
    assert by_id["fr"].language == "fr" and "spam" in by_id["fr"].scores
    assert seen.count(german) == 1


def test_an_author_created_meanwhile_by_another_process_is_taken_rather_than_duplicated(forum):
    from animateur.stream import stages, store

    batch = [item(forum, "m1", author="ana"), item(forum, "m2", author="bob")]
    for stage in (stages.normalize, stages.dedupe, stages.identify):
        batch = stage(batch)
    # Between identify and store, another worker stores ana's first message.
    other = run_pipeline([item(forum, "elsewhere", author="ana")]).created[0]
    with transaction.atomic():
        store.store(batch)
    rows = {m.external_id: m for m in Message.objects.filter(channel=forum).select_related("author")}
    assert rows["m1"].author_id == other.author_id
    assert rows["m2"].author.external_id == "bob" and rows["m2"].author.member.display_name == "Bob"
    assert Identity.objects.filter(channel=forum).count() == 2
