"""What the actions of moderation share."""

from __future__ import annotations

from animateur.core.actions import Actor
from animateur.core.models import User


def user_of(actor: Actor) -> User | None:
    """The teammate who acts, or None when animateur itself does (a rule, a task)."""
    return actor if isinstance(actor, User) else None
