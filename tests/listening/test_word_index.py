"""Listening's word index (wordindex.py) answers a backtest without reading texts: the same matches,
days and examples as reading and evaluating every message, for random queries of every construct
over French and English texts; messages written outside the pipeline, edited or erased stay right."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from animateur.listening import scan, selectors, wordindex
from animateur.listening.matcher import compile_query
from animateur.listening.selectors import backtest
from animateur.stream.models import Message
from tests.inbox.factories import inbound
from tests.listening.factories import every_match

pytestmark = pytest.mark.django_db

TEXTS = [
    "La GRÈVE de la SNCF continue", "grève, grèves et grévistes à Paris", "L’école est fermée pour la grève",
    "l'ecole rouvre lundi", "#Greve générale demain", "x#greve et @mairie", "Manifestation à Lyon contre la réforme",
    "manifs partout, manif ce soir", "Le cœur du problème", "coeur de ville", "rue_de_la_paix", "rue de la paix",
    "Service client trop lent, vraiment lent", "service, client, lent", "Le service client est lent et cher",
    "Ørsted investit", "Straße fermée", "strasse fermee", "e-réputation et ﬁnance", "Tarif: 42 € au lieu de 40",
    "naïve question about the strike", "The school strike goes on", "Customer service is slow, so slow",
    "slow customer service again", "Strikers march in London", "strike strike STRIKE", "the hippocampe is here",
    "Hippocampe et hippocampes", "coffee is too expensive here", "Great coffee, great service",
    "Le café est trop cher", "café crème ou café noir", "See https://www.example.org/news about the strike",
    "grave grève grove", "x" * 120 + " long", "x" * 99 + " court", "@Mairie répond à la #grève",
    "gr3ve ou greve", "manifestement pas", "MANIF!",
]  # fmt: skip
WORDS = [
    "greve", "greves", "manif", "manifestation", "ecole", "l'ecole", "service", "client", "lent", "cher", "coeur",
    "strike", "school", "coffee", "cafe", "slow", "customer", "the", "la", "de", "hippocampe", "paris", "lyon",
    "rue_de_la_paix", "paix", "orsted", "strasse", "finance", "42", "naive", "#greve", "@mairie", "#grève",
    "x" * 120, "x" * 99, "x" * 100, "gr3ve", "absent",
]  # fmt: skip
PATTERNS = ["manif*", "gr?ve", "gr?ve*", "str*", "#gr*", "caf?", "hippocamp*", "x*", "s?o*", "zz*", "e-rep*"]
FIELDS = [
    "lang:fr", "lang:en", "kind:comment", "kind:post", "sentiment:negative", "sentiment:positive",
    "site:example.org", "author:ana", "channel:site", "author:bob",
]  # fmt: skip


def random_query(rng: random.Random, depth: int = 0) -> str:
    shape = rng.randrange(12 if depth < 2 else 4)
    word = rng.choice(WORDS)
    if shape == 0:
        return word
    if shape == 1:
        return rng.choice(PATTERNS)
    if shape == 2:
        return f'"{rng.choice(WORDS)} {rng.choice(WORDS)}"' if rng.random() < 0.5 else '"service client"'
    if shape == 3:
        return f"{rng.choice(['service', 'client', 'strike', 'greve'])} NEAR/{rng.randrange(4)} {word}"
    if shape == 4:
        return f"{random_query(rng, depth + 1)} OR {random_query(rng, depth + 1)}"
    if shape == 5:
        return f"{random_query(rng, depth + 1)} AND {random_query(rng, depth + 1)}"
    if shape == 6:
        return f"{random_query(rng, depth + 1)} -{rng.choice(WORDS + PATTERNS)}"
    if shape == 7:
        return f"{random_query(rng, depth + 1)} NOT ({random_query(rng, depth + 1)})"
    if shape == 8:
        return f"{random_query(rng, depth + 1)} {rng.choice(FIELDS)}"
    if shape == 9:
        return f"({random_query(rng, depth + 1)}) -{rng.choice(FIELDS)}"
    if shape == 10:
        return f"({random_query(rng, depth + 1)} OR {rng.choice(FIELDS)}) {word}"
    return f'"{word} {rng.choice(PATTERNS)}"'


def reading_everything(workspace, compiled):
    """The backtest's answer from every listened message read and evaluated (no index at all: the
    FTS5 narrowing misses « ﬁnance » for « finance », its tokenizer keeping the ligature)."""
    present, narrowed = wordindex.present, scan.narrowed
    try:
        wordindex.present = lambda _connection: False
        scan.narrowed = lambda qs, _compiled: qs
        return backtest(workspace, compiled)
    finally:
        wordindex.present, scan.narrowed = present, narrowed


def same(workspace, query):
    compiled = compile_query(query)
    found, before = backtest(workspace, compiled), reading_everything(workspace, compiled)
    assert found.matched == before.matched == len(every_match(workspace, compiled)), query
    assert found.days == before.days, query
    assert [m.pk for m in found.examples] == [m.pk for m in before.examples], query
    assert found.read == before.read
    return found


def fill(workspace, rng):
    now = timezone.now()
    for i, text in enumerate(TEXTS * 2):
        inbound(
            workspace, text, created_at=now - timedelta(hours=rng.randrange(24 * 40)),
            kind=rng.choice(["comment", "post"]), language=rng.choice(["fr", "en", "fr-CA", "EN"]),
            name=rng.choice(["Ana", "Bob"]), email=f"p{i % 5}@example.org",
        )  # fmt: skip


def test_the_index_answers_random_queries_of_every_construct_as_evaluating_every_message(workspace):
    rng = random.Random(16)
    fill(workspace, rng)
    assert wordindex.present(connection)
    assert wordindex.dirty_count() == 0  # the pipeline indexed every message it stored
    exact = 0
    for _ in range(150):
        query = random_query(rng)
        try:
            compiled = compile_query(query)
        except ValueError:  # « NOT x » alone and the like: refused before any backtest
            continue
        found = same(workspace, query)
        part = wordindex.plan(compiled.tree, workspace.pk)
        if part is not None and part.exact:
            exact += 1
            assert found.candidates == found.matched, query  # no text read
    assert exact > 20


def test_words_prefixes_and_fields_are_answered_without_reading_a_text(workspace):
    fill(workspace, random.Random(1))
    for query in ["greve", "greve OR manif*", "greve lang:fr", "gr?ve -sncf", "(strike OR slow) -kind:post", "x*"]:
        part = wordindex.plan(compile_query(query).tree, workspace.pk)
        assert part is not None and part.exact, query
        same(workspace, query)
    for query in ['"service client" NEAR/3 lent -hippocampe', "greve author:ana", "x" * 100]:
        part = wordindex.plan(compile_query(query).tree, workspace.pk)
        assert part is not None and not part.exact, query
        same(workspace, query)
    assert wordindex.plan(compile_query("site:example.org OR greve").tree, workspace.pk) is None
    same(workspace, "site:example.org OR greve")


def test_messages_written_outside_the_pipeline_edited_or_deleted_stay_right(workspace):
    rng = random.Random(2)
    fill(workspace, rng)
    channel = Message.objects.filter(workspace=workspace).first().channel
    Message.objects.create(workspace=workspace, channel=channel, external_id="raw", text="Grève surprise")
    edited = Message.objects.filter(workspace=workspace, text__contains="SNCF").first()
    Message.objects.filter(pk=edited.pk).update(text="Plus de manif, fini")
    Message.objects.filter(workspace=workspace, text__startswith="grève, grèves").delete()
    assert wordindex.dirty_count() == 2
    for query in ["greve", "manif*", "sncf", "greve OR manif*", "surprise", "grevistes"]:
        same(workspace, query)
    assert wordindex.index_dirty() == 2
    assert wordindex.dirty_count() == 0
    for query in ["greve", "manif*", "sncf", "greve OR manif*", "surprise", "grevistes"]:
        same(workspace, query)


def test_the_backfill_indexes_what_the_migration_marked_with_its_progress(workspace, monkeypatch):
    fill(workspace, random.Random(3))
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM listening_word")
    wordindex.create(connection, mark_all=True)
    total = Message.objects.count()
    assert wordindex.dirty_count() == total
    same(workspace, "greve OR manif*")  # read and evaluated meanwhile, by their ids
    monkeypatch.setattr(selectors, "PENDING_BY_ID", 3)
    same(workspace, "greve OR manif*")  # or narrowed in SQL when there are many
    monkeypatch.undo()
    seen = []
    assert wordindex.index_dirty(chunk=7, progress=lambda done, of: seen.append((done, of))) == total
    assert seen[-1] == (total, total) and len(seen) == -(-total // 7)
    part = wordindex.plan(compile_query("greve OR manif*").tree, workspace.pk)
    assert part is not None and part.exact
    assert same(workspace, "greve OR manif*").candidates == same(workspace, "greve OR manif*").matched


def test_an_erased_member_leaves_the_index(workspace, make_user):
    from animateur.core.models import Role
    from animateur.members.actions import do_erase_member

    owner = make_user("owner@example.org", workspace, role=Role.OWNER)

    kept = inbound(workspace, "Hippocampe pour tous", name="Kept", email="kept@example.org")
    gone = inbound(workspace, "Hippocampe secret de Zoé", name="Zoé", email="zoe@example.org")
    do_erase_member(workspace, gone.author.member, actor=owner)
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT message_id FROM listening_word")
        indexed = {row[0] for row in cursor.fetchall()}
    assert kept.pk in indexed and gone.pk not in indexed
    assert backtest(workspace, compile_query("hippocampe")).matched == 1
    assert selectors.backtest(workspace, compile_query("zoe")).matched == 0


def test_emptying_the_stream_at_once_empties_the_index(workspace):
    """TRUNCATE (Django's flush between tests, an operator starting again) fires no row trigger on
    PostgreSQL: without a trigger of its own, the words of messages gone stayed, under ids a restarted
    sequence gives again."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE: Django's flush deletes rows, and the row trigger follows")
    fill(workspace, random.Random(5))
    assert wordindex.dirty_count() == 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM listening_word")
        assert cursor.fetchone()[0] > 0
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's transaction holds deferred checks
        cursor.execute("TRUNCATE stream_message CASCADE")
        cursor.execute("SELECT count(*) FROM listening_word")
        assert cursor.fetchone()[0] == 0
