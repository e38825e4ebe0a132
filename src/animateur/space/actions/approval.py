"""A client's (or a manager's) approval of a post as it stands."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from animateur.core.actions import ActionError, Actor, actor_label, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import User
from animateur.space.models import Post, PostStatus


def do_approve_post(post: Post, *, actor: Actor, note: str = "") -> Post:
    """A client (guest) or a manager approves the post as it stands; who and when is kept on the post.

    space.selectors.approval_of reads it back, and tells when the post was edited since.
    """
    workspace = post.workspace
    require(actor, workspace, "space.post.approve")
    if post.status == PostStatus.TRASH:
        raise ActionError(_("This post is in the trash."))
    now = timezone.now()
    with transaction.atomic(durable=True):
        approval = {
            "by": actor_label(actor),
            "user_id": actor.pk if isinstance(actor, User) else None,
            "name": actor.name if isinstance(actor, User) else str(actor),
            "at": now.isoformat(),
            # The version approved: an edit after this time means the approval is for an older text.
            "modified_at": post.modified_at.isoformat(),
            "note": (note or "").strip()[:2000],
        }
        extra = dict(post.extra or {})
        extra["approval"] = approval
        Post.objects.filter(pk=post.pk).update(extra=extra)
        post.extra = extra
        record(
            workspace,
            actor,
            AuditVerb.SPACE_POST_APPROVE,
            post,
            {"title": post.title, "note": approval["note"], "modified_at": approval["modified_at"]},
        )
    return post
