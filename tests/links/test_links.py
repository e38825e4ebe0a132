"""Tracked links: the redirect counts clicks (not link previews), UTM per channel, the text rewriting,
the team's page and the API."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.utils import timezone

from animateur.api.actions import do_create_api_token
from animateur.core.actions import ActionError, SystemActor
from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.links import clicks
from animateur.links.actions import do_create_tracked_link, do_track_links_in_text, short_url
from animateur.links.models import LinkClickDay, TrackedLink
from animateur.links.utm import with_utm
from tests.channels.factories import mastodon_channel

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
MASTODON = "http.rb/5.1.1 (Mastodon/4.3.2; +https://mastodon.example/) Bot"


def test_utm_parameters_are_added_unless_present():
    assert (
        with_utm("https://example.org/p?a=1#top", source="mastodon", medium="social", campaign="noel")
        == "https://example.org/p?a=1&utm_source=mastodon&utm_medium=social&utm_campaign=noel#top"
    )
    assert (
        with_utm("https://example.org/?utm_source=mine", source="mastodon", medium="social", campaign="")
        == "https://example.org/?utm_source=mine&utm_medium=social"
    )
    assert with_utm("https://example.org/", source="", medium="", campaign="") == "https://example.org/"


def test_an_invisible_character_ends_a_url():
    from animateur.links.actions import urls_in

    assert urls_in("Voir http://www.gofundme.com/Angels\ufeff et https://a.org/x\u200b.") == [
        "http://www.gofundme.com/Angels",
        "https://a.org/x",
    ]


def test_preview_fetchers_and_robots_are_not_clicks():
    assert clicks.is_preview_fetcher(MASTODON)
    assert clicks.is_preview_fetcher("Bluesky Cardyb/1.1")
    assert clicks.is_preview_fetcher("facebookexternalhit/1.1")
    assert not clicks.is_preview_fetcher(BROWSER)
    assert clicks.UPSERT_DAY.count(LinkClickDay._meta.db_table) == 2


@pytest.mark.django_db
def test_the_redirect_counts_a_click_and_a_preview_fetcher_does_not(client, workspace, make_user):
    owner = make_user("o@example.org", workspace, Role.OWNER)
    channel = mastodon_channel(workspace, "https://mastodon.example")
    link = do_create_tracked_link(workspace, "https://example.org/p", channel=channel, campaign="noel", actor=owner)
    assert link.target == "https://example.org/p?utm_source=mastodon&utm_medium=social&utm_campaign=noel"
    assert len(link.code) == 8 and link.code.isalnum()
    assert short_url(link).endswith(f"/l/{link.code}")

    response = client.get(f"/l/{link.code}", HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 302 and response["Location"] == link.target
    assert "no-cache" in response["Cache-Control"] and response["Referrer-Policy"]
    client.get(f"/l/{link.code}", HTTP_USER_AGENT=BROWSER)
    client.get(f"/l/{link.code}", HTTP_USER_AGENT=MASTODON)
    client.head(f"/l/{link.code}", HTTP_USER_AGENT=BROWSER)
    link.refresh_from_db()
    assert link.clicks == 2 and link.last_clicked_at is not None
    assert LinkClickDay.objects.get(link=link, day=timezone.now().date()).count == 2
    assert client.get("/l/zzzzzzzz").status_code == 404
    # Counting is no team action: only the creation was recorded.
    assert AuditEvent.objects.filter(verb__startswith="links.").count() == 1


@pytest.mark.django_db
def test_a_bad_url_is_refused_with_a_translated_error(workspace, make_user, client_as):
    owner = make_user("o@example.org", workspace, Role.OWNER)
    for bad in ("javascript:alert(1)", "ftp://example.org/f", "example.org", "https://" + "a" * 2000 + ".org"):
        with pytest.raises(ActionError):
            do_create_tracked_link(workspace, bad, actor=owner)
    client = client_as(workspace, Role.MANAGER)
    response = client.post("/app/links/", {"url": "javascript:alert(1)"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    assert "n’est pas une adresse web" in response.content.decode()
    assert not TrackedLink.objects.exists()


@pytest.mark.django_db
def test_the_page_creates_lists_and_deletes(workspace, client_as):
    client = client_as(workspace, Role.MANAGER)
    channel = mastodon_channel(workspace, "https://mastodon.example")
    created = client.post("/app/links/", {"url": "https://example.org/x", "channel": channel.pk, "campaign": "c"})
    assert created.status_code == 302
    link = TrackedLink.objects.get()
    assert link.channel == channel and "utm_campaign=c" in link.target
    page = client.get("/app/links/")
    assert page.status_code == 200 and link.code in page.content.decode()
    assert client.post(f"/app/links/{link.pk}/delete/").status_code == 302
    assert not TrackedLink.objects.exists()
    analyst = client_as(workspace, Role.ANALYST)
    assert analyst.get("/app/links/").status_code == 200
    assert analyst.post("/app/links/", {"url": "https://example.org/"}).status_code == 403


@pytest.mark.django_db
def test_a_foreign_workspaces_link_cannot_be_deleted(workspace, make_workspace, make_user, client_as):
    other = make_workspace("other", "Other")
    stranger = make_user("s@example.org", other, Role.OWNER)
    foreign = do_create_tracked_link(other, "https://example.org/", actor=stranger)
    client = client_as(workspace, Role.OWNER)
    assert client.post(f"/app/links/{foreign.pk}/delete/").status_code == 404
    user = make_user("api@example.org", workspace, Role.OWNER)
    _token, key = do_create_api_token(workspace, user, "t", actor=SystemActor("tests"))
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert client.delete(f"/api/links/{foreign.pk}", **headers).status_code == 404
    assert client.get(f"/api/links/{foreign.pk}", **headers).status_code == 404
    assert TrackedLink.objects.filter(pk=foreign.pk).exists()
    # Nor followed from another workspace's domain; it is followed on its own.
    assert client.get(f"/l/{foreign.code}").status_code == 404
    assert short_url(foreign).endswith(f"/w/other/l/{foreign.code}")
    assert client.get(f"/w/other/l/{foreign.code}", HTTP_USER_AGENT=BROWSER).status_code == 302


@pytest.mark.django_db
def test_the_api_creates_lists_and_gives_clicks_by_day(client, workspace, make_user):
    user = make_user("api@example.org", workspace, Role.MANAGER)
    _token, key = do_create_api_token(workspace, user, "t", actor=SystemActor("tests"))
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    bad = client.post("/api/links", {"url": "nope"}, content_type="application/json", **headers)
    assert bad.status_code == 400
    made = client.post(
        "/api/links", {"url": "https://example.org/", "campaign": "c"}, content_type="application/json", **headers
    )
    assert made.status_code == 201
    body = made.json()
    link = TrackedLink.objects.get(pk=body["id"])
    LinkClickDay.objects.create(link=link, day=date(2026, 12, 1), count=3)
    LinkClickDay.objects.create(link=link, day=date(2026, 12, 3), count=1)
    detail = client.get(f"/api/links/{link.pk}", **headers).json()
    assert detail["days"] == [{"day": "2026-12-01", "clicks": 3}, {"day": "2026-12-03", "clicks": 1}]
    assert [row["id"] for row in client.get("/api/links", **headers).json()] == [link.pk]
    assert client.delete(f"/api/links/{link.pk}", **headers).status_code == 204
    assert not TrackedLink.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_click_day_upsert_adds_on_this_database(workspace, make_user):
    owner = make_user("o@example.org", workspace, Role.OWNER)
    link = do_create_tracked_link(workspace, "https://example.org/", actor=owner)
    for _ in range(3):
        clicks.count_click(link)
    assert LinkClickDay.objects.get(link=link).count == 3, connection.vendor


@pytest.mark.django_db
def test_a_text_keeps_its_words_and_its_two_links_are_tracked(workspace, make_user, django_capture_on_commit_callbacks):
    owner = make_user("o@example.org", workspace, Role.OWNER)
    channel = mastodon_channel(workspace, "https://mastodon.example")
    text = "Notre programme (https://example.org/prog), et l’inscription : https://example.org/i?x=1. À bientôt !"
    with django_capture_on_commit_callbacks(execute=True):
        out = do_track_links_in_text(workspace, text, channel=channel, campaign="noel", actor=owner)
    first, second = TrackedLink.objects.order_by("pk")
    assert out == (f"Notre programme ({short_url(first)}), et l’inscription : {short_url(second)}. À bientôt !")
    assert first.target == "https://example.org/prog?utm_source=mastodon&utm_medium=social&utm_campaign=noel"
    assert second.target == "https://example.org/i?x=1&utm_source=mastodon&utm_medium=social&utm_campaign=noel"
    assert AuditEvent.objects.filter(verb="links.text.track").count() == 1
    assert not AuditEvent.objects.filter(verb="links.link.create").exists()
    # Already tracked links and a text without links are left as they are.
    assert do_track_links_in_text(workspace, out, channel=channel, actor=owner) == out
    assert do_track_links_in_text(workspace, "Pas de lien.", channel=channel, actor=owner) == "Pas de lien."
    assert TrackedLink.objects.count() == 2


@pytest.mark.django_db
def test_the_helper_runs_inside_a_callers_transaction_and_records_nothing(workspace, make_user):
    from django.db import transaction

    from animateur.links.actions import track_links_in_text

    owner = make_user("o@example.org", workspace, Role.OWNER)
    with transaction.atomic():
        out = track_links_in_text(workspace, "Voir https://example.org/a !", channel=None, actor=owner)
    link = TrackedLink.objects.get()
    assert out == f"Voir {short_url(link)} !"
    assert not AuditEvent.objects.filter(verb__startswith="links.").exists()
