"""A community manager writes a search, backtests it over the history, saves it, and opens a crisis
room from a spike of it, in French; the charts draw under the Content-Security-Policy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from animateur.core.roles import Role
from animateur.listening import actions, watch
from animateur.listening.models import SavedSearch, SearchMatch
from tests.inbox.factories import inbound

pytestmark = pytest.mark.browser


def test_write_backtest_save_and_open_a_crisis_room(page, login, workspace, make_user):
    make_user("owner@example.org", workspace, Role.OWNER)
    inbound(workspace, "La grève de la SNCF bloque tout", created_at=timezone.now() - timedelta(days=40))
    inbound(workspace, "Grève : aucun train ce matin", created_at=timezone.now() - timedelta(days=2))
    inbound(workspace, "Les écoliers sont en vacances", created_at=timezone.now() - timedelta(days=1))

    login(page, "owner@example.org")
    page.goto("/app/listening/")
    page.fill("textarea[name=query]", "greve (train")
    page.get_by_role("button", name="Tester sur tout l’historique").click()
    expect(page.locator("[data-query-error]")).to_contain_text("Cette parenthèse n’est jamais fermée. (au caractère 7)")

    page.fill("textarea[name=query]", "greve OR sncf")
    page.get_by_role("button", name="Tester sur tout l’historique").click()
    expect(page.locator("[data-backtest-count]")).to_contain_text("2 messages trouvés parmi")
    expect(page.locator("#backtest-chart[data-drawn]")).to_have_count(1)

    page.fill("input[name=name]", "Grève")
    page.get_by_role("button", name="Enregistrer la recherche").click()
    expect(page.locator(".flash")).to_contain_text("Recherche enregistrée")
    expect(page.locator("[data-total]")).to_contain_text("2 messages trouvés")
    expect(page.locator("#volume-chart[data-drawn]")).to_have_count(1)

    search = SavedSearch.objects.get()
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    for minute in range(6):
        message = inbound(workspace, f"Grève générale, boycott {minute}", created_at=start + timedelta(minutes=minute))
        SearchMatch.objects.get_or_create(search=search, message=message, defaults={"created_at": message.created_at})
    spike = actions.do_record_spike(
        search, start, start + timedelta(hours=1), 6, 0.5, watch.explain(search, start, start + timedelta(hours=1)),
        actor=watch.LISTENING,
    )  # fmt: skip
    assert spike is not None

    page.goto(f"/app/listening/{search.pk}/")
    page.locator(f"tr[data-spike='{spike.pk}'] a").click()
    expect(page.locator("[data-explanation]")).to_contain_text("boycott")
    page.get_by_role("button", name="Ouvrir une cellule de crise").click()
    expect(page.locator("h1")).to_contain_text("Cellule de crise : « Grève »")
    expect(page.locator("#timeline-chart[data-drawn]")).to_have_count(1)
    page.fill("textarea[name=text]", "Communiqué publié à 10 h")
    page.get_by_role("button", name="Ajouter au journal").click()
    expect(page.locator("[data-log]")).to_contain_text("Communiqué publié à 10 h")
