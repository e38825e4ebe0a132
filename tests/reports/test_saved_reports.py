"""Saved reports: a name and chosen KPI tiles, used by the report page, its PDF, the CLI and the API."""

from __future__ import annotations

import pytest
from django.test import Client

from animateur.api.actions import do_create_api_token
from animateur.cli import main
from animateur.core.actions import ActionError, SystemActor
from animateur.core.roles import Role
from animateur.reports import actions
from animateur.reports.models import SavedReport
from tests.reports.test_reports import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(workspace, make_user):
    return make_user("camille@example.org", workspace, Role.MANAGER, display_name="Camille")


def test_a_saved_report_is_checked_and_replaced_by_name(workspace, manager):
    with pytest.raises(ActionError):
        actions.do_save_report(workspace, "Client", ["no_such_kpi"], actor=manager)
    with pytest.raises(ActionError):
        actions.do_save_report(workspace, " ", ["volume"], actor=manager)
    actions.do_save_report(workspace, "Client", ["within_target", "volume"], actor=manager)
    saved = actions.do_save_report(workspace, "Client", ["volume"], actor=manager)
    assert SavedReport.objects.get().kpis == ["volume"] == saved.kpis


def test_the_page_and_pdf_show_only_the_saved_tiles(workspace, manager, client, client_as):
    client.force_login(manager)
    response = client.post("/app/reports/saved/", {"name": "Pour le client", "kpis": ["volume"]})
    assert response.status_code == 302
    page = client.get("/app/reports/?saved=Pour+le+client").content.decode()
    assert 'data-kpi="volume"' in page and 'data-kpi="within_target"' not in page
    pdf = client.get("/app/reports/report.pdf?saved=Pour+le+client")
    text = pdf_text(pdf.content)
    assert "Pour le client" in text and "Temps de réponse" not in text
    assert client.get("/app/reports/?saved=inconnu").status_code == 404
    analyst = client_as(workspace, Role.ANALYST)
    assert analyst.post("/app/reports/saved/", {"name": "x", "kpis": ["volume"]}).status_code == 403


def test_the_cli_writes_a_saved_report_and_names_the_known_ones_when_wrong(workspace, manager, tmp_path, capsys):
    actions.do_save_report(workspace, "Client", ["volume"], actor=manager)
    out = tmp_path / "r.pdf"
    code = main(["report", "--workspace", "acme", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "pdf",
                 "-o", str(out), "--report", "Client"])  # fmt: skip
    assert code == 0 and "Client" in pdf_text(out.read_bytes())
    code = main(["report", "--workspace", "acme", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "pdf",
                 "-o", str(out), "--report", "Autre"])  # fmt: skip
    assert code == 2 and "Client" in capsys.readouterr().err


def test_the_api_saves_and_reads_a_saved_report(workspace, manager):
    _token, key = do_create_api_token(workspace, manager, "t", actor=SystemActor("tests"))
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    api = Client()
    created = api.post(
        "/api/reports/saved", {"name": "Client", "kpis": ["volume"]}, content_type="application/json", **headers
    )
    assert created.status_code == 201
    report = api.get("/api/reports/report?saved=Client", **headers).json()
    assert [t["kpi"] for s in report["sections"] for t in s["tiles"]] == ["volume"]
    assert api.get("/api/reports/report?saved=Autre", **headers).status_code == 400
    assert api.delete(f"/api/reports/saved/{created.json()['id']}", **headers).status_code == 204
