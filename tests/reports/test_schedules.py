"""Reports sent by email on a schedule: due once per week or month, the PDF attached, in French,
never twice for one occurrence (even after a process died mid-way), one refused address stops no other."""

from __future__ import annotations

import smtplib
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.test import Client

from animateur.api.actions import do_create_api_token
from animateur.core.actions import ActionError, SystemActor
from animateur.core.models import AuditEvent, Membership
from animateur.core.roles import Role
from animateur.reports import actions
from animateur.reports.models import ReportSchedule, ReportSending
from animateur.reports.schedules import covered_days, latest_occurrence
from animateur.reports.tasks import send_due_reports
from tests.reports.test_reports import comment, pdf_text

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
# Monday 7 December 2026, 9:00 in Paris.
MONDAY_MORNING = datetime(2026, 12, 7, 9, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def manager(workspace, make_user):
    return make_user("camille@example.org", workspace, Role.MANAGER, display_name="Camille")


def weekly(workspace, manager, addresses=("client@example.org",), weekday=0):
    schedule = actions.do_create_report_schedule(
        workspace, "weekly", weekday, 1, [manager], list(addresses), actor=manager
    )
    ReportSchedule.objects.filter(pk=schedule.pk).update(created_at=MONDAY_MORNING - timedelta(days=30))
    return ReportSchedule.objects.get(pk=schedule.pk)


def test_occurrences_and_the_days_each_report_covers(workspace, manager):
    schedule = weekly(workspace, manager, weekday=2)  # Wednesdays
    assert latest_occurrence(schedule, date(2026, 12, 7)) == date(2026, 12, 2)
    assert latest_occurrence(schedule, date(2026, 12, 9)) == date(2026, 12, 9)
    assert covered_days(schedule, date(2026, 12, 9)) == (date(2026, 12, 2), date(2026, 12, 8))
    schedule.frequency, schedule.day_of_month = "monthly", 5
    assert latest_occurrence(schedule, date(2026, 12, 4)) == date(2026, 11, 5)
    assert latest_occurrence(schedule, date(2027, 1, 5)) == date(2027, 1, 5)
    assert covered_days(schedule, date(2027, 1, 5)) == (date(2026, 12, 5), date(2027, 1, 4))


def test_a_due_report_is_emailed_once_in_french_with_its_pdf(workspace, manager):
    comment(workspace, "Bonjour, une question sur l’atelier ?", author="Ana")
    weekly(workspace, manager)
    assert send_due_reports(MONDAY_MORNING) == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["camille@example.org", "client@example.org"]
    message = mail.outbox[0]
    assert message.subject == "Rapport de Acme, du 30 novembre 2026 au 6 décembre 2026"
    assert "ci-joint" in message.body
    [(filename, document, content_type)] = message.attachments
    assert content_type == "application/pdf" and filename.endswith(".pdf")
    assert document.startswith(b"%PDF") and "Temps de réponse" in pdf_text(document)
    sending = ReportSending.objects.get()
    assert sending.finished_at is not None and sorted(sending.sent_to) == ["camille@example.org", "client@example.org"]
    assert AuditEvent.objects.filter(verb="report.schedule.send").count() == 1

    # The same day again, or the next one: nothing more until next Monday.
    assert send_due_reports(MONDAY_MORNING + timedelta(hours=3)) == 0
    assert send_due_reports(MONDAY_MORNING + timedelta(days=1)) == 0
    assert len(mail.outbox) == 2
    assert send_due_reports(MONDAY_MORNING + timedelta(days=7)) == 1
    assert len(mail.outbox) == 4


class ProcessKilled(BaseException):
    """What the worker feels when it is killed: nothing of it is caught."""


def test_a_sending_interrupted_mid_way_is_not_sent_again(workspace, manager, monkeypatch):
    weekly(workspace, manager)

    def killed(self, messages):
        raise ProcessKilled

    monkeypatch.setattr(EmailBackend, "send_messages", killed)
    with pytest.raises(ProcessKilled):
        send_due_reports(MONDAY_MORNING)
    monkeypatch.undo()
    assert send_due_reports(MONDAY_MORNING + timedelta(minutes=60)) == 0
    assert mail.outbox == []
    sending = ReportSending.objects.get()
    assert sending.finished_at is None  # the record says it was interrupted


class RefusingBackend(EmailBackend):
    def send_messages(self, messages):
        if any("refuse" in address for m in messages for address in m.recipients()):
            raise smtplib.SMTPRecipientsRefused({"refuse@example.org": (550, b"no such user")})
        return super().send_messages(messages)


def test_one_refused_address_stops_no_other(workspace, manager, settings):
    settings.EMAIL_BACKEND = "tests.reports.test_schedules.RefusingBackend"
    weekly(workspace, manager, addresses=("refuse@example.org", "client@example.org"))
    send_due_reports(MONDAY_MORNING)
    assert sorted(m.to[0] for m in mail.outbox) == ["camille@example.org", "client@example.org"]
    sending = ReportSending.objects.get()
    assert sending.failed == [["refuse@example.org", "SMTPRecipientsRefused"]]


def test_a_member_who_left_the_workspace_gets_nothing(workspace, manager):
    weekly(workspace, manager, addresses=())
    Membership.objects.filter(user=manager).delete()
    send_due_reports(MONDAY_MORNING)
    assert mail.outbox == []


def test_a_schedule_is_checked(workspace, manager, make_workspace, make_user):
    outsider = make_user("o@other.org", make_workspace("other", "Other"), Role.OWNER)
    with pytest.raises(ActionError, match="adresse e-mail|email address"):
        actions.do_create_report_schedule(workspace, "weekly", 0, 1, [], ["pas une adresse"], actor=manager)
    with pytest.raises(ActionError):
        actions.do_create_report_schedule(workspace, "monthly", 0, 31, [manager], [], actor=manager)
    with pytest.raises(ActionError):
        actions.do_create_report_schedule(workspace, "weekly", 0, 1, [outsider], [], actor=manager)
    with pytest.raises(ActionError):
        actions.do_create_report_schedule(workspace, "weekly", 0, 1, [], [], actor=manager)
    assert not ReportSchedule.objects.exists()


def test_the_report_page_schedules_a_report_for_managers_only(workspace, manager, client, client_as):
    client.force_login(manager)
    response = client.post(
        "/app/reports/schedules/",
        {"frequency": "monthly", "weekday": "0", "day_of_month": "3", "members": [manager.pk], "addresses": ""},
    )
    assert response.status_code == 302
    page = client.get("/app/reports/").content.decode()
    assert "Chaque mois le 3" in page and "Camille" in page
    refused = client.post(
        "/app/reports/schedules/",
        {"frequency": "weekly", "weekday": "0", "day_of_month": "1", "addresses": "pas une adresse"},
    )
    assert refused.status_code == 400 and "n’est pas une adresse e-mail" in refused.content.decode()
    analyst = client_as(workspace, Role.ANALYST)
    assert "Envoyer selon ce calendrier" not in analyst.get("/app/reports/").content.decode()
    schedule = ReportSchedule.objects.get()
    assert analyst.post(f"/app/reports/schedules/{schedule.pk}/delete/").status_code == 403
    assert client.post(f"/app/reports/schedules/{schedule.pk}/delete/").status_code == 302
    assert not ReportSchedule.objects.exists()


def test_the_api_lists_creates_and_deletes_schedules(workspace, manager):
    _token, key = do_create_api_token(workspace, manager, "t", actor=SystemActor("tests"))
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    api = Client()
    created = api.post(
        "/api/reports/schedules",
        {"frequency": "weekly", "weekday": 4, "member_ids": [manager.pk], "addresses": ["client@example.org"]},
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201, created.content
    assert api.get("/api/reports/schedules", **headers).json()[0]["weekday"] == 4
    absurd = api.post(
        "/api/reports/schedules",
        {"frequency": "weekly", "member_ids": [2**70]},
        content_type="application/json",
        **headers,
    )
    assert absurd.status_code in (400, 422)
    assert api.delete(f"/api/reports/schedules/{created.json()['id']}", **headers).status_code == 204
    assert not ReportSchedule.objects.exists()


def test_a_report_that_cannot_be_made_is_not_marked_sent_and_is_tried_again(workspace, manager, monkeypatch):
    from animateur.reports import exports

    weekly(workspace, manager)
    real_pdf = exports.pdf

    def broken(report):
        raise OSError("no font")

    monkeypatch.setattr(exports, "pdf", broken)
    assert send_due_reports(MONDAY_MORNING) == 0
    assert not ReportSending.objects.exists() and mail.outbox == []
    monkeypatch.setattr(exports, "pdf", real_pdf)
    assert send_due_reports(MONDAY_MORNING + timedelta(hours=1)) == 1
    assert len(mail.outbox) == 2
