"""Objectives, « Aujourd'hui » and the report: figures from real pipeline messages and real answers."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from animateur.channels.site import site_channel
from animateur.core.actions import ActionError
from animateur.core.roles import Role
from animateur.inbox.models import Conversation
from animateur.reports import actions
from animateur.reports.kpis import KPIS
from animateur.reports.models import Objective
from animateur.reports.objectives import progress
from animateur.reports.periods import last_days
from animateur.space.comments import do_reply_as_organisation
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.pipeline import run_pipeline

pytestmark = pytest.mark.django_db
_ids = itertools.count(1)


def said(channel, text, *, author="Ana", days_ago=0.0, parent=None, kind="comment"):
    """A message of `author` on `channel`, through the real pipeline."""
    item = Incoming(
        channel=channel,
        external_id=f"r{next(_ids)}",
        text=text,
        created_at=timezone.now() - timedelta(days=days_ago),
        author=AuthorInfo(external_id=f"{author}@example.org", display_name=author, email=f"{author}@example.org"),
        kind=kind,
        parent_external_id=parent,
        source_visibility="visible",
        language="fr",
    )
    result = run_pipeline([item])
    assert not result.rejected, result.rejected[0].error
    return result.created[0]


def comment(workspace, text, *, author="Ana", days_ago=0.0):
    return said(site_channel(workspace), text, author=author, days_ago=days_ago)


@pytest.fixture
def manager(workspace, make_user):
    return make_user("camille@example.org", workspace, Role.MANAGER, display_name="Camille")


@pytest.fixture
def community(workspace, manager):
    """Three members' questions this week, one answered by the team; one older message."""
    first = comment(workspace, "Bonjour, comment s’inscrire à l’atelier ?", author="Ana")
    comment(workspace, "Merci pour l’article, très utile !", author="Bruno")
    comment(workspace, "Où trouver le programme ?", author="Chloé")
    comment(workspace, "Un vieux message", author="Ana", days_ago=20)
    do_reply_as_organisation(first, "Bonjour Ana, le lien est dans l’article.", actor=manager)
    return first


def test_the_kpis_count_what_the_community_wrote_and_how_the_team_answered(workspace, community):
    week = last_days(workspace, 7)
    assert KPIS["volume"].compute(workspace, week) == 3  # the team's answer is not counted
    assert KPIS["active_members"].compute(workspace, week) == 3
    assert KPIS["slipping_members"].compute(workspace, week) == 0  # Ana wrote again this week
    assert KPIS["new_members"].compute(workspace, week) == 2  # Ana first wrote 20 days ago
    opened = Conversation.objects.filter(workspace=workspace, started_at__gte=week.start).count()
    assert opened >= 1
    answered = KPIS["share_answered"].compute(workspace, week)
    assert answered is not None and 0 < answered <= 1
    assert KPIS["first_response_p50"].compute(workspace, week) is not None
    assert KPIS["rule_reversals"].compute(workspace, week) is None  # no rule decided anything: not a zero


def test_an_objective_is_checked_set_and_measured(workspace, manager, community):
    with pytest.raises(ActionError):
        actions.do_create_objective(workspace, "Réactivité", "nope", "at_least", 0.9, 30, actor=manager)
    with pytest.raises(ActionError):
        actions.do_create_objective(workspace, "Réactivité", "share_answered", "at_least", 90, 30, actor=manager)
    assert not Objective.objects.exists()
    objective = actions.do_create_objective(
        workspace, "Trois membres actifs", "active_members", "at_least", 3, 7, actor=manager
    )
    measured = progress(objective)
    assert measured.value == 3 and measured.met is True and measured.ratio == 1.0
    actions.do_update_objective(objective, "Dix membres actifs", "active_members", "at_least", 10, 7, actor=manager)
    measured = progress(objective)
    assert measured.met is False and measured.ratio == pytest.approx(0.3)


def test_app_opens_on_today_with_objectives_and_what_needs_attention(workspace, manager, client, community):
    actions.do_create_objective(workspace, "Trois membres actifs", "active_members", "at_least", 3, 7, actor=manager)
    client.force_login(manager)
    response = client.get("/app/", follow=True)
    assert response.redirect_chain[-1][0] == "/app/reports/today/"
    page = response.content.decode()
    assert "Aujourd’hui" in page or "Aujourd'hui" in page
    assert "Trois membres actifs" in page and "atteint" in page
    live = client.get("/app/reports/today/live/").content.decode()
    assert "Trois membres actifs" in live


def test_an_objective_is_set_from_its_page_in_the_kpis_unit(workspace, manager, client):
    client.force_login(manager)
    response = client.post(
        "/app/reports/objectives/",
        {
            "name": "Répondre à temps",
            "kpi": "within_target",
            "comparison": "at_least",
            "target": "90",
            "period_days": "30",
        },
    )
    assert response.status_code == 302
    assert Objective.objects.get().target == pytest.approx(0.9)
    refused = client.post(
        "/app/reports/objectives/",
        {"name": "Trop", "kpi": "within_target", "comparison": "at_least", "target": "150", "period_days": "30"},
    )
    assert refused.status_code == 400 and "100" in refused.content.decode()
    assert Objective.objects.count() == 1


def test_the_report_names_its_sections_in_french_and_exports_pdf_and_csv(workspace, manager, client, community):
    client.force_login(manager)
    page = client.get("/app/reports/").content.decode()
    for title in ("Temps de réponse", "Membres", "Écoute", "Publications", "Modération"):
        assert title in page
    today = timezone.localdate().isoformat()
    start = (timezone.localdate() - timedelta(days=6)).isoformat()
    pdf = client.get(f"/app/reports/report.pdf?start={start}&end={today}")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    text = pdf_text(pdf.content)
    for title in ("Temps de réponse", "Membres", "Écoute", "Publications", "Modération", "Messages reçus"):
        assert title in text
    exported = client.get(f"/app/reports/report.csv?start={start}&end={today}").content.decode()
    header, *rows = list(csv.reader(io.StringIO(exported)))
    assert header[:3] == ["Ouvert le", "Canal", "Première réponse (secondes)"]
    assert len(rows) == 3  # the conversations opened in these 7 days, not the one of 20 days ago
    answered = [row for row in rows if row[2]]
    assert len(answered) == 1 and answered[0][4] == "En attente"  # answered: waiting for the member
    assert {row[4] for row in rows} <= {"Nouvelle", "Ouverte", "En attente", "Fermée", "Répondue"}


def test_a_bad_period_is_refused_with_its_reason(workspace, manager, client):
    client.force_login(manager)
    response = client.get("/app/reports/report.csv?start=2026-05-10&end=2026-05-01")
    assert response.status_code == 400 and "commencer avant" in response.content.decode()
    assert client.get("/app/reports/?start=pas-une-date").status_code == 400


def test_a_shared_link_shows_the_report_without_an_account_and_a_forged_one_nothing(workspace, manager, client):
    client.force_login(manager)
    page = client.get("/app/reports/").content.decode()
    link = page.split("data-share-url")[0].rsplit('value="', 1)[1].split('"', 1)[0]
    client.logout()
    shared = client.get(link.replace("http://testserver", ""))
    assert shared.status_code == 200 and "Temps de réponse" in shared.content.decode()
    assert client.get("/app/reports/shared/forged:token/").status_code == 404


def pdf_text(document: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(document)).pages)


def test_the_report_command_writes_the_pdf_and_the_csv_and_refuses_bad_dates(workspace, community, tmp_path, capsys):
    from animateur.cli import main

    today = timezone.localdate()
    start = (today - timedelta(days=6)).isoformat()
    pdf = tmp_path / "rapport.pdf"
    args = ["report", "--workspace", workspace.slug, "--from", start, "--to", today.isoformat()]
    assert main([*args, "--format", "pdf", "-o", str(pdf)]) == 0
    text = pdf_text(pdf.read_bytes())
    assert "Temps de réponse" in text and "Modération" in text
    table = tmp_path / "conversations.csv"
    assert main([*args, "--format", "csv", "-o", str(table)]) == 0
    assert len(table.read_text(encoding="utf-8").splitlines()) == 1 + 3
    assert main(["report", "--workspace", workspace.slug, "--from", "2026-13-01", "--to", "2026-12-01",
                 "--format", "csv", "-o", str(table)]) == 2  # fmt: skip
    assert "--from '2026-13-01'" in capsys.readouterr().err


def test_objectives_and_the_report_in_the_api(workspace, manager, community, client):
    from animateur.api.actions import do_create_api_token

    _token, key = do_create_api_token(workspace, manager, "t", actor=manager)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    kpis = client.get("/api/reports/kpis", **auth).json()
    assert {k["key"] for k in kpis} == set(KPIS)
    created = client.post(
        "/api/reports/objectives",
        {"name": "Actifs", "kpi": "active_members", "comparison": "at_least", "target": 2, "period_days": 7},
        content_type="application/json",
        **auth,
    )
    assert created.status_code == 201 and created.json()["met"] is True
    refused = client.post(
        "/api/reports/objectives",
        {"name": "X", "kpi": "active_members", "comparison": "sometimes", "target": 2, "period_days": 7},
        content_type="application/json",
        **auth,
    )
    assert refused.status_code == 400 and "au moins" in refused.json()["detail"]  # in the workspace's language
    report = client.get("/api/reports/report", **auth).json()
    volume = next(t for s in report["sections"] for t in s["tiles"] if t["kpi"] == "volume")
    assert volume["value"] == 4  # the last 30 days by default: the message of 20 days ago too


def test_a_closed_days_figures_are_kept_and_recounted_when_a_late_message_arrives(workspace, community):
    from animateur.reports import rollup
    from animateur.reports.models import DayFigures

    month = last_days(workspace, 30)
    before = rollup.figures(workspace, month)
    assert before.inbound == 4
    kept = DayFigures.objects.filter(workspace=workspace).count()
    assert kept == 29  # every closed day, not today
    comment(workspace, "Un message importé en retard", author="Dora", days_ago=10)
    assert DayFigures.objects.filter(workspace=workspace).count() == kept - 1  # its day is stale
    after = rollup.figures(workspace, month)
    assert after.inbound == 5 and len(after.members) == len(before.members) + 1


def test_the_report_counts_clicks_on_tracked_links_but_not_link_previews(workspace, manager, client):
    from animateur.links.actions import do_create_tracked_link
    from animateur.reports.periods import last_days

    link = do_create_tracked_link(workspace, "https://example.org/atelier", campaign="rentrée", actor=manager)
    assert (
        client.get(f"/l/{link.code}", HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0").status_code
        == 302
    )
    client.get(f"/l/{link.code}", HTTP_USER_AGENT="http.rb/5.1.1 (Mastodon/4.3.0; +https://mastodon.social/)")
    assert KPIS["link_clicks"].compute(workspace, last_days(workspace, 7)) == 1
    client.force_login(manager)
    page = client.get("/app/reports/").content.decode()
    label, value = page.split('data-kpi="link_clicks"')[1].split("</div>")[:2]
    assert label.endswith("Clics sur les liens suivis") and value.endswith('<div class="tile-value">1')
