"""Inbox endpoints: every one checks the token's workspace and the user's role through core.permissions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Router, Schema

from animateur.api.typing import TokenRequest
from animateur.core.actions import ActionError
from animateur.core.permissions import has_permission
from animateur.inbox import selectors
from animateur.inbox.actions.conversations import do_assign_conversation, do_set_conversation_state
from animateur.inbox.actions.replies import ReplyCollision, do_reply_conversation

router = Router(tags=["inbox"])


def needs(permission: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(fn)
        def wrapper(request: TokenRequest, *args: Any, **kwargs: Any) -> Any:
            token = request.auth
            if not has_permission(token.user, token.workspace, permission):
                raise PermissionDenied(permission)
            return fn(request, *args, **kwargs)

        # Read by the tests that walk every URL; a function's own attributes cannot be declared to mypy.
        wrapper.required_permission = permission  # type: ignore[attr-defined]
        return wrapper

    return decorator


class ConversationOut(Schema):
    id: int
    state: str
    priority: str
    channel: str
    author: str
    subject: str
    assignee: int | None
    message_count: int
    started_at: datetime
    last_message_at: datetime
    first_response_at: datetime | None
    due_at: datetime | None


class MessageOut(Schema):
    id: int
    author: str
    from_organisation: bool
    text: str
    created_at: datetime
    # Reactions by kind, their total and shares at the source, as last read; null where not said.
    reactions: dict[str, int] | None
    reaction_count: int | None
    share_count: int | None


class ConversationDetail(ConversationOut):
    messages: list[MessageOut]


class ReplyIn(Schema):
    text: str
    last_seen_message_id: int | None = None
    confirmed: bool = False


class AssignIn(Schema):
    user_id: int | None = None


class StateIn(Schema):
    state: str


def _out(c: Any) -> dict[str, Any]:
    return {
        "id": c.pk,
        "state": c.state,
        "priority": c.priority,
        "channel": c.channel_kind,
        "author": c.author_name,
        "subject": c.subject,
        "assignee": c.assignee_id,
        "message_count": c.message_count,
        "started_at": c.started_at,
        "last_message_at": c.last_message_at,
        "first_response_at": c.first_response_at,
        "due_at": c.due_at,
    }


def _get(request: TokenRequest, conversation_id: int) -> Any:
    try:
        return selectors.get_conversation(request.auth.workspace, conversation_id)
    except Http404:
        raise Http404 from None


@router.get("/conversations", response=list[ConversationOut])
@needs("inbox.view")
def list_conversations(
    request: TokenRequest, view: str = "all", q: str = "", channel: str = "", page: int = 1
) -> list[dict[str, Any]]:
    token = request.auth
    filters = selectors.Filters.from_params({"view": view, "q": q, "channel": channel})
    rows, _more = selectors.page_of(selectors.filtered(token.workspace, token.user, filters), page)
    return [_out(c) for c in rows]


@router.get("/conversations/{conversation_id}", response=ConversationDetail)
@needs("inbox.view")
def conversation_detail(request: TokenRequest, conversation_id: int) -> dict[str, Any]:
    c = _get(request, conversation_id)
    messages = [
        {
            "id": m.pk,
            "author": m.author_name,
            "from_organisation": m.from_organisation,
            "text": m.text,
            "created_at": m.created_at,
            "reactions": m.reactions,
            "reaction_count": m.reaction_count,
            "share_count": m.share_count,
        }
        for m in selectors.thread_messages(c)
    ]
    return {**_out(c), "messages": messages}


def _action(fn: Callable[[], Any]) -> tuple[int, dict[str, Any]] | None:
    try:
        fn()
    except ReplyCollision as exc:
        return 409, {"detail": str(exc), "messages": [m.pk for m in exc.messages]}
    except ActionError as exc:
        return 400, {"detail": str(exc)}
    return None


@router.post("/conversations/{conversation_id}/reply", response={200: ConversationOut, 400: dict, 409: dict})
@needs("inbox.reply")
def reply(request: TokenRequest, conversation_id: int, body: ReplyIn) -> tuple[int, dict[str, Any]]:
    c = _get(request, conversation_id)
    error = _action(
        lambda: do_reply_conversation(
            c,
            body.text,
            actor=request.auth.user,
            last_seen_message_id=body.last_seen_message_id,
            confirmed=body.confirmed,
        )
    )
    if error:
        return error
    c.refresh_from_db()
    return 200, _out(c)


@router.post("/conversations/{conversation_id}/assign", response={200: ConversationOut, 400: dict})
@needs("inbox.assign")
def assign(request: TokenRequest, conversation_id: int, body: AssignIn) -> tuple[int, dict[str, Any]]:
    token = request.auth
    c = _get(request, conversation_id)
    user = None
    if body.user_id is not None:
        user = selectors.workers(token.workspace).filter(pk=body.user_id).first()
        if user is None:
            return 400, {"detail": "no such teammate in this workspace"}
    error = _action(lambda: do_assign_conversation(c, user, actor=token.user))
    return error or (200, _out(c))


@router.post("/conversations/{conversation_id}/state", response={200: ConversationOut, 400: dict})
@needs("inbox.work")
def set_state(request: TokenRequest, conversation_id: int, body: StateIn) -> tuple[int, dict[str, Any]]:
    c = _get(request, conversation_id)
    error = _action(lambda: do_set_conversation_state(c, body.state, actor=request.auth.user))
    return error or (200, _out(c))
