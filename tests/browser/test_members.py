"""A community manager meets one person across channels: a merge suggestion with its evidence,
the merge, its undo, then a GDPR erasure that leaves nothing of the person, in French."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from animateur.core.roles import Role
from animateur.members import actions
from animateur.members.models import MergeSuggestion
from animateur.stream.models import Message
from tests.conftest import SYSTEM
from tests.members.factories import channel, say

pytestmark = pytest.mark.browser


def test_suggestion_merge_undo_and_erasure_in_the_browser(page, login, workspace, make_user):
    make_user("owner@example.org", workspace, Role.OWNER)
    masto, sky = channel(workspace, "mastodon", "Mastodon"), channel(workspace, "bluesky", "Bluesky")
    say(masto, "1", "Quel moulin pour l’espresso ?", name="Camille Martin", handle="@camille@mastodon.social",
        url="https://camille.example")  # fmt: skip
    say(masto, "1", "Et pour le filtre ?", name="Camille Martin", handle="@camille@mastodon.social")
    say(sky, "did:1", "Merci pour le moulin !", name="Camille Martin", handle="camille.example")
    actions.do_recompute_members(workspace, actor=SYSTEM)
    suggestion = MergeSuggestion.objects.get()

    login(page, "owner@example.org")
    page.goto("/app/members/")
    page.get_by_role("link", name=re.compile("suggestion de fusion à trancher")).click()
    row = page.locator(f"tr[data-suggestion='{suggestion.pk}']")
    expect(row).to_contain_text("L’identifiant Bluesky est un domaine à soi")
    expect(row).to_contain_text("Le même nom")
    row.get_by_role("link", name="Trancher").click()
    page.get_by_role("button", name="Fusionner").click()
    expect(page.locator(".flash")).to_contain_text("Fusionné")
    identities = page.locator("tr[data-identity]")
    expect(identities).to_have_count(2)
    expect(page.locator("[data-message]")).to_have_count(3)

    page.get_by_role("link", name="Annuler cette fusion").click()
    expect(page.locator("[data-field=messages]")).to_contain_text("1 message est déplacé")
    page.get_by_role("button", name="Annuler la fusion").click()
    expect(page.locator(".flash")).to_contain_text("La fusion a été annulée")
    expect(page.locator("tr[data-identity]")).to_have_count(1)
    expect(page.locator("[data-message]")).to_have_count(1)

    page.goto("/app/members/")
    page.locator("table.members a", has_text="Camille Martin").first.click()
    page.get_by_role("link", name="Effacer cette personne…").click()
    page.get_by_role("button", name="Effacer définitivement").click()
    expect(page.locator("form [name=confirm]")).to_be_visible()  # not confirmed: nothing erased
    page.check("input[name=confirm]")
    page.get_by_role("button", name="Effacer définitivement").click()
    expect(page.locator(".flash")).to_contain_text("Effacé")
    remaining = set(Message.objects.values_list("text", flat=True))
    assert len([t for t in remaining if "moulin" in t or "filtre" in t]) == 1  # the other Camille stays
    page.goto("/app/stream/?q=filtre")
    expect(page.locator("tr[data-message]")).to_have_count(0)
