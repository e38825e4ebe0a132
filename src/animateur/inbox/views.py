"""The inbox pages: the list and its views, a conversation, and the team's actions on it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, overload

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from animateur.channels.apps import kind_label
from animateur.core.actions import ActionError
from animateur.core.decorators import workspace_permission
from animateur.core.ids import parse_id
from animateur.core.permissions import has_permission
from animateur.core.typing import WorkspaceRequest
from animateur.inbox import history, listing, presence, selectors
from animateur.inbox.actions.conversations import (
    BULK_OPERATIONS,
    UNCHANGED,
    do_bulk_conversations,
    do_update_conversation,
)
from animateur.inbox.actions.labels import do_create_label, do_set_conversation_labels
from animateur.inbox.actions.notes import do_add_note
from animateur.inbox.actions.notifications import do_mark_notifications_read, do_set_notification_preference
from animateur.inbox.actions.replies import ReplyCollision, do_mark_answered_elsewhere, do_reply_conversation
from animateur.inbox.actions.saved_replies import do_delete_saved_reply, do_save_saved_reply
from animateur.inbox.actions.saved_views import do_delete_view, do_save_view
from animateur.inbox.models import Label, Priority, SavedReply, SavedView, State
from animateur.inbox.reply_handlers import can_reply
from animateur.inbox.selectors import email_mode, render_saved_reply

PER_PAGE = 50
# Offered in the language filter; any other code can still be typed in the URL.
LANGUAGES = ("de", "en", "es", "fr", "it", "nl", "pt")


@overload
def _int(value: Any, default: int) -> int: ...
@overload
def _int(value: Any, default: None = None) -> int | None: ...
def _int(value: Any, default: int | None = None) -> int | None:
    """An id or a page number from the request: a positive number a key can hold, else `default`."""
    found = parse_id(value)
    return default if found is None else found


def _list_context(request: WorkspaceRequest) -> dict[str, Any]:
    workspace, user = request.workspace, request.user
    params: Mapping[str, Any] = request.GET
    saved = None
    if params.get("saved"):
        saved = selectors.saved_views(workspace, user).filter(pk=_int(params["saved"], 0)).first()
        if saved is not None:
            params = {**saved.filters, **{k: v for k, v in params.items() if k != "saved"}}
    filters = selectors.Filters.from_params(params)
    page = min(max(_int(request.GET.get("page"), 1) or 1, 1), selectors.MAX_PAGE)
    conversations, has_more = selectors.page_of(selectors.filtered(workspace, user, filters), page, PER_PAGE)
    counts = selectors.view_counts(workspace, user)
    # The tabs keep the other filters (channel, search...) and change the view only.
    others = {k: v for k, v in filters.as_dict().items() if k != "view"}
    tabs = [
        {
            "view": view,
            "label": listing.view_label(view),
            "count": counts[view],
            "url": "?" + urlencode({"view": view, **others} if view != "all" else others),
            "current": filters.view == view and saved is None,
        }
        for view in selectors.VIEWS
    ]
    can_work = has_permission(user, workspace, "inbox.work")
    rows = listing.rows_of(conversations)
    return {
        "filters": filters,
        "rows": rows,
        "rows_html": listing.render_rows(rows, selectable=can_work),
        "can_work": can_work,
        "page": page,
        "has_more": has_more,
        "saved": saved,
        "counts": counts,
        "tabs": tabs,
        "views": selectors.VIEWS,
        "query": urlencode(filters.as_dict()),
        "filtering": any(getattr(filters, k) for k in ("channel", "label", "language", "sentiment", "q")),
    }


def filters_language(context: dict[str, Any]) -> str:
    return context["filters"].language


@workspace_permission("inbox.view")
def index(request: WorkspaceRequest) -> HttpResponse:
    context = _list_context(request)
    workspace = request.workspace
    context.update(
        {
            "labels": selectors.labels(workspace),
            "channels": selectors.channel_kinds(workspace),
            "languages": sorted({*LANGUAGES, workspace.language, filters_language(context)} - {""}),
            "saved_views": selectors.saved_views(workspace, request.user),
            "bulk_operations": BULK_OPERATIONS,
        }
    )
    return render(request, "inbox/index.html", context)


@workspace_permission("inbox.view")
def list_fragment(request: WorkspaceRequest) -> HttpResponse:
    """The list alone: the page polls it so that new messages and changes appear without reloading."""
    return render(request, "inbox/_list.html", _list_context(request))


def _conversation_context(request: WorkspaceRequest, conversation: Any) -> dict[str, Any]:
    workspace = request.workspace
    language = conversation.language or workspace.language
    return {
        "c": conversation,
        "channel_label": kind_label(conversation.channel_kind),
        "thread": selectors.thread_messages(conversation),
        "notes": selectors.notes(conversation),
        "history": history.entries(selectors.history(conversation)),
        "article": selectors.article_of(conversation),
        "labels": selectors.labels(workspace),
        "conversation_labels": set(conversation.labels.values_list("pk", flat=True)),
        "workers": selectors.workers(workspace),
        "states": State.choices,
        "priorities": Priority.choices,
        "can_reply": can_reply(conversation),
        "can_work": has_permission(request.user, workspace, "inbox.work"),
        "saved_replies": SavedReply.objects.filter(workspace=workspace, language__in=["", language])[:200],
        "others": presence.others(conversation.pk, request.user.pk),
    }


@workspace_permission("inbox.view")
def conversation(request: WorkspaceRequest, conversation_id: int) -> HttpResponse:
    c = selectors.get_conversation(request.workspace, conversation_id)
    presence.touch(c.pk, request.user.pk, request.user.name)
    context = _conversation_context(request, c)
    # Next and previous in the default view, for the keyboard.
    ids = list(
        selectors.filtered(request.workspace, request.user, selectors.Filters()).values_list("pk", flat=True)[:500]
    )
    if c.pk in ids:
        i = ids.index(c.pk)
        context["prev_id"] = ids[i - 1] if i > 0 else None
        context["next_id"] = ids[i + 1] if i + 1 < len(ids) else None
    return render(request, "inbox/conversation.html", context)


@workspace_permission("inbox.view")
def live(request: WorkspaceRequest, conversation_id: int) -> HttpResponse:
    """Polled every few seconds: refreshes presence and shows what changed since the page was drawn."""
    c = selectors.get_conversation(request.workspace, conversation_id)
    presence.touch(c.pk, request.user.pk, request.user.name, replying=request.GET.get("replying") == "1")
    seen = _int(request.GET.get("seen"), 0) or 0
    newer = [m for m in selectors.thread_messages(c) if m.pk > seen]
    return render(
        request,
        "inbox/_live.html",
        {"c": c, "others": presence.others(c.pk, request.user.pk), "newer": newer},
    )


def _back(conversation_id: int) -> HttpResponse:
    return redirect("inbox:conversation", conversation_id=conversation_id)


def _run(request: WorkspaceRequest, fn: Any, *args: Any, **kwargs: Any) -> bool:
    try:
        fn(*args, **kwargs)
        return True
    except ActionError as exc:
        messages.error(request, str(exc))
        return False


def _chosen_assignee(request: WorkspaceRequest) -> Any:
    """The assignee the form asks for: « me », nobody (empty), a teammate's id; UNCHANGED when not sent."""
    if request.POST.get("quick") == "assign_me":
        return request.user
    if "assignee" not in request.POST:
        return UNCHANGED
    value = request.POST["assignee"]
    if value == "me":
        return request.user
    if not value:
        return None
    assignee = selectors.workers(request.workspace).filter(pk=_int(value, 0)).first()
    if assignee is None:
        raise ActionError(_("Choose a teammate of this workspace."))
    return assignee


@workspace_permission("inbox.work")
@require_POST
def update(request: WorkspaceRequest, conversation_id: int) -> HttpResponse:
    """The conversation's one form: assignee, state and priority together, or a quick button's change."""
    c = selectors.get_conversation(request.workspace, conversation_id)
    state = request.POST.get("state", UNCHANGED)
    if request.POST.get("quick") == "close":
        state = State.CLOSED
    try:
        changes = do_update_conversation(
            c,
            actor=request.user,
            assignee=_chosen_assignee(request),
            state=state,
            priority=request.POST.get("priority", UNCHANGED),
        )
    except ActionError as exc:
        messages.error(request, str(exc))
        return _back(c.pk)
    if changes:
        messages.success(request, _("Conversation updated."))
    if request.POST.get("next") == "list":
        return redirect("inbox:index")
    return _back(c.pk)


@workspace_permission("inbox.work")
@require_POST
def set_labels(request: WorkspaceRequest, conversation_id: int) -> HttpResponse:
    c = selectors.get_conversation(request.workspace, conversation_id)
    ids = [_int(v, 0) for v in request.POST.getlist("labels")]
    chosen = list(selectors.labels(request.workspace).filter(pk__in=ids))
    new_name = request.POST.get("new_label", "").strip()
    if new_name:
        try:
            chosen.append(do_create_label(request.workspace, new_name, actor=request.user))
        except ActionError as exc:
            messages.error(request, str(exc))
            return _back(c.pk)
    _run(request, do_set_conversation_labels, c, chosen, actor=request.user)
    return _back(c.pk)


@workspace_permission("inbox.work")
@require_POST
def add_note(request: WorkspaceRequest, conversation_id: int) -> HttpResponse:
    c = selectors.get_conversation(request.workspace, conversation_id)
    _run(request, do_add_note, c, request.POST.get("text", ""), actor=request.user)
    return _back(c.pk)


@workspace_permission("inbox.reply")
@require_POST
def reply(request: WorkspaceRequest, conversation_id: int) -> HttpResponse:
    c = selectors.get_conversation(request.workspace, conversation_id)
    text = request.POST.get("text", "")
    try:
        do_reply_conversation(
            c,
            text,
            actor=request.user,
            last_seen_message_id=_int(request.POST.get("last_seen")),
            confirmed=request.POST.get("confirmed") == "1",
        )
    except ReplyCollision as exc:
        # Nothing was sent: show what the teammate wrote and ask.
        context = _conversation_context(request, c)
        context.update({"collision": exc.messages, "draft": text})
        return render(request, "inbox/conversation.html", context, status=409)
    except ActionError as exc:
        context = _conversation_context(request, c)
        context.update({"reply_error": str(exc), "draft": text})
        return render(request, "inbox/conversation.html", context, status=400)
    presence.touch(c.pk, request.user.pk, request.user.name, replying=False)
    messages.success(request, _("Reply sent."))
    return _back(c.pk)


@workspace_permission("inbox.reply")
@require_POST
def answered_elsewhere(request: WorkspaceRequest, conversation_id: int) -> HttpResponse:
    c = selectors.get_conversation(request.workspace, conversation_id)
    _run(request, do_mark_answered_elsewhere, c, actor=request.user)
    return _back(c.pk)


@workspace_permission("inbox.work")
@require_POST
def bulk(request: WorkspaceRequest) -> HttpResponse:
    ids = [i for i in (_int(v) for v in request.POST.getlist("ids")) if i]
    operation = request.POST.get("operation", "")
    if not ids or operation not in BULK_OPERATIONS:
        messages.error(request, _("Select conversations and an action."))
        return redirect("inbox:index")
    targets = list(selectors.conversations(request.workspace).filter(pk__in=ids).select_related("workspace"))
    label = None
    if operation == "label":
        label = selectors.labels(request.workspace).filter(pk=_int(request.POST.get("label"), 0)).first()
        if label is None:
            messages.error(request, _("Choose a label."))
            return redirect("inbox:index")
    if _run(request, do_bulk_conversations, request.workspace, targets, operation, actor=request.user, label=label):
        messages.success(request, _("%(n)d conversations updated.") % {"n": len(targets)})
    return redirect(reverse("inbox:index") + ("?" + request.POST["query"] if request.POST.get("query") else ""))


# ------------------------------------------------------------------------- saved replies


@workspace_permission("inbox.view")
def saved_replies(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    items = SavedReply.objects.filter(workspace=workspace)
    q = request.GET.get("q", "").strip()
    if q:
        items = items.filter(title__icontains=q) | items.filter(body__icontains=q)
    return render(
        request,
        "inbox/saved_replies.html",
        {
            "items": items,
            "q": q,
            "can_edit": has_permission(request.user, workspace, "inbox.saved_reply.edit"),
        },
    )


@workspace_permission("inbox.saved_reply.edit")
@require_POST
def saved_reply_save(request: WorkspaceRequest) -> HttpResponse:
    existing = None
    if request.POST.get("id"):
        existing = get_object_or_404(SavedReply, pk=_int(request.POST["id"], 0), workspace=request.workspace)
    if _run(
        request,
        do_save_saved_reply,
        request.workspace,
        actor=request.user,
        title=request.POST.get("title", ""),
        body=request.POST.get("body", ""),
        language=request.POST.get("language", ""),
        reply=existing,
    ):
        messages.success(request, _("Saved reply saved."))
    return redirect("inbox:saved_replies")


@workspace_permission("inbox.saved_reply.edit")
@require_POST
def saved_reply_delete(request: WorkspaceRequest, reply_id: int) -> HttpResponse:
    item = get_object_or_404(SavedReply, pk=reply_id, workspace=request.workspace)
    _run(request, do_delete_saved_reply, item, actor=request.user)
    return redirect("inbox:saved_replies")


@workspace_permission("inbox.view")
def saved_reply_search(request: WorkspaceRequest) -> HttpResponse:
    """While typing: matching saved replies, with their variables filled for the conversation."""
    workspace = request.workspace
    conversation = None
    if request.GET.get("conversation"):
        conversation = selectors.get_conversation(workspace, request.GET["conversation"])
    q = request.GET.get("q", "").strip()
    items = SavedReply.objects.filter(workspace=workspace)
    if conversation is not None and conversation.language:
        items = items.filter(language__in=["", conversation.language])
    if q:
        items = items.filter(title__icontains=q) | items.filter(body__icontains=q)
    return JsonResponse(
        {
            "results": [
                {
                    "id": r.pk,
                    "title": r.title,
                    "language": r.language,
                    "text": render_saved_reply(r, conversation, request.user),
                }
                for r in items[:20]
            ]
        }
    )


# ------------------------------------------------------------------------- saved views


@workspace_permission("inbox.view")
@require_POST
def view_save(request: WorkspaceRequest) -> HttpResponse:
    filters = selectors.Filters.from_params(request.POST).as_dict()
    try:
        view = do_save_view(
            request.workspace,
            request.POST.get("name", ""),
            filters,
            actor=request.user,
            shared=request.POST.get("shared") == "1",
        )
    except ActionError as exc:
        messages.error(request, str(exc))
        return redirect("inbox:index")
    return redirect(reverse("inbox:index") + f"?saved={view.pk}")


@workspace_permission("inbox.view")
@require_POST
def view_delete(request: WorkspaceRequest, view_id: int) -> HttpResponse:
    view = selectors.saved_views(request.workspace, request.user).filter(pk=view_id).first()
    if view is None:
        raise Http404("no such view")
    if view.owner_id is None and not has_permission(request.user, request.workspace, "inbox.view.share"):
        messages.error(request, _("Only owners and managers can delete a shared view."))
        return redirect("inbox:index")
    _run(request, do_delete_view, view, actor=request.user)
    return redirect("inbox:index")


# ------------------------------------------------------------------------- notifications


@workspace_permission("inbox.view")
def notifications(request: WorkspaceRequest) -> HttpResponse:
    from animateur.inbox.models import Notification, NotificationPreference

    items = Notification.objects.filter(user=request.user, workspace=request.workspace).select_related("conversation")[
        :100
    ]
    return render(
        request,
        "inbox/notifications.html",
        {
            "items": items,
            "mode": email_mode(request.user),
            "modes": NotificationPreference.Email.choices,
        },
    )


@workspace_permission("inbox.view")
@require_POST
def notifications_read(request: WorkspaceRequest) -> HttpResponse:
    ids = [i for i in (_int(v) for v in request.POST.getlist("ids")) if i] or None
    do_mark_notifications_read(request.user, request.workspace, ids, actor=request.user)
    return redirect("inbox:notifications")


@workspace_permission("inbox.view")
@require_POST
def notification_settings(request: WorkspaceRequest) -> HttpResponse:
    if _run(
        request,
        do_set_notification_preference,
        request.user,
        request.workspace,
        request.POST.get("email", ""),
        actor=request.user,
    ):
        messages.success(request, _("Notification settings saved."))
    return redirect("inbox:notifications")


__all__ = ["Label", "SavedView"]
