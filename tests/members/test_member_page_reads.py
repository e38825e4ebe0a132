"""The member page reads as much as it shows: its trust level from the history only as far as the
levels' thresholds, its timeline a page at a time, the list's total up to a limit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from animateur.core.actions import SystemActor
from animateur.members import actions, selectors
from animateur.moderation.prefs import settings_for
from animateur.moderation.selectors import author_history
from animateur.stream.models import Identity, Message, Visibility
from tests.members.factories import channel, say

THRESHOLDS = [
    # (approved, days) for member, regular and leader: the history below crosses some and not others.
    {"member": {"approved": 2, "days_active": 2}, "regular": {"approved": 5, "days_active": 4},
     "leader": {"approved": 9, "days_active": 6}},
    {"member": {"approved": 3, "days_active": 3}, "regular": {"approved": 8, "days_active": 5},
     "leader": {"approved": 30, "days_active": 5}},
    {"member": {"approved": 1, "days_active": 1}, "regular": {"approved": 2, "days_active": 7},
     "leader": {"approved": 3, "days_active": 8}},
]  # fmt: skip


@pytest.mark.parametrize("chunk", [1, 2, 150])
def test_the_trust_level_read_up_to_the_thresholds_is_moderations(workspace, monkeypatch, chunk):
    """Two identities of one person, three messages a day over five days on one and two days on the
    other, one hidden: the levels compare with moderation's full count, whatever the chunk read."""
    monkeypatch.setattr(selectors, "TRUST_CHUNK", chunk)
    forum, masto = channel(workspace), channel(workspace, "mastodon")
    start = timezone.now() - timedelta(days=20)
    for day in range(5):
        for hour in (1, 5, 9):
            say(forum, "ana", "Bonjour", name="Ana Lopez", email="ana@example.org",
                created_at=start + timedelta(days=day, hours=hour))  # fmt: skip
    for day in (3, 9):
        say(masto, "ana-m", "Salut", name="Ana Lopez", email="ana@example.org",
            created_at=start + timedelta(days=day, hours=2))  # fmt: skip
    Message.objects.filter(pk=Message.objects.order_by("id").values("pk")[:1]).update(visibility=Visibility.HIDDEN)
    actions.do_recompute_members(workspace, actor=SystemActor("tests"))
    member = selectors.members(workspace).get(identities__channel=forum)
    identities = list(Identity.objects.filter(member=member).values_list("pk", flat=True))
    assert len(identities) == 2
    row = settings_for(workspace.pk)
    seen = set()
    for thresholds in THRESHOLDS:
        row.trust_thresholds = thresholds
        row.save()
        expected = author_history(workspace, member).trust
        assert selectors.trust_level(workspace, member, identities) == expected, thresholds
        seen.add(expected)
    assert len(seen) > 1  # the cases above do tell levels apart


def test_the_list_counts_up_to_its_limit_then_says_more(workspace, manager_client, monkeypatch):
    forum = channel(workspace)
    for i in range(4):
        say(forum, f"p{i}", "Bonjour", name=f"Person {i}")
    actions.do_recompute_members(workspace, actor=SystemActor("tests"))
    page = selectors.page_of(workspace, selectors.MemberFilters(), count_limit=3)
    assert (page.total, page.total_is_more, len(page.rows)) == (3, True, 4)
    exact = selectors.page_of(workspace, selectors.MemberFilters(), count_limit=4)
    assert (exact.total, exact.total_is_more) == (4, False)
    from animateur.members import views

    monkeypatch.setattr(views, "COUNT_LIMIT", 2)
    html = manager_client.get("/app/members/").content.decode()
    assert "Plus de 2 membres" in html and html.count('<tr data-member="') == 4


def test_the_member_page_shows_a_page_of_messages_then_older_ones(workspace, manager_client, monkeypatch):
    monkeypatch.setattr(selectors, "TIMELINE_PAGE", 3)
    forum = channel(workspace, name="Forum")
    start = timezone.now() - timedelta(days=3)
    sent = [say(forum, "bea", f"Message {i} <b>", name="Béa", created_at=start + timedelta(hours=i)) for i in range(5)]
    member = sent[0].author.member
    html = manager_client.get(f"/app/members/{member.pk}/").content.decode()
    shown = [m.pk for m in sent if f'data-message="{m.pk}"' in html]
    assert shown == [m.pk for m in sent[2:]]
    assert "Message 4 &lt;b&gt;" in html and "Forum" in html
    older = manager_client.get(f"/app/members/{member.pk}/?before={sent[2].pk}").content.decode()
    assert [m.pk for m in sent if f'data-message="{m.pk}"' in older] == [m.pk for m in sent[:2]]


def test_the_member_page_shows_the_sanctions_of_members_merged_into_it_at_any_depth(workspace, manager_client):
    """Ana was merged into Béa, Béa into Carl: Carl's page shows Ana's sanction; Béa's page is gone."""
    from animateur.moderation.models import Sanction
    from animateur.stream.models import Member

    forum = channel(workspace)
    ana, bea, carl = (say(forum, key, "Bonjour", name=name).author.member for key, name in
                      (("ana", "Ana"), ("bea", "Béa"), ("carl", "Carl")))  # fmt: skip
    Member.objects.filter(pk=ana.pk).update(merged_into=bea)
    Member.objects.filter(pk=bea.pk).update(merged_into=carl)
    Sanction.objects.create(workspace=workspace, member=ana, kind=Sanction.Kind.WARN, reason="Insultes répétées")
    assert "Insultes répétées" in manager_client.get(f"/app/members/{carl.pk}/").content.decode()
    assert manager_client.get(f"/app/members/{bea.pk}/").status_code == 404
    assert manager_client.get("/app/members/99999999999999999999/").status_code == 404


@pytest.mark.parametrize("limit", [2, 3, 5, 10])
def test_a_tag_more_members_wear_than_it_enumerates_counts_as_the_list_shows(workspace, monkeypatch, limit):
    """Seven members tagged « vip », more than the list enumerates (FEW patched to 3): the list's
    total is counted from a sample of the tag, and says what counting every tagged member says."""
    monkeypatch.setattr(selectors, "FEW", 3)
    forum = channel(workspace)
    people = [say(forum, f"p{i}", "Bonjour", name=f"Person {i}").author.member for i in range(9)]
    actions.do_recompute_members(workspace, actor=SystemActor("tests"))
    from animateur.members.models import Tag

    Tag.objects.bulk_create(Tag(workspace=workspace, member=m, name="vip") for m in people[:7])
    page = selectors.page_of(workspace, selectors.MemberFilters(tag="vip"), count_limit=limit)
    assert {m.pk for m in page.rows} == {m.pk for m in people[:7]}
    assert (page.total, page.total_is_more) == (min(7, limit), limit < 7)
