from datetime import UTC, datetime

from animateur.channels.site import site_channel
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.models import Message, Visibility
from animateur.stream.pipeline import run_pipeline


def comment(channel, external_id, text, email="ana@example.org", parent=None, **kw):
    return Incoming(
        channel=channel, external_id=external_id, text=text, created_at=datetime(2024, 1, 1, tzinfo=UTC),
        author=AuthorInfo(external_id=email, display_name="Ana", email=email), parent_external_id=parent, **kw,
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
        [comment(channel, "a", '<script>alert(1)</script> [x](javascript:alert(1)) réponse', parent="r")]
    ).created[0]
    deeper = run_pipeline([comment(channel, "b", "encore", parent="a")]).created[0]
    assert reply.parent_id == root.pk and reply.thread_root_id == root.pk
    assert deeper.parent_id == reply.pk and deeper.thread_root_id == root.pk
    assert "<script" not in reply.html and "href=\"javascript" not in reply.html


def test_a_malformed_item_is_rejected_with_its_reason_and_the_rest_of_the_batch_is_stored(workspace):
    channel = site_channel(workspace)
    result = run_pipeline([comment(channel, "ok", "fine"), comment(channel, "empty", "   ")])
    assert [m.external_id for m in result.created] == ["ok"]
    assert result.rejected[0].error == "empty message"
