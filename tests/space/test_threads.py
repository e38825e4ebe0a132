"""A post's message in the stream: the site channel can be handed in by callers that sync many posts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from animateur.channels.site import site_channel
from animateur.space.threads import post_external_id, sync_post_message
from animateur.stream.models import Message
from tests.space.test_site_factories import make_post


def test_a_given_channel_is_used_without_looking_it_up_again(workspace):
    post = make_post(workspace, "Premier billet")
    Message.objects.filter(pk=post.message_id).delete()
    post.refresh_from_db()
    channel = site_channel(workspace)

    with CaptureQueriesContext(connection) as queries:
        message = sync_post_message(post, channel)

    assert not [q["sql"] for q in queries.captured_queries if "channels_channel" in q["sql"]]
    assert message.channel_id == channel.pk
    assert message.external_id == post_external_id(post.pk)
    assert message.thread_root_id == message.pk
    post.refresh_from_db()
    assert post.message_id == message.pk


def test_the_channel_of_another_workspace_is_refused(workspace, make_workspace):
    other = make_workspace("autre", "Autre")
    post = make_post(workspace, "Premier billet")
    before = post.message_id

    with pytest.raises(ValueError):
        sync_post_message(post, site_channel(other))

    post.refresh_from_db()
    assert post.message_id == before
    assert not Message.objects.filter(channel__workspace=other).exists()
