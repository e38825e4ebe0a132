"""How to call the members' actions (merges and their undo, suggestions, notes, tags, GDPR)."""

from __future__ import annotations

import io

from animateur.core.actions import SystemActor
from animateur.members import actions
from animateur.members.models import MergeSuggestion
from animateur.stream.models import Member
from tests.action_walk.registry import Call, World, case
from tests.members.factories import channel, say

SYSTEM = SystemActor("walk")


def _member(w: World, name: str = "Ana") -> Member:
    return w.message(author=name).author.member


def _pair(w: World) -> tuple[Member, Member]:
    """Two members with the same handle on two networks: a suggestion, not a merge."""
    first = say(channel(w.workspace, "mastodon"), "a1", name="Léa Petit", handle="leapetit").author.member
    second = say(channel(w.workspace, "bluesky"), "b1", name="Léa Petit", handle="leapetit").author.member
    return first, second


@case("do_merge_members")
def _merge(w: World) -> Call:
    first, second = _pair(w)
    return lambda: actions.do_merge_members(w.workspace, first, second, actor=w.owner)


@case("do_revert_merge")
def _revert(w: World) -> Call:
    first, second = _pair(w)
    merge = actions.do_merge_members(w.workspace, first, second, actor=SYSTEM)
    return lambda: actions.do_revert_merge(w.workspace, merge, actor=w.owner)


@case("do_split_identity")
def _split(w: World) -> Call:
    first, second = _pair(w)
    actions.do_merge_members(w.workspace, first, second, actor=SYSTEM)
    identity = first.identities.order_by("id").last()
    assert identity is not None
    return lambda: actions.do_split_identity(w.workspace, identity, actor=w.owner)


@case("do_decide_suggestion")
def _decide(w: World) -> Call:
    _pair(w)
    actions.do_recompute_members(w.workspace, actor=SYSTEM)
    suggestion = MergeSuggestion.objects.get(workspace=w.workspace)
    return lambda: actions.do_decide_suggestion(w.workspace, suggestion, "accept", actor=w.owner)


@case("do_add_member_note")
def _note(w: World) -> Call:
    member = _member(w)
    return lambda: actions.do_add_member_note(w.workspace, member, "Très active", actor=w.owner)


@case("do_set_member_tags")
def _tags(w: World) -> Call:
    member = _member(w)
    return lambda: actions.do_set_member_tags(w.workspace, member, "vip, bêta", actor=w.owner)


@case("do_mark_ambassador")
def _ambassador(w: World) -> Call:
    member = _member(w)
    return lambda: actions.do_mark_ambassador(w.workspace, member, True, actor=w.owner)


@case("do_update_members_settings")
def _settings(w: World) -> Call:
    return lambda: actions.do_update_members_settings(
        w.workspace, auto_merge_certain=False, weights={"answer": 4}, half_life_days=60, actor=w.owner
    )


@case("do_recompute_members")
def _recompute(w: World) -> Call:
    _pair(w)
    return lambda: actions.do_recompute_members(w.workspace, actor=w.owner)


@case("do_export_member")
def _export(w: World) -> Call:
    member = _member(w)
    return lambda: actions.do_export_member(w.workspace, member, actor=w.owner)


@case("do_export_members")
def _export_all(w: World) -> Call:
    _member(w)
    return lambda: actions.do_export_members(w.workspace, io.StringIO(), actor=w.owner)


@case("do_erase_member")
def _erase(w: World) -> Call:
    member = _member(w)
    return lambda: actions.do_erase_member(w.workspace, member, actor=w.owner)


@case("do_save_segment")
def _save_segment(w: World) -> Call:
    return lambda: actions.do_save_segment(w.workspace, "Silencieux", "cohort=slipping", actor=w.owner)


@case("do_delete_segment")
def _delete_segment(w: World) -> Call:
    segment = actions.do_save_segment(w.workspace, "Silencieux", "cohort=slipping", actor=SYSTEM)
    return lambda: actions.do_delete_segment(w.workspace, segment, actor=w.owner)


@case("do_verify_profile_links")
def _verify_links(w: World) -> Call:
    from animateur.members.models import ProfileLink

    w.settings.ALLOW_PRIVATE_URLS = False
    identity = say(channel(w.workspace, "mastodon"), "https://social.example/@ana", handle="@ana").author
    # A private address is refused without a request: checked, not verified.
    ProfileLink.objects.create(workspace=w.workspace, identity=identity, url="http://127.0.0.1:9/")
    return lambda: actions.do_verify_profile_links(w.workspace, actor=w.owner)


@case("do_save_custom_field")
def _save_field(w: World) -> Call:
    return lambda: actions.do_save_custom_field(w.workspace, "Ville", "choice", "Lyon, Paris", actor=w.owner)


@case("do_delete_custom_field")
def _delete_field(w: World) -> Call:
    field = actions.do_save_custom_field(w.workspace, "Ville", "text", actor=SYSTEM)
    actions.do_set_member_fields(w.workspace, _member(w), {"Ville": "Lyon"}, actor=SYSTEM)
    return lambda: actions.do_delete_custom_field(w.workspace, field, actor=w.owner)


@case("do_set_member_fields")
def _set_fields(w: World) -> Call:
    actions.do_save_custom_field(w.workspace, "Entrée", "date", actor=SYSTEM)
    member = _member(w)
    return lambda: actions.do_set_member_fields(w.workspace, member, {"Entrée": "2026-03-01"}, actor=w.owner)


@case("do_set_segment_alert")
def _set_alert(w: World) -> Call:
    _member(w)
    return lambda: actions.do_set_segment_alert(w.workspace, cohort="newcomers", enabled=True, actor=w.owner)


@case("do_check_segment_alerts")
def _check_alerts(w: World) -> Call:
    actions.do_set_segment_alert(w.workspace, cohort="newcomers", enabled=True, actor=SYSTEM)
    _member(w)
    actions.do_recompute_members(w.workspace, actor=SYSTEM)
    return lambda: actions.do_check_segment_alerts(w.workspace, actor=w.owner)


@case("do_dismiss_introduction")
def _dismiss(w: World) -> Call:
    first, second = _pair(w)
    return lambda: actions.do_dismiss_introduction(w.workspace, first, second, actor=w.owner)
