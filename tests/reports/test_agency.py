"""An agency's report: every client the reader may report on, side by side, and nothing of the others."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from animateur.core.models import Membership
from animateur.core.roles import Role
from tests.reports.test_reports import comment

pytestmark = pytest.mark.django_db


@pytest.fixture
def clients(workspace, make_workspace, make_user):
    """Acme (3 messages) and Bobo (1), both worked by Camille; Secret (2), where she is not a member."""
    bobo = make_workspace("bobo", "Bobo")
    secret = make_workspace("secret", "Secret")
    camille = make_user("camille@example.org", workspace, Role.MANAGER, display_name="Camille")
    Membership.objects.create(user=camille, workspace=bobo, role=Role.ANALYST)
    for text in ("Bonjour, une question", "Merci !", "Où est le programme ?"):
        comment(workspace, text, author="Ana")
    comment(bobo, "Bonsoir Bobo", author="Bruno")
    comment(secret, "Rien à voir", author="Chloé")
    comment(secret, "Toujours rien", author="Chloé")
    browser = Client()
    browser.force_login(camille)
    return {"acme": workspace, "bobo": bobo, "secret": secret, "browser": browser}


def _rows(page: str) -> list[str]:
    return page.split("<tr data-workspace=")[1:]


def test_the_clients_page_shows_each_workspace_of_the_reader_and_adds_up_the_counts(clients):
    page = clients["browser"].get("/app/reports/clients/").content.decode()
    assert "Tous mes clients" in page
    rows = _rows(page)
    assert [row.split('"')[1] for row in rows] == ["acme", "bobo"]  # Secret is not hers
    assert "Secret" not in page and "Rien à voir" not in page
    footer = page.split("<tfoot>")[1]
    assert ">Total<" in footer and "<td>4</td>" in footer  # 3 + 1 messages; times and shares are not summed
    assert "ne s’additionnent pas" in footer


def test_a_workspace_the_reader_does_not_belong_to_cannot_be_asked_for(clients):
    page = clients["browser"].get("/app/reports/clients/?w=secret&w=bobo").content.decode()
    assert [row.split('"')[1] for row in _rows(page)] == ["bobo"]
    assert "Secret" not in page


def test_the_clients_csv_has_one_row_per_client_and_indicator(clients):
    response = clients["browser"].get("/app/reports/clients.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    volume = {row["slug"]: row for row in rows if row["kpi"] == "volume"}
    assert set(volume) == {"acme", "bobo"}
    assert float(volume["acme"]["value"]) == 3 and float(volume["bobo"]["value"]) == 1


def test_a_bad_period_is_refused_with_its_reason(clients):
    response = clients["browser"].get("/app/reports/clients/?start=2026-12-10&end=2026-12-01")
    assert response.status_code == 400
    assert "La période doit commencer avant de finir." in response.content.decode()
    assert clients["browser"].get("/app/reports/clients.csv?start=nope").status_code == 400


def test_the_report_links_to_the_clients_page_only_for_a_reader_of_several(clients, client_as):
    assert "/app/reports/clients/" in clients["browser"].get("/app/reports/").content.decode()
    alone = client_as(clients["acme"], Role.MANAGER)
    assert "/app/reports/clients/" not in alone.get("/app/reports/").content.decode()


def test_the_report_command_writes_an_agency_csv_for_several_workspaces(clients, tmp_path, capsys):
    from animateur.cli import main

    today = timezone.localdate()
    args = ["report", "--workspace", "acme", "--workspace", "secret", "--from", (today - timedelta(days=6)).isoformat(),
            "--to", today.isoformat()]  # fmt: skip
    out = tmp_path / "clients.csv"
    assert main([*args, "--format", "csv", "-o", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {(r["slug"], float(r["value"])) for r in rows if r["kpi"] == "volume"} == {("acme", 3), ("secret", 2)}
    assert main([*args, "--format", "pdf", "-o", str(tmp_path / "x.pdf")]) == 2
    assert "is a CSV" in capsys.readouterr().err
