"""Small helpers: comments through the real pipeline, teammates in a role."""

from __future__ import annotations

import itertools
from datetime import datetime

from django.utils import timezone

from animateur.channels.models import Channel
from animateur.channels.site import site_channel
from animateur.core.actions import SystemActor
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.models import Message
from animateur.stream.pipeline import run_pipeline

SYSTEM = SystemActor("tests")
_ids = itertools.count(1)


def post(
    workspace,
    text: str,
    *,
    email: str = "ana@example.org",
    channel: Channel | None = None,
    created_at: datetime | None = None,
    external_id: str | None = None,
    name: str = "",
    **kw,
) -> Message:
    """One message through the whole pipeline, as a connector or the site form would send it."""
    channel = channel or site_channel(workspace)
    item = Incoming(
        channel=channel,
        external_id=external_id or f"t{next(_ids)}",
        text=text,
        created_at=created_at or timezone.now(),
        author=AuthorInfo(external_id=email, display_name=name or email.split("@")[0], email=email),
        **kw,
    )
    result = run_pipeline([item])
    assert not result.rejected, result.rejected[0].error
    message = result.messages[0]
    message.refresh_from_db()
    return message


def other_channel(workspace, kind: str = "mastodon") -> Channel:
    return Channel.objects.create(workspace=workspace, kind=kind, name=kind)


def settings_form(**changes: str) -> dict[str, str]:
    """The « Confiance et scores » form as posted with the defaults, with ``changes``; every level needs 2 / 1 / 1."""
    form = {
        "site_hold_below": "basic",
        "spam_trusted_from": "regular",
        "trusted_link_hosts": "",
        "spam_hold": "0.7",
        "spam_spam": "0.85",
        "toxicity_hold": "0.85",
        "flag_hold_weight": "2",
    }
    for level in ("basic", "member", "regular", "leader"):
        form.update({f"{level}_approved": "2", f"{level}_days_active": "1", f"{level}_max_upheld_flags": "1"})
    return form | changes


def moderation_objects(workspace) -> dict[str, int]:
    """A held item of the workspace (a first comment on its site), a rule, a watched word and a sanction of its author,
    by the names the API's paths give them."""
    from animateur.moderation.actions.rules import do_save_rule
    from animateur.moderation.actions.sanctions import do_sanction_member
    from animateur.moderation.actions.words import do_add_watched_word
    from animateur.moderation.models import ReviewItem

    message = post(
        workspace, f"Premier commentaire à modérer ({workspace.slug})", email=f"new@{workspace.slug}.example"
    )
    rule = do_save_rule(
        workspace,
        {"name": "Liens", "conditions": [{"field": "links", "op": "gte", "value": "3"}], "actions": [{"type": "hold"}]},
        actor=SYSTEM,
    )
    sanction = do_sanction_member(message.author.member, "warn", "Ton agressif", actor=SYSTEM)
    word = do_add_watched_word(workspace, "arnaq*", "flag", actor=SYSTEM)
    return {
        "item_id": ReviewItem.objects.get(message=message).pk,
        "message_id": message.pk,
        "rule_id": rule.pk,
        "sanction_id": sanction.pk,
        "word_id": word.pk,
    }
