from datetime import UTC, datetime

from animateur.channels.site import site_channel
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.models import AwaitedParent, Message, Visibility
from animateur.stream.pipeline import run_pipeline


def comment(channel, external_id, text, email="ana@example.org", parent=None, **kw):
    return Incoming(
        channel=channel,
        external_id=external_id,
        text=text,
        created_at=datetime(2024, 1, 1, tzinfo=UTC),
        author=AuthorInfo(external_id=email, display_name="Ana", email=email),
        parent_external_id=parent,
        **kw,
    )


def test_first_comment_of_an_author_is_held_and_the_next_one_too_until_one_is_approved(workspace):
    channel = site_channel(workspace)
    result = run_pipeline([comment(channel, "c1", "Bonjour !")])
    assert result.created[0].visibility == Visibility.PENDING
    assert result.created[0].scores["reasons"][0]["source"] == "first-comment"
    Message.objects.filter(pk=result.created[0].pk).update(visibility=Visibility.VISIBLE)
    second = run_pipeline([comment(channel, "c2", "Encore moi")]).created[0]
    assert second.visibility == Visibility.VISIBLE


def test_fetching_again_never_duplicates_and_an_edit_keeps_the_previous_text(workspace):
    channel = site_channel(workspace)
    run_pipeline([comment(channel, "c1", "Premier texte", source_visibility="visible")])
    again = run_pipeline([comment(channel, "c1", "Premier texte", source_visibility="visible")])
    assert again.unchanged == 1 and not again.created
    edited = run_pipeline([comment(channel, "c1", "Texte corrigé", source_visibility="visible")]).updated[0]
    assert Message.objects.count() == 1
    assert edited.text == "Texte corrigé"
    assert edited.previous_versions[0]["text"] == "Premier texte"


def test_replies_are_threaded_under_their_root_and_scripts_never_reach_the_html(workspace):
    channel = site_channel(workspace)
    root = run_pipeline([comment(channel, "r", "racine", source_visibility="visible")]).created[0]
    reply = run_pipeline(
        [comment(channel, "a", "<script>alert(1)</script> [x](javascript:alert(1)) réponse", parent="r")]
    ).created[0]
    deeper = run_pipeline([comment(channel, "b", "encore", parent="a")]).created[0]
    assert reply.parent_id == root.pk and reply.thread_root_id == root.pk
    assert deeper.parent_id == reply.pk and deeper.thread_root_id == root.pk
    assert "<script" not in reply.html and 'href="javascript' not in reply.html


def test_a_malformed_item_is_rejected_with_its_reason_and_the_rest_of_the_batch_is_stored(workspace):
    channel = site_channel(workspace)
    result = run_pipeline([comment(channel, "ok", "fine"), comment(channel, "empty", "   ")])
    assert [m.external_id for m in result.created] == ["ok"]
    assert result.rejected[0].error == "empty message"


def test_a_batch_with_replies_to_messages_of_the_same_batch_is_threaded_in_one_pass(workspace):
    channel = site_channel(workspace)
    batch = [
        comment(channel, "c", "petit-enfant", parent="b"),
        comment(channel, "a", "racine", source_visibility="visible"),
        comment(channel, "b", "enfant", parent="a"),
        comment(channel, "z", "orphelin", parent="absent"),
    ]
    result = run_pipeline(batch)
    rows = {m.external_id: m for m in Message.objects.filter(channel=channel)}
    assert len(result.created) == 4
    assert rows["b"].parent_id == rows["a"].pk and rows["c"].parent_id == rows["b"].pk
    assert rows["a"].thread_root_id == rows["b"].thread_root_id == rows["c"].thread_root_id == rows["a"].pk
    assert rows["z"].thread_root_id == rows["z"].pk and rows["z"].parent_id is None
    assert list(AwaitedParent.objects.filter(reply=rows["z"]).values_list("external_id", flat=True)) == ["absent"]


def test_an_author_new_on_a_channel_with_a_known_email_is_another_identity_of_the_same_member(workspace):
    from animateur.channels.models import Channel
    from animateur.stream.models import Identity

    site = site_channel(workspace)
    run_pipeline([comment(site, "c1", "Bonjour", email="ana@example.org")])
    forum = Channel.objects.create(workspace=workspace, kind="files", name="forum")
    item = comment(forum, "f1", "Salut", email="ANA@example.org")
    item.author.external_id = "forum-user-7"
    run_pipeline([item])
    identities = Identity.objects.filter(workspace=workspace)
    assert identities.count() == 2
    assert len({i.member_id for i in identities}) == 1


def test_an_edit_at_the_source_keeps_the_moderators_decision(workspace):
    channel = site_channel(workspace)
    first = run_pipeline([comment(channel, "c1", "Texte")]).created[0]
    Message.objects.filter(pk=first.pk).update(visibility=Visibility.HIDDEN)
    edited = run_pipeline([comment(channel, "c1", "Texte modifié")]).updated[0]
    assert edited.visibility == Visibility.HIDDEN and edited.text == "Texte modifié"


def test_a_prepared_worker_has_its_start_up_objects_frozen_and_still_stores_batches(workspace):
    import gc

    from animateur.stream.pipeline import prepare_worker

    try:
        prepare_worker()
        assert gc.get_freeze_count() > 0
        channel = site_channel(workspace)
        result = run_pipeline([comment(channel, "w1", "Merci pour cette belle journée, à bientôt")])
        assert [m.language for m in result.created] == ["fr"]
    finally:
        gc.unfreeze()
