"""Every write on members: merges and their undo, suggestions' decisions, notes, tags, ambassadors,
settings, recompute, and the GDPR export and erasure.

Each public action checks its permission, changes things in one transaction, records one audit
event and emits one domain event after commit. Public actions share private helpers, never call
one another.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from animateur.core.actions import ActionError, Actor, actor_label, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.events import emit
from animateur.core.models import AuditEvent, User, Workspace
from animateur.members import engagement, recompute
from animateur.members.models import (
    MembersSettings,
    Merge,
    MergeSuggestion,
    Note,
    Profile,
    Segment,
    SuggestionStatus,
    Tag,
)
from animateur.members.selectors import family_ids
from animateur.stream.models import Identity, Member, Message

MAX_NOTE = 5000
MAX_TAGS = 20
SNOOZE_DAYS = 30


# --- merges -------------------------------------------------------------------------------------


def _merge(
    workspace: Workspace,
    into: Member,
    merged: Member,
    *,
    actor: Actor,
    suggestion: MergeSuggestion | None = None,
    automatic: bool = False,
) -> Merge:
    if into.pk == merged.pk:
        raise ActionError(_("A member cannot be merged into itself."))
    if into.workspace_id != workspace.pk or merged.workspace_id != workspace.pk:
        raise ActionError(_("Both members must be of this workspace."))
    if into.merged_into_id or merged.merged_into_id:
        raise ActionError(_("One of these members was already merged into another."))
    identities = list(Identity.objects.filter(member=merged))
    merge = Merge.objects.create(
        workspace=workspace, into=into, merged=merged, suggestion=suggestion, automatic=automatic, by=actor_label(actor)
    )
    merge.identities.set(identities)
    Identity.objects.filter(pk__in=[i.pk for i in identities]).update(member=into)
    into.first_seen_at = min(into.first_seen_at, merged.first_seen_at)
    into.last_seen_at = max(into.last_seen_at, merged.last_seen_at)
    into.email = into.email or merged.email
    into.save(update_fields=["first_seen_at", "last_seen_at", "email"])
    Member.objects.filter(pk=merged.pk).update(merged_into=into)
    merged.merged_into = into
    # Tags and notes follow the person.
    for name in Tag.objects.filter(member=merged).values_list("name", flat=True):
        Tag.objects.get_or_create(workspace=workspace, member=into, name=name)
    Note.objects.filter(member=merged).update(member=into)
    if Profile.objects.filter(member=merged, ambassador=True).exists():
        Profile.objects.filter(member=into).update(ambassador=True)
    recompute.refresh_counts([into.pk])
    # Other open proposals about the member who is gone are moot: the next recompute proposes afresh.
    moot = MergeSuggestion.objects.filter(workspace=workspace, status=SuggestionStatus.OPEN).filter(
        Q(first=merged) | Q(second=merged)
    )
    if suggestion is not None:
        moot = moot.exclude(pk=suggestion.pk)
    moot.delete()
    return merge


def _merge_event(merge: Merge, actor: Actor) -> dict[str, Any]:
    return {
        "merge_id": merge.pk,
        "member_id": merge.into_id,
        "merged_member_id": merge.merged_id,
        "identities": [i.pk for i in merge.identities.all()],
        "automatic": merge.automatic,
        "by": actor_label(actor),
    }


def do_merge_members(workspace: Workspace, into: Member, merged: Member, *, actor: Actor) -> Merge:
    """Fold `merged` into `into`: its identities (and so its messages) move; recorded, to be undone."""
    require(actor, workspace, "members.merge")
    with transaction.atomic():
        merge = _merge(workspace, into, merged, actor=actor)
        record(workspace, actor, AuditVerb.MEMBER_MERGE, into, {"merge": merge.pk, "merged": merged.pk})
        emit(workspace, "member.merged", _merge_event(merge, actor))
    return merge


def do_revert_merge(workspace: Workspace, merge: Merge, *, actor: Actor) -> Member:
    """Undo a merge: the identities that moved go back to the member they came from, as it was."""
    require(actor, workspace, "members.merge")
    if merge.workspace_id != workspace.pk:
        raise ActionError(_("This merge is not of this workspace."))
    if merge.reverted_at is not None:
        raise ActionError(_("This merge was already undone."))
    with transaction.atomic():
        moved = [i.pk for i in merge.identities.all()]
        Identity.objects.filter(pk__in=moved).update(member=merge.merged)
        Member.objects.filter(pk=merge.merged_id).update(merged_into=None)
        merge.reverted_at = timezone.now()
        merge.save(update_fields=["reverted_at"])
        if merge.suggestion_id:
            MergeSuggestion.objects.filter(pk=merge.suggestion_id).update(
                status=SuggestionStatus.REJECTED, decided_by=actor_label(actor), decided_at=merge.reverted_at
            )
        recompute.refresh_counts([merge.into_id, merge.merged_id])
        record(
            workspace,
            actor,
            AuditVerb.MEMBER_MERGE_REVERT,
            merge.into,
            {"merge": merge.pk, "restored": merge.merged_id},
        )
        emit(
            workspace,
            "member.merge_reverted",
            {
                "merge_id": merge.pk,
                "member_id": merge.into_id,
                "restored_member_id": merge.merged_id,
                "identities": moved,
                "by": actor_label(actor),
            },
        )
    merge.merged.refresh_from_db()
    return merge.merged


def do_split_identity(workspace: Workspace, identity: Identity, *, actor: Actor) -> Member:
    """Take one identity out of its member: it becomes a member of its own, with its messages."""
    require(actor, workspace, "members.merge")
    if identity.workspace_id != workspace.pk:
        raise ActionError(_("This identity is not of this workspace."))
    owner = identity.member
    if Identity.objects.filter(member=owner).count() < 2:
        raise ActionError(_("This member has only this identity: there is nothing to split."))
    with transaction.atomic():
        member = Member.objects.create(
            workspace=workspace,
            display_name=(identity.display_name or identity.handle or identity.external_id)[:200],
            email=identity.email,
        )
        Identity.objects.filter(pk=identity.pk).update(member=member)
        Profile.objects.create(member=member, workspace=workspace)
        for merge in Merge.objects.filter(workspace=workspace, identities=identity):
            merge.identities.remove(identity)
        recompute.refresh_counts([owner.pk, member.pk])
        # Remembered: the two are not to be proposed again.
        first, second = sorted((owner.pk, member.pk))
        MergeSuggestion.objects.update_or_create(
            workspace=workspace,
            first_id=first,
            second_id=second,
            defaults={
                "status": SuggestionStatus.REJECTED,
                "decided_by": actor_label(actor),
                "decided_at": timezone.now(),
            },
        )
        record(workspace, actor, AuditVerb.MEMBER_SPLIT, owner, {"identity": identity.pk, "new_member": member.pk})
        emit(
            workspace,
            "member.split",
            {"member_id": owner.pk, "new_member_id": member.pk, "identity_id": identity.pk, "by": actor_label(actor)},
        )
    return member


DECISIONS = ("accept", "reject", "snooze")


def do_decide_suggestion(
    workspace: Workspace, suggestion: MergeSuggestion, decision: str, *, actor: Actor, snooze_days: int = SNOOZE_DAYS
) -> Merge | None:
    """Accept (merge), reject (« not the same person », remembered) or snooze a suggestion."""
    require(actor, workspace, "members.merge")
    if suggestion.workspace_id != workspace.pk:
        raise ActionError(_("This suggestion is not of this workspace."))
    if decision not in DECISIONS:
        raise ActionError(_("Unknown decision: merge, reject or snooze."))
    if suggestion.status in (SuggestionStatus.ACCEPTED, SuggestionStatus.REJECTED):
        raise ActionError(_("This suggestion was already decided."))
    if not 1 <= snooze_days <= 365:
        raise ActionError(_("Snooze for 1 to 365 days."))
    merge = None
    now = timezone.now()
    with transaction.atomic():
        if decision == "accept":
            first, second = suggestion.first, suggestion.second
            counts = {m.pk: Message.objects.filter(author__member=m).count() for m in (first, second)}
            # The member with more messages keeps its id (its links stay good).
            into, merged = (first, second) if counts[first.pk] >= counts[second.pk] else (second, first)
            merge = _merge(workspace, into, merged, actor=actor, suggestion=suggestion)
            suggestion.status = SuggestionStatus.ACCEPTED
        elif decision == "reject":
            suggestion.status = SuggestionStatus.REJECTED
        else:
            suggestion.status = SuggestionStatus.SNOOZED
            suggestion.snoozed_until = recompute.snooze_until(snooze_days)
        suggestion.decided_by, suggestion.decided_at = actor_label(actor), now
        suggestion.save(update_fields=["status", "snoozed_until", "decided_by", "decided_at"])
        record(
            workspace,
            actor,
            AuditVerb.MEMBER_SUGGESTION_DECIDE,
            suggestion,
            {"decision": decision, "merge": merge.pk if merge else None},
        )
        emit(
            workspace,
            "member.suggestion_decided",
            {
                "suggestion_id": suggestion.pk,
                "decision": decision,
                "merge_id": merge.pk if merge else None,
                "by": actor_label(actor),
            },
        )
    return merge


# --- the team's words on a member ---------------------------------------------------------------


def do_add_member_note(workspace: Workspace, member: Member, text: str, *, actor: Actor) -> Note:
    require(actor, workspace, "members.edit")
    text = (text or "").strip()
    if not text:
        raise ActionError(_("A note needs some text."))
    if len(text) > MAX_NOTE:
        raise ActionError(_("A note holds at most %(count)d characters.") % {"count": MAX_NOTE})
    _own(workspace, member)
    with transaction.atomic():
        note = Note.objects.create(
            workspace=workspace, member=member, text=text, author=actor if isinstance(actor, User) else None
        )
        record(workspace, actor, AuditVerb.MEMBER_NOTE, member, {"note": note.pk})
        emit(workspace, "member.noted", {"member_id": member.pk, "note_id": note.pk, "by": actor_label(actor)})
    return note


def clean_tags(raw: str | list[str]) -> list[str]:
    names = raw.split(",") if isinstance(raw, str) else raw
    cleaned = sorted({n.strip().lower()[:60] for n in names if n and n.strip()})
    if len(cleaned) > MAX_TAGS:
        raise ActionError(_("At most %(count)d tags.") % {"count": MAX_TAGS})
    return cleaned


def do_set_member_tags(workspace: Workspace, member: Member, tags: str | list[str], *, actor: Actor) -> list[str]:
    require(actor, workspace, "members.edit")
    _own(workspace, member)
    names = clean_tags(tags)
    with transaction.atomic():
        Tag.objects.filter(member=member).exclude(name__in=names).delete()
        for name in names:
            Tag.objects.get_or_create(workspace=workspace, member=member, name=name)
        record(workspace, actor, AuditVerb.MEMBER_TAGS, member, {"tags": names})
        emit(workspace, "member.tagged", {"member_id": member.pk, "tags": names, "by": actor_label(actor)})
    return names


def do_mark_ambassador(workspace: Workspace, member: Member, ambassador: bool, *, actor: Actor) -> Profile:
    require(actor, workspace, "members.edit")
    _own(workspace, member)
    with transaction.atomic():
        profile, _created = Profile.objects.get_or_create(member=member, defaults={"workspace": workspace})
        profile.ambassador = ambassador
        profile.save(update_fields=["ambassador"])
        record(workspace, actor, AuditVerb.MEMBER_AMBASSADOR, member, {"ambassador": ambassador})
        emit(
            workspace,
            "member.ambassador_changed",
            {"member_id": member.pk, "ambassador": ambassador, "by": actor_label(actor)},
        )
    return profile


def _own(workspace: Workspace, member: Member) -> None:
    if member.workspace_id != workspace.pk or member.merged_into_id:
        raise ActionError(_("No such member in this workspace."))


# --- settings and recompute -----------------------------------------------------------------------


def do_update_members_settings(
    workspace: Workspace,
    *,
    auto_merge_certain: bool,
    weights: dict[str, float],
    half_life_days: int,
    actor: Actor,
) -> MembersSettings:
    require(actor, workspace, "members.settings")
    unknown = set(weights) - set(engagement.ACTIVITY_KINDS)
    if unknown:
        raise ActionError(_("Unknown activity kinds: %(kinds)s.") % {"kinds": ", ".join(sorted(unknown))})
    if any(not 0 <= float(w) <= 100 for w in weights.values()):
        raise ActionError(_("Weights go from 0 to 100."))
    if not 1 <= half_life_days <= 3650:
        raise ActionError(_("The half-life goes from 1 to 3650 days."))
    with transaction.atomic():
        settings, _created = MembersSettings.objects.get_or_create(workspace=workspace)
        settings.auto_merge_certain = auto_merge_certain
        settings.weights = {k: float(v) for k, v in weights.items() if float(v) != engagement.DEFAULT_WEIGHTS[k]}
        settings.half_life_days = half_life_days
        settings.save()
        data = {"auto_merge_certain": auto_merge_certain, "weights": settings.weights, "half_life_days": half_life_days}
        record(workspace, actor, AuditVerb.MEMBERS_SETTINGS, workspace, data)
        emit(workspace, "members.settings_changed", {**data, "by": actor_label(actor)})
    return settings


def do_recompute_members(
    workspace: Workspace, *, actor: Actor, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Resolution (suggestions, and merges when certain and allowed) then every profile, from the stream."""
    require(actor, workspace, "members.settings")
    settings = MembersSettings.objects.filter(workspace=workspace).first() or MembersSettings(workspace=workspace)
    with transaction.atomic():
        from animateur.members import resolution

        proposals = resolution.propose(recompute.identity_rows(workspace))
        created, certain = recompute.store_proposals(workspace, proposals)
        merges: list[Merge] = []
        if settings.auto_merge_certain:
            for suggestion in certain:
                first = Member.objects.get(pk=suggestion.first_id)
                second = Member.objects.get(pk=suggestion.second_id)
                if first.merged_into_id or second.merged_into_id:
                    continue
                merge = _merge(workspace, first, second, actor=actor, suggestion=suggestion, automatic=True)
                suggestion.status, suggestion.decided_by, suggestion.decided_at = (
                    SuggestionStatus.ACCEPTED,
                    actor_label(actor),
                    timezone.now(),
                )
                suggestion.save(update_fields=["status", "decided_by", "decided_at"])
                merges.append(merge)
        figures = recompute.compute_profiles(workspace, settings, progress)
        summary = {
            **figures,
            "suggestions": len(proposals),
            "new_suggestions": created,
            "merged": len(merges),
        }
        record(workspace, actor, AuditVerb.MEMBERS_RECOMPUTE, workspace, summary)
        emit(workspace, "members.recomputed", {**summary, "merges": [m.pk for m in merges], "by": actor_label(actor)})
    return summary


# --- GDPR ---------------------------------------------------------------------------------------


def export_data(workspace: Workspace, member: Member) -> dict[str, Any]:
    """What the workspace holds on the person, across every member merged into this one."""
    from animateur.inbox.models import Conversation
    from animateur.moderation.models import Sanction

    family = family_ids(member)
    identities = list(Identity.objects.filter(member_id__in=family).select_related("channel").order_by("id"))
    messages = Message.objects.filter(author__in=identities).select_related("channel").order_by("created_at", "id")
    return {
        "member": {
            "id": member.pk,
            "display_name": member.display_name,
            "email": member.email,
            "first_seen": member.first_seen_at.isoformat(),
            "last_seen": member.last_seen_at.isoformat(),
        },
        "identities": [
            {
                "channel": i.channel.name,
                "kind": i.origin,
                "external_id": i.external_id,
                "handle": i.handle,
                "name": i.display_name,
                "email": i.email,
                "url": i.url,
            }
            for i in identities
        ],
        "messages": [
            {
                "id": m.pk,
                "channel": m.channel.name,
                "kind": m.kind,
                "created_at": m.created_at.isoformat(),
                "title": m.title,
                "text": m.text,
                "url": m.url,
                "visibility": m.visibility,
            }
            for m in messages
        ],
        "notes": [
            {"text": n.text, "created_at": n.created_at.isoformat()}
            for n in Note.objects.filter(member_id__in=family).order_by("created_at")
        ],
        "tags": sorted(set(Tag.objects.filter(member_id__in=family).values_list("name", flat=True))),
        "decisions": {
            "sanctions": [
                {"kind": s.kind, "reason": s.reason, "starts_at": s.starts_at.isoformat(),
                 "ends_at": s.ends_at.isoformat() if s.ends_at else None}
                for s in Sanction.objects.filter(member_id__in=family).order_by("starts_at")
            ],
            "conversations": [
                {"id": c.pk, "subject": c.subject, "state": c.state, "started_at": c.started_at.isoformat()}
                for c in Conversation.objects.filter(member_id__in=family).order_by("started_at")
            ],
            "merges": [
                {"into": m.into_id, "merged": m.merged_id, "at": m.created_at.isoformat(),
                 "reverted_at": m.reverted_at.isoformat() if m.reverted_at else None}
                for m in Merge.objects.filter(Q(into_id__in=family) | Q(merged_id__in=family)).order_by("created_at")
            ],
        },
    }  # fmt: skip


def do_export_member(workspace: Workspace, member: Member, *, actor: Actor) -> dict[str, Any]:
    require(actor, workspace, "members.export")
    _own(workspace, member)
    with transaction.atomic():
        data = export_data(workspace, member)
        counts = {"identities": len(data["identities"]), "messages": len(data["messages"])}
        record(workspace, actor, AuditVerb.MEMBER_EXPORT, member, counts)
        emit(workspace, "member.exported", {"member_id": member.pk, **counts, "by": actor_label(actor)})
    return data


def _conversations_with(message_ids: list[int]) -> set[int]:
    """Others' conversations the person wrote in (their own go with their first message)."""
    from animateur.inbox.models import ConversationItem

    found: set[int] = set()
    for start in range(0, len(message_ids), 500):
        found.update(
            ConversationItem.objects.filter(message_id__in=message_ids[start : start + 500])
            .exclude(conversation__root_id__in=message_ids[start : start + 500])
            .values_list("conversation_id", flat=True)
        )
    return found


def _rewrite_conversations(workspace: Workspace, conversation_ids: set[int]) -> None:
    """The inbox keeps copies of its messages' words (preview, search text): rebuilt without the person's."""
    from animateur.inbox import search
    from animateur.inbox.models import Conversation

    for conversation in Conversation.objects.filter(workspace=workspace, pk__in=conversation_ids):
        inbound = list(
            Message.objects.filter(conversation_item__conversation=conversation, from_organisation=False).order_by(
                "created_at", "id"
            )
        )
        words = ""
        for message in inbound:
            words = search.append(words, message.text, workspace.language)
        conversation.search_text = words
        last = inbound[-1] if inbound else None
        conversation.preview = " ".join((last.text or last.title or "").split())[:300] if last else ""
        conversation.message_count = Message.objects.filter(conversation_item__conversation=conversation).count()
        conversation.save(update_fields=["search_text", "preview", "message_count"])


def do_erase_member(workspace: Workspace, member: Member, *, actor: Actor) -> dict[str, int]:
    """Erase the person through every merged identity: messages, identities, members, the team's notes.

    The audit trail keeps that an erasure happened and how much went, never who: the events that
    named the person's members, identities or messages lose their data.
    """
    require(actor, workspace, "members.erase")
    _own(workspace, member)
    with transaction.atomic():
        family = family_ids(member)
        identity_ids = list(Identity.objects.filter(member_id__in=family).values_list("pk", flat=True))
        message_ids = list(Message.objects.filter(author_id__in=identity_ids).values_list("pk", flat=True))
        targets = (
            Q(target_type="stream.member", target_id__in=[str(i) for i in family])
            | Q(target_type="stream.identity", target_id__in=[str(i) for i in identity_ids])
            | Q(target_type="stream.message", target_id__in=[str(i) for i in message_ids])
        )
        AuditEvent.objects.filter(workspace=workspace).filter(targets).update(data={}, target_id="")
        touched = _conversations_with(message_ids)
        for start in range(0, len(message_ids), 500):
            Message.objects.filter(pk__in=message_ids[start : start + 500]).delete()
        _rewrite_conversations(workspace, touched)
        Identity.objects.filter(pk__in=identity_ids).delete()
        Member.objects.filter(pk__in=family).delete()
        counts = {"members": len(family), "identities": len(identity_ids), "messages": len(message_ids)}
        record(workspace, actor, AuditVerb.MEMBER_ERASE, None, counts)
        emit(workspace, "member.erased", {**counts, "by": actor_label(actor)})
    return counts


def member_line(member: Member, identities: list[Identity], profile: Profile | None) -> dict[str, Any]:
    """One member as `animateur members export` writes it (one JSON object a line)."""
    return {
        "id": member.pk,
        "display_name": member.display_name,
        "identities": [
            {
                "channel": i.channel.name,
                "external_id": i.external_id,
                "handle": i.handle,
                "name": i.display_name,
                "email": i.email,
            }
            for i in identities
        ],
        "messages": profile.message_count if profile else 0,
        "first_seen": profile.first_seen_at.isoformat() if profile and profile.first_seen_at else None,
        "last_seen": profile.last_seen_at.isoformat() if profile and profile.last_seen_at else None,
        "engagement": profile.engagement if profile else 0.0,
        "level": profile.level if profile else None,
        "reach": profile.reach if profile else 0.0,
        "ambassador": bool(profile and profile.ambassador),
    }


def do_export_members(
    workspace: Workspace, out: IO[str], *, actor: Actor, progress: Callable[[int], None] | None = None
) -> int:
    """Every member of the workspace as JSON Lines, the most engaged first, in batches."""
    import json

    from django.db.models import F

    require(actor, workspace, "members.export")
    ids = list(
        Member.objects.filter(workspace=workspace, merged_into=None)
        .order_by(F("profile__engagement").desc(nulls_last=True), "id")
        .values_list("pk", flat=True)
    )
    written = 0
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        members = Member.objects.in_bulk(chunk)
        profiles = Profile.objects.in_bulk(chunk)
        identities: dict[int, list[Identity]] = {}
        for identity in Identity.objects.filter(member_id__in=chunk).select_related("channel").order_by("id"):
            identities.setdefault(identity.member_id, []).append(identity)
        for member_id in chunk:
            line = member_line(members[member_id], identities.get(member_id, []), profiles.get(member_id))
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            written += 1
        if progress is not None:
            progress(written)
    with transaction.atomic():
        record(workspace, actor, AuditVerb.MEMBERS_EXPORT, workspace, {"members": written})
        emit(workspace, "members.exported", {"members": written, "by": actor_label(actor)})
    return written


# --- segments -----------------------------------------------------------------------------------


def do_save_segment(workspace: Workspace, name: str, query: str, *, actor: Actor) -> Segment:
    """Save the member list's filters under a name, for the whole team (the same name replaces)."""
    require(actor, workspace, "members.edit")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ActionError(_("A segment needs a name of at most 100 characters."))
    query = (query or "").lstrip("?")
    if len(query) > 1000:
        raise ActionError(_("These filters are too long to be saved."))
    with transaction.atomic():
        segment, _created = Segment.objects.update_or_create(
            workspace=workspace,
            name=name,
            defaults={"query": query, "created_by": actor if isinstance(actor, User) else None},
        )
        record(workspace, actor, AuditVerb.MEMBERS_SEGMENT_SAVE, segment, {"name": name, "query": query})
        emit(
            workspace,
            "members.segment_saved",
            {"segment_id": segment.pk, "name": name, "query": query, "by": actor_label(actor)},
        )
    return segment


def do_delete_segment(workspace: Workspace, segment: Segment, *, actor: Actor) -> None:
    require(actor, workspace, "members.edit")
    if segment.workspace_id != workspace.pk:
        raise ActionError(_("No such segment in this workspace."))
    with transaction.atomic():
        record(workspace, actor, AuditVerb.MEMBERS_SEGMENT_DELETE, segment, {"name": segment.name})
        emit(workspace, "members.segment_deleted", {"segment_id": segment.pk, "by": actor_label(actor)})
        segment.delete()
