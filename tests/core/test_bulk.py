"""core.bulk: plain rows written as Django would have written the same values, in any number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import DataError, transaction

from animateur.core import bulk
from animateur.core.models import AuditEvent

COLUMNS = ("workspace_id", "actor_user_id", "actor", "verb", "target_type", "target_id", "data", "created_at")


def test_thousands_of_rows_come_back_with_their_ids_in_order_and_their_values_intact(workspace, make_user):
    user = make_user("ana@example.org")
    start = datetime(2024, 3, 31, 0, 30, tzinfo=UTC)
    rows = [
        (
            workspace.pk,
            user.pk if n % 3 == 0 else None,
            f"user:{user.pk}" if n % 3 == 0 else "system:tests",
            "tests.bulk",
            "core.workspace",
            str(n),
            {"n": n, "text": "l'été « déjà » \\ fini", "list": [1, None, True]},
            start + timedelta(seconds=n, microseconds=n),
        )
        for n in range(2500)
    ]
    ids = bulk.insert(AuditEvent, COLUMNS, rows, returning=True)

    assert len(ids) == 2500 and ids == sorted(ids)
    stored = {e.pk: e for e in AuditEvent.objects.filter(verb="tests.bulk")}
    for n in (0, 1, 999, 1000, 1001, 2499):
        event = stored[ids[n]]
        assert event.target_id == str(n)
        assert event.actor_user_id == (user.pk if n % 3 == 0 else None)
        assert event.data == {"n": n, "text": "l'été « déjà » \\ fini", "list": [1, None, True]}
        assert event.created_at == start + timedelta(seconds=n, microseconds=n)

    bulk.update(AuditEvent, ("verb", "data"), [("tests.changed", {"again": n}, ids[n]) for n in range(0, 2500, 2)])
    assert AuditEvent.objects.filter(verb="tests.changed").count() == 1250
    assert AuditEvent.objects.get(pk=ids[1000]).data == {"again": 1000}
    assert AuditEvent.objects.get(pk=ids[1001]).verb == "tests.bulk"


def test_rows_without_ids_back_are_all_stored_whatever_their_number(workspace):
    # Without `returning`, SQLite runs one statement per hundred rows and one for the rest.
    start = datetime(2024, 3, 31, 0, 30, tzinfo=UTC)
    for count in (1, 100, 250):
        verb = f"tests.many.{count}"
        rows = [
            (workspace.pk, None, "system:tests", verb, "", str(n), {"n": n}, start + timedelta(seconds=n))
            for n in range(count)
        ]
        assert bulk.insert(AuditEvent, COLUMNS, rows) == []
        stored = sorted(AuditEvent.objects.filter(verb=verb).values_list("target_id", "data", "created_at"))
        expected = sorted((str(n), {"n": n}, start + timedelta(seconds=n)) for n in range(count))
        assert stored == expected


def test_a_value_too_long_for_its_column_is_refused_not_cut(workspace, db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite does not enforce the length of text columns")
    row = (workspace.pk, None, "system:tests", "v" * 81, "", "", {}, datetime.now(UTC))
    with pytest.raises(DataError), transaction.atomic():
        bulk.insert(AuditEvent, COLUMNS, [row])
    assert not AuditEvent.objects.filter(verb__startswith="vvv").exists()
