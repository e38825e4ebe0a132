"""Listening in the HTTP API: searches, their messages and figures, backtests, spikes."""

from __future__ import annotations

import pytest

from animateur.api.actions import do_create_api_token
from animateur.core.actions import SystemActor
from animateur.core.roles import Role
from tests.inbox.factories import inbound

pytestmark = pytest.mark.django_db


@pytest.fixture
def headers(workspace, make_user):
    user = make_user("ana@example.org", workspace, Role.ANALYST)
    _token, key = do_create_api_token(workspace, user, "t", actor=SystemActor("tests"))
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_a_search_is_created_backtested_and_read_through_the_api(
    client, workspace, headers, django_capture_on_commit_callbacks
):
    inbound(workspace, "La grève de l’École continue")
    inbound(workspace, "Les écoliers sont en vacances")
    tested = client.post("/api/listening/backtest", {"query": "ecole"}, content_type="application/json", **headers)
    assert tested.status_code == 200 and tested.json()["matched"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            "/api/listening/searches", {"name": "École", "query": "ecole"}, content_type="application/json", **headers
        )
    assert created.status_code == 201
    search_id = created.json()["id"]
    messages = client.get(f"/api/listening/searches/{search_id}/messages", **headers).json()
    assert [m["text"] for m in messages] == ["La grève de l’École continue"]
    figures = client.get(f"/api/listening/searches/{search_id}/figures", **headers).json()
    assert figures["total"] == 1 and figures["languages"] == [["fr", 1]]
    share = client.get("/api/listening/share-of-voice", **headers).json()
    assert share == [{"search_id": search_id, "name": "École", "role": "own", "messages": 1, "share": 1.0}]


def test_an_invalid_query_is_a_400_that_says_where(client, headers):
    answer = client.post(
        "/api/listening/searches", {"name": "x", "query": "a OR"}, content_type="application/json", **headers
    )
    assert answer.status_code == 400 and "3" in answer.json()["detail"]
    answer = client.post("/api/listening/backtest", {"query": '"open'}, content_type="application/json", **headers)
    assert answer.status_code == 400
