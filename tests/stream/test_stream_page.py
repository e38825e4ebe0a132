"""The stream page: every stored message can be found, history included, and says what it led to.

Found walking through: a feed entry written two days before its channel was connected is stored
as history (rightly, it opens no conversation), but no page showed it and the inbox search, which
reads conversations only, could not find it.
"""

from __future__ import annotations

import re
from datetime import timedelta
from email.utils import format_datetime

import pytest
from django.db import connection
from django.utils import formats, timezone

from animateur.channels.models import Channel
from animateur.channels.runner import poll_channel
from animateur.core.roles import Role
from animateur.inbox.models import Conversation
from animateur.stream import selectors
from animateur.stream.models import Message, Visibility
from tests.inbox.factories import inbound, other_channel, post_message


def feed(*entries: tuple[str, str, timedelta]) -> str:
    items = "".join(
        f"<item><title>{title}</title><link>https://news.example.org/{guid}</link><guid>{guid}</guid>"
        f"<pubDate>{format_datetime(timezone.now() - age)}</pubDate>"
        f"<description>{title}, un article sur Acme.</description></item>"
        for guid, title, age in entries
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Veille</title>{items}</channel></rss>'


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def row_of(html: str, message: Message) -> str:
    start = html.index(f'data-message="{message.pk}"')
    return html[start : html.index("</tr>", start)]


@pytest.fixture
def veille(workspace, replay):
    """An RSS channel connected now, whose feed has an entry of two days ago and one of this morning."""
    replay.add(
        "GET",
        "/feed.xml",
        body=feed(
            ("old", "Acme fête ses dix ans", timedelta(days=2)), ("new", "Acme rappelle un produit", timedelta(hours=2))
        ),
    )
    channel = Channel.objects.create(
        workspace=workspace, kind="rss", name="Veille", config={"url": replay.base + "/feed.xml"}
    )
    run = poll_channel(channel.pk)
    assert run is not None and run.ok and run.created == 2
    return channel


def test_a_message_kept_as_history_is_on_the_stream_page_saying_why_and_the_other_links_to_its_conversation(
    workspace, client_as, veille
):
    old = Message.objects.get(channel=veille, title="Acme fête ses dix ans")
    new = Message.objects.get(channel=veille, title="Acme rappelle un produit")
    assert not Conversation.objects.filter(root=old).exists()  # history: rightly no work
    page = client_as(workspace, Role.ANALYST).get("/app/stream/")
    assert page.status_code == 200
    html = page.content.decode()
    written = formats.date_format(timezone.localtime(old.created_at), "DATE_FORMAT")
    connected = formats.date_format(timezone.localtime(veille.created_at), "DATE_FORMAT")
    assert re.search(r"\d{1,2} [a-zéû]+ \d{4}", written)  # « 5 décembre 2026 »: words, not codes
    history_row = text_of(row_of(html, old))
    assert "Acme fête ses dix ans" in history_row
    assert (
        f"Conservé comme historique : écrit le {written}, avant la connexion du canal (le {connected})." in history_row
    )
    conversation = Conversation.objects.get(root=new)
    new_row = row_of(html, new)
    assert f'href="/app/inbox/c/{conversation.pk}/"' in new_row
    assert "A ouvert une conversation." in text_of(new_row)


def test_the_search_finds_history_too_whatever_the_accents_and_case(workspace, client_as, veille):
    client = client_as(workspace, Role.MANAGER)
    old = Message.objects.get(channel=veille, title="Acme fête ses dix ans")
    for query in ("FETE dix", "fête", "Fête ANS"):
        html = client.get("/app/stream/", {"q": query}).content.decode()
        assert f'data-message="{old.pk}"' in html, query
        assert "Acme rappelle un produit" not in html, query
    assert "Acme fête" not in client.get("/app/stream/", {"q": "fêtes anniversaire"}).content.decode()


def test_filters_on_channel_kind_visibility_language_dates_and_history(workspace, client_as, veille):
    client = client_as(workspace, Role.MANAGER)
    comment = inbound(workspace, "Where is my parcel?", parent=post_message(workspace), language="en")
    hidden = inbound(workspace, "Un commentaire masqué", parent=post_message(workspace))
    Message.objects.filter(pk=hidden.pk).update(visibility=Visibility.HIDDEN)
    old = Message.objects.get(channel=veille, title="Acme fête ses dix ans")
    new = Message.objects.get(channel=veille, title="Acme rappelle un produit")

    def shown(**params: str) -> set[int]:
        response = client.get("/app/stream/", params)
        assert response.status_code == 200, response.content.decode()[-500:]
        return {int(pk) for pk in re.findall(r'<tr data-message="(\d+)"', response.content.decode())}

    assert {old.pk, new.pk, comment.pk, hidden.pk} <= shown()
    assert shown(channel=str(veille.pk)) == {old.pk, new.pk}
    assert shown(history="yes") == {old.pk}
    assert old.pk not in shown(history="no") and new.pk in shown(history="no")
    assert shown(kind="mention", channel=str(veille.pk)) == {old.pk, new.pk}
    assert comment.pk not in shown(kind="mention")
    assert shown(visibility="hidden") == {hidden.pk}
    assert shown(language="en") == {comment.pk}
    # The days the entries were written on, not today's: two hours after midnight, « this morning's »
    # entry was written yesterday.
    new_day = timezone.localtime(new.created_at).date().isoformat()
    old_day = timezone.localtime(old.created_at).date().isoformat()
    assert old.pk not in shown(since=new_day) and new.pk in shown(since=new_day)
    assert shown(since=old_day, until=old_day, channel=str(veille.pk)) == {old.pk}


def test_pages_go_back_in_time_with_a_cursor_and_never_repeat_a_message(workspace, client_as, monkeypatch):
    monkeypatch.setattr(selectors, "PER_PAGE", 3)
    parent = post_message(workspace)
    now = timezone.now()
    made = [inbound(workspace, f"Message {i}", parent=parent, created_at=now - timedelta(minutes=i)) for i in range(7)]
    client = client_as(workspace, Role.MANAGER)
    seen: list[int] = []
    url, params = "/app/stream/", {"channel": str(made[0].channel_id)}
    for _ in range(5):
        html = client.get(url, params).content.decode()
        seen += [int(pk) for pk in re.findall(r'<tr data-message="(\d+)"', html)]
        following = re.search(r'rel="next" href="\?([^"]+)"', html)
        if not following:
            break
        params = dict(pair.split("=", 1) for pair in following.group(1).replace("&amp;", "&").split("&"))
        assert params["channel"] == str(made[0].channel_id)  # the filters stay on the next page
    expected = [m.pk for m in made] + [parent.pk]
    assert seen == expected


def test_bad_filters_are_refused_with_a_400_that_names_them(workspace, client_as, make_workspace):
    client = client_as(workspace, Role.MANAGER)
    foreign = other_channel(make_workspace("other", "Other"))
    cases = {
        "channel": ["999999999999999999999999999999", "-1", "abc", str(foreign.pk)],
        "before": ["999999999999999999999999999999", "-5", "x"],
        "since": ["hier", "2026-13-45"],
        "kind": ["nonsense"],
        "visibility": ["gone"],
        "history": ["maybe"],
        "q": ["x" * 201],
    }
    for name, values in cases.items():
        for value in values:
            response = client.get("/app/stream/", {name: value})
            assert response.status_code == 400, (name, value)
            html = response.content.decode()
            if name == "before":
                assert "Cette page de la liste n’existe pas" in html, value
            else:
                field = html[html.index(f'for="id_{name}"') :]
                assert 'class="error"' in field[: field.index("</div>")], (name, value)
    assert client.get("/app/stream/", {"q": "a\x00b"}).status_code == 400  # a NUL byte: refused, whoever says it
    response = client.get("/app/stream/", {"since": "2026-12-05", "until": "2026-12-01"})
    assert response.status_code == 400 and "La date de fin précède la date de début." in response.content.decode()


def test_another_workspaces_messages_are_never_listed_nor_searchable(workspace, client_as, make_workspace):
    other = make_workspace("other", "Other")
    inbound(other, "question secrète chez other", parent=post_message(other))
    mine = inbound(workspace, "question chez nous", parent=post_message(workspace))
    client = client_as(workspace, Role.OWNER)
    for params in ({}, {"q": "question"}, {"q": "secrète"}):
        html = client.get("/app/stream/", params).content.decode()
        assert "secrète" not in html.replace(f'value="{params.get("q", "")}"', "")
    assert f'data-message="{mine.pk}"' in client.get("/app/stream/", {"q": "question"}).content.decode()


def test_a_search_reads_a_bounded_window_of_recent_messages_and_dates_reach_further(workspace, client_as, monkeypatch):
    monkeypatch.setattr(selectors, "SEARCH_WINDOW", 3)
    parent = post_message(workspace)
    now = timezone.now()
    oldest = inbound(workspace, "Un vieux message sur la livraison", parent=parent, created_at=now - timedelta(days=30))
    for i in range(4):
        inbound(workspace, f"Récent {i}", parent=parent, created_at=now - timedelta(hours=i))
    client = client_as(workspace, Role.MANAGER)
    html = client.get("/app/stream/", {"q": "livraison"}).content.decode()
    assert f'data-message="{oldest.pk}"' not in html
    assert "La recherche a lu les messages les plus récents, jusqu’au" in html
    since = (timezone.localdate() - timedelta(days=40)).isoformat()
    until = (timezone.localdate() - timedelta(days=20)).isoformat()
    html = client.get("/app/stream/", {"q": "livraison", "since": since, "until": until}).content.decode()
    assert f'data-message="{oldest.pk}"' in html


def test_a_page_costs_the_same_few_queries_whatever_it_shows(workspace, client_as, django_assert_max_num_queries):
    parent = post_message(workspace)
    for i in range(30):
        inbound(workspace, f"Message {i}", parent=parent)
    client = client_as(workspace, Role.MANAGER)
    client.get("/app/stream/")  # sessions, caches
    with django_assert_max_num_queries(12):
        response = client.get("/app/stream/", {"q": "message"})
    assert response.status_code == 200
    assert response.content.decode().count('<tr data-message="') == 30


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
def test_the_listing_reads_the_workspace_time_index_not_the_whole_table(workspace):
    inbound(workspace, "Bonjour", parent=post_message(workspace))
    for filters in (selectors.StreamFilters(), selectors.StreamFilters(kind="comment", q="bonjour")):
        qs = selectors.newest_first(selectors.filtered(workspace, filters))
        plan = selectors.matching(qs, filters.q)[:51].explain()
        assert "USING INDEX stream_mess_workspa" in plan, plan
        assert "TEMP B-TREE" not in plan, plan  # read in order from the index, stopped after a page


def test_every_role_reads_the_stream_and_the_menu_links_to_it(workspace, client_as):
    for role in (Role.OWNER, Role.MANAGER, Role.MODERATOR, Role.ANALYST, Role.GUEST):
        client = client_as(workspace, role)
        response = client.get("/app/stream/")
        assert response.status_code == 200, role
        assert 'href="/app/stream/"' in response.content.decode()
        assert ">Tous les messages</a>" in response.content.decode()
