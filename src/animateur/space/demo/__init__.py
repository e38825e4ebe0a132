"""The demo workspace: the community space of the book « Le Community Management ».

Its content (five articles, the book's page, three categories, three authors and their
readers' comments, from the seed document) is a WordPress export, demo.xml, loaded
through the WordPress importer: the demo is also a check that importing works.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from django.db import IntegrityError, transaction

from animateur.core.actions import Actor, add_member, create_workspace, record
from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import User, Workspace
from animateur.core.roles import Role

__all__ = ["DEMO_EMAIL", "DEMO_FILE", "DEMO_SLUG", "DemoLogin", "load_demo"]

DEMO_FILE = Path(__file__).with_name("demo.xml")
DEMO_SLUG = "demo"
DEMO_NAME = "Le Community Management"
DEMO_TAGLINE = "Stratégies et bonnes pratiques pour interagir avec vos communautés"
DEMO_EMAIL = "demo@animateur.local"


@dataclass
class DemoLogin:
    workspace: Workspace
    email: str
    password: str | None  # only when the staff account was just created: it is shown once


def load_demo(*, actor: Actor) -> DemoLogin | None:
    """Create the demo workspace on first call, with its owner account; None if it already exists."""
    from animateur.space.wordpress.importer import import_wxr

    if Workspace.objects.filter(slug=DEMO_SLUG).exists():
        return None
    try:
        # One transaction and one event (demo.load) for the workspace, its owner and its content.
        with transaction.atomic(durable=True):
            # The demo is the site people see at / on a fresh install, unless one was already chosen.
            workspace = create_workspace(DEMO_SLUG, DEMO_NAME, language="fr", timezone="Europe/Paris")
            Workspace.objects.filter(pk=workspace.pk).update(tagline=DEMO_TAGLINE)
            workspace.tagline = DEMO_TAGLINE
            user = User.objects.filter(email=DEMO_EMAIL).first()
            password: str | None = None
            if user is None:
                password = secrets.token_urlsafe(12)
                user = User.objects.create_user(DEMO_EMAIL, password, display_name="Démo")
            add_member(workspace, user, Role.OWNER)
            summary = import_wxr(DEMO_FILE, workspace, actor=actor)
            record(workspace, actor, AuditVerb.DEMO_LOAD, workspace, {"created": summary.created, "email": DEMO_EMAIL})
    except IntegrityError:  # another process created it at the same moment
        if Workspace.objects.filter(slug=DEMO_SLUG).exists():
            return None
        raise
    workspace.refresh_from_db()
    return DemoLogin(workspace=workspace, email=DEMO_EMAIL, password=password)
