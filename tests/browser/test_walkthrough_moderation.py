"""A French moderator sets up a watched word and a rule, then works a held comment, reading French
all along: the words' actions, the reasons' outcomes, the author's trust and each decision's result.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from animateur.core.actions import SystemActor
from animateur.core.roles import Role
from animateur.space.actions.posts import do_create_post
from animateur.space.models import PostStatus
from animateur.stream.models import Message, Visibility

pytestmark = pytest.mark.browser

TITLE = "Nos nouveaux horaires"
RUDE = "Votre service est débile, je suis déçu."


def test_a_moderator_watches_a_word_tries_it_dry_runs_a_rule_and_hides_a_held_comment_in_french(
    page, new_page, login, workspace, make_user
):
    do_create_post(
        workspace, actor=SystemActor("tests"), title=TITLE, body="Ouvert le dimanche.", status=PostStatus.PUBLISHED
    )
    make_user("mod@example.org", workspace, Role.MANAGER)
    login(page, "mod@example.org")

    # A watched word, then the try box: the match is named with the word's action, in French.
    page.goto("/app/moderation/words/")
    add = page.get_by_role("region", name="Ajouter un mot")
    add.get_by_label("Mot ou expression").fill("débile")
    add.get_by_label("Action").select_option(label="Exiger une approbation")
    add.get_by_role("button", name="Ajouter").click()
    expect(page.get_by_text("Mot surveillé ajouté.")).to_be_visible()
    page.get_by_role("textbox", name="Texte").fill("Quel service D3BILE")
    page.get_by_role("button", name="Voir ce qui correspond").click()
    expect(page.locator(".matches")).to_have_text("D3BILE ← « débile » : Exiger une approbation")

    # A visitor's comment with the word is held.
    visitor = new_page()
    visitor.goto("/")
    visitor.get_by_role("link", name=TITLE, exact=True).first.click()
    form = visitor.locator("#respond")
    form.get_by_label(re.compile(r"^Nom\b")).fill("Théo")
    form.get_by_label(re.compile(r"^(Courriel|Adresse e-mail)")).fill("theo@example.org")
    form.get_by_label(re.compile(r"^Commentaire\b")).fill(RUDE)
    with visitor.expect_navigation():
        form.get_by_role("button", name="Publier le commentaire").click()
    expect(visitor.locator("li.comment", has_text=RUDE)).to_contain_text("en attente de modération")

    # A rule's dry run: its buttons on one line, the days field narrow, the counts in French.
    page.goto("/app/moderation/rules/new/")
    page.locator("#id_name").fill("Critiques du service")
    page.locator("#id_c0_field").select_option("text")
    page.locator("#id_c0_op").select_option("contains")
    page.locator("#id_c0_value").fill("service")
    page.locator("#id_a0_type").select_option("hold")
    days = page.locator("input[name=days]")
    assert days.bounding_box()["width"] < 200  # not a full-width field between two buttons
    page.get_by_role("button", name="Simuler (n’enregistre rien)").click()
    preview = page.locator(".mod-preview")
    expect(preview.locator(".preview-counts")).to_contain_text("1 correspondance sur")
    expect(preview).to_contain_text("Aujourd’hui : En attente : 1")
    expect(preview.locator(".by-day")).not_to_contain_text(re.compile(r"\d{4}-\d\d-\d\d"))

    # The queue: the reason, what it does and the author's trust, in words.
    page.goto("/app/moderation/")
    item = page.locator(".mod-item", has_text=RUDE)
    expect(item.locator(".reason-watched-word .action")).to_have_text("→ retenir")
    expect(item.locator(".reason-first-comment")).to_contain_text("premier commentaire de cet auteur")
    expect(item.locator(".meta .trust")).to_have_text("nouveau")
    # Its own page: the note for the manager is a field one can type in, not a sliver among the buttons.
    item.locator(".meta a").first.click()
    note = page.get_by_label("Note pour le responsable")
    assert note.bounding_box()["width"] >= 250
    assert note.evaluate("element => getComputedStyle(element).borderRadius") != "0px"  # styled as the other fields
    page.go_back()
    item = page.locator(".mod-item", has_text=RUDE)
    item.get_by_role("button", name="Rejeter").click()
    expect(page.get_by_text("1 élément masqué.")).to_be_visible()
    assert Message.objects.get(text=RUDE).visibility == Visibility.HIDDEN
    page.get_by_role("link", name="Décidés").click()
    expect(page.locator(".mod-item", has_text=RUDE).locator(".visibility")).to_have_text("Masqué")


def test_a_manager_starts_from_the_french_list_of_insults(page, login, workspace, make_user):
    make_user("lea@example.org", workspace, Role.MANAGER)
    login(page, "lea@example.org")
    page.goto("/app/moderation/words/")
    starter = page.get_by_role("region", name="Partir d’une liste toute prête")
    starter.get_by_label("Liste").select_option(label="Insultes et injures (français)")
    expect(starter.get_by_label("Action sur ces mots")).to_have_value("require_approval")
    starter.get_by_role("button", name="Ajouter la liste").click()
    expect(page.get_by_text(re.compile(r"^\d+ mots surveillés ajoutés\.$"))).to_be_visible()
    page.get_by_role("textbox", name="Texte").fill("Franchement, vous êtes des abrutis")
    page.get_by_role("button", name="Voir ce qui correspond").click()
    expect(page.locator(".matches")).to_have_text("abrutis ← « abruti* » : Exiger une approbation")


def test_a_failed_connection_test_is_an_alert_with_its_cause_in_french(page, login, workspace, make_user, settings):
    settings.ALLOW_PRIVATE_URLS = True
    make_user("nora@example.org", workspace, Role.MANAGER)
    login(page, "nora@example.org")
    page.goto("/app/channels/add/")
    page.get_by_role("link", name="Flux RSS ou Atom").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ajouter un canal : Flux RSS ou Atom")
    page.get_by_label("Nom").fill("Veille")
    page.get_by_label("Adresse du flux").fill("http://127.0.0.1:9/feed.xml")
    page.get_by_role("button", name="Tester la connexion").click()
    result = page.get_by_role("alert")
    expect(result).to_contain_text("La connexion a échoué : source injoignable.")
    expect(result.locator(".technical")).to_contain_text("Détail technique :")
    # Shown as an error box, not as a line of plain text among the fields.
    background = result.evaluate("element => getComputedStyle(element).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")


def test_the_health_page_fits_a_phone(
    page, login, workspace, make_user, private_urls, django_capture_on_commit_callbacks
):
    from animateur.channels.actions import do_create_channel

    manager = make_user("nora@example.org", workspace, Role.MANAGER)
    with django_capture_on_commit_callbacks(execute=True):
        do_create_channel(workspace, "rss", "Flux cassé", {"url": "http://127.0.0.1:9/feed.xml"}, {}, actor=manager)
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "nora@example.org")
    page.goto("/app/channels/")
    expect(page.locator("table.health")).to_contain_text("source injoignable")
    # The page itself never scrolls sideways: a wide table scrolls within its own frame.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(page.locator(".table-wrap table.health")).to_be_visible()
