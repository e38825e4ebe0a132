"""The team's comment moderation page: filter by visibility, act on one comment or many, reply."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from animateur.channels.site import site_channel
from animateur.core.actions import ActionError, Actor
from animateur.core.decorators import workspace_permission
from animateur.core.ids import parse_ids
from animateur.core.models import Workspace
from animateur.core.next_url import safe_next
from animateur.core.typing import WorkspaceRequest
from animateur.inbox.reply_handlers import can_reply
from animateur.moderation.decisions import DECISION_HINTS, DECISION_LABELS, DECISIONS, VISIBILITY_OF
from animateur.moderation.selectors import conversations_of
from animateur.space import selectors
from animateur.space.comments import do_reply_as_organisation
from animateur.space.models import Post
from animateur.space.threads import COMMENT_KINDS
from animateur.stream.actions import do_set_message_visibility
from animateur.stream.models import Message, Visibility

# The tabs of the page, pending first: what needs a decision comes before what was decided.
TABS: list[tuple[str, Promise]] = [
    (Visibility.PENDING, gettext_lazy("Pending")),
    (Visibility.VISIBLE, gettext_lazy("Approved")),
    (Visibility.HIDDEN, gettext_lazy("Rejected")),
    (Visibility.SPAM, gettext_lazy("Spam")),
    (Visibility.TRASH, gettext_lazy("Trash")),
]
# The decisions of the queue and the conversation, with their words, by the visibility each gives;
# then putting back in pending, which only this list offers.
ACTIONS: dict[str, Promise] = {
    **{VISIBILITY_OF[code]: DECISION_LABELS[code] for code in DECISIONS},
    Visibility.PENDING: gettext_lazy("Back to pending"),
}
HINTS: dict[str, Promise] = {VISIBILITY_OF[code]: DECISION_HINTS[code] for code in DECISIONS}
PER_PAGE = 50


def _site_comments(workspace: Workspace) -> QuerySet[Message]:
    return Message.objects.filter(
        workspace=workspace, channel=site_channel(workspace), kind__in=COMMENT_KINDS
    )


@workspace_permission("space.comment.moderate")
def comments(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    base = _site_comments(workspace)
    counts = dict(base.values_list("visibility").annotate(n=Count("id")).values_list("visibility", "n"))
    current = request.GET.get("visibility") or Visibility.PENDING
    if current not in dict(TABS):
        current = Visibility.PENDING
    rows = (
        base.filter(visibility=current)
        .select_related("author", "thread_root", "parent__author", "sent_by")
        .order_by("-created_at", "-id")
    )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    posts = {
        p.message_id: p
        for p in Post.objects.filter(
            workspace=workspace, message_id__in={m.thread_root_id for m in page}
        ).only("id", "title", "slug", "type", "published_at", "message_id", "parent_id", "workspace_id")
    }
    with_tz = selectors.workspace_tz(workspace)
    # Each comment links to its conversation, where the team acts on it; the reply is the inbox's.
    conversations = conversations_of(workspace, [m.pk for m in page])
    items = []
    for message in page:
        post = posts.get(message.thread_root_id)
        reasons = (message.scores or {}).get("reasons") or []
        items.append(
            {
                "message": message,
                "post": post,
                "post_url": selectors.post_url(post, with_tz) if post else "",
                "reasons": [r for r in reasons if isinstance(r, dict)],
                "signature": selectors.comment_signature(message),
                "email": message.author.email if message.author_id and message.author else "",
                "conversation": conversations.get(message.pk),
            }
        )
    return render(
        request,
        "space/staff/comments.html",
        {
            "tabs": [
                {"value": v, "label": label, "count": counts.get(v, 0), "current": v == current}
                for v, label in TABS
            ],
            "current": current,
            "items": items,
            "page_obj": page,
            "actions": [(v, label, HINTS.get(v, "")) for v, label in ACTIONS.items() if v != current],
            "repliable": {c.pk for c in conversations.values() if can_reply(c)},
        },
    )


def _back(request: HttpRequest) -> str:
    return safe_next(request, request.POST.get("next"), reverse("space_staff:comments"))


# Decisions taken here are the same as in the review queue: they resolve review items and
# teach the workspace's spam and toxicity scoring. Putting back in pending is not a decision.
DECISION_FOR_VISIBILITY: dict[str, str] = {
    Visibility.VISIBLE: "approve",
    Visibility.SPAM: "spam",
    Visibility.TRASH: "delete",
    Visibility.HIDDEN: "reject",
}


def moderate_comments(found: list[Message], visibility: str, *, actor: Actor) -> int:
    from animateur.moderation.actions.decisions import do_moderate_messages

    decision = DECISION_FOR_VISIBILITY.get(visibility)
    if decision is None:
        return do_set_message_visibility(found, visibility, actor=actor)
    return do_moderate_messages(found, decision, actor=actor)


@require_POST
@workspace_permission("space.comment.moderate")
def comments_bulk(request: WorkspaceRequest) -> HttpResponse:
    """One form for both: a row's own button ("one" = "<id>:<visibility>"), or checked rows and an action."""
    workspace = request.workspace
    one = request.POST.get("one", "")
    if one:
        raw_id, _sep, visibility = one.partition(":")
        ids = [raw_id]
    else:
        ids = request.POST.getlist("ids")
        visibility = request.POST.get("action", "")
    if visibility not in ACTIONS:
        messages.error(request, _("Choose what to do with the selected comments."))
        return redirect(_back(request))
    wanted = parse_ids(ids)
    if len(wanted) != len(ids):  # one of them names no comment: act on none
        raise Http404("no such comment")
    if not wanted:
        messages.error(request, _("Select at least one comment."))
        return redirect(_back(request))
    found = list(_site_comments(workspace).filter(pk__in=wanted))
    if len(found) != len(set(wanted)):
        raise Http404("no such comment")
    try:
        changed = moderate_comments(found, visibility, actor=request.user)
    except PermissionDenied:
        # Its text is a permission's code (« moderation.review »): the person reads what it means.
        messages.error(request, _("Your role does not allow this on these comments; nothing was changed."))
        return redirect(_back(request))
    except ActionError as error:
        messages.error(request, str(error))
        return redirect(_back(request))
    label = dict(TABS)[visibility]
    messages.success(
        request,
        ngettext("%(n)d comment moved to « %(label)s ».", "%(n)d comments moved to « %(label)s ».", changed)
        % {"n": changed, "label": label},
    )
    return redirect(_back(request))


@workspace_permission("space.comment.reply")
def comment_reply(request: WorkspaceRequest, message_id: int) -> HttpResponse:
    workspace = request.workspace
    parent = _site_comments(workspace).filter(pk=message_id).select_related("author", "thread_root").first()
    if parent is None:
        raise Http404("no such comment")
    # A comment without a thread root belongs to no post; `message_id=None` would match any post
    # that has no message yet.
    post = (
        Post.objects.filter(workspace=workspace, message_id=parent.thread_root_id).first()
        if parent.thread_root_id is not None
        else None
    )
    error, text = "", ""
    if request.method == "POST":
        text = request.POST.get("text", "")
        try:
            reply = do_reply_as_organisation(parent, text, actor=request.user)
        except ActionError as problem:
            error = str(problem)
        else:
            if parent.visibility == Visibility.PENDING and request.POST.get("approve"):
                moderate_comments([parent], Visibility.VISIBLE, actor=request.user)
            messages.success(request, _("Your reply is published."))
            if post is not None:
                return redirect(
                    selectors.post_url(post, selectors.workspace_tz(workspace)) + f"#comment-{reply.pk}"
                )
            return redirect("space_staff:comments")
    return render(
        request,
        "space/staff/comment_reply.html",
        {
            "parent": parent,
            "post": post,
            "error": error,
            "text": text,
            "signature": selectors.comment_signature(parent),
            "status": 400 if error else 200,
        },
        status=400 if error else 200,
    )
