"""A community manager sets an objective narrowed to a channel, sees it and its scope on « Aujourd'hui »,
builds the report of the week and downloads its PDF, in French, then reads the report in English."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect

from animateur.core.roles import Role
from tests.reports.test_reports import comment

pytestmark = pytest.mark.browser


def test_objective_today_report_and_pdf_in_the_browser(page, login, workspace, make_user):
    make_user("camille@example.org", workspace, Role.MANAGER)
    for author, text in (("Ana", "Bonjour, où est le programme ?"), ("Bruno", "Merci, super atelier !")):
        comment(workspace, text, author=author)

    login(page, "camille@example.org")
    page.goto("/app/")
    expect(page).to_have_url(re.compile(r"/app/reports/today/$"))
    expect(page.get_by_role("heading", name="Aujourd’hui")).to_be_visible()

    page.locator("nav.staff-nav").get_by_role("link", name="Objectifs").click()
    page.get_by_label("Nom").fill("Deux membres actifs par semaine")
    page.get_by_label("Indicateur").select_option(label="Membres actifs")
    page.get_by_label("Atteindre").select_option(label="au moins")
    page.get_by_label("Cible").fill("2")
    page.get_by_label("Sur les derniers").select_option(label="7 jours")
    page.get_by_label(workspace.name, exact=True).check()  # narrowed to the site's channel: both wrote there
    page.get_by_role("button", name="Fixer cet objectif").click()
    expect(page.locator(".flash")).to_contain_text("Objectif fixé")

    page.locator("nav.staff-nav").get_by_role("link", name="Aujourd’hui").click()
    objective = page.locator("[data-objective]")
    expect(objective).to_contain_text("Deux membres actifs par semaine")
    expect(objective).to_have_attribute("data-met", "yes")
    expect(objective).to_contain_text("atteint")
    expect(objective.locator("[data-scope]")).to_contain_text(f"« {workspace.name} »")

    page.locator("nav.staff-nav").get_by_role("link", name="Rapport").click()
    for title in ("Temps de réponse", "Membres", "Écoute", "Publications", "Modération"):
        expect(page.get_by_role("heading", name=title)).to_be_visible()
    expect(page.locator("[data-kpi=active_members] .tile-value")).to_have_text("2")
    expect(page.locator("canvas#volume-chart")).to_have_attribute("data-drawn", "1")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger en PDF").click()
    document = download.value.path().read_bytes()
    assert document.startswith(b"%PDF")
    from pypdf import PdfReader

    text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(document)).pages)
    assert "Membres actifs" in text and "Temps de réponse" in text


def test_the_report_reads_in_english(new_page, login, workspace, make_user):
    make_user("sam@example.org", workspace, Role.ANALYST, language="en")
    page = new_page(locale="en")
    login(page, "sam@example.org")
    page.goto("/app/reports/")
    for title in ("Response times", "Members", "Listening", "Publishing", "Moderation"):
        expect(page.get_by_role("heading", name=title)).to_be_visible()
    expect(page.get_by_role("link", name="Set the objectives")).to_have_count(0)  # an analyst reads, sets nothing
