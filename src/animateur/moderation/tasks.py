"""Background work of moderation: actions at the messages' sources and automatic replies.

Both talk to other servers, so both run here, after the decision is committed, never inside a
database transaction; acting at the source retries with growing delays while the other side is
down. (Rules' webhooks are delivered by the webhooks of the events app.)
"""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from animateur.moderation import sources


@db_task()
def act_at_source_task(message_id: int, what: str, attempt: int = 1, requested_by: str = "") -> None:
    retry = sources.perform(message_id, what, attempt, requested_by)
    if retry is not None:
        act_at_source_task.schedule((message_id, what, attempt + 1, requested_by), delay=retry)


@db_task()
def auto_reply_task(message_id: int, text: str, rule_id: int | None) -> None:
    sources.auto_reply(message_id, text, rule_id)
