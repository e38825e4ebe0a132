"""The rule form in Chromium: rows added on the page, operators that follow the field, replies by title."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from animateur.core.actions import SystemActor
from animateur.core.roles import Role
from animateur.inbox.actions.saved_replies import do_save_saved_reply
from animateur.moderation.models import Rule

pytestmark = pytest.mark.browser


def test_a_manager_adds_rows_on_the_page_and_is_offered_only_the_operators_of_each_field(
    page, login, workspace, make_user
):
    saved = do_save_saved_reply(workspace, title="Merci de votre patience", body="Merci !", actor=SystemActor("t"))
    make_user("lead@example.org", workspace, Role.MANAGER)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page, "lead@example.org")
    page.goto("/app/moderation/rules/new/")
    expect(page.locator(".condition-row")).to_have_count(1)
    expect(page.locator(".action-row")).to_have_count(1)
    page.locator("#id_name").fill("Liens en nombre")

    page.locator("#id_c0_field").select_option(label="nombre de liens")
    expect(page.locator("#id_c0_op option")).to_have_text(["≥", "≤"])
    page.locator("#id_c0_value").fill("2")

    url = page.url
    page.get_by_role("button", name="Ajouter une condition").click()
    expect(page.locator(".condition-row")).to_have_count(2)
    assert page.url == url  # on the page, no round trip
    expect(page.locator("#id_c0_value")).to_have_value("2")  # the first row is kept as typed
    expect(page.locator("#id_c1_value")).to_have_value("")
    page.locator("#id_c1_field").select_option(label="niveau de confiance de l’auteur")
    expect(page.locator("#id_c1_op option")).to_have_text(["est inférieur à", "est au moins"])
    page.locator("#id_c1_op").select_option(label="est inférieur à")
    page.locator("#id_c1_level").select_option(label="membre")

    page.locator("#id_a0_type").select_option("hold")
    page.get_by_role("button", name="Ajouter une action").click()
    expect(page.locator(".action-row")).to_have_count(2)
    page.locator("#id_a1_type").select_option("reply")
    page.locator("#id_a1_reply").select_option(label="Merci de votre patience")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_text("Règle enregistrée.")).to_be_visible()
    rule = Rule.objects.get(name="Liens en nombre")
    assert rule.conditions == [
        {"field": "links", "op": "gte", "value": 2.0},
        {"field": "trust", "op": "below", "value": "member"},
    ]
    assert rule.actions == [{"type": "hold"}, {"type": "reply", "value": str(saved.pk)}]
    expect(page.locator(".condition-row")).to_have_count(2)
    expect(page.locator("#id_a1_reply")).to_have_value(str(saved.pk))
    assert errors == []


def test_without_script_the_add_button_asks_the_server_for_one_more_row(browser, live_server, workspace, make_user):
    make_user("lead@example.org", workspace, Role.MANAGER)
    context = browser.new_context(locale="fr-FR", base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/app/login/")
        page.fill("input[name=username]", "lead@example.org")
        page.fill("input[name=password]", "correct horse battery")
        page.click("form button[type=submit]")
        page.goto("/app/moderation/rules/new/")
        page.locator("#id_name").fill("Sans script")
        page.locator("#id_c0_field").select_option("text")
        page.locator("#id_c0_op").select_option("contains")
        page.locator("#id_c0_value").fill("promo")
        page.get_by_role("button", name="Ajouter une condition").click()
        expect(page.locator(".condition-row")).to_have_count(2)
        expect(page.locator("#id_c0_value")).to_have_value("promo")
        expect(page.locator("#id_c0_op option")).to_have_text(
            ["contient", "ne contient pas", "correspond à l’expression régulière"]
        )
        page.locator("#id_a0_type").select_option("hold")
        page.get_by_role("button", name="Enregistrer", exact=True).click()
        expect(page.get_by_text("Règle enregistrée.")).to_be_visible()
        assert Rule.objects.get(name="Sans script").conditions == [
            {"field": "text", "op": "contains", "value": "promo"}
        ]
    finally:
        context.close()
