"""The calendar: month, week and list views of the publications with a time, drag to another day (the
same action as the publication's page), and the channels' queues."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from animateur.channels.site import site_channel
from animateur.core.roles import Role
from animateur.publishing import actions
from animateur.publishing.models import Publication, PublicationState, QueueSlot
from animateur.publishing.selectors import workspace_tz


@pytest.fixture
def owner(workspace, make_user):
    return make_user("owner@acme.org", workspace, Role.OWNER)


def _scheduled(workspace, owner, text, when):
    publication = actions.do_save_publication(workspace, text, [site_channel(workspace).pk], actor=owner)
    return actions.do_schedule_publication(publication, when, actor=owner)


def test_month_week_and_list_show_the_publications_at_their_local_day(workspace, owner, manager_client):
    tz = workspace_tz(workspace)
    day = timezone.localdate(timezone=tz) + timedelta(days=40)
    when = datetime.combine(day, time(23, 30), tzinfo=tz)  # late: the UTC date is another day in summer
    publication = _scheduled(workspace, owner, "Concert du soir", when)
    draft = actions.do_save_publication(workspace, "Sans date", [site_channel(workspace).pk], actor=owner)
    for view in ("month", "week", "list"):
        page = manager_client.get(f"/app/publishing/calendar/?view={view}&date={day:%Y-%m-%d}")
        body = page.content.decode()
        assert page.status_code == 200 and "Concert du soir" in body, view
        assert f'data-publication="{publication.pk}"' in body and "Brouillons sans date" in body
        assert f"/app/publishing/{draft.pk}/" in body
    month = manager_client.get(f"/app/publishing/calendar/?view=month&date={day:%Y-%m-%d}").content.decode()
    cell = month.split(f'data-day="{day:%Y-%m-%d}"', 1)[1].split("</td>", 1)[0]
    assert "Concert du soir" in cell and "23:30" in cell and 'draggable="true"' in cell
    assert 'data-state="scheduled"' in cell and "Calendrier" in month and "Mois" in month and "Semaine" in month
    # nonsense in the query gives this month, not an error
    assert manager_client.get("/app/publishing/calendar/?view=year&date=2026-13-45").status_code == 200


def test_dragging_to_another_day_keeps_the_time_of_day(workspace, owner, manager_client, client_as):
    tz = workspace_tz(workspace)
    day = timezone.localdate(timezone=tz) + timedelta(days=10)
    publication = _scheduled(workspace, owner, "À déplacer", datetime.combine(day, time(9, 15), tzinfo=tz))
    target = day + timedelta(days=3)
    answer = manager_client.post(
        f"/app/publishing/{publication.pk}/reschedule/", {"day": f"{target:%Y-%m-%d}"}, HTTP_ACCEPT="application/json"
    )
    assert answer.status_code == 200 and answer.json()["ok"]
    publication.refresh_from_db()
    assert timezone.localtime(publication.scheduled_at, tz) == datetime.combine(target, time(9, 15), tzinfo=tz)
    assert publication.state == PublicationState.SCHEDULED
    past = manager_client.post(
        f"/app/publishing/{publication.pk}/reschedule/", {"day": "2001-01-01"}, HTTP_ACCEPT="application/json"
    )
    assert past.status_code == 400 and "à venir" in past.json()["error"]
    bad = manager_client.post(f"/app/publishing/{publication.pk}/reschedule/", {"day": "demain"})
    assert bad.status_code == 302
    analyst = client_as(workspace, Role.ANALYST)
    assert analyst.post(f"/app/publishing/{publication.pk}/reschedule/", {"day": f"{day:%Y-%m-%d}"}).status_code == 403
    publication.refresh_from_db()
    assert timezone.localtime(publication.scheduled_at, tz).date() == target


def test_a_publication_awaiting_approval_moves_and_keeps_waiting(workspace, owner):
    publication = actions.do_save_publication(
        workspace, "Attend", [site_channel(workspace).pk], approval="client", actor=owner
    )
    actions.do_request_approval(publication, actor=owner)
    when = timezone.now() + timedelta(days=2)
    actions.do_schedule_publication(publication, when, actor=owner)
    assert publication.state == PublicationState.AWAITING_APPROVAL and publication.scheduled_at == when


def test_the_queue_takes_the_next_free_slot_of_the_channels(workspace, owner, manager_client):
    blog = site_channel(workspace)
    page = manager_client.post(
        "/app/publishing/settings/",
        {"what": "queue", "channel": blog.pk, f"c{blog.pk}-day0": "09:00, 17h30", f"c{blog.pk}-day3": "12:00"},
    )
    assert page.status_code == 302
    assert sorted((s.weekday, s.time) for s in QueueSlot.objects.all()) == [
        (0, time(9)),
        (0, time(17, 30)),
        (3, time(12)),
    ]
    bad = manager_client.post(
        "/app/publishing/settings/", {"what": "queue", "channel": blog.pk, f"c{blog.pk}-day1": "25:00"}
    )
    assert bad.status_code == 400 and "n’est pas une heure" in bad.content.decode()
    assert QueueSlot.objects.count() == 3
    first = manager_client.post("/app/publishing/", {"text": "Un", "channels": [blog.pk], "goal": "queue"})
    second = manager_client.post("/app/publishing/", {"text": "Deux", "channels": [blog.pk], "goal": "queue"})
    assert first.status_code == second.status_code == 302
    one, two = Publication.objects.order_by("pk")
    tz = workspace_tz(workspace)
    assert one.state == two.state == PublicationState.SCHEDULED and one.scheduled_at < two.scheduled_at
    for p in (one, two):
        local = timezone.localtime(p.scheduled_at, tz)
        assert (local.weekday(), local.time()) in {(0, time(9)), (0, time(17, 30)), (3, time(12))}


def test_only_an_owner_sets_the_approval_new_publications_need(workspace, owner, manager_client, client_as):
    wanted = {"what": "approval", "approval": "owner"}
    assert manager_client.post("/app/publishing/settings/", wanted).status_code == 403
    owner_client = client_as(workspace, Role.OWNER)
    assert owner_client.post("/app/publishing/settings/", wanted).status_code == 302
    workspace.refresh_from_db()
    assert actions.default_approval(workspace) == "owner"
    page = manager_client.get("/app/publishing/").content.decode()
    assert '<option value="owner" selected>' in page
