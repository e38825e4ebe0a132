import re

from django.test import Client

from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.moderation.models import Rule, WatchedWord

from .factories import post, settings_form


def rule_form(**extra):
    data = {
        "name": "Liens des nouveaux",
        "match": "all",
        "position": "10",
        "enabled": "on",
        "c0_field": "links",
        "c0_op": "gte",
        "c0_value": "1",
        "c1_field": "trust",
        "c1_op": "below",
        "c1_value": "member",
        "a0_type": "hold",
        "a1_type": "label",
        "a1_value": "lien",
    }
    data.update(extra)
    return data


def test_a_manager_creates_a_rule_through_the_form_and_sees_it_listed(workspace, client_as):
    client = client_as(workspace, Role.MANAGER)
    response = client.post("/app/moderation/rules/new/", rule_form())
    rule = Rule.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/rules/{rule.pk}/")
    assert rule.conditions[1] == {"field": "trust", "op": "below", "value": "member"}
    assert rule.actions == [{"type": "hold"}, {"type": "label", "value": "lien"}]
    assert AuditEvent.objects.filter(verb="moderation.rule.create").count() == 1
    listing = client.get("/app/moderation/rules/").content.decode()
    assert "Liens des nouveaux" in listing
    edit = client.get(f"/app/moderation/rules/{rule.pk}/").content.decode()
    assert 'value="member"' in edit


def test_the_rule_form_dry_runs_without_saving(workspace, client_as):
    post(workspace, "Voyez https://a.example", email="a@example.org")
    post(workspace, "Sans lien", email="b@example.org")
    client = client_as(workspace, Role.MANAGER)
    page = client.post("/app/moderation/rules/new/", rule_form(dry_run="1", days="7")).content.decode()
    assert not Rule.objects.exists()
    assert '<strong class="matched">1</strong>' in page and "https://a.example" in page


def test_a_bad_rule_shows_the_problem_and_saves_nothing(workspace, client_as):
    client = client_as(workspace, Role.MANAGER)
    page = client.post("/app/moderation/rules/new/", rule_form(c0_op="contains")).content.decode()
    assert not Rule.objects.exists()
    assert "le champ « nombre de liens » s’utilise avec les opérateurs « ≥ », « ≤ »" in page


def test_a_trust_condition_is_picked_by_its_french_name_and_stored_as_its_code(workspace, client_as):
    client = client_as(workspace, Role.MANAGER)
    blank = client.get("/app/moderation/rules/new/").content.decode()
    level_list = blank.split('name="c0_level"')[1].split("</select>")[0]
    assert re.findall(r'<option value="(\w+)">([^<]+)</option>', level_list) == [
        ("new", "nouveau"),
        ("basic", "initié"),
        ("member", "membre"),
        ("regular", "habitué"),
        ("leader", "pilier"),
    ]
    assert "Trust levels: new" not in blank and "à écrire tels quels" not in blank

    client.post("/app/moderation/rules/new/", rule_form(c1_value="", c1_level="regular"))
    rule = Rule.objects.get()
    assert rule.conditions[1] == {"field": "trust", "op": "below", "value": "regular"}
    edit = client.get(f"/app/moderation/rules/{rule.pk}/").content.decode()
    assert '<option value="regular" selected>habitué</option>' in edit
    # Saved again as the page shows it (the level in the list, nothing typed), the rule keeps its level.
    client.post(f"/app/moderation/rules/{rule.pk}/", rule_form(c1_value="", c1_level="regular", name="Autre nom"))
    rule.refresh_from_db()
    assert rule.name == "Autre nom" and rule.conditions[1]["value"] == "regular"
    # A level typed in the value box, as a code or by its French name, is understood the same.
    client.post("/app/moderation/rules/new/", rule_form(name="Tapé", c1_value="Membre"))
    assert Rule.objects.get(name="Tapé").conditions[1]["value"] == "member"


def test_an_unknown_trust_level_is_refused_in_the_readers_language_and_nothing_is_saved(
    workspace, client_as, make_user
):
    client = client_as(workspace, Role.MANAGER)
    page = client.post("/app/moderation/rules/new/", rule_form(c1_value="", c1_level="chef")).content.decode()
    french_levels = "nouveau, initié, membre, habitué, pilier."
    assert f"Condition 2 : « chef » n’est pas un niveau de confiance ; choisissez parmi {french_levels}" in page
    page = client.post("/app/moderation/rules/new/", rule_form(c1_value="")).content.decode()
    assert f"Condition 2 : choisissez un niveau de confiance parmi {french_levels}" in page
    english = Client()
    english.force_login(make_user("en@example.org", workspace, Role.MANAGER, language="en"))
    page = english.post("/app/moderation/rules/new/", rule_form(c1_value="god")).content.decode()
    assert "Condition 2: « god » is not a trust level; choose one of new, basic, member, regular, leader." in page
    assert not Rule.objects.exists()


def test_watched_words_are_added_and_removed_through_the_page(workspace, client_as):
    client = client_as(workspace, Role.MANAGER)
    client.post("/app/moderation/words/", {"pattern": "arnaq*", "action": "require_approval", "value": ""})
    word = WatchedWord.objects.get()
    assert word.pattern == "arnaq*"
    page = client.get("/app/moderation/words/", {"try": "Quelle ARNAQUE"}).content.decode()
    assert "<mark>ARNAQUE</mark>" in page
    duplicate = client.post("/app/moderation/words/", {"pattern": "ARNAQ*", "action": "require_approval"})
    assert "« ARNAQ* » est déjà surveillé avec cette action" in duplicate.content.decode()
    assert WatchedWord.objects.count() == 1
    client.post(f"/app/moderation/words/{word.pk}/delete/")
    assert not WatchedWord.objects.exists()


def test_a_moderator_sees_the_words_but_cannot_change_them(workspace, client_as):
    client = client_as(workspace, Role.MODERATOR)
    assert client.get("/app/moderation/words/").status_code == 200
    assert client.post("/app/moderation/words/", {"pattern": "x", "action": "flag"}).status_code == 403
    assert not WatchedWord.objects.exists()


def test_the_settings_page_changes_the_thresholds(workspace, client_as):
    client = client_as(workspace, Role.MANAGER)
    form = settings_form(
        site_hold_below="member", spam_trusted_from="leader", spam_hold="0.6", spam_spam="0.9", toxicity_hold="0.8"
    )
    assert client.post("/app/moderation/settings/", form).status_code == 302
    settings = workspace.moderation_settings
    settings.refresh_from_db()
    assert settings.site_hold_below == "member" and settings.score_thresholds["spam_spam"] == 0.9
    assert settings.spam_trusted_from == "leader"
    assert settings.trust_thresholds["leader"]["approved"] == 2


def test_the_team_menu_links_to_moderation_for_those_who_review(workspace, client_as):
    link = 'href="/app/moderation/"'
    assert link in client_as(workspace, Role.MODERATOR).get("/app/moderation/rules/").content.decode()
    page = client_as(workspace, Role.ANALYST).get("/app/space/")
    assert page.status_code == 200 and link not in page.content.decode()
