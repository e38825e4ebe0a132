"""Every public action writes exactly one audit event, and that event is announced after commit.

The walk finds the actions itself (every `do_*` function of the animateur package), so a new
action without a case fails here until someone says how to call it.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from django.db import transaction

import animateur
from animateur.core import events as core_events
from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from tests.action_walk import registry

# Modules that only start or configure processes: importing them has effects and they hold no action.
NOT_WALKED = ("animateur.config", "animateur.cli", "animateur.commands")


def _public_actions() -> dict[str, object]:
    found: dict[str, object] = {}
    for module_info in pkgutil.walk_packages(animateur.__path__, "animateur."):
        name = module_info.name
        if name.startswith(NOT_WALKED) or ".migrations" in name or ".tests" in name:
            continue
        module = importlib.import_module(name)
        for attribute, value in vars(module).items():
            if attribute.startswith("do_") and inspect.isfunction(value) and value.__module__ == name:
                assert attribute not in found, f"two public actions are named {attribute}"
                found[attribute] = value
    return found


def _load_cases() -> None:
    import tests.action_walk as package

    for module_info in pkgutil.iter_modules(package.__path__):
        if module_info.name.startswith("cases_"):
            importlib.import_module(f"tests.action_walk.{module_info.name}")


ACTIONS = _public_actions()
_load_cases()


def test_the_walk_finds_the_actions():
    assert {"do_create_workspace", "do_create_channel", "do_set_message_visibility"} <= set(ACTIONS)


def test_no_case_names_an_action_that_does_not_exist():
    assert set(registry.CASES) - set(ACTIONS) == set()


@pytest.fixture
def announced(monkeypatch):
    """Every event handed to the sinks after commit (a sink that cannot tell who listens)."""
    received: list[core_events.Event] = []
    monkeypatch.setattr(core_events, "_sinks", lambda: (received.extend,))
    monkeypatch.setattr(core_events, "_listening_checks", lambda: ())
    return received


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_each_action_writes_one_audit_event_and_announces_it(
    name, make_workspace, make_user, tmp_path, settings, request, announced, django_capture_on_commit_callbacks
):
    prepare = registry.CASES.get(name)
    assert prepare is not None, f"{name} has no case in tests/action_walk/cases_*.py"
    workspace = make_workspace("walk", "Walk", is_default=True)
    owner = make_user("owner@example.org", workspace, Role.OWNER, display_name="Olivia Owner")
    world = registry.World(workspace, owner, make_user, tmp_path, settings, request)
    with django_capture_on_commit_callbacks(execute=True):
        call = prepare(world)
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    announced.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call()
    written = list(AuditEvent.objects.exclude(pk__in=before))
    assert len(written) == 1, f"{name} wrote {[e.verb for e in written]}"
    audit = [e for e in announced if e.type.name == "audit.recorded"]
    assert [e.data["verb"] for e in audit] == [written[0].verb]
    assert audit[0].data["target"] == {"type": written[0].target_type, "id": written[0].target_id}


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_each_action_refuses_to_run_inside_another_transaction(
    name, make_workspace, make_user, tmp_path, settings, request, django_capture_on_commit_callbacks
):
    """A public action's transaction is durable: called from inside another action (or any
    transaction of its caller) it fails loudly instead of silently joining a bigger one."""
    prepare = registry.CASES[name]
    workspace = make_workspace("walk", "Walk", is_default=True)
    owner = make_user("owner@example.org", workspace, Role.OWNER, display_name="Olivia Owner")
    world = registry.World(workspace, owner, make_user, tmp_path, settings, request)
    with django_capture_on_commit_callbacks(execute=True):
        call = prepare(world)
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        call()
    assert AuditEvent.objects.count() == before
