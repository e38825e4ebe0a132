"""Spikes: found against each search's own baseline (with the week's rhythm), explained, announced
once; a crisis room turns one into the team's work."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.listening import actions, spikes, watch
from animateur.listening.matcher import Doc, compile_query
from animateur.listening.models import Crisis, SearchMatch, Spike, SpikeState

MONDAY = datetime(2026, 1, 5, tzinfo=UTC)


def hourly(counts_by_hour):
    """Match times: for each (hour offset, count), that many matches in that hour."""
    return [MONDAY + timedelta(hours=h, minutes=i % 60) for h, n in counts_by_hour for i in range(n)]


def test_a_burst_far_above_the_baseline_is_a_spike():
    quiet = [(h, 1) for h in range(0, 24 * 14, 3)]
    found = spikes.find_spikes(hourly([*quiet, (24 * 14 + 5, 25)]), spikes.HOUR)
    assert [(f.starts_at, f.count) for f in found] == [(MONDAY + timedelta(hours=24 * 14 + 5), 25)]
    assert found[0].expected < 2


def test_what_comes_every_monday_morning_is_not_news():
    # 20 matches every Monday at 9 for five weeks, 1 every third hour otherwise.
    weekly = [(24 * 7 * w + 9, 20) for w in range(5)]
    quiet = [(h, 1) for h in range(0, 24 * 7 * 5, 3) if h % (24 * 7) != 9]
    found = spikes.find_spikes(hourly(weekly + quiet), spikes.HOUR, since=MONDAY + timedelta(weeks=3))
    assert found == []


def test_a_small_count_is_never_a_spike_however_quiet_before():
    quiet = [(h, 1) for h in range(0, 24 * 14, 24)]
    assert spikes.find_spikes(hourly([*quiet, (24 * 14 + 2, 4)]), spikes.HOUR) == []


def test_neighbouring_hours_make_one_spike():
    quiet = [(h, 1) for h in range(0, 24 * 14, 4)]
    found = spikes.find_spikes(hourly([*quiet, (24 * 14 + 1, 15), (24 * 14 + 2, 18)]), spikes.HOUR)
    assert len(found) == 1 and found[0].count == 33
    assert found[0].ends_at - found[0].starts_at == timedelta(hours=2)


def test_drivers_say_what_grew_beyond_its_share():
    before, during = spikes.Facets(), spikes.Facets()
    for _ in range(40):
        before.add(["greve", "train", "retard"], "ana", [], "site")
    for i in range(20):
        during.add(["greve", "train", "sncf", "boycott"], "bob" if i < 12 else "ana", ["petition.fr"], "mastodon")
    explained = spikes.drivers(during, before, skip_terms=["greve"])
    assert [row[0] for row in explained["terms"]] == ["boycott", "sncf"]
    assert explained["authors"][0][:2] == ["bob", 12]
    assert explained["links"] == [["petition.fr", 20, 0.0]]
    assert explained["channels"] == [["mastodon", 20, 0.0]]


# --- a replayed real stream --------------------------------------------------------------------

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "interactions"
_TAG = re.compile(r"<[^>]+>")


def _posts(site: str):
    # A known public dump, read-only beside the project: no entities to fear.
    for _event, row in ET.iterparse(DATA / f"stackexchange-{site}" / "Posts.xml"):  # noqa: S314
        if row.tag == "row" and row.get("PostTypeId") in ("1", "2"):
            text = html.unescape(_TAG.sub(" ", row.get("Body", "")))
            when = datetime.fromisoformat(row.get("CreationDate", "")).replace(tzinfo=UTC)
            yield when, Doc.of(text, title=row.get("Title", ""), author=f"user{row.get('OwnerUserId')}",
                               channel_name=f"{site}.stackexchange.com")  # fmt: skip
        row.clear()


@pytest.mark.skipif(not DATA.is_dir(), reason="needs ../shared/data/interactions (Stack Exchange dumps)")
def test_on_real_stack_exchange_posts_the_coffee_site_launch_is_a_spike_of_brewing_explained_by_coffee():
    """Beer and Coffee Stack Exchange replayed as one stream: « brew* » talk is steady on the beer
    site until the coffee site opens (January 2015), where brewing coffee floods in."""
    query = compile_query("beer* OR brew*")
    matched = [(when, doc) for site in ("beer", "coffee") for when, doc in _posts(site) if query.matches(doc)]
    assert len(matched) > 1000
    found = spikes.find_spikes([when for when, _doc in matched], spikes.DAY)
    launch = [f for f in found if f.starts_at.date().isoformat().startswith("2015-01")]
    assert launch, [f.starts_at for f in found]
    spike = launch[0]
    during, before = spikes.Facets(), spikes.Facets()
    for when, doc in matched:
        target = during if spike.starts_at <= when < spike.ends_at else before
        if target is during or spike.starts_at - timedelta(days=28) <= when < spike.starts_at:
            target.add(doc.words, " ".join(doc.author_words), doc.hosts, " ".join(doc.channel_words))
    explained = spikes.drivers(during, before, skip_terms=["beer", "brew"])
    assert "coffee" in [row[0] for row in explained["terms"][:3]]
    assert explained["channels"][0][0] == "coffee stackexchange com"


# --- stored spikes, alerts and crisis rooms ----------------------------------------------------


@pytest.fixture
def search(workspace, make_user):
    owner = make_user("olivia@example.org", workspace, Role.OWNER)
    return actions.do_create_search(workspace, "Grève", "greve", actor=owner)


def _store_matches(search, moments):
    from tests.inbox.factories import inbound

    for index, when in enumerate(moments):
        message = inbound(
            search.workspace,
            f"grève {'sncf boycott' if when > timezone.now() - timedelta(hours=3) else 'train'} {index}",
            created_at=when,
        )
        SearchMatch.objects.get_or_create(search=search, message=message, defaults={"created_at": when})


@pytest.mark.django_db
def test_a_live_spike_is_stored_explained_and_announced_once(search, mailoutbox, django_capture_on_commit_callbacks):
    now = timezone.now().replace(minute=30)
    quiet = [now - timedelta(hours=h) for h in range(4, 24 * 3, 6)]
    burst = [now - timedelta(minutes=m) for m in range(12)]
    _store_matches(search, quiet + burst)
    search.history_done_at = timezone.now()
    search.save()
    with django_capture_on_commit_callbacks(execute=True):
        first = watch.check_workspace(search.workspace_id)
    with django_capture_on_commit_callbacks(execute=True):
        again = watch.check_workspace(search.workspace_id)
    assert len(first) == 1 and again == []
    spike = Spike.objects.get()
    assert spike.state == SpikeState.NEW and spike.count >= 12
    assert [row[0] for row in spike.explanation["terms"]][:2] == ["boycott", "sncf"]
    assert len(mailoutbox) == 1 and "Grève" in mailoutbox[0].subject
    assert AuditEvent.objects.filter(verb="listening.spike.found").count() == 1


@pytest.mark.django_db
def test_a_crisis_room_is_opened_from_a_spike_with_its_log(search, client_as, workspace):
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    _store_matches(search, [start + timedelta(minutes=m) for m in range(6)])
    spike = actions.do_record_spike(
        search, start, start + timedelta(hours=1), 6, 0.5, {"terms": [["sncf", 6, 0.0]]}, actor=watch.LISTENING
    )
    client = client_as(workspace, Role.MODERATOR)
    page = client.get(f"/app/listening/spikes/{spike.pk}/")
    assert page.status_code == 200 and "sncf" in page.content.decode()
    # Its messages are listed once, by priority, and never as the page's notices.
    assert 'class="flash"' not in page.content.decode()
    assert page.content.decode().count("data-message=") == 6
    opened = client.post(f"/app/listening/spikes/{spike.pk}/crisis/")
    crisis = Crisis.objects.get(spike=spike)
    assert opened.status_code == 302 and opened["Location"].endswith(f"/crises/{crisis.pk}/")
    room = client.get(f"/app/listening/crises/{crisis.pk}/")
    assert room.status_code == 200 and room.context["total"] == 6
    client.post(f"/app/listening/crises/{crisis.pk}/", {"text": "Réponse publiée, standard prévenu"})
    assert list(crisis.notes.values_list("text", flat=True)) == ["Réponse publiée, standard prévenu"]
    empty = client.post(f"/app/listening/crises/{crisis.pk}/", {"text": "  "})
    assert empty.status_code == 400
    spike.refresh_from_db()
    assert spike.state == SpikeState.CRISIS
    # Opened again, it is the same room.
    client.post(f"/app/listening/spikes/{spike.pk}/crisis/")
    assert Crisis.objects.count() == 1


@pytest.mark.django_db
def test_a_crisis_makes_the_inbox_conversations_of_its_messages_urgent(search, client_as, workspace):
    from animateur.inbox.models import Conversation
    from tests.inbox.factories import inbound, post_message

    start = timezone.now().replace(minute=0, second=0, microsecond=0)
    question = inbound(
        workspace,
        "grève : vous répondez quand ?",
        parent=post_message(workspace),
        created_at=start + timedelta(minutes=1),
    )
    SearchMatch.objects.get_or_create(search=search, message=question, defaults={"created_at": question.created_at})
    spike = actions.do_record_spike(search, start, start + timedelta(hours=1), 5, 0.5, {}, actor=watch.LISTENING)
    crisis = actions.do_open_crisis(spike, actor=watch.LISTENING)
    client = client_as(workspace, Role.MANAGER)
    assert client.post(f"/app/listening/crises/{crisis.pk}/prioritize/").status_code == 302
    assert Conversation.objects.get(root=question).priority == "urgent"
