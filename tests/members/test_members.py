"""Members: one person across channels, resolution with evidence, undo, engagement, GDPR."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.members import actions, selectors
from animateur.members.models import Merge, MergeSuggestion, Profile, SuggestionStatus
from animateur.stream.models import Identity, Member, Message
from tests.conftest import SYSTEM
from tests.members.factories import channel, say


def member_of(message: Message) -> Member:
    message.refresh_from_db()
    return message.author.member


@pytest.fixture
def two_channels(workspace):
    return channel(workspace, "mastodon", "Mastodon"), channel(workspace, "bluesky", "Bluesky")


def test_the_same_email_on_two_networks_is_one_member_after_recompute(workspace, two_channels):
    masto, sky = two_channels
    a = member_of(say(masto, "1", name="Ana Lopez", email="ana@example.org"))
    # Known without email first on Bluesky, so the pipeline makes a second member...
    b = member_of(say(sky, "did:1", name="Ana L."))
    Identity.objects.filter(member=b).update(email="ANA@example.org")
    summary = actions.do_recompute_members(workspace, actor=SYSTEM)
    assert summary["merged"] == 1
    b.refresh_from_db()
    assert b.merged_into_id == a.pk
    assert Identity.objects.filter(member=a).count() == 2
    assert Profile.objects.get(member=a).message_count == 2
    merge = Merge.objects.get(into=a)
    assert merge.automatic and merge.suggestion.status == SuggestionStatus.ACCEPTED


def test_two_accounts_of_one_source_are_never_merged_automatically(workspace):
    forum = channel(workspace)
    say(forum, "u1", name="Jean Dupont", email="jean@example.org")
    second = say(forum, "u2", name="Jean Dupont")
    Identity.objects.filter(external_id="u2").update(email="jean@example.org")
    # The pipeline already joined u2 to u1's member by its email only if it knew it: here it did not.
    assert member_of(second).pk != Identity.objects.get(external_id="u1").member_id
    summary = actions.do_recompute_members(workspace, actor=SYSTEM)
    assert summary["merged"] == 0
    suggestion = MergeSuggestion.objects.get()
    assert suggestion.same_source and suggestion.status == SuggestionStatus.OPEN
    assert {e["kind"] for e in suggestion.evidence} >= {"same_email", "same_name"}


def test_a_suggestion_shows_its_evidence_and_can_be_rejected_for_good(workspace, two_channels, manager_client):
    masto, sky = two_channels
    say(masto, "1", name="Camille Martin", handle="@camille@mastodon.social")
    say(sky, "did:9", name="Camille Martin", handle="camille")
    actions.do_recompute_members(workspace, actor=SYSTEM)
    suggestion = MergeSuggestion.objects.get()
    kinds = {e["kind"] for e in suggestion.evidence}
    assert kinds == {"same_handle", "same_name"}
    assert 0.7 < suggestion.confidence < 1
    page = manager_client.get(f"/app/members/suggestions/{suggestion.pk}/")
    assert "Le même identifiant sur un autre réseau" in page.content.decode()
    manager_client.post(f"/app/members/suggestions/{suggestion.pk}/", {"decision": "reject"})
    actions.do_recompute_members(workspace, actor=SYSTEM)
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.REJECTED
    assert Member.objects.filter(workspace=workspace, merged_into=None).count() == 2


def test_accepting_merges_and_undo_restores_both_members(workspace, two_channels):
    masto, sky = two_channels
    a = member_of(say(masto, "1", name="Léa Petit", handle="leapetit"))
    say(masto, "1", "encore", name="Léa Petit", handle="leapetit")
    b = member_of(say(sky, "did:2", name="Léa Petit", handle="leapetit"))
    actions.do_recompute_members(workspace, actor=SYSTEM)
    suggestion = MergeSuggestion.objects.get()
    merge = actions.do_decide_suggestion(workspace, suggestion, "accept", actor=SYSTEM)
    assert merge is not None and merge.into_id == a.pk  # the one with more messages keeps its id
    info = selectors.detail(workspace, a.pk)
    assert {i.channel.kind for i in info.identities} == {"mastodon", "bluesky"}
    assert len(info.timeline) == 3
    restored = actions.do_revert_merge(workspace, merge, actor=SYSTEM)
    assert restored.pk == b.pk and restored.merged_into_id is None
    assert Message.objects.filter(author__member=b).count() == 1
    assert Message.objects.filter(author__member=a).count() == 2
    with pytest.raises(actions.ActionError):
        actions.do_revert_merge(workspace, merge, actor=SYSTEM)


def test_splitting_an_identity_out_makes_a_member_of_its_own(workspace, two_channels):
    masto, sky = two_channels
    a = member_of(say(masto, "1", name="Zoé", email="zoe@example.org"))
    say(sky, "d1", name="Zoé", email="zoe@example.org")  # the pipeline joins it by email
    assert Identity.objects.filter(member=a).count() == 2
    identity = Identity.objects.get(channel=sky)
    new = actions.do_split_identity(workspace, identity, actor=SYSTEM)
    assert Message.objects.filter(author__member=new).count() == 1
    # Remembered: the recompute does not propose them again.
    actions.do_recompute_members(workspace, actor=SYSTEM)
    assert not MergeSuggestion.objects.filter(status=SuggestionStatus.OPEN).exists()


def test_engagement_ranks_the_helpful_answerer_first_and_the_team_is_left_out(workspace):
    forum = channel(workspace)
    now = timezone.now()
    question = say(forum, "asker", "Comment moudre ?", name="Asker", kind="post", created_at=now - timedelta(days=3))
    for n in range(3):
        say(forum, "helper", f"réponse {n}", name="Helper", parent=question, created_at=now - timedelta(days=2),
            raw={"accepted": n == 0})  # fmt: skip
    say(forum, "chatty", "+1", name="Chatty", parent=question, kind="comment", created_at=now - timedelta(days=200))
    actions.do_recompute_members(workspace, actor=SYSTEM)
    ranked = [m.display_name for m in selectors.page_of(workspace, selectors.MemberFilters()).rows]
    assert ranked[0] == "Helper"
    helper = Profile.objects.get(member__display_name="Helper")
    assert helper.activity == {"answer": 3, "accepted": 1}
    assert helper.reach > 0
    chatty = Profile.objects.get(member__display_name="Chatty")
    assert chatty.engagement < 1  # one old message, decayed


def test_a_level_rises_at_once_but_falls_only_after_a_month(workspace):
    from animateur.members.engagement import next_level

    now = timezone.now()
    assert next_level(3, now, 2, now) == (2, True)
    assert next_level(2, now - timedelta(days=3), 4, now) == (2, False)
    assert next_level(2, now - timedelta(days=31), 4, now) == (4, True)


def test_member_list_filters_by_channel_and_language(workspace, two_channels):
    masto, sky = two_channels
    say(masto, "1", name="Ana")
    say(sky, "2", name="Bob")
    actions.do_recompute_members(workspace, actor=SYSTEM)
    only = selectors.page_of(workspace, selectors.MemberFilters(channel_id=sky.pk)).rows
    assert [m.display_name for m in only] == ["Bob"]
    assert selectors.page_of(workspace, selectors.MemberFilters(language="en")).rows == []


def test_member_pages_in_french_and_english(workspace, two_channels, client_as, make_workspace):
    masto, _sky = two_channels
    m = member_of(say(masto, "1", "Salut à tous", name="Ana"))
    actions.do_recompute_members(workspace, actor=SYSTEM)
    client = client_as(workspace, Role.MANAGER)
    listing = client.get("/app/members/").content.decode()
    assert "Membres" in listing and "Ana" in listing
    page = client.get(f"/app/members/{m.pk}/").content.decode()
    assert "Salut à tous" in page and "Identités" in page and "Niveau" in page
    client.user.language = "en"
    client.user.save()
    assert "Identities" in client.get(f"/app/members/{m.pk}/").content.decode()
    assert client.get("/app/members/?seen=abc").status_code == 400
    assert client.get("/app/members/999999/").status_code == 404


def test_only_the_owner_erases_and_analysts_do_not_merge(workspace, make_user):
    analyst = make_user("an@example.org", workspace, Role.ANALYST)
    manager = make_user("man@example.org", workspace, Role.MANAGER)
    m = member_of(say(channel(workspace), "1", name="Ana"))
    with pytest.raises(PermissionDenied):
        actions.do_erase_member(workspace, m, actor=manager)
    with pytest.raises(PermissionDenied):
        actions.do_set_member_tags(workspace, m, "vip", actor=analyst)


def test_notes_tags_and_ambassador_each_leave_one_audit_event(workspace, make_user):
    manager = make_user("man@example.org", workspace, Role.MANAGER)
    m = member_of(say(channel(workspace), "1", name="Ana"))
    before = AuditEvent.objects.count()
    actions.do_add_member_note(workspace, m, "Très active sur le forum", actor=manager)
    actions.do_set_member_tags(workspace, m, "VIP, bêta ,vip", actor=manager)
    actions.do_mark_ambassador(workspace, m, True, actor=manager)
    assert AuditEvent.objects.count() == before + 3
    info = selectors.detail(workspace, m.pk)
    assert info.tags == ["bêta", "vip"] and info.profile.ambassador


def test_gdpr_export_then_erasure_leaves_nothing_of_the_person_findable(workspace, two_channels, client_as, make_user):
    masto, sky = two_channels
    owner = make_user("boss@example.org", workspace, Role.OWNER)
    a = member_of(say(masto, "1", "Mon secret Zanzibar", name="Ana Secretname", email="ana@secret.example"))
    say(sky, "d1", "Encore Zanzibar", name="Ana Secretname", email="ana@secret.example")
    other = say(masto, "2", "Un autre membre", name="Bob")
    actions.do_add_member_note(workspace, a, "Note sur Secretname", actor=owner)
    data = actions.do_export_member(workspace, a, actor=owner)
    assert len(data["identities"]) == 2 and len(data["messages"]) == 2 and data["notes"]
    json.dumps(data)
    counts = actions.do_erase_member(workspace, a, actor=owner)
    assert counts == {"members": 1, "identities": 2, "messages": 2}
    assert not Message.objects.filter(text__contains="Zanzibar").exists()
    assert not Identity.objects.filter(display_name__contains="Secretname").exists()
    assert not Member.objects.filter(display_name__contains="Secretname").exists()
    # The audit trail: the erasure is recorded without anything of the person.
    for event in AuditEvent.objects.filter(workspace=workspace):
        text = json.dumps(event.data, ensure_ascii=False)
        assert "Secretname" not in text and "secret.example" not in text and "Zanzibar" not in text
    assert AuditEvent.objects.filter(verb="member.erase").exists()
    client = client_as(workspace, Role.OWNER)
    for path in ("/app/members/", "/app/stream/", "/app/stream/?q=Zanzibar", "/app/inbox/", "/"):
        body = client.get(path).content.decode().replace('value="Zanzibar"', "")  # the search box's own words
        assert "Zanzibar" not in body and "Secretname" not in body, path
    assert Message.objects.filter(pk=other.pk).exists()


def test_members_follow_the_stream_when_new_messages_arrived(workspace):
    from animateur.members.tasks import follow_the_stream, workspaces_behind

    forum = channel(workspace)
    say(forum, "1", name="Ana")
    assert workspace in workspaces_behind()
    follow_the_stream.call_local()
    assert Profile.objects.filter(member__display_name="Ana", message_count=1).exists()
    assert workspace not in workspaces_behind()
    say(forum, "1", "encore", name="Ana")
    assert workspace in workspaces_behind()


def test_cohorts_and_saved_segments(workspace, manager_client):
    forum = channel(workspace)
    now = timezone.now()
    say(forum, "new", name="Newcomer", created_at=now - timedelta(days=2))
    question = say(forum, "old", "question", name="Asker", kind="post", created_at=now - timedelta(days=60))
    for n in range(6):
        say(forum, "quiet", f"réponse {n}", name="Quiet", parent=question, created_at=now - timedelta(days=40),
            raw={"accepted": True})  # fmt: skip
    actions.do_recompute_members(workspace, actor=SYSTEM)

    def names(cohort: str) -> set[str]:
        return {m.display_name for m in selectors.page_of(workspace, selectors.MemberFilters(cohort=cohort)).rows}

    assert "Newcomer" in names("newcomers") and "Quiet" not in names("newcomers")
    assert names("slipping") == {"Quiet"}  # engaged, then silent for 14 days
    response = manager_client.post("/app/members/segments/", {"name": "Décrocheurs", "query": "cohort=slipping"})
    assert response.status_code == 302 and response["Location"].endswith("?cohort=slipping")
    listing = manager_client.get("/app/members/").content.decode()
    assert "Décrocheurs" in listing and 'href="?cohort=slipping"' in listing
    assert manager_client.post("/app/members/segments/", {"name": ""}).status_code == 302
    assert manager_client.get("/app/members/?cohort=nope").status_code == 400


def test_the_api_lists_members_with_the_page_filters(workspace, make_user):
    from django.test import Client

    from animateur.api.actions import do_create_api_token

    say(channel(workspace), "1", name="Ana")
    actions.do_recompute_members(workspace, actor=SYSTEM)
    analyst = make_user("an@example.org", workspace, Role.ANALYST)
    _token, key = do_create_api_token(workspace, analyst, "t", actor=SYSTEM)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    body = Client().get("/api/members/?cohort=newcomers", **headers).json()
    assert [m["display_name"] for m in body["members"]] == ["Ana"] and body["members"][0]["messages"] == 1
    assert Client().get("/api/members/?cohort=nope", **headers).status_code == 400
    assert Client().post(f"/api/members/{body['members'][0]['id']}/erase", **headers).status_code == 403


def test_the_member_joining_two_groups_is_the_bridge(workspace):
    from animateur.members.graph import betweenness, bridges

    # Two triangles joined only through member 7.
    ties = {1: {2: 1, 3: 1}, 2: {3: 1}, 4: {5: 1, 6: 1}, 5: {6: 1}, 7: {1: 1, 4: 1}}
    scores = betweenness(ties)
    assert max(scores, key=scores.get) == 7
    assert bridges(scores) == {7}


def test_erasure_takes_the_persons_words_out_of_others_conversations(workspace, make_user, client_as):
    from animateur.inbox.models import Conversation
    from tests.inbox.factories import inbound, post_message

    owner = make_user("boss@example.org", workspace, Role.OWNER)
    root = inbound(workspace, "Ma commande est en retard", parent=post_message(workspace), name="Ana", email="a@x.org")
    reply = inbound(workspace, "Pareil pour moi, Zanzibar", parent=root, name="Bob Secretname", email="b@x.org")
    conversation = Conversation.objects.get(root=root)
    assert "Zanzibar" in conversation.preview
    actions.do_erase_member(workspace, member_of(reply), actor=owner)
    conversation.refresh_from_db()
    assert "Zanzibar" not in conversation.preview and "zanzibar" not in conversation.search_text
    assert "retard" in conversation.preview
    client = client_as(workspace, Role.OWNER)
    # The inbox's search finds the conversation by its own words, no longer by the erased person's.
    assert f'data-conversation="{conversation.pk}"' in client.get("/app/inbox/list/?q=retard").content.decode()
    assert f'data-conversation="{conversation.pk}"' not in client.get("/app/inbox/list/?q=Zanzibar").content.decode()
    assert "Zanzibar" not in client.get(f"/app/inbox/{conversation.pk}/").content.decode()
