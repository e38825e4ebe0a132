"""`animateur listen ...`: JSON lines in, one answer per line in order; exit 2 on a bad query."""

from __future__ import annotations

import io
import json

import pytest

from animateur.cli import main


def run(monkeypatch, capsys, argv, stdin=""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    status = main(argv)
    out, err = capsys.readouterr()
    return status, [json.loads(line) for line in out.splitlines()], err


def lines(*items):
    return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)


@pytest.mark.django_db
def test_match_answers_each_line_in_order(monkeypatch, capsys):
    status, out, _err = run(
        monkeypatch,
        capsys,
        ["listen", "match", "--query", "ecole OR #rscci"],
        lines({"text": "L’École ferme", "id": "a"}, {"text": "Les écoliers"}, {"text": "Vive le #RSCCI"}),
    )
    assert status == 0
    assert out == [{"id": "a", "match": True}, {"match": False}, {"match": True}]


@pytest.mark.django_db
def test_match_reads_the_fields_and_computes_language_and_sentiment(monkeypatch, capsys):
    status, out, _err = run(
        monkeypatch,
        capsys,
        ["listen", "match", "--query", "service lang:fr sentiment:negative channel:mastodon"],
        lines(
            {"text": "Ce service est horrible, je suis furieux", "channel": "mastodon"},
            {"text": "Ce service est horrible, je suis furieux", "channel": "rss"},
            {"text": "Merci, service excellent et très rapide", "channel": "mastodon"},
            {"text": "service", "channel": "mastodon", "language": "fr", "sentiment": "negative"},
        ),
    )
    assert status == 0
    assert [o["match"] for o in out] == [True, False, False, True]


@pytest.mark.django_db
def test_an_invalid_query_exits_2_with_what_and_where(monkeypatch, capsys):
    status, out, err = run(monkeypatch, capsys, ["listen", "match", "--query", "tarif (cher"], lines({"text": "x"}))
    assert status == 2 and out == []
    assert "parenthesis is never closed" in err and "character 7" in err


@pytest.mark.django_db
def test_a_bad_line_gets_an_error_in_its_place_and_exit_2(monkeypatch, capsys):
    status, out, _err = run(
        monkeypatch,
        capsys,
        ["listen", "match", "--query", "tarif"],
        "not json\n" + lines({"text": "tarif"}, {"txt": 1}),
    )
    assert status == 2
    assert out[0]["line"] == 1 and out[1] == {"match": True} and out[2]["line"] == 3


def test_the_command_needs_a_query(monkeypatch, capsys):
    status, _out, err = run(monkeypatch, capsys, ["listen", "match"])
    assert status == 2 and "--query" in err


@pytest.mark.django_db
def test_a_search_created_from_the_command_line_matches_the_history(monkeypatch, capsys, workspace, settings):
    from tests.inbox.factories import inbound

    inbound(workspace, "La grève continue")
    status, out, _err = run(
        monkeypatch,
        capsys,
        ["listen", "search", "create", "--workspace", "acme", "--name", "Grève", "--query", "greve"],
    )
    assert status == 0
    assert out[0]["name"] == "Grève"
    status, out, _err = run(monkeypatch, capsys, ["listen", "backtest", "--workspace", "acme", "--query", "greve"])
    assert status == 0 and out[0]["matched"] == 1
    status, _out, err = run(monkeypatch, capsys, ["listen", "backtest", "--workspace", "nope", "--query", "greve"])
    assert status == 2 and "no workspace" in err


@pytest.mark.django_db
def test_index_reads_the_messages_the_word_index_has_not_with_its_progress(monkeypatch, capsys, workspace):
    from animateur.listening import wordindex
    from animateur.stream.models import Message
    from tests.inbox.factories import inbound

    channel = inbound(workspace, "Grève").channel
    for i in range(5):  # written outside the pipeline: marked, not indexed
        Message.objects.create(workspace=workspace, channel=channel, external_id=f"raw{i}", text=f"Grève {i}")
    assert wordindex.dirty_count() == 5
    status, out, err = run(monkeypatch, capsys, ["listen", "index", "--chunk", "2"])
    assert status == 0 and out[0]["indexed"] == 5
    assert "5 of 5 messages indexed" in err
    assert wordindex.dirty_count() == 0
    status, _out, err = run(monkeypatch, capsys, ["listen", "index", "--chunk", "0"])
    assert status == 2 and "--chunk" in err
