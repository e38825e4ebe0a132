"""A report by email: the PDF attached, the subject and text in the workspace's language, one email
per recipient (no one sees the others' addresses, and one address refused stops no other)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from animateur.core.links import absolute_url
from animateur.core.models import Workspace
from animateur.reports import exports, periods
from animateur.reports.report import build

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportEmail:
    subject: str
    body: str
    filename: str
    document: bytes


def prepare(workspace: Workspace, first: date, last: date) -> ReportEmail:
    """The email of a period's report, PDF made: done before a sending is recorded, so that a report
    that cannot be made is tried again at the next run instead of being marked as sent."""
    document = exports.pdf(build(workspace, periods.between(workspace, first, last), now=timezone.now()))
    with translation.override(workspace.language or settings.LANGUAGE_CODE):
        shown = {"workspace": workspace.name, "start": date_format(first), "end": date_format(last)}
        subject = _("Report of %(workspace)s, %(start)s to %(end)s") % shown
        link = absolute_url(workspace, "reports:report") + f"?start={first.isoformat()}&end={last.isoformat()}"
        body = _(
            "Hello,\n\nThe report of %(workspace)s from %(start)s to %(end)s is attached as a PDF.\n"
            "Team members can open it in animateur: %(link)s\n"
        ) % {**shown, "link": link}
    filename = f"report-{workspace.slug}-{first.isoformat()}-{last.isoformat()}.pdf"
    return ReportEmail(subject, body, filename, document)


def deliver(email: ReportEmail, addresses: list[str]) -> tuple[list[str], list[list[str]]]:
    """Returns the addresses reached and, for each one not reached, [address, why]."""
    sent: list[str] = []
    failed: list[list[str]] = []
    for address in addresses:
        message = EmailMessage(email.subject, email.body, settings.DEFAULT_FROM_EMAIL, [address])
        message.attach(email.filename, email.document, "application/pdf")
        try:
            delivered = message.send(fail_silently=False)
        except Exception as error:  # noqa: BLE001 - one address refused must not stop the others
            log.warning("report %s not sent to one recipient: %s", email.filename, error)
            failed.append([address, type(error).__name__])
            continue
        if delivered:
            sent.append(address)
        else:  # the backend without a mail server says so by sending none
            failed.append([address, "not sent"])
    return sent, failed
