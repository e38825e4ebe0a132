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
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from animateur.core.actions import ActionError, Actor, actor_label, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.events import emit
from animateur.core.models import AuditEvent, User, Workspace
from animateur.members import engagement, links, recompute
from animateur.members.models import (
    CustomField,
    CustomValue,
    FieldKind,
    IntroductionDismissal,
    LinkProof,
    MembersSettings,
    Merge,
    MergeSuggestion,
    Note,
    Profile,
    ProfileLink,
    Segment,
    SegmentAlert,
    SegmentAlertSeen,
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
    kept = CustomValue.objects.filter(member=into).values_list("field_id", flat=True)
    CustomValue.objects.filter(member=merged).exclude(field_id__in=kept).update(member=into)
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
    with transaction.atomic(durable=True):
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
    with transaction.atomic(durable=True):
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
    with transaction.atomic(durable=True):
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
    with transaction.atomic(durable=True):
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
    with transaction.atomic(durable=True):
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
    with transaction.atomic(durable=True):
        Tag.objects.filter(member=member).exclude(name__in=names).delete()
        for name in names:
            Tag.objects.get_or_create(workspace=workspace, member=member, name=name)
        record(workspace, actor, AuditVerb.MEMBER_TAGS, member, {"tags": names})
        emit(workspace, "member.tagged", {"member_id": member.pk, "tags": names, "by": actor_label(actor)})
    return names


def do_mark_ambassador(workspace: Workspace, member: Member, ambassador: bool, *, actor: Actor) -> Profile:
    require(actor, workspace, "members.edit")
    _own(workspace, member)
    with transaction.atomic(durable=True):
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
    with transaction.atomic(durable=True):
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
    with transaction.atomic(durable=True):
        from animateur.members import resolution

        found_links = links.collect(workspace)
        proposals = resolution.propose(recompute.identity_rows(workspace), links.link_rows(workspace))
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
            "links": found_links,
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
        "custom_fields": custom_fields_of(family),
        "profile_links": [
            {"url": link.url, "proof": link.proof,
             "verified_at": link.verified_at.isoformat() if link.verified_at else None}
            for link in ProfileLink.objects.filter(identity__in=identities).order_by("id")
        ],
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
    with transaction.atomic(durable=True):
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
    with transaction.atomic(durable=True):
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


def member_line(
    member: Member, identities: list[Identity], profile: Profile | None, custom: dict[str, Any] | None = None
) -> dict[str, Any]:
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
        "custom_fields": custom or {},
    }


def do_export_members(
    workspace: Workspace, out: IO[str], *, actor: Actor, progress: Callable[[int], None] | None = None
) -> int:
    """Every member of the workspace as JSON Lines, the most engaged first, in batches."""
    import json

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
        custom = custom_values_by_member(chunk)
        for member_id in chunk:
            line = member_line(
                members[member_id], identities.get(member_id, []), profiles.get(member_id), custom.get(member_id)
            )
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            written += 1
        if progress is not None:
            progress(written)
    with transaction.atomic(durable=True):
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
    with transaction.atomic(durable=True):
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
    with transaction.atomic(durable=True):
        record(workspace, actor, AuditVerb.MEMBERS_SEGMENT_DELETE, segment, {"name": segment.name})
        emit(workspace, "members.segment_deleted", {"segment_id": segment.pk, "by": actor_label(actor)})
        segment.delete()


# --- profile links ------------------------------------------------------------------------------

RECHECK_DAYS = 7
MAX_CHECKS = 200


def do_verify_profile_links(workspace: Workspace, *, actor: Actor, limit: int = 50) -> dict[str, int]:
    """Check the profile links no server verified: fetch each page (safely, outside the transaction)
    and look for rel="me" naming the profile; those that do become evidence in merge suggestions."""
    from datetime import timedelta

    require(actor, workspace, "members.settings")
    if not 1 <= limit <= MAX_CHECKS:
        raise ActionError(_("Check 1 to %(count)d links at a time.") % {"count": MAX_CHECKS})
    now = timezone.now()
    due = list(
        ProfileLink.objects.filter(workspace=workspace, proof=LinkProof.NONE, identity__user=None)
        .filter(Q(checked_at=None) | Q(checked_at__lt=now - timedelta(days=RECHECK_DAYS)))
        .select_related("identity")
        .order_by(F("checked_at").asc(nulls_first=True), "id")[:limit]
    )
    results = [(link, links.check(link.url, link.identity)) for link in due]
    with transaction.atomic(durable=True):
        verified = 0
        for link, result in results:
            link.checked_at, link.check_error = now, result.error
            if result.ok:
                link.proof, link.verified_at = LinkProof.CHECKED, now
                verified += 1
            link.save(update_fields=["checked_at", "check_error", "proof", "verified_at"])
        counts = {"checked": len(results), "verified": verified}
        record(workspace, actor, AuditVerb.MEMBERS_LINKS_VERIFY, workspace, counts)
        emit(workspace, "members.links_verified", {**counts, "by": actor_label(actor)})
    return counts


# --- custom fields ------------------------------------------------------------------------------

MAX_FIELDS = 50
MAX_CHOICES = 50
MAX_VALUE = 500


def clean_choices(raw: str | list[str]) -> list[str]:
    items = raw.split(",") if isinstance(raw, str) else raw
    cleaned = list(dict.fromkeys(c.strip()[:100] for c in items if c and c.strip()))
    if len(cleaned) > MAX_CHOICES:
        raise ActionError(_("At most %(count)d choices.") % {"count": MAX_CHOICES})
    return cleaned


def do_save_custom_field(
    workspace: Workspace,
    name: str,
    kind: str,
    choices: str | list[str] = "",
    *,
    actor: Actor,
    field: CustomField | None = None,
) -> CustomField:
    """Create a custom field of the workspace's members, or rename it and change its choices."""
    require(actor, workspace, "members.settings")
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise ActionError(_("A field needs a name of at most 60 characters."))
    if kind not in FieldKind.values:
        raise ActionError(_("Unknown type of field: text, number, date or choice."))
    options = clean_choices(choices) if kind == FieldKind.CHOICE else []
    if kind == FieldKind.CHOICE and not options:
        raise ActionError(_("A choice field needs its choices, separated by commas."))
    if field is not None and field.workspace_id != workspace.pk:
        raise ActionError(_("No such field in this workspace."))
    others = CustomField.objects.filter(workspace=workspace, name__iexact=name)
    if field is not None:
        others = others.exclude(pk=field.pk)
    if others.exists():
        raise ActionError(_("Another field is already named « %(name)s ».") % {"name": name})
    if field is None and CustomField.objects.filter(workspace=workspace).count() >= MAX_FIELDS:
        raise ActionError(_("At most %(count)d fields.") % {"count": MAX_FIELDS})
    if field is not None and field.kind != kind and CustomValue.objects.filter(field=field).exists():
        raise ActionError(_("This field has values: its type cannot change."))
    if field is not None and kind == FieldKind.CHOICE:
        lost = CustomValue.objects.filter(field=field).exclude(value__in=options)
        if lost.exists():
            raise ActionError(_("Some members have a choice you removed: change their value first."))
    with transaction.atomic(durable=True):
        if field is None:
            field = CustomField.objects.create(workspace=workspace, name=name, kind=kind, choices=options)
        else:
            field.name, field.kind, field.choices = name, kind, options
            field.save(update_fields=["name", "kind", "choices"])
        data = {"name": name, "kind": kind, "choices": options}
        record(workspace, actor, AuditVerb.MEMBERS_FIELD_SAVE, field, data)
        emit(workspace, "members.field_saved", {"field_id": field.pk, **data, "by": actor_label(actor)})
    return field


def do_delete_custom_field(workspace: Workspace, field: CustomField, *, actor: Actor) -> None:
    """Delete a custom field and every member's value of it."""
    require(actor, workspace, "members.settings")
    if field.workspace_id != workspace.pk:
        raise ActionError(_("No such field in this workspace."))
    with transaction.atomic(durable=True):
        record(workspace, actor, AuditVerb.MEMBERS_FIELD_DELETE, field, {"name": field.name})
        emit(workspace, "members.field_deleted", {"field_id": field.pk, "by": actor_label(actor)})
        field.delete()


def clean_value(field: CustomField, raw: object) -> str:
    """A value as kept: "" for none, a number as written plainly, a date as YYYY-MM-DD, a choice among its own."""
    import datetime
    from decimal import Decimal, InvalidOperation

    text = "" if raw is None else str(raw).strip()
    if not text:
        return ""
    if "\x00" in text or len(text) > MAX_VALUE:
        raise ActionError(
            _("« %(field)s » holds at most %(count)d characters.") % {"field": field.name, "count": MAX_VALUE}
        )
    if field.kind == FieldKind.NUMBER:
        try:
            number = Decimal(text.replace(",", ".").replace(" ", "").replace("\u202f", ""))
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite() or abs(number) >= Decimal(10) ** 15:
            raise ActionError(_("« %(field)s » takes a number.") % {"field": field.name})
        return format(number.normalize(), "f")
    if field.kind == FieldKind.DATE:
        try:
            return datetime.date.fromisoformat(text).isoformat()
        except ValueError:
            raise ActionError(_("« %(field)s » takes a date (YYYY-MM-DD).") % {"field": field.name}) from None
    if field.kind == FieldKind.CHOICE and text not in field.choices:
        raise ActionError(
            _("« %(value)s » is not a choice of « %(field)s »: %(choices)s.")
            % {"value": text[:100], "field": field.name, "choices": ", ".join(field.choices)}
        )
    return text


def typed_value(kind: str, value: str) -> Any:
    """A kept value as JSON shows it: a number as a number, the others as text."""
    if kind == FieldKind.NUMBER:
        number = float(value)
        return int(number) if number.is_integer() and "." not in value else number
    return value


def custom_values_by_member(member_ids: list[int]) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    rows = (
        CustomValue.objects.filter(member_id__in=member_ids)
        .select_related("field")
        .order_by("field__name")
        .values_list("member_id", "field__name", "field__kind", "value")
    )
    for member_id, name, kind, value in rows:
        found.setdefault(member_id, {})[name] = typed_value(kind, value)
    return found


def custom_fields_of(member_ids: list[int]) -> dict[str, Any]:
    """One person's custom fields across the members merged into them."""
    merged: dict[str, Any] = {}
    for values in custom_values_by_member(member_ids).values():
        for name, value in values.items():
            merged.setdefault(name, value)
    return merged


def do_set_member_fields(
    workspace: Workspace, member: Member, values: dict[str, object], *, actor: Actor
) -> dict[str, Any]:
    """Set a member's custom fields by name (an empty value clears it); fields not named are left alone."""
    require(actor, workspace, "members.edit")
    _own(workspace, member)
    fields = {f.name: f for f in CustomField.objects.filter(workspace=workspace)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ActionError(_("Unknown fields: %(names)s.") % {"names": ", ".join(unknown)[:300]})
    cleaned = {name: clean_value(fields[name], raw) for name, raw in values.items()}
    with transaction.atomic(durable=True):
        for name, value in cleaned.items():
            if value:
                CustomValue.objects.update_or_create(
                    field=fields[name], member=member, defaults={"value": value, "workspace": workspace}
                )
            else:
                CustomValue.objects.filter(field=fields[name], member=member).delete()
        shown = {name: typed_value(fields[name].kind, v) if v else None for name, v in cleaned.items()}
        record(workspace, actor, AuditVerb.MEMBER_FIELDS, member, {"fields": sorted(cleaned)})
        emit(
            workspace,
            "member.fields_changed",
            {"member_id": member.pk, "custom_fields": shown, "by": actor_label(actor)},
        )
    return custom_values_by_member([member.pk]).get(member.pk, {})


# --- segment alerts -----------------------------------------------------------------------------


def segment_member_ids(workspace: Workspace, alert: SegmentAlert) -> set[int]:
    """Who is in the alert's cohort or saved segment now."""
    from django.http import QueryDict

    from animateur.members import selectors
    from animateur.members.forms import MemberFilterForm

    if alert.segment_id is not None:
        assert alert.segment is not None
        form = MemberFilterForm(QueryDict(alert.segment.query), workspace=workspace)
        if not form.is_valid():  # a segment whose filters no longer read (a tag gone) holds no one
            return set()
        filters = form.filters()
    else:
        filters = selectors.MemberFilters(cohort=alert.cohort)
    return set(selectors.filtered(workspace, filters).order_by().values_list("pk", flat=True))


def do_set_segment_alert(
    workspace: Workspace,
    *,
    enabled: bool,
    actor: Actor,
    cohort: str = "",
    segment: Segment | None = None,
) -> SegmentAlert | None:
    """Turn on or off the alert of a ready-made cohort or of a saved segment. Turned on, the members
    already in it are not news: only those who enter afterwards are told of, once each."""
    from animateur.members.selectors import COHORTS

    require(actor, workspace, "members.settings")
    if (segment is None) == (not cohort):
        raise ActionError(_("Choose a cohort or a saved segment."))
    if cohort and cohort not in COHORTS:
        raise ActionError(_("Unknown cohort."))
    if segment is not None and segment.workspace_id != workspace.pk:
        raise ActionError(_("No such segment in this workspace."))
    existing = (
        SegmentAlert.objects.filter(workspace=workspace, segment=segment)
        if segment is not None
        else SegmentAlert.objects.filter(workspace=workspace, segment=None, cohort=cohort)
    ).first()
    with transaction.atomic(durable=True):
        alert = existing
        if enabled and alert is None:
            alert = SegmentAlert.objects.create(
                workspace=workspace,
                cohort="" if segment is not None else cohort,
                segment=segment,
                created_by=actor if isinstance(actor, User) else None,
                checked_at=timezone.now(),
            )
            SegmentAlertSeen.objects.bulk_create(
                [SegmentAlertSeen(alert=alert, member_id=m) for m in segment_member_ids(workspace, alert)],
                batch_size=1000,
            )
        elif not enabled and alert is not None:
            alert.delete()
            alert = None
        data = {"cohort": cohort, "segment_id": segment.pk if segment else None, "enabled": enabled}
        record(workspace, actor, AuditVerb.MEMBERS_ALERT_SET, segment or workspace, data)
        emit(workspace, "members.alert_changed", {**data, "by": actor_label(actor)})
    return alert


def _alert_name(alert: SegmentAlert) -> str:
    from animateur.members.forms import COHORT_LABELS

    if alert.segment is not None:
        return alert.segment.name
    return str(COHORT_LABELS.get(alert.cohort, alert.cohort))


def do_check_segment_alerts(workspace: Workspace, *, actor: Actor) -> dict[str, int]:
    """Tell the managers (in the app, and by email as each chose) of the members who entered a segment
    with an alert since the last check; each member is told of once per alert. Nothing entered: nothing
    is written."""
    from django.conf import settings as django_settings
    from django.utils import translation
    from django.utils.translation import ngettext

    from animateur.core.models import Membership
    from animateur.core.permissions import roles_for
    from animateur.inbox.actions.notifications import notify_many
    from animateur.inbox.models import Notification

    require(actor, workspace, "members.settings")
    alerts = list(SegmentAlert.objects.filter(workspace=workspace).select_related("segment").order_by("id"))
    entered: list[tuple[SegmentAlert, list[int]]] = []
    for alert in alerts:
        seen = set(SegmentAlertSeen.objects.filter(alert=alert).values_list("member_id", flat=True))
        new = sorted(segment_member_ids(workspace, alert) - seen)
        if new:
            entered.append((alert, new))
    if not entered:
        return {"alerts": 0, "members": 0}
    readers = list(
        Membership.objects.filter(
            workspace=workspace, role__in=roles_for("members.settings"), user__is_active=True
        ).select_related("user")
    )
    now = timezone.now()
    with transaction.atomic(durable=True):
        notices = []
        for alert, new in entered:
            SegmentAlertSeen.objects.bulk_create(
                [SegmentAlertSeen(alert=alert, member_id=m, at=now) for m in new],
                batch_size=1000,
                ignore_conflicts=True,
            )
            SegmentAlert.objects.filter(pk=alert.pk).update(checked_at=now)
            for membership in readers:
                user = membership.user
                with translation.override(user.language or workspace.language or django_settings.LANGUAGE_CODE):
                    text = ngettext(
                        "%(count)d member entered « %(segment)s »",
                        "%(count)d members entered « %(segment)s »",
                        len(new),
                    ) % {"count": len(new), "segment": _alert_name(alert)}
                notices.append((user.pk, workspace.pk, None, Notification.Kind.SEGMENT_ALERT, text))
        notify_many(notices)
        counts = {"alerts": len(entered), "members": sum(len(new) for _alert, new in entered)}
        record(workspace, actor, AuditVerb.MEMBERS_ALERT_FIRE, workspace, counts)
        emit(
            workspace,
            "members.segment_entered",
            {
                "alerts": [
                    {"alert_id": a.pk, "cohort": a.cohort, "segment_id": a.segment_id, "member_ids": new}
                    for a, new in entered
                ],
                "by": actor_label(actor),
            },
        )
    return counts


# --- introductions ------------------------------------------------------------------------------


def do_dismiss_introduction(workspace: Workspace, member: Member, other: Member, *, actor: Actor) -> None:
    """Do not suggest introducing these two again."""
    require(actor, workspace, "members.edit")
    _own(workspace, member)
    _own(workspace, other)
    if member.pk == other.pk:
        raise ActionError(_("A member cannot be introduced to themselves."))
    first, second = sorted((member.pk, other.pk))
    with transaction.atomic(durable=True):
        IntroductionDismissal.objects.get_or_create(
            workspace=workspace, first_id=first, second_id=second, defaults={"by": actor_label(actor)}
        )
        record(workspace, actor, AuditVerb.MEMBER_INTRODUCTION_DISMISS, member, {"other": other.pk})
        emit(
            workspace,
            "member.introduction_dismissed",
            {"member_id": member.pk, "other_member_id": other.pk, "by": actor_label(actor)},
        )
