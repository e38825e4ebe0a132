"""A Discourse search that finds more new posts between two polls than a run reads keeps the rest as
a gap in its cursor, and the next runs read it: no post is lost (before, a run read 500 posts a term
at most and the older ones were never read)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest

from animateur.channels.connectors import listen
from animateur.channels.runner import poll_channel
from animateur.stream.models import Message
from tests.channels.test_listening_sources import listening_channel, search

PAGE = 3
START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


class Forum:
    """Posts of one term, newest first, 3 a page, one a day; `before:` keeps those of earlier days."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    def written(self, ident: int) -> datetime:
        return START + timedelta(days=ident - 100)

    def search(self, received) -> dict:
        params = parse_qs(received.query)
        words = params["q"][0].split()
        page = int(params.get("page", ["1"])[0])
        before = next((w.removeprefix("before:") for w in words if w.startswith("before:")), "")
        posts = [i for i in sorted(self.ids, reverse=True) if not before or self.written(i).date().isoformat() < before]
        shown = posts[(page - 1) * PAGE : page * PAGE]
        return {
            "posts": [
                {"id": i, "username": "marie", "name": "Marie", "created_at": self.written(i).isoformat(),
                 "blurb": f"Acme post {i}", "post_number": 1, "topic_id": i}
                for i in shown
            ],
            "topics": [{"id": i, "title": f"Topic {i}", "slug": f"topic-{i}"} for i in shown],
            "grouped_search_result": {"more_full_page_results": len(posts) > page * PAGE or None},
        }  # fmt: skip


@pytest.mark.django_db
def test_posts_beyond_a_run_s_pages_are_read_by_the_next_runs(workspace, replay, monkeypatch):
    monkeypatch.setattr(listen, "MAX_SEARCH_PAGES", 1)
    forum = Forum()
    forum.ids = list(range(101, 110))
    replay.add("GET", "/search.json", body=forum.search)
    for topic in range(101, 117):  # topics not readable whole: each post keeps its excerpt
        replay.add("GET", f"/t/{topic}/posts.json", status=403, body={"errors": ["private"]})
    search(workspace, "Acme", "acme")
    channel = listening_channel(workspace, "discourse_listen", {"forum_url": replay.base})

    def stored() -> set[int]:
        return {
            int(e.split("/")[0]) for e in Message.objects.filter(channel=channel).values_list("external_id", flat=True)
        }

    assert poll_channel(channel.pk).ok
    assert stored() == {107, 108, 109}  # a first read is one page: what was said before, as history
    forum.ids += list(range(110, 117))  # seven new posts: more than a run's page
    assert poll_channel(channel.pk).ok
    assert stored() == {107, 108, 109, 114, 115, 116}
    channel.refresh_from_db()
    gap = channel.cursor["search:acme"]["gap"]
    assert gap["above"] == 109 and gap["below"] == 114
    for _run in range(3):
        assert poll_channel(channel.pk).ok
    assert stored() == set(range(107, 117))
    channel.refresh_from_db()
    assert channel.cursor == {"search:acme": {"last_id": 116}}
    assert any("before%3A" in r.query for r in replay.requests("GET", "/search.json"))
