"""A manager drags a scheduled publication to another day of the calendar's month view: it moves there,
at the same time of day, through the same action as its page."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from animateur.channels.site import site_channel
from animateur.core.roles import Role
from animateur.publishing import actions
from animateur.publishing.models import Publication
from animateur.publishing.selectors import workspace_tz

pytestmark = pytest.mark.browser


def test_dragging_a_publication_to_another_day_moves_it_there(page, login, workspace, make_user):
    owner = make_user("sam@example.org", workspace, Role.MANAGER, display_name="Sam")
    tz = workspace_tz(workspace)
    today = timezone.localdate(timezone=tz)
    first = (today.replace(day=1) + timedelta(days=40)).replace(day=1)  # next month, wholly in the future
    day, target = first + timedelta(days=9), first + timedelta(days=16)
    publication = actions.do_save_publication(
        workspace, "Le concert du jeudi", [site_channel(workspace).pk], actor=owner
    )
    actions.do_schedule_publication(publication, datetime.combine(day, time(18, 45), tzinfo=tz), actor=owner)

    login(page, "sam@example.org")
    page.goto(f"/app/publishing/calendar/?view=month&date={first:%Y-%m-%d}")
    item = page.locator(f"[data-publication='{publication.pk}']")
    expect(page.locator(f"td[data-day='{day:%Y-%m-%d}'] [data-publication='{publication.pk}']")).to_have_count(1)
    item.drag_to(page.locator(f"td[data-day='{target:%Y-%m-%d}']"))
    moved = page.locator(f"td[data-day='{target:%Y-%m-%d}'] [data-publication='{publication.pk}'][data-moved]")
    expect(moved).to_have_count(1)
    publication = Publication.objects.get(pk=publication.pk)
    assert timezone.localtime(publication.scheduled_at, tz) == datetime.combine(target, time(18, 45), tzinfo=tz)
    page.reload()
    expect(page.locator(f"td[data-day='{target:%Y-%m-%d}']")).to_contain_text("Le concert du jeudi")
