"""How to call the objectives' actions."""

from __future__ import annotations

from animateur.reports.actions import do_create_objective, do_delete_objective, do_update_objective
from tests.action_walk.registry import Call, World, case


@case("do_create_objective")
def _create(w: World) -> Call:
    return lambda: do_create_objective(w.workspace, "Réactivité", "within_target", "at_least", 0.9, 30, actor=w.owner)


@case("do_update_objective")
def _update(w: World) -> Call:
    objective = do_create_objective(w.workspace, "Réactivité", "within_target", "at_least", 0.9, 30, actor=w.owner)
    return lambda: do_update_objective(objective, "Réactivité", "within_target", "at_least", 0.8, 90, actor=w.owner)


@case("do_delete_objective")
def _delete(w: World) -> Call:
    objective = do_create_objective(w.workspace, "Réactivité", "within_target", "at_least", 0.9, 30, actor=w.owner)
    return lambda: do_delete_objective(objective, actor=w.owner)
