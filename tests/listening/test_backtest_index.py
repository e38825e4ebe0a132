"""The index listening keeps over the stream (FTS5 on SQLite, trigrams on PostgreSQL) only narrows:
a backtest finds exactly what reading every message finds, edits and deletions included."""

from __future__ import annotations

import pytest
from django.db import connection

from animateur.listening import db, scan
from animateur.listening.matcher import compile_query
from animateur.listening.selectors import backtest
from animateur.stream.models import Message
from tests.inbox.factories import inbound
from tests.listening.factories import every_match

pytestmark = pytest.mark.django_db

TEXTS = [
    "La GRÈVE de la SNCF", "grève, grèves et grévistes", "L’école est fermée", "l'ecole rouvre",
    "#Greve générale", "x#greve", "Manifestation à Lyon", "manifs partout", "Le cœur du problème",
    "coeur de ville", "rue_de_la_paix", "rue de la paix", "Service client trop lent", "service, client",
    "Ørsted investit", "Straße fermée", "strasse fermee", "e-réputation", "Tarif: 42 €", "naïve question",
]  # fmt: skip
QUERIES = [
    "greve", "greve*", "#greve", "ecole", "l'ecole", "manif*", "coeur", "rue_de_la_paix", '"rue de la"',
    '"service client" NEAR/2 lent', "orsted OR ørsted", "strasse", "e-reputation", "42", "naive", "gr?ve",
    "greve -sncf", "lang:fr greve", "e?ole OR man*", "site:example.org OR greve", "greve -channel:forum",
]  # fmt: skip


def found(workspace, compiled):
    return {row.message_id for batch in scan.matching_rows(workspace, compiled) for row in batch}


def test_the_index_is_there_and_narrows(workspace):
    assert db.indexed(connection)
    compiled = compile_query("greve OR manif*")
    sql = str(scan.narrowed(scan.listened(workspace), compiled).query)
    assert (db.FTS in sql) if connection.vendor == "sqlite" else ("gin" not in sql and "LIKE" in sql)


def test_a_backtest_finds_what_reading_every_message_finds(workspace):
    for text in TEXTS:
        inbound(workspace, text)
    for query in QUERIES:
        compiled = compile_query(query)
        assert found(workspace, compiled) == every_match(workspace, compiled), query
        assert backtest(workspace, compiled).matched == len(every_match(workspace, compiled)), query
    assert len(found(workspace, compile_query("greve"))) == 3  # not « #Greve », a tag


def test_edits_and_deletions_reach_the_index(workspace):
    first = inbound(workspace, "Rien à signaler")
    second = inbound(workspace, "Grève demain")
    compiled = compile_query("greve")
    assert found(workspace, compiled) == {second.pk}
    Message.objects.filter(pk=first.pk).update(text="Finalement, grève aussi")
    Message.objects.filter(pk=second.pk).update(title="Annulée", text="Plus rien")
    assert found(workspace, compiled) == {first.pk}
    Message.objects.filter(pk=first.pk).delete()
    assert found(workspace, compiled) == set()
    assert found(workspace, compile_query("annulee")) == {second.pk}


def test_the_day_of_each_match_is_its_day_in_the_workspace_zone_across_clock_changes():
    """backtest remembers a day's bounds rather than converting every instant: the same days."""
    import random
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from animateur.listening.selectors import _DayOf

    rng = random.Random(3)
    zones = ["Europe/Paris", "America/Havana", "America/Santiago", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC"]
    for name in zones:
        zone = ZoneInfo(name)
        day_of = _DayOf(zone)
        moment = datetime(2019, 1, 1, tzinfo=UTC)
        for _ in range(20000):  # in order, as the history is read, with a jump now and then
            moment += timedelta(minutes=rng.choice([1, 7, 59, 60, 61, 600, 1439, 1440, 1441, 40000, -3000]))
            assert day_of(moment) == moment.astimezone(zone).date(), (name, moment)
