"""The member list's search by name or handle reads an index (FTS5 trigrams on SQLite, pg_trgm on
PostgreSQL), accents and case aside, and finds what comparing every row finds."""

from __future__ import annotations

import pytest
from django.db import connection

from animateur.core.actions import SystemActor
from animateur.members import actions, search, selectors
from animateur.stream.models import Identity, Member
from tests.members.factories import channel, say

PEOPLE = [
    # (external id, display name, handle)
    ("a", "Hélène Durand", "helene_d"),
    ("b", "HELENE MARTIN", "hm75"),
    ("c", "Élodie Cœur", "elo"),
    ("d", "François Lefèvre", "FLEFEVRE"),
    ("e", "Zoë 100%", "zoe_100"),
    ("f", "Bob", "l'ÉTÉ_de_bob"),
    ("g", "Şerban Ţepeş", "serban"),
]
SEARCHES = ["helene", "Hélène", "HÉLÈNE", "lefevre", "lefèvre", "coeur", "cœur", "zoe", "100%", "0%", "_d",
            "l'ete", "ete_de", "serban tepes", "el", "é", "nobody", "fle", "durand hm"]  # fmt: skip


@pytest.fixture
def people(workspace):
    forum, masto = channel(workspace), channel(workspace, "mastodon")
    for external, name, handle in PEOPLE:
        say(forum, external, "Bonjour", name=name, handle=handle)
    # One person on two channels: found by either handle, once.
    say(masto, "a2", "Salut", name="Hélène D.", handle="hd@masto.example")
    actions.do_recompute_members(workspace, actor=SystemActor("tests"))
    return workspace


def _names(workspace, q: str) -> set[str]:
    page = selectors.page_of(workspace, selectors.MemberFilters(q=q), count_limit=100)
    assert page.total == len(page.rows) and len({m.pk for m in page.rows}) == len(page.rows)
    return {m.display_name for m in page.rows}


def _expected(q: str) -> set[str]:
    from animateur.stream.folding import fold

    folded = fold(q).strip()
    return {
        m.display_name
        for m in Member.objects.filter(merged_into=None)
        if folded in fold(m.display_name)
        or any(folded in fold(h) for h in m.identities.values_list("handle", flat=True))
    }


def test_the_index_is_there_and_finds_what_every_row_would(people):
    assert search.indexed(), "the search index should be built after migrate"
    for q in SEARCHES:
        assert _names(people, q) == _expected(q), q
    assert _names(people, "helene") >= {"Hélène Durand", "HELENE MARTIN"}
    assert _names(people, "lefevre") == {"François Lefèvre"}
    assert _names(people, "coeur") == {"Élodie Cœur"}


def test_the_index_follows_renames_new_identities_and_deletions(people):
    member = Member.objects.get(display_name="Bob")
    Member.objects.filter(pk=member.pk).update(display_name="Bérénice")
    assert _names(people, "berenice") == {"Bérénice"} and _names(people, "bob") == {"Bérénice"}  # the handle
    Identity.objects.filter(member=member).update(handle="bereNICE")
    assert _names(people, "bob") == set()
    Identity.objects.create(workspace=people, channel=Identity.objects.first().channel, member=member,
                            origin="files", external_id="x9", handle="Çà-Ira")  # fmt: skip
    assert _names(people, "ca-ir") == {"Bérénice"}
    Member.objects.filter(pk=member.pk).delete()
    assert _names(people, "berenice") == set()


def test_a_merged_member_is_found_through_the_one_it_was_merged_into(people):
    first = Member.objects.get(display_name="Hélène Durand")
    second = Member.objects.get(display_name="Hélène D.")
    Member.objects.filter(pk=second.pk).update(merged_into=first)
    Identity.objects.filter(member=second).update(member=first)
    assert _names(people, "masto") == {"Hélène Durand"}


def test_without_the_index_the_search_compares_every_row_alike(people, monkeypatch):
    """PostgreSQL folds with members_fold() row by row; an SQLite without FTS5 compares case aside only."""
    if connection.vendor != "postgresql":
        search.drop(connection)
        try:
            assert _names(people, "HM7") == {"HELENE MARTIN"}
        finally:
            search.ensure(connection)
            connection._members_search_indexed = None
        return
    found = {q: _names(people, q) for q in SEARCHES}
    with connection.cursor() as cursor:  # the fixture's rows: no index changes with their checks pending
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    search.drop(connection)
    monkeypatch.setattr(connection, "_members_search_indexed", None, raising=False)
    try:
        assert not search.indexed()
        for q in SEARCHES:
            assert _names(people, q) == found[q], q
    finally:
        search.ensure(connection)
        connection._members_search_indexed = None


def test_a_search_most_members_match_walks_the_list_and_finds_the_same(people, monkeypatch):
    found = {q: _names(people, q) for q in SEARCHES}
    monkeypatch.setattr(search, "CANDIDATES", 1)
    for q in SEARCHES:
        assert _names(people, q) == found[q], q
    # The other filters and orders combine with it.
    for sort in ("engagement", "last_seen", "messages", "name"):
        page = selectors.page_of(people, selectors.MemberFilters(q="helene", sort=sort, language="fr"))
        assert {m.display_name for m in page.rows} == {"Hélène Durand", "HELENE MARTIN", "Hélène D."}, sort


def test_the_list_page_searches(people, manager_client):
    html = manager_client.get("/app/members/?q=lefevre").content.decode()
    assert "François Lefèvre" in html and "Hélène Durand" not in html


def _steps_to_rename(member: Member, name: str) -> int:
    """The SQLite virtual machine's steps renaming a member (its index triggers included)."""
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    connection.ensure_connection()
    connection.connection.set_progress_handler(count, 1)
    try:
        Member.objects.filter(pk=member.pk).update(display_name=name)
    finally:
        connection.connection.set_progress_handler(None, 1)
    return steps[0]


def test_a_plain_ascii_name_is_indexed_without_the_folding_steps(people):
    """The pipeline makes a member and an identity for each new author, most of them with ASCII
    names and handles; their indexing ran the eleven folding UPDATEs of an accented name anyway
    (five times the rest of the pipeline's store stage in CPU). Counted in the database's steps, not in time."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL indexes the folded name with an expression, no trigger")
    member = Member.objects.get(display_name="Bob")
    plain, accented = _steps_to_rename(member, "Robert Martin"), _steps_to_rename(member, "Rébecca Martin")
    assert plain * 3 < accented, (plain, accented)
    assert _names(people, "rebecca") == {"Rébecca Martin"}
    _steps_to_rename(member, "Robert Martin")
    assert _names(people, "robert mar") == {"Robert Martin"} and _names(people, "rebecca") == set()


def test_an_index_made_by_the_former_triggers_is_made_again_with_these(people):
    """A database indexed before the folding steps had their own triggers has none of the _folded
    ones: ensure() makes every trigger again and refills the index."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's triggers")
    with connection.cursor() as cursor:
        for name in search.SQLITE_TRIGGERS:
            if name.endswith("_folded"):
                cursor.execute(f"DROP TRIGGER {name}")
    assert search.ensure(connection) is True
    assert search.ensure(connection) is False
    Member.objects.filter(display_name="Bob").update(display_name="Bérénice")
    assert _names(people, "berenice") == {"Bérénice"}
