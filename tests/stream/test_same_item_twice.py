"""The same item twice in one batch is one message, stored once; of two differing copies the later wins."""

from datetime import UTC, datetime

from animateur.channels.models import Channel
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.models import Kind, Message
from animateur.stream.pipeline import run_pipeline

WHEN = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


def status(channel, external_id, text, **kw):
    return Incoming(
        channel=channel,
        external_id=external_id,
        text=text,
        created_at=WHEN,
        author=AuthorInfo(external_id="42", display_name="Ana", handle="ana@social.example"),
        **kw,
    )


def mastodon(workspace):
    return Channel.objects.create(workspace=workspace, kind="mastodon", name="social", config={})


def test_a_mention_also_read_in_a_followed_hashtag_is_stored_once_as_a_mention(workspace):
    channel = mastodon(workspace)
    result = run_pipeline(
        [
            status(channel, "1001", "@acme votre appli plante #acme", kind=Kind.MENTION),
            status(channel, "1002", "Autre chose #acme", kind=Kind.POST),
            status(channel, "1001", "@acme votre appli plante #acme", kind=Kind.POST),
        ]
    )
    assert not result.rejected
    assert sorted(m.external_id for m in result.created) == ["1001", "1002"]
    assert Message.objects.filter(channel=channel).count() == 2
    assert Message.objects.get(channel=channel, external_id="1001").kind == Kind.MENTION


def test_of_two_differing_copies_the_later_or_last_edited_one_wins(workspace):
    channel = mastodon(workspace)
    result = run_pipeline([status(channel, "7", "premier jet"), status(channel, "7", "texte corrigé")])
    assert not result.rejected and len(result.created) == 1
    assert Message.objects.get(channel=channel, external_id="7").text == "texte corrigé"
    # The source says which copy was edited last, whatever their order in the batch.
    edited = status(channel, "8", "version éditée", edited_at=datetime(2024, 5, 1, 10, 0, tzinfo=UTC))
    result = run_pipeline([edited, status(channel, "8", "version d'origine")])
    assert not result.rejected and len(result.created) == 1
    assert Message.objects.get(channel=channel, external_id="8").text == "version éditée"


def test_a_copy_that_is_new_work_keeps_the_message_new_work_in_either_order(workspace):
    from animateur.inbox.models import ConversationItem

    channel = mastodon(workspace)
    for key, first_is_history in (("9", True), ("10", False)):
        copies = [
            status(channel, key, "Bonjour @acme", historical=first_is_history),
            status(channel, key, "Bonjour @acme", historical=not first_is_history),
        ]
        result = run_pipeline(copies)
        assert len(result.created) == 1 and not result.rejected
        assert ConversationItem.objects.filter(message=result.created[0]).exists()
