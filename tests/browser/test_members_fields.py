"""A community manager defines a custom field, fills it in on a member's page, finds the member by it
in the list, and dismisses a suggested introduction, in French."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from animateur.core.roles import Role
from animateur.members import actions
from tests.conftest import SYSTEM
from tests.members.factories import channel, say

pytestmark = pytest.mark.browser


def test_a_custom_field_filled_in_found_in_the_list_and_an_introduction_dismissed(page, login, workspace, make_user):
    make_user("owner@example.org", workspace, Role.OWNER)
    forum = channel(workspace, "discourse", "Forum")
    for author, name in (("ana", "Ana Lopez"), ("bob", "Bob Martin")):
        for n in range(2):
            say(forum, author, f"Le moulin conique et l’espresso, essai {n}", name=name)
    actions.do_recompute_members(workspace, actor=SYSTEM)

    login(page, "owner@example.org")
    page.goto("/app/members/fields/")
    page.get_by_label("Nom du champ").fill("Ville")
    page.get_by_label("Type").select_option("choice")
    page.get_by_label("Choix possibles").fill("Lyon, Paris")
    page.get_by_role("button", name="Enregistrer le champ").click()
    expect(page.locator(".flash")).to_contain_text("Champ enregistré")

    page.goto("/app/members/")
    page.locator("table.members a", has_text="Ana Lopez").click()
    page.locator("section[aria-labelledby=custom-fields]").get_by_label("Ville").select_option("Lyon")
    page.get_by_role("button", name="Enregistrer les champs").click()
    expect(page.locator(".flash")).to_contain_text("Champs enregistrés")
    expect(page.locator("[data-custom-field=Ville]")).to_have_text("Lyon")

    introduction = page.locator("section[aria-labelledby=introductions]")
    expect(introduction).to_contain_text("Bob Martin")
    expect(introduction).to_contain_text("espresso")
    introduction.get_by_role("button", name="Écarter").click()
    expect(page.locator(".flash")).to_contain_text("ne sera plus proposée")
    expect(page.locator("section[aria-labelledby=introductions]")).to_have_count(0)

    page.goto("/app/members/")
    page.get_by_label("Champ personnalisé").select_option(label="Ville")
    page.get_by_label("Sa valeur").fill("Lyon")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.locator("table.members tbody tr")).to_have_count(1)
    expect(page.locator("table.members")).to_contain_text("Ana Lopez")
