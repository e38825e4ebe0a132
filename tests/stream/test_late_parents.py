"""A reply stored before its parent is linked when the parent arrives, whatever the batch boundaries."""

from datetime import UTC, datetime, timedelta

from django.db import connection

from animateur.channels.models import Channel
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.models import AwaitedParent, Kind, Message
from animateur.stream.pipeline import run_pipeline
from animateur.stream.store import awaiting_query

START = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


def post(channel, external_id, text, parent=None, minutes=0, author="ana", **kw):
    return Incoming(
        channel=channel,
        external_id=external_id,
        text=text,
        created_at=START + timedelta(minutes=minutes),
        author=AuthorInfo(external_id=author, display_name=author.title()),
        parent_external_id=parent,
        kind=Kind.REPLY if parent else Kind.POST,
        **kw,
    )


def forum(workspace, name="forum"):
    return Channel.objects.create(workspace=workspace, kind="discourse", name=name, config={})


def stored(channel):
    return {m.external_id: m for m in Message.objects.filter(channel=channel)}


def test_a_reply_stored_before_its_parent_is_linked_when_the_parent_arrives_in_a_later_batch(workspace):
    channel = forum(workspace)
    run_pipeline([post(channel, "r", "Moi aussi !", parent="p", minutes=5)])
    run_pipeline([post(channel, "c", "Pareil", parent="r", minutes=9)])
    rows = stored(channel)
    assert rows["r"].parent_id is None and rows["c"].thread_root_id == rows["r"].pk

    run_pipeline([post(channel, "p", "L'appli plante au démarrage")])
    rows = stored(channel)
    assert rows["r"].parent_id == rows["p"].pk
    # The reply and what was said under it now belong to the parent's thread.
    thread = set(Message.objects.filter(thread_root=rows["p"]).values_list("external_id", flat=True))
    assert thread == {"p", "r", "c"}
    assert not AwaitedParent.objects.exists()


def test_a_chain_stored_backwards_one_batch_at_a_time_ends_as_one_thread(workspace):
    channel = forum(workspace)
    for external_id, parent in [("d", "c"), ("c", "b"), ("b", "a"), ("a", None)]:
        run_pipeline([post(channel, external_id, f"message {external_id}", parent=parent)])
    rows = stored(channel)
    assert [rows[k].parent_id for k in "bcd"] == [rows[k].pk for k in "abc"]
    assert {rows[k].thread_root_id for k in "abcd"} == {rows["a"].pk}


def test_a_parent_under_its_own_reply_closes_no_loop(workspace):
    channel = forum(workspace)
    run_pipeline([post(channel, "x", "x", parent="y")])
    run_pipeline([post(channel, "y", "y", parent="x")])
    rows = stored(channel)
    assert rows["y"].parent_id == rows["x"].pk and rows["x"].parent_id is None
    assert rows["x"].thread_root_id == rows["y"].thread_root_id == rows["x"].pk


def test_parents_are_awaited_per_channel(workspace):
    one, other = forum(workspace, "one"), forum(workspace, "other")
    run_pipeline([post(one, "r", "réponse", parent="p")])
    run_pipeline([post(other, "p", "même identifiant, autre canal")])
    assert stored(one)["r"].parent_id is None
    run_pipeline([post(one, "p", "le vrai parent")])
    assert stored(one)["r"].parent_id == stored(one)["p"].pk


def test_waiting_replies_are_found_through_an_index_not_a_scan(workspace):
    channel = forum(workspace)
    run_pipeline([post(channel, "r", "réponse", parent="p")])
    sql, params = awaiting_query(channel.pk, ["p", "q"])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        assert [row[2] for row in cursor.fetchall()] == ["p"]
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "USING INDEX" in plan and "SCAN" not in plan.replace("USING INDEX", ""), plan
        else:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert "Index" in plan, plan
