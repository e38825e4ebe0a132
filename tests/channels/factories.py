"""Channels for connector tests, pointed at the local replay server."""

from __future__ import annotations

import json

from animateur.channels.models import Channel

TEST_TOKEN = "test-token"  # noqa: S105 (the replay server accepts any token)


def mastodon_channel(workspace, base: str, *, token: str = TEST_TOKEN, **fields) -> Channel:
    """A Mastodon account channel on the server at `base`; `config` entries and model fields may be added."""
    config = {"api_base_url": base, **fields.pop("config", {})}
    return Channel.objects.create(
        workspace=workspace,
        kind="mastodon",
        name="@acme",
        config=config,
        credentials=json.dumps({"access_token": token}),
        **fields,
    )


SECRET_TOKEN = "tok-SECRET-never-shown-123"  # noqa: S105 (a token the API must never give back)


def channels_objects(workspace) -> dict[str, int]:
    """A Mastodon channel of the workspace (its token among its credentials), by the API paths' name."""
    channel = Channel.objects.create(
        workspace=workspace,
        kind="mastodon",
        name="@animation",  # not the publications' @acme: a name they choose must stay one channel
        config={"api_base_url": "https://mastodon.example"},
        credentials=json.dumps({"access_token": SECRET_TOKEN}),
    )
    return {"channel_id": channel.pk}
