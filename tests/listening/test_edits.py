"""A message edited at its source is matched again: a saved search it no longer matches loses it,
one it starts matching gains it, and the counts, curves and spike checks follow."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from animateur.listening import actions, selectors, tasks
from animateur.listening.models import SavedSearch, SearchMatch
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.models import Message
from animateur.stream.pipeline import run_pipeline
from tests.listening.test_searches import _committed, manager  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db
_ids = itertools.count(1)


def send(workspace, external_id, text, *, deleted=False):
    """A message as its source sends it: a second send with the same id is an edit."""
    from animateur.channels.site import site_channel

    item = Incoming(
        channel=site_channel(workspace),
        external_id=external_id,
        text=text,
        created_at=timezone.now() - timedelta(hours=1),
        author=AuthorInfo(external_id="ana@example.org", display_name="Ana", email="ana@example.org"),
        kind="comment",
        source_visibility=None if deleted else "visible",
        deleted_at_source=deleted,
        language="fr",
    )
    result = run_pipeline([item])
    assert not result.rejected, result.rejected[0].error
    return Message.objects.get(external_id=external_id)


def figures(search):
    return selectors.figures(search, selectors.matched_messages(search))


def matches(search):
    return set(SearchMatch.objects.filter(search=search).values_list("message__external_id", flat=True))


def test_an_edit_removes_the_matches_it_no_longer_earns_and_adds_new_ones(
    workspace,
    manager,  # noqa: F811
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    checks: list[int] = []
    monkeypatch.setattr(tasks, "request_spike_check", checks.append)
    strike = actions.do_create_search(workspace, "Grève", "greve -annulee", actor=manager)
    price = actions.do_create_search(workspace, "Tarifs", '"trop cher"', actor=manager)
    send(workspace, "e1", "La grève continue")
    send(workspace, "e2", "Grève demain")
    strike.refresh_from_db()
    assert matches(strike) == {"e1", "e2"} and strike.match_count == 2
    assert figures(strike).total == 2

    with django_capture_on_commit_callbacks(execute=True):
        send(workspace, "e1", "La grève est annulée, mais c'est trop cher")
    strike.refresh_from_db()
    price.refresh_from_db()
    assert matches(strike) == {"e2"} and strike.match_count == 1
    assert matches(price) == {"e1"} and price.match_count == 1
    assert figures(strike).total == 1 and figures(price).total == 1
    # The spike check reads the matches as they now are.
    assert checks == [workspace.pk]

    # Back as it was: the match comes back, the other goes.
    send(workspace, "e1", "La grève continue")
    strike.refresh_from_db()
    price.refresh_from_db()
    assert matches(strike) == {"e1", "e2"} and strike.match_count == 2
    assert matches(price) == set() and price.match_count == 0

    # An edit that leaves the text as it matched changes nothing.
    send(workspace, "e2", "Grève demain !")
    strike.refresh_from_db()
    assert matches(strike) == {"e1", "e2"} and strike.match_count == 2


def test_a_message_deleted_at_its_source_leaves_the_searches(workspace, manager):  # noqa: F811
    search = actions.do_create_search(workspace, "Grève", "greve", actor=manager)
    send(workspace, "d1", "Grève générale")
    send(workspace, "d2", "Grève partielle")
    send(workspace, "d1", "Grève générale", deleted=True)
    search.refresh_from_db()
    assert matches(search) == {"d2"} and search.match_count == 1
    assert SavedSearch.objects.get(pk=search.pk).match_count == SearchMatch.objects.filter(search=search).count()
