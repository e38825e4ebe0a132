"""Saved searches: actions, matching of the history and of new messages, the pages."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from animateur.core.actions import ActionError
from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.listening import actions
from animateur.listening.models import SavedSearch, SearchMatch
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.pipeline import run_pipeline
from tests.inbox.factories import other_channel

pytestmark = pytest.mark.django_db
_ids = itertools.count(1)


def message(workspace, text, *, channel=None, days_ago=0.0, language="fr", author="Ana", historical=False):
    from animateur.channels.site import site_channel

    item = Incoming(
        channel=channel or site_channel(workspace),
        external_id=f"l{next(_ids)}",
        text=text,
        created_at=timezone.now() - timedelta(days=days_ago),
        author=AuthorInfo(external_id=f"{author}@example.org", display_name=author, email=f"{author}@example.org"),
        kind="comment",
        source_visibility="visible",
        language=language,
        historical=historical,
    )
    result = run_pipeline([item])
    assert not result.rejected, result.rejected[0].error
    return result.created[0]


@pytest.fixture
def manager(workspace, make_user):
    return make_user("camille@example.org", workspace, Role.MANAGER)


@pytest.fixture(autouse=True)
def _committed(django_capture_on_commit_callbacks, monkeypatch):
    """What actions leave for after the commit (matching the history, events) runs when they return."""
    real = actions.do_create_search, actions.do_update_search, actions.do_delete_search

    def committing(action):
        def run(*args, **kwargs):
            with django_capture_on_commit_callbacks(execute=True):
                return action(*args, **kwargs)

        return run

    for action in real:
        monkeypatch.setattr(actions, action.__name__, committing(action))


def matched(search):
    return set(SearchMatch.objects.filter(search=search).values_list("message__text", flat=True))


def test_saving_a_search_matches_the_whole_history(workspace, manager):
    message(workspace, "La grève de la SNCF continue", days_ago=400, historical=True)
    message(workspace, "Grève des écoles demain", days_ago=3)
    message(workspace, "Rien à voir", days_ago=1)
    search = actions.do_create_search(workspace, "Grèves", "greve", actor=manager)
    search.refresh_from_db()
    assert matched(search) == {"La grève de la SNCF continue", "Grève des écoles demain"}
    assert search.history_done_at is not None and search.match_count == 2 and search.history_percent == 100
    verbs = list(
        AuditEvent.objects.filter(workspace=workspace, verb__startswith="listening").values_list("verb", flat=True)
    )
    assert verbs.count("listening.search.create") == 1


def test_the_history_is_matched_with_the_folding_of_oe_and_ae(workspace, manager):
    message(workspace, "Avec tout mon cœur", days_ago=3)
    message(workspace, "Un curriculum vitæ", days_ago=3)
    search = actions.do_create_search(workspace, "Cœur", "coeur OR vitae", actor=manager)
    assert matched(search) == {"Avec tout mon cœur", "Un curriculum vitæ"}


def test_new_messages_are_matched_as_they_arrive(workspace, manager):
    search = actions.do_create_search(workspace, "Tarifs", '"trop cher" OR tarif*', actor=manager)
    message(workspace, "Le tarif a encore augmenté")
    message(workspace, "C'est vraiment trop cher")
    message(workspace, "Très bon service")
    search.refresh_from_db()
    assert matched(search) == {"Le tarif a encore augmenté", "C'est vraiment trop cher"}
    assert search.match_count == 2


def test_new_messages_of_another_workspace_are_not_matched(workspace, make_workspace, manager):
    search = actions.do_create_search(workspace, "Tarifs", "tarif", actor=manager)
    other = make_workspace("autre", "Autre")
    message(other, "Le tarif augmente")
    assert matched(search) == set()


def test_fields_are_matched_on_new_messages(workspace, manager):
    mastodon = other_channel(workspace, "mastodon")
    search = actions.do_create_search(workspace, "Mastodon FR", "greve channel:mastodon lang:fr", actor=manager)
    message(workspace, "grève générale", channel=mastodon, language="fr")
    message(workspace, "grève générale sur le site", language="fr")
    assert matched(search) == {"grève générale"}


def test_an_invalid_query_is_refused_with_where(workspace, manager):
    with pytest.raises(ActionError) as raised:
        actions.do_create_search(workspace, "Cassée", "tarif (cher", actor=manager)
    assert "7" in str(raised.value)
    assert not SavedSearch.objects.exists()


def test_a_moderator_cannot_write_searches(workspace, make_user):
    moderator = make_user("mod@example.org", workspace, Role.MODERATOR)
    with pytest.raises(PermissionDenied):
        actions.do_create_search(workspace, "x", "x", actor=moderator)


def test_two_searches_cannot_share_a_name(workspace, manager):
    actions.do_create_search(workspace, "Marque", "acme", actor=manager)
    with pytest.raises(ActionError):
        actions.do_create_search(workspace, "Marque", "autre", actor=manager)


def test_a_new_query_matches_the_history_again(workspace, manager):
    message(workspace, "La grève continue", days_ago=2)
    message(workspace, "Le tarif augmente", days_ago=2)
    search = actions.do_create_search(workspace, "Sujet", "greve", actor=manager)
    actions.do_update_search(search, "Sujet", "tarif", role="own", actor=manager)
    assert matched(search) == {"Le tarif augmente"}


def test_deleting_a_search_deletes_its_matches(workspace, manager):
    message(workspace, "La grève continue")
    search = actions.do_create_search(workspace, "Grève", "greve", actor=manager)
    actions.do_delete_search(search, actor=manager)
    assert not SearchMatch.objects.exists()
    assert AuditEvent.objects.filter(verb="listening.search.delete").count() == 1


def test_saved_and_deleted_are_announced_after_commit(workspace, manager, settings):
    from tests.listening.sink import collected

    settings.EVENT_SINKS = ["tests.listening.sink.collect"]
    from animateur.core import events

    events._sinks.cache_clear()
    events._listening_checks.cache_clear()
    try:
        search = actions.do_create_search(workspace, "Grève", "greve", actor=manager)
        actions.do_delete_search(search, actor=manager)
    finally:
        events._sinks.cache_clear()
        events._listening_checks.cache_clear()
    assert [e.type.name for e in collected] == ["listening.search.saved", "listening.search.deleted"]


# --- pages ------------------------------------------------------------------------------------


def test_the_page_backtests_a_query_before_saving_it(workspace, client_as):
    message(workspace, "La grève de la SNCF", days_ago=30)
    message(workspace, "Le tarif augmente", days_ago=3)
    client = client_as(workspace, Role.MANAGER)
    response = client.post("/app/listening/", {"name": "", "query": "greve OR sncf", "role": "own", "backtest": "1"})
    assert response.status_code == 200
    assert response.context["backtest"].matched == 1
    assert "La grève de la SNCF" in response.content.decode()
    assert not SavedSearch.objects.exists()


def test_an_invalid_query_on_the_page_says_what_and_where(workspace, client_as):
    client = client_as(workspace, Role.MANAGER)
    response = client.post("/app/listening/", {"name": "x", "query": "tarif AND", "role": "own"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "a rien à sa droite" in body and "caractère 7" in body


def test_the_search_page_shows_figures_and_filters(workspace, client_as, manager):
    mastodon = other_channel(workspace, "mastodon")
    message(workspace, "grève ici https://www.exemple.fr/a", language="fr", author="Ana")
    message(workspace, "strike grève there", channel=mastodon, language="en", author="Bob")
    search = actions.do_create_search(workspace, "Grève", "greve", actor=manager)
    client = client_as(workspace, Role.ANALYST)
    response = client.get(f"/app/listening/{search.pk}/")
    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures.total == 2
    assert dict(figures.links) == {"exemple.fr": 1}
    assert dict(figures.languages) == {"Français": 1, "Anglais": 1}
    only_english = client.get(f"/app/listening/{search.pk}/", {"language": "en"})
    assert only_english.context["figures"].total == 1
    bad = client.get(f"/app/listening/{search.pk}/", {"since": "not a date"})
    assert bad.status_code == 400


def test_the_syntax_page_examples_do_what_they_say(workspace, client_as):
    from animateur.listening.docs import syntax_sections

    for section in syntax_sections():
        for example in section.examples:
            assert example.actual is example.matches, example
    response = client_as(workspace, Role.ANALYST).get("/app/listening/syntax/")
    assert response.status_code == 200


def test_a_guest_does_not_see_listening(workspace, client_as):
    assert client_as(workspace, Role.GUEST).get("/app/listening/").status_code == 403
