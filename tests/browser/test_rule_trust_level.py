"""A French manager writes a rule about newcomers: the trust level is picked from a list of French names."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from animateur.core.roles import Role
from animateur.moderation.models import Rule

pytestmark = pytest.mark.browser


def test_choosing_the_trust_field_swaps_the_value_box_for_the_list_of_levels(page, login, workspace, make_user):
    make_user("lead@example.org", workspace, Role.MANAGER)
    login(page, "lead@example.org")
    page.goto("/app/moderation/rules/new/")
    page.locator("#id_name").fill("Liens des nouveaux venus")
    # A text condition is typed; no list of levels in the way.
    page.locator("#id_c0_field").select_option("links")
    expect(page.locator("#id_c0_value")).to_be_visible()
    expect(page.locator("#id_c0_level")).to_be_hidden()
    page.locator("#id_c0_op").select_option("gte")
    page.locator("#id_c0_value").fill("1")
    # A trust condition is picked by its name, with nothing to type.
    page.get_by_role("button", name="Ajouter une condition").click()
    page.locator("#id_c1_field").select_option(label="niveau de confiance de l’auteur")
    expect(page.locator("#id_c1_value")).to_be_hidden()
    levels = page.locator("#id_c1_level")
    expect(levels).to_be_visible()
    expect(levels.locator("option")).to_have_text(["—", "nouveau", "initié", "membre", "habitué", "pilier"])
    page.locator("#id_c1_op").select_option(label="est inférieur à")
    levels.select_option(label="membre")
    page.locator("#id_a0_type").select_option("hold")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Règle enregistrée.")).to_be_visible()
    rule = Rule.objects.get(name="Liens des nouveaux venus")
    assert rule.conditions[1] == {"field": "trust", "op": "below", "value": "member"}
    expect(page.locator("#id_c1_level")).to_have_value("member")
