"""The cases of the action walk: how to call each public action once, for real.

A public action is a function named `do_*` in the animateur package. Each has a case here (one
module per app, `cases_<app>.py`): the case prepares what the action needs (through other actions
or plain model writes, before the walk starts counting) and returns the call to make. The walk
(test_every_action.py) then checks that the call writes exactly one audit event and that this
event leaves as `audit.recorded` once the transaction commits.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from animateur.core.models import User, Workspace
from animateur.stream.models import Message

_external_ids = itertools.count(1)


@dataclass
class World:
    """A workspace with its owner; a case may add what it needs."""

    workspace: Workspace
    owner: User
    make_user: Callable[..., User]
    tmp_path: Any  # a pathlib.Path of the test's own
    settings: Any  # pytest-django's settings fixture
    request: Any  # pytest's request, for a case that needs another fixture (replay, private_urls)

    def message(self, text: str = "Bonjour, une question ?", *, author: str = "Ana") -> Message:
        """A member's message that came in on the workspace's site channel, through the pipeline."""
        from django.utils import timezone

        from animateur.channels.site import site_channel
        from animateur.stream.items import AuthorInfo, Incoming
        from animateur.stream.pipeline import run_pipeline

        item = Incoming(
            channel=site_channel(self.workspace),
            external_id=f"walk-{next(_external_ids)}",
            text=text,
            created_at=timezone.now(),
            author=AuthorInfo(external_id=f"{author}@example.org", display_name=author, email=f"{author}@example.org"),
            kind="comment",
            source_visibility="visible",
            language="fr",
        )
        result = run_pipeline([item])
        assert not result.rejected, result.rejected[0].error
        return result.created[0]


Call = Callable[[], object]
Case = Callable[[World], Call]
CASES: dict[str, Case] = {}


def case(*names: str) -> Callable[[Case], Case]:
    """Register `prepare(world) -> call` for the action(s) named (their function names)."""

    def register(prepare: Case) -> Case:
        for name in names:
            assert name not in CASES, f"two cases for {name}"
            CASES[name] = prepare
        return prepare

    return register
