"""The KPIs read from listening and publishing (share of voice, reach, replies to published posts),
and objectives narrowed to channels, saved searches or segments."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from animateur.channels.site import site_channel
from animateur.core.actions import ActionError
from animateur.core.roles import Role
from animateur.listening.actions import do_create_search
from animateur.listening.models import SearchRole
from animateur.members.actions import do_save_segment
from animateur.publishing import actions as publishing
from animateur.publishing.models import PublicationTarget
from animateur.reports import actions
from animateur.reports.actions import ObjectiveScope
from animateur.reports.kpis import KPIS
from animateur.reports.objectives import progress, progress_of
from animateur.reports.periods import last_days
from animateur.reports.rollup import Scope, scoped
from animateur.stream.counts import Counts, update_counts
from animateur.stream.models import Kind, Message
from tests.channels.factories import mastodon_channel
from tests.channels.replay import FIXTURES
from tests.reports.test_reports import said

pytestmark = pytest.mark.django_db
STATUS_ID = "117020583245459824"  # the recorded status of POST /api/v1/statuses


@pytest.fixture
def manager(workspace, make_user):
    return make_user("camille@example.org", workspace, Role.MANAGER, display_name="Camille")


@pytest.fixture
def owner(workspace, make_user):
    return make_user("owner@example.org", workspace, Role.OWNER, display_name="Olivia")


def test_share_of_voice_compares_the_organisations_searches_with_its_competitors(workspace, manager):
    week = last_days(workspace, 7)
    ours = do_create_search(workspace, "Acme", "acme", role=SearchRole.OWN, actor=manager)
    assert KPIS["share_of_voice"].compute(workspace, week) is None  # no competitor: nothing to compare
    do_create_search(workspace, "Globex", "globex", role=SearchRole.COMPETITOR, actor=manager)
    do_create_search(workspace, "Vélo", "vélo", role=SearchRole.TOPIC, actor=manager)  # a topic is neither side
    assert KPIS["share_of_voice"].compute(workspace, week) is None  # nothing heard yet: not a zero
    site = site_channel(workspace)
    said(site, "J'adore acme", author="Ana")
    said(site, "acme encore, et le vélo", author="Bruno")
    said(site, "acme ou globex ?", author="Chloé")  # heard on both sides
    said(site, "globex est moins cher", author="Dan")
    said(site, "acme", author="Eve", days_ago=20)  # before the week
    # ours: 3 messages, theirs: 2 messages → 3 / 5
    assert KPIS["share_of_voice"].compute(workspace, week) == pytest.approx(0.6)
    with scoped(Scope(searches=frozenset({ours.pk}))):  # one side only chosen: nothing to compare
        assert KPIS["share_of_voice"].compute(workspace, week) is None


def _publish_on_mastodon(workspace, owner, replay, followers):
    data = json.loads((FIXTURES / "mastodon" / "post_status.json").read_text())
    body = json.loads(data["body"])
    body["account"]["followers_count"] = followers
    replay.add("POST", "/api/v1/statuses", body=json.dumps(body), headers={"Content-Type": "application/json"})
    channel = mastodon_channel(workspace, replay.base)
    publication = publishing.do_save_publication(workspace, "Toot, finally!", [channel.pk], actor=owner)
    publishing.do_publish_publication(publication, actor=owner)
    return channel


def test_reach_and_replies_of_a_published_post_are_read_from_what_the_network_said(workspace, owner, replay):
    week = last_days(workspace, 7)
    assert KPIS["reach"].compute(workspace, week) is None  # nothing published: unknown, not zero
    assert KPIS["engagement"].compute(workspace, week) == 0
    channel = _publish_on_mastodon(workspace, owner, replay, followers=1234)
    assert KPIS["reach"].compute(workspace, week) == 1234
    assert KPIS["reach"].compute(workspace, week.previous()) is None
    reply = said(channel, "@acme bravo !", author="Ana", parent=STATUS_ID, kind=Kind.REPLY)
    said(channel, "@ana oui !", author="Bruno", parent=reply.external_id, kind=Kind.REPLY)  # deeper in the thread
    said(channel, "Sans rapport", author="Chloé")  # not under the post
    team = said(channel, "@ana merci !", author="Acme", parent=reply.external_id, kind=Kind.REPLY)
    Message.objects.filter(pk=team.pk).update(from_organisation=True)  # the team's answer, read back: not counted
    assert KPIS["engagement"].compute(workspace, week) == 2
    with scoped(Scope(channels=frozenset({site_channel(workspace).pk}))):  # another channel: not counted
        assert KPIS["engagement"].compute(workspace, week) == 0
        assert KPIS["reach"].compute(workspace, week) is None


def test_the_reactions_and_shares_of_the_posts_published_in_the_period_count_as_engagement(workspace, owner, replay):
    week = last_days(workspace, 7)
    channel = _publish_on_mastodon(workspace, owner, replay, followers=10)
    post = Message.objects.get(channel=channel, external_id=STATUS_ID)
    assert post.reaction_count is None  # not read yet: the channel's next run reads it (runner.refresh_counts)
    said(channel, "@acme bravo !", author="Ana", parent=STATUS_ID, kind=Kind.REPLY)
    # The post read again later: 5 favourites, 2 boosts.
    update_counts(channel, {STATUS_ID: Counts.of({"favourite": 5}, shares=2)})
    assert KPIS["engagement"].compute(workspace, week) == 1 + 5 + 2
    # Published before the period: its reactions are not this period's (its replies of the period are).
    PublicationTarget.objects.filter(message=post).update(sent_at=week.start - timedelta(days=3))
    assert KPIS["engagement"].compute(workspace, week) == 1


def test_the_new_kpis_are_in_the_report_with_their_definitions(workspace, manager, client):
    client.force_login(manager)
    page = client.get("/app/reports/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    for key in ("share_of_voice", "reach", "engagement"):
        assert str(KPIS[key].label) in page
    assert "Part de voix" in page and "Portée des publications" in page and "Engagement des publications" in page
    assert "les réactions (j’aime, favoris …) et partages" in page
    assert "ou un concurrent" in page  # the definition is shown beside the figure


@pytest.fixture
def two_channels(workspace, replay):
    site = site_channel(workspace)
    social = mastodon_channel(workspace, replay.base)
    said(site, "Question sur le site", author="Ana")
    said(site, "Merci !", author="Bruno")
    said(social, "acme sur Mastodon", author="Chloé")
    return site, social


def test_an_objective_narrowed_to_a_channel_counts_that_channel_only(workspace, manager, two_channels):
    site, social = two_channels
    everywhere = actions.do_create_objective(workspace, "Partout", "volume", "at_least", 3, 7, actor=manager)
    on_social = actions.do_create_objective(
        workspace, "Mastodon", "volume", "at_least", 3, 7, actor=manager, scope=ObjectiveScope(channels=[social])
    )
    both = progress_of([everywhere, on_social])
    assert [p.value for p in both] == [3, 1]
    assert both[0].met and not both[1].met
    members = actions.do_create_objective(
        workspace, "Actifs site", "active_members", "at_least", 1, 7, actor=manager, scope=ObjectiveScope([site])
    )
    assert progress(members).value == 2


def test_the_api_sets_and_shows_an_objectives_scope_and_refuses_ids_of_other_workspaces(
    workspace, manager, two_channels, client, make_workspace
):
    from animateur.api.actions import do_create_api_token

    site, social = two_channels
    elsewhere = site_channel(make_workspace("ailleurs"))
    _token, key = do_create_api_token(workspace, manager, "t", actor=manager)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    body = {"name": "Mastodon", "kpi": "volume", "comparison": "at_least", "target": 3, "period_days": 7}
    created = client.post("/api/reports/objectives", {**body, "channels": [social.pk]}, "application/json", **auth)
    assert created.status_code == 201, created.content
    assert created.json()["channels"] == [social.pk] and created.json()["value"] == 1
    objective_id = created.json()["id"]
    renamed = client.put(
        f"/api/reports/objectives/{objective_id}", {**body, "name": "Sur Mastodon"}, "application/json", **auth
    )
    assert renamed.json()["channels"] == [social.pk]  # left out: kept
    widened = client.put(
        f"/api/reports/objectives/{objective_id}", {**body, "channels": []}, "application/json", **auth
    )
    assert widened.json()["channels"] == [] and widened.json()["value"] == 3
    for ids in ([elsewhere.pk], [2**70], [site.pk, 987654]):
        refused = client.put(
            f"/api/reports/objectives/{objective_id}", {**body, "channels": ids}, "application/json", **auth
        )
        assert refused.status_code == 400 and "channel" in refused.json()["detail"]
    narrowed_kpi = client.post(
        "/api/reports/objectives",
        {**body, "name": "Clics", "kpi": "link_clicks", "channels": [site.pk]},
        "application/json",
        **auth,
    )
    assert narrowed_kpi.status_code == 400  # this KPI cannot be narrowed to channels
    listed = client.get("/api/reports/objectives", **auth).json()
    assert [(o["name"], o["channels"]) for o in listed] == [("Mastodon", [])]


def test_a_channel_scope_reads_the_closed_days_figures_by_channel(workspace, manager, replay):
    from animateur.reports.models import DayFigures

    site = site_channel(workspace)
    social = mastodon_channel(workspace, replay.base)
    said(site, "Avant-hier sur le site", author="Ana", days_ago=2)
    said(social, "Avant-hier sur Mastodon", author="Bruno", days_ago=2)
    said(social, "Encore", author="Chloé", days_ago=2)
    week = last_days(workspace, 7)
    assert KPIS["volume"].compute(workspace, week) == 3  # counts the closed days and keeps them
    assert DayFigures.objects.filter(workspace=workspace).exists()
    with scoped(Scope(channels=frozenset({social.pk}))):
        assert KPIS["volume"].compute(workspace, week) == 2
        assert KPIS["active_members"].compute(workspace, week) == 2
    with scoped(Scope(channels=frozenset({site.pk}))):
        assert KPIS["active_members"].compute(workspace, week) == 1
    said(site, "Un message arrivé en retard", author="Dan", days_ago=2)  # the day is counted again
    with scoped(Scope(channels=frozenset({site.pk}))):
        assert KPIS["volume"].compute(workspace, week) == 2


def test_an_objective_narrowed_to_a_search_or_a_segment(workspace, manager, replay):
    search = do_create_search(workspace, "Acme", "acme", role=SearchRole.OWN, actor=manager)
    site = site_channel(workspace)
    said(site, "acme est super", author="Ana")
    said(site, "rien à voir", author="Ana")
    said(site, "acme encore", author="Bruno")
    said(site, "bof", author="Chloé")
    heard = actions.do_create_objective(
        workspace, "Acme", "volume", "at_least", 1, 7, actor=manager, scope=ObjectiveScope(searches=[search])
    )
    assert progress(heard).value == 2
    anas = do_save_segment(workspace, "Ana", "q=Ana", actor=manager)
    by_ana = actions.do_create_objective(
        workspace, "Ana", "volume", "at_least", 1, 7, actor=manager, scope=ObjectiveScope(segments=[anas])
    )
    assert progress(by_ana).value == 2
    both = actions.do_create_objective(
        workspace, "Ana et acme", "volume", "at_least", 1, 7, actor=manager, scope=ObjectiveScope([], [search], [anas])
    )
    assert progress(both).value == 1  # the parts narrow together
    assert progress(both).value != progress(by_ana).value


def test_a_scope_is_refused_when_the_kpi_cannot_be_narrowed_or_belongs_elsewhere(workspace, manager, make_workspace):
    site = site_channel(workspace)
    other_workspace = make_workspace("autre", "Autre")
    with pytest.raises(ActionError, match="ne peut pas être restreint"):
        actions.do_create_objective(
            workspace, "Clics", "link_clicks", "at_least", 1, 7, actor=manager, scope=ObjectiveScope([site])
        )
    elsewhere = site_channel(other_workspace)
    with pytest.raises(ActionError, match="autre espace"):
        actions.do_create_objective(
            workspace, "Volume", "volume", "at_least", 1, 7, actor=manager, scope=ObjectiveScope([elsewhere])
        )


def test_the_scope_is_set_from_the_objectives_page_and_shown_on_the_home_page(workspace, manager, client, replay):
    site = site_channel(workspace)
    social = mastodon_channel(workspace, replay.base)
    said(social, "Bonjour", author="Ana")
    client.force_login(manager)
    form = client.get("/app/reports/objectives/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Seulement ces canaux" in form and "Toujours tout l’espace" in form
    answer = client.post(
        "/app/reports/objectives/",
        {"name": "Mastodon vivant", "kpi": "volume", "comparison": "at_least", "target": "1", "period_days": "7",
         "channels": [str(social.pk)]},
        HTTP_ACCEPT_LANGUAGE="fr",
    )  # fmt: skip
    assert answer.status_code == 302
    objective = workspace.objectives.get(name="Mastodon vivant")
    assert list(objective.channels.all()) == [social]
    home = client.get("/app/", HTTP_ACCEPT_LANGUAGE="fr", follow=True).content.decode()
    assert "Périmètre" in home and f"« {social.name} »" in home and f"« {site.name} »" not in home
    refused = client.post(
        "/app/reports/objectives/",
        {"name": "Clics", "kpi": "link_clicks", "comparison": "at_least", "target": "1", "period_days": "7",
         "channels": [str(social.pk)]},
        HTTP_ACCEPT_LANGUAGE="fr",
    )  # fmt: skip
    assert refused.status_code == 400 and "ne peut pas être restreint" in refused.content.decode()
    unknown = client.post(
        "/app/reports/objectives/",
        {"name": "X", "kpi": "volume", "comparison": "at_least", "target": "1", "period_days": "7",
         "channels": ["99999999999999999999999"]},
        HTTP_ACCEPT_LANGUAGE="fr",
    )  # fmt: skip
    assert unknown.status_code == 400


def test_the_publication_page_shows_the_posts_reactions_and_shares_in_french(workspace, owner, replay, client):
    channel = _publish_on_mastodon(workspace, owner, replay, followers=10)
    update_counts(channel, {STATUS_ID: Counts.of({"favourite": 5}, shares=1)})
    publication = PublicationTarget.objects.get(message__external_id=STATUS_ID).publication
    client.force_login(owner)
    page = client.get(f"/app/publishing/{publication.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "5 réactions (Favori 5) · 1 partage" in " ".join(page.split())
