"""Every team page, in French, on a workspace with real-looking data, shows no code and no English.

Found walking through the app in French: « mon tue wed » (business hours), « mastodon / rss / site »
(channel kinds), « priorité → high » and « libellés → ['trolls'] » (a conversation's history),
« system:inbox », « space.post.create », « first-comment: first comment from this author ».
The world (tests/core/french_world.py) has a row for every kind of stored code; every GET page of
the team app is drawn with it and read by tests/untranslated.py.
"""

from __future__ import annotations

import itertools
import re

import pytest
from django.core.cache import cache
from django.test import Client

from animateur.channels.connectors import kinds
from animateur.channels.labels import CAPABILITY_LABELS, CAUSE_LABELS
from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.inbox.business_time import DAYS
from animateur.inbox.models import Notification, NotificationPreference, Priority, State
from animateur.moderation.labels import OUTCOME_LABELS, REASON_KINDS, TRUST_LEVEL_LABELS
from animateur.moderation.models import ReviewItem, Sanction, WordAction
from animateur.space.models import PostStatus
from animateur.stream.models import Kind, Visibility
from tests.core.french_world import build
from tests.core.test_permission_walk import team_views
from tests.untranslated import untranslated

# Pages that are not HTML pages for a person: a file to download, answers to scripts.
NOT_PAGES = {"inbox:response_times_csv", "inbox:saved_reply_search"}


def stored_codes() -> set[str]:
    """Every code animateur stores and could show: enum values, kinds, causes, levels, days, verbs, actors."""
    codes: set[str] = set()
    for choices in (State, Priority, Visibility, Kind, Role, PostStatus, WordAction, Sanction.Kind, ReviewItem.Status,
                    Notification.Kind, NotificationPreference.Email):
        codes.update(str(v) for v in choices.values)
    codes.update(kinds())
    codes.add("site")
    codes.update(CAPABILITY_LABELS, CAUSE_LABELS, TRUST_LEVEL_LABELS, OUTCOME_LABELS, REASON_KINDS, DAYS)
    codes.update({"paused", "needs_reconnection", "failing", "ok", "positive", "neutral", "negative"})
    codes.update(AuditEvent.objects.values_list("verb", flat=True))
    codes.update(AuditEvent.objects.values_list("actor", flat=True))
    # A few codes are also the French word, spelt the same: showing them is not a missing translation.
    return codes - {"normal", "positive", "date", "post", "spam"}


@pytest.fixture
def world(workspace, make_user):
    cache.clear()
    return build(workspace, make_user)


def team_pages(ids: dict[str, list]) -> list[tuple[str, str]]:
    """(name, path) of every GET page of the team app, once per object of the world it can show."""
    pages = []
    for name, route, callback in team_views():
        if getattr(callback, "required_permission", None) is None or name in NOT_PAGES:
            continue
        params = re.findall(r"<(?:\w+:)?(\w+)>", route)
        for combo in itertools.product(*(ids.get(p, []) for p in params)):
            path = "/" + route
            for param, value in zip(params, combo, strict=True):
                path = re.sub(rf"<(?:\w+:)?{param}>", str(value), path)
            pages.append((name, path))
    return pages


def test_every_team_page_in_french_shows_no_stored_code_and_no_english(world):
    codes = stored_codes()
    client = Client()
    client.force_login(world["owner"])
    problems, read = [], 0
    for name, path in team_pages(world["ids"]):
        response = client.get(path, follow=True)
        if response.status_code == 405:
            continue  # a form's target, reached by POST only
        assert response.status_code == 200, f"{name} {path}: {response.status_code}"
        if "text/html" not in response.get("Content-Type", ""):
            continue
        read += 1
        for problem in untranslated(response.content.decode(), codes):
            problems.append(f"{path}: {problem}")
    assert read > 50
    assert not problems, "\n".join(problems)


def test_the_detector_finds_what_the_walkthrough_found():
    """The four kinds of leak the walkthrough met, each on a page of its own: each one is reported."""
    codes = {"high", "mon", "tue", "wed", "site", "system:inbox", "unreachable"}
    pages = {
        "<label>mon</label><label>tue</label><label>wed</label>": "« mon »",
        "<li>a changé la priorité → high</li>": "« high »",
        "<li>a changé les libellés → [&#x27;trolls&#x27;]</li>": "« ['",
        "<li>07/12/2026 · system:inbox · a ouvert la conversation</li>": "« system:inbox »",
        "<li><code>space.post.create</code></li>": "« space.post.create »",
        "<li>first-comment: first comment from this author</li>": "English « first »",
        "<th>2026-W50</th>": "« 2026-W50 »",
        '<span class="channel">site</span>': "« site »",
        '<button title="Assign to me">M’assigner</button>': "English « Assign »",
    }
    for html, expected in pages.items():
        found = untranslated(html, codes)
        assert any(expected in f for f in found), (html, found)
    clean = (
        "<p>Mon compte · Sur l’article « Nos ateliers » · site de la communauté · semaine du 7 déc. 2026</p>"
        "<p>Placez <code>&lt;!--more--&gt;</code> · <kbd>Entrée</kbd> · <small lang=\"en\">timed out</small></p>"
        '<p>Un message est arrivé <code translate="no">message.received</code></p>'
    )
    assert untranslated(clean, codes) == []
