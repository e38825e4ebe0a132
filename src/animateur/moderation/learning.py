"""Each workspace's learning from its moderators: a WorkspaceAdapter kept in LearningState.

The adapter corrects the shipped models for one workspace only; decisions are applied
online (no retraining), so a near-identical copy of a message marked spam is scored as
spam at once in that workspace and nowhere else.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from animateur.core.models import Workspace
from animateur.moderation.models import LearningState, new_token

if TYPE_CHECKING:  # numpy's weight, at first use only: a web worker serving pages never needs it
    from animateur.nlp.adapter import WorkspaceAdapter

log = logging.getLogger(__name__)


@lru_cache(maxsize=64)
def _load(workspace_id: int, version: str) -> WorkspaceAdapter:
    from animateur.nlp.adapter import WorkspaceAdapter

    blob = LearningState.objects.filter(workspace_id=workspace_id).values_list("blob", flat=True).first()
    if not blob:
        return WorkspaceAdapter()
    try:
        return WorkspaceAdapter.from_bytes(bytes(blob))
    except ValueError:  # a blob of an older format: start again rather than fail the pipeline
        log.warning("unreadable learning state of workspace %s: starting afresh", workspace_id)
        return WorkspaceAdapter()


def _version(workspace_id: int) -> str:
    return LearningState.objects.filter(workspace_id=workspace_id).values_list("version", flat=True).first() or ""


def adapter_for(workspace: Workspace | int) -> WorkspaceAdapter:
    """The workspace's adapter as moderators left it (cached per version; do not mutate it)."""
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    return _load(workspace_id, _version(workspace_id))


def teach(workspace: Workspace | int, lessons: list[tuple[str, str | None, str, bool]]) -> None:
    """Apply (text, language, kind, label) lessons to the workspace's adapter and store it.

    Runs inside the caller's transaction: the row is locked, so two moderators' decisions
    are both kept.
    """
    lessons = [lesson for lesson in lessons if lesson[0].strip()]
    if not lessons:
        return
    from animateur.nlp.adapter import WorkspaceAdapter

    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    with transaction.atomic():
        LearningState.objects.get_or_create(workspace_id=workspace_id)
        state = LearningState.objects.select_for_update().get(workspace_id=workspace_id)
        adapter = WorkspaceAdapter.from_bytes(bytes(state.blob)) if state.blob else WorkspaceAdapter()
        for text, language, kind, label in lessons:
            adapter.learn(text, language, kind, label)  # type: ignore[arg-type]
        state.blob = adapter.to_bytes()
        state.version = new_token()
        state.decisions += len(lessons)
        state.updated_at = timezone.now()
        state.save()
