"""Invitations when no mail server is configured, and the roles explained from the one matrix."""

from __future__ import annotations

import html
import re

from django.test import Client

from animateur.core.permissions import MATRIX, PERMISSION_LABELS, roles_table
from animateur.core.roles import Role


def test_without_a_mail_server_the_team_page_gives_the_link_to_pass_on_instead_of_saying_sent(
    workspace, client_as, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_HOST = ""
    manager = client_as(workspace, Role.MANAGER)
    with django_capture_on_commit_callbacks(execute=True):
        page = manager.post("/app/team/invite/", {"email": "zoe@example.org", "role": "moderator"}, follow=True)
    text = page.content.decode()
    assert "Invitation envoyée" not in text
    assert "Aucun e-mail n’a été envoyé" in text and "zoe@example.org" in text
    link = html.unescape(re.search(r'id="invitation-link" type="text" readonly value="([^"]+)"', text).group(1))
    assert link.startswith("http://testserver/app/invitations/")
    accept = Client().get(link.removeprefix("http://testserver"))
    assert accept.status_code == 200 and "zoe@example.org" in accept.content.decode()
    # Shown once: the token is not kept anywhere it could be read again.
    assert link not in manager.get("/app/team/").content.decode()


def test_with_a_mail_server_the_invitation_is_sent_and_its_link_stays_out_of_the_page(
    workspace, client_as, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_HOST = "smtp.example.org"
    manager = client_as(workspace, Role.MANAGER)
    with django_capture_on_commit_callbacks(execute=True):
        page = manager.post("/app/team/invite/", {"email": "zoe@example.org", "role": "guest"}, follow=True)
    text = page.content.decode()
    assert "Invitation envoyée à zoe@example.org" in text
    assert 'id="invitation-link"' not in text and "/app/invitations/" not in text
    assert mailoutbox[0].to == ["zoe@example.org"]


def test_the_team_page_explains_each_role_exactly_as_the_matrix_grants(workspace, client_as):
    text = client_as(workspace, Role.MANAGER).get("/app/team/").content.decode()
    assert "Ce que chaque rôle peut faire" in text
    matrix = re.search(r'<table class="role-matrix">(.*?)</table>', text, re.S).group(1)
    header = re.search(r"<thead>(.*?)</thead>", matrix, re.S).group(1)
    assert re.findall(r'data-role="(\w+)"', header) == list(Role.values)
    rows = dict(re.findall(r'<tr><th scope="row">([^<]+)</th>(.*?)</tr>', matrix, re.S))
    from django.utils import translation

    with translation.override("fr"):
        for permission, roles in MATRIX.items():
            label = html.escape(str(PERMISSION_LABELS[permission]), quote=False).replace("'", "&#x27;")
            cells = re.findall(r'<td class="(yes|no)">', rows[label])
            assert cells == ["yes" if role in roles else "no" for role in Role.values], permission


def test_every_permission_of_the_matrix_is_said_in_words_and_nothing_else_is():
    assert set(PERMISSION_LABELS) == set(MATRIX)
    table = roles_table()  # raises on a permission without an area
    assert sum(len(rows) for _area, rows in table) == len(MATRIX)


def test_a_permission_added_without_its_words_does_not_break_the_team_page(workspace, client_as, monkeypatch):
    monkeypatch.setitem(MATRIX, "newthing.use", frozenset({Role.OWNER}))
    page = client_as(workspace, Role.MANAGER).get("/app/team/")
    assert page.status_code == 200
    assert "Autres" in page.content.decode()  # shown apart, until the test above has it named
