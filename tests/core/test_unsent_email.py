"""Without a mail server, a password-reset link is never written where the default log level shows it."""

from __future__ import annotations

import logging
import re

import pytest
from django.test import Client

from animateur.config import settings as configured
from animateur.core.roles import Role


@pytest.fixture
def no_mail_server(settings):
    """The backend the settings choose when ANIMATEUR_SMTP_HOST is unset (pytest-django swaps in its own)."""
    assert not configured.EMAIL_HOST
    settings.EMAIL_BACKEND = configured.EMAIL_BACKEND


def test_a_reset_link_is_logged_at_debug_level_only_and_never_printed(
    workspace, make_user, no_mail_server, caplog, capsys
):
    make_user("ana@example.org", workspace, Role.MODERATOR)
    caplog.set_level(logging.DEBUG)
    response = Client().post("/app/password-reset/", {"email": "ana@example.org"})
    assert response.status_code == 302
    link = re.compile(r"/app/reset/[^/\s]+/[^/\s]+/")
    out = capsys.readouterr()
    assert not link.search(out.out) and not link.search(out.err)
    shown = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert not any(link.search(message) for message in shown)
    assert any("not sent" in message and "ana@example.org" in message for message in shown)
    hidden = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert any(link.search(message) for message in hidden)


def test_the_reset_page_says_when_no_email_can_be_sent(workspace, settings):
    settings.EMAIL_HOST = ""
    page = Client().get("/app/password-reset/").content.decode()
    assert "Ce serveur n’envoie aucun e-mail" in page
    settings.EMAIL_HOST = "smtp.example.org"
    assert "Ce serveur n’envoie aucun e-mail" not in Client().get("/app/password-reset/").content.decode()
