from datetime import timedelta

from django.utils import timezone

from animateur.channels.actions import do_reply_to_message
from animateur.channels.models import Channel
from animateur.channels.tasks import claim_due_channels, enqueue_due_channels
from animateur.core.roles import Role
from animateur.stream.models import Message
from tests.channels.factories import mastodon_channel


def test_only_due_active_channels_are_claimed_and_never_twice(workspace):
    now = timezone.now()
    due = Channel.objects.create(workspace=workspace, kind="rss", name="due", next_poll_at=now - timedelta(seconds=5))
    Channel.objects.create(workspace=workspace, kind="rss", name="later", next_poll_at=now + timedelta(hours=1))
    Channel.objects.create(workspace=workspace, kind="rss", name="paused", paused=True)
    Channel.objects.create(workspace=workspace, kind="rss", name="broken", needs_reconnection=True)
    assert claim_due_channels() == [due.pk]
    assert claim_due_channels() == []


def test_the_periodic_task_polls_due_channels_in_the_worker(workspace, replay):
    replay.recorded("mastodon", "notifications_mentions")
    channel = mastodon_channel(workspace, replay.base, token="t")
    enqueue_due_channels.call_local()
    channel.refresh_from_db()
    assert Message.objects.filter(channel=channel).count() == 1
    assert channel.last_success_at and channel.next_poll_at > timezone.now()


def test_an_answer_goes_out_through_the_channel_and_joins_the_thread(workspace, replay, make_user):
    replay.recorded("mastodon", "post_reply")
    user = make_user("ana@example.org", workspace, Role.MODERATOR)
    channel = mastodon_channel(workspace, replay.base, token="t")
    mention = Message.objects.create(
        workspace=workspace,
        channel=channel,
        external_id="117020583245459824",
        text="Bonjour ?",
        kind="mention",
    )
    Message.objects.filter(pk=mention.pk).update(thread_root=mention.pk)
    answer = do_reply_to_message(mention, "Bonjour, merci !", actor=user)
    assert answer.external_id == "117020583258292382"
    assert answer.parent_id == mention.pk and answer.thread_root_id == mention.pk
    assert answer.from_organisation and answer.sent_by_id == user.pk
