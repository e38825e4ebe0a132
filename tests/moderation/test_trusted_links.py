"""Links to the community's own sites do not make a member look like a spammer."""

from __future__ import annotations

import pytest

from animateur.core.actions import ActionError
from animateur.core.roles import Role
from animateur.moderation.actions.settings import do_update_moderation_settings
from animateur.moderation.prefs import scoring_text, settings_for, trusted_link_hosts
from animateur.stream.models import Visibility

from .factories import SYSTEM, post, settings_form

ANSWER = "Voir ma réponse sur {link} , elle répond à ta question."


def newcomer_says(workspace, link: str):
    return post(workspace, ANSWER.format(link=link), email="nouvelle@example.org")


@pytest.fixture
def open_site(scores_decide):
    """A site where only the scores hold comments: newcomers are not held for being new."""
    return scores_decide


def test_a_newcomer_linking_to_the_workspaces_own_site_is_not_sent_to_spam(open_site):
    # Since the spam model learnt forum posts and emails (issue 14) such a link alone no longer
    # sends a polite answer to spam; what is checked is that a link to the own site is not read.
    elsewhere = newcomer_says(open_site, "https://promo.example/2010/04/forums")

    open_site.domain = "lecommunitymanagement.fr"
    open_site.save()
    own = newcomer_says(open_site, "https://www.lecommunitymanagement.fr/2010/04/forums")

    assert own.visibility == Visibility.VISIBLE and own.scores["spam"] < 0.5
    assert own.scores["spam"] < elsewhere.scores["spam"]
    assert not hasattr(own, "review_item")
    assert own.text == ANSWER.format(link="https://www.lecommunitymanagement.fr/2010/04/forums")  # stored whole


def test_sites_listed_by_moderators_count_with_their_subdomains_but_not_lookalikes(open_site):
    do_update_moderation_settings(open_site, trusted_link_hosts=["https://www.Exemple.fr/blog"], actor=SYSTEM)
    assert settings_for(open_site).trusted_link_hosts == ["exemple.fr"]

    trusted = newcomer_says(open_site, "https://blog.exemple.fr/article")
    assert trusted.visibility == Visibility.VISIBLE
    # a lookalike is read as a link (its score is the model's for a link), a subdomain is not
    for lookalike in ("https://exemple.fr.promo.example/x", "https://faux-exemple.fr/x"):
        assert newcomer_says(open_site, lookalike).scores["spam"] > trusted.scores["spam"]


def test_a_trusted_site_does_not_clear_the_other_links_of_a_message(open_site):
    do_update_moderation_settings(open_site, trusted_link_hosts=["exemple.fr"], actor=SYSTEM)
    text = "Bon article https://exemple.fr/a mais achetez ici https://promo.example/pilules pas cher"
    without_promo = "Bon article https://exemple.fr/a mais achetez ici pas cher"
    both = post(open_site, text, email="nouvelle@example.org")
    only_trusted = post(open_site, without_promo, email="autre@example.org")
    assert both.scores["spam"] > only_trusted.scores["spam"]  # the other link is still read


def test_the_text_the_scores_and_the_adapter_read_has_no_trusted_link(workspace):
    workspace.domain = "acme.example"
    workspace.save()
    do_update_moderation_settings(workspace, trusted_link_hosts=["exemple.fr"], actor=SYSTEM)
    hosts = trusted_link_hosts(settings_for(workspace))
    assert set(hosts) == {"exemple.fr", "acme.example"}

    read = scoring_text("Titre", 'Lire <a href="https://acme.example/p">mon article</a> ou https://exemple.fr/x', hosts)
    assert "acme.example" not in read and "exemple.fr" not in read
    assert read.startswith("Titre\n") and "mon article" in read


def test_a_malformed_site_is_refused_by_name_and_changes_nothing(workspace, client_as):
    do_update_moderation_settings(workspace, trusted_link_hosts=["exemple.fr"], actor=SYSTEM)
    with pytest.raises(ActionError, match="pas un site"):
        do_update_moderation_settings(workspace, trusted_link_hosts=["exemple.fr", "pas un site"], actor=SYSTEM)
    assert settings_for(workspace).trusted_link_hosts == ["exemple.fr"]

    client = client_as(workspace, Role.MANAGER)
    page = client.get("/app/moderation/settings/").content.decode()
    assert "Sites dont les liens ne comptent pas dans les scores" in page and "exemple.fr</textarea>" in page
    form = settings_form(trusted_link_hosts="blog.exemple.fr\nhttp://[::1]/x")
    refused = client.post("/app/moderation/settings/", form)
    assert refused.status_code == 200
    assert "« http://[::1]/x » n’est pas le nom d’hôte d’un site." in refused.content.decode().replace("&#x27;", "'")
    assert settings_for(workspace).trusted_link_hosts == ["exemple.fr"]

    form["trusted_link_hosts"] = "blog.exemple.fr\n\nwww.autre.example\nblog.exemple.fr"
    assert client.post("/app/moderation/settings/", form).status_code == 302
    assert settings_for(workspace).trusted_link_hosts == ["blog.exemple.fr", "autre.example"]
