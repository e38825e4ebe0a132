"""What a French moderator reads on the moderation pages: words, not the codes stored underneath.

Found walking through the pages as a moderator: « confiance new », « → hold », « require_approval »,
« pending 1 », « 2026-11-24 », « 1 correspondances » and « 1 élément(s) : reject. » were shown as is.
"""

from __future__ import annotations

import re

from django.test import Client

from animateur.core.roles import Role
from animateur.moderation.actions.rules import do_save_rule
from animateur.moderation.models import ReviewItem, Rule, WatchedWord
from animateur.stream.models import Visibility

from .factories import SYSTEM, post


def hold_rule(workspace, text="service"):
    return do_save_rule(
        workspace,
        {
            "name": "Critiques du service",
            "conditions": [{"field": "text", "op": "contains", "value": text}],
            "actions": [{"type": "hold"}],
        },
        actor=SYSTEM,
    )


BLOCK_TAGS = re.compile(r"<(?:br|/?(?:p|li|td|th|dt|dd|h\d|div|tr|ul|ol|option|label|small|section))\b[^>]*>")


def visible_text(html: str) -> str:
    """The page's words as read: blocks apart, inline tags (strong, time...) within the sentence."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", BLOCK_TAGS.sub(" ", html)))


def test_the_queue_names_the_trust_level_the_outcome_and_the_reason_in_french(workspace, client_as):
    hold_rule(workspace)
    post(workspace, "Votre service est lent", email="theo@example.org", name="Théo")
    page = visible_text(client_as(workspace, Role.MODERATOR).get("/app/moderation/").content.decode())
    assert "confiance nouveau" in page and "confiance new" not in page
    assert "premier commentaire de cet auteur → retenir" in page
    assert "Critiques du service → retenir" in page
    assert "→ hold" not in page and "first comment from this author" not in page
    # The decision reads as WordPress's French does: « Indésirable », not the spam folder's « Indésirables ».
    assert "Approuver Rejeter Indésirable " in page and "Indésirables" not in page


def test_the_item_page_shows_the_post_once_the_sentiment_and_the_channel_in_words(workspace, client_as):
    root = post(workspace, "Le billet", email="a@example.org", source_visibility="visible")
    reply = post(workspace, "Une réponse à modérer", email="b@example.org", parent_external_id=root.external_id)
    reply.sentiment = "negative"
    reply.save(update_fields=["sentiment"])
    item = ReviewItem.objects.get(message=reply)
    html = client_as(workspace, Role.MODERATOR).get(f"/app/moderation/items/{item.pk}/").content.decode()
    page = visible_text(html)
    assert "Tonalité négative" in page and "negative" not in page
    assert re.search(r"Score de spam [\d,—]+ · Score de toxicité [\d,—]+ · Tonalité", page)  # not « Indésirables 0,24 »
    assert "(site de la communauté)" in page and "(site)" not in page
    assert "niveau de confiance nouveau" in page
    thread = html[html.index('<ol class="thread">') : html.index("</ol>", html.index('<ol class="thread">'))]
    assert thread.count("Le billet") == 1  # not the post's title as its author, then again as its title


def test_trying_a_text_names_the_watched_words_action_in_french(workspace, client_as):
    WatchedWord.objects.create(workspace=workspace, pattern="débile", action="require_approval")
    client = client_as(workspace, Role.MANAGER)
    page = visible_text(client.get("/app/moderation/words/", {"try": "Quel service D3BILE"}).content.decode())
    assert "D3BILE ← « débile » : Exiger une approbation" in page
    assert "require_approval" not in page


def test_the_rules_list_and_the_dry_run_speak_french(workspace, client_as):
    rule = hold_rule(workspace)
    post(workspace, "Le service est lent", email="a@example.org")
    client = client_as(workspace, Role.MANAGER)
    listing = visible_text(client.get("/app/moderation/rules/").content.decode())
    assert "Critiques du service retenir" in listing and " hold " not in listing
    page = visible_text(client.get(f"/app/moderation/rules/{rule.pk}/dry-run/", {"days": 7}).content.decode())
    assert "1 correspondance sur 1 messages examinés" in page
    assert "Aujourd’hui : En attente : 1" in page and "pending" not in page
    assert re.search(r"\b\d{1,2} [a-zéû]+ 20\d\d : 1\b", page), page  # « 24 novembre 2026 : 1 »
    assert not re.search(r"20\d\d-\d\d-\d\d :", page)


def test_a_decision_says_what_was_done_in_a_french_sentence(workspace, client_as):
    one = post(workspace, "Premier", email="a@example.org")
    two = post(workspace, "Second", email="b@example.org")
    three = post(workspace, "Troisième", email="c@example.org")
    client = client_as(workspace, Role.MODERATOR)
    items = [ReviewItem.objects.get(message=m).pk for m in (one, two)]
    hidden = client.post("/app/moderation/decide/", {"item": items, "decision": "reject"}, follow=True)
    assert "2 éléments masqués." in hidden.content.decode()
    single = client.post(
        "/app/moderation/decide/", {"one": f"approve:{ReviewItem.objects.get(message=three).pk}"}, follow=True
    )
    page = single.content.decode()
    assert "1 élément approuvé." in page and "élément(s)" not in page


def test_deciding_on_a_message_outside_the_queue_confirms_it(workspace, client_as):
    message = post(workspace, "Un commentaire", email="a@example.org")
    client = client_as(workspace, Role.MODERATOR)
    page = client.post(
        f"/app/moderation/messages/{message.pk}/decide/", {"decision": "reject"}, follow=True
    ).content.decode()
    message.refresh_from_db()
    assert message.visibility == Visibility.HIDDEN and "1 élément masqué." in page
    assert "Masqué" in page  # the message's state in words, not « Hidden »


def test_the_trust_settings_name_the_levels_in_french(workspace, client_as):
    html = client_as(workspace, Role.MANAGER).get("/app/moderation/settings/").content.decode()
    page = visible_text(html)
    assert "pilier : messages approuvés" not in page  # a table: one row a level, one column a threshold
    assert "Niveau messages approuvés jours d’activité signalements confirmés au plus" in page
    assert re.search(r'<th scope="row">pilier</th>', html) and "leader" not in page
    assert 'aria-label="pilier : messages approuvés"' in html  # each cell still named in full
    assert re.search(r'<option value="basic"[^>]*>initié</option>', html)  # stored as a code, read in words
    assert "Le score de spam ne retient plus les auteurs dont la confiance est au moins" in page
    assert re.search(r'<option value="regular" selected>habitué</option>', html)  # the default


def test_the_member_page_offers_to_sanction_with_a_verb(workspace, client_as):
    message = post(workspace, "Un commentaire", email="a@example.org")
    page = (
        client_as(workspace, Role.MANAGER).get(f"/app/moderation/members/{message.author.member_id}/").content.decode()
    )
    assert ">Sanctionner l’auteur</button>" in page


def test_a_rule_form_mistake_is_explained_in_french_and_nothing_is_saved(workspace, client_as):
    client = client_as(workspace, Role.MANAGER)
    form = {"name": "Règle", "match": "all", "position": "10", "enabled": "on", "a0_type": "hold"}
    regex = {**form, "c0_field": "text", "c0_op": "matches", "c0_value": "serv(", "dry_run": "1", "days": "7"}
    page = visible_text(client.post("/app/moderation/rules/new/", regex).content.decode())
    assert "expression régulière invalide : missing )" in page
    number = {**form, "c0_field": "spam", "c0_op": "gte", "c0_value": "beaucoup"}
    page = visible_text(client.post("/app/moderation/rules/new/", number).content.decode())
    assert "score de spam : « beaucoup » n’est pas un nombre" in page
    hours = {**form, "c0_field": "hour", "c0_op": "between", "c0_value": "soir"}
    page = visible_text(client.post("/app/moderation/rules/new/", hours).content.decode())
    assert "heure de la journée : donnez deux heures, comme 22-6" in page
    label = {**form, "c0_field": "text", "c0_op": "contains", "c0_value": "promo", "a0_type": "label"}
    page = visible_text(client.post("/app/moderation/rules/new/", label).content.decode())
    assert "l’action « étiqueter » a besoin d’une valeur" in page
    no_action = {**form, "c0_field": "text", "c0_op": "contains", "c0_value": "promo", "a0_type": ""}
    page = visible_text(client.post("/app/moderation/rules/new/", no_action).content.decode())
    assert "une règle a besoin d’au moins une action" in page
    page = visible_text(client.post("/app/moderation/rules/new/", form).content.decode())
    assert "une règle a besoin d’au moins une condition" in page
    assert not Rule.objects.exists()


def test_the_words_that_weighed_on_a_score_name_their_placeholders_in_french(workspace, client_as):
    message = post(workspace, "Gagnez vite, cliquez https://promo.example", email="a@example.org")
    item = ReviewItem.objects.get(message=message)
    item.reasons.create(
        kind="spam-score", source="spam-score", detail="(link), (call to action), gagnez", score=0.97, action="spam"
    )
    page = visible_text(client_as(workspace, Role.MODERATOR).get("/app/moderation/").content.decode())
    assert "Score de spam (lien), (incitation à agir), gagnez 0,97 → indésirable" in page
    assert "(call to action)" not in page


def test_what_a_link_points_to_is_named_in_french_with_its_domain(workspace, client_as):
    message = post(workspace, "Mon clip https://promo.example/watch?v=1&t=30 à 2:19", email="a@example.org")
    item = ReviewItem.objects.get(message=message)
    detail = "(link to promo.example), (link to a moment of a video), (time code), clip"
    item.reasons.create(kind="spam-score", source="spam-score", detail=detail, score=0.91, action="spam")
    page = visible_text(client_as(workspace, Role.MODERATOR).get("/app/moderation/").content.decode())
    assert "(lien vers promo.example), (lien vers un moment d’une vidéo), (minutage), clip" in page
    assert "link to" not in page


def test_the_dry_run_punctuates_each_language_its_own_way(workspace, client_as, make_user):
    rule = hold_rule(workspace)
    post(workspace, "Le service est lent", email="a@example.org", name="Ana")
    french = visible_text(
        client_as(workspace, Role.MANAGER).get(f"/app/moderation/rules/{rule.pk}/dry-run/").content.decode()
    )
    assert "En attente : 1" in french and "Ana : Le service est lent" in french
    english_user = make_user("en@example.org", workspace, Role.MANAGER, language="en")
    client = Client()
    client.force_login(english_user)
    english = visible_text(client.get(f"/app/moderation/rules/{rule.pk}/dry-run/").content.decode())
    assert "Pending: 1" in english and "Ana: Le service est lent" in english
    assert "Pending : 1" not in english


def test_a_watched_word_is_refused_twice_whatever_its_case_and_accents(workspace, client_as):
    client = client_as(workspace, Role.MANAGER)
    client.post("/app/moderation/words/", {"pattern": "débile", "action": "require_approval", "value": ""})
    for same in ("DÉBILE", "debile", "d3bile"):
        page = client.post("/app/moderation/words/", {"pattern": same, "action": "require_approval"})
        assert f"« {same} » est déjà surveillé avec cette action" in page.content.decode()
    assert WatchedWord.objects.count() == 1
    # Another action on the same word is a different entry, as before.
    client.post("/app/moderation/words/", {"pattern": "DÉBILE", "action": "flag"})
    assert WatchedWord.objects.count() == 2


def test_watched_word_mistakes_are_explained_in_french(workspace, client_as):
    client = client_as(workspace, Role.MANAGER)
    label = client.post("/app/moderation/words/", {"pattern": "promo", "action": "label", "value": ""})
    assert "l’action Libellé a besoin d’un libellé" in label.content.decode()
    stars = client.post("/app/moderation/words/", {"pattern": "***", "action": "flag"})
    assert "un mot a besoin d’au moins une lettre en plus de *" in stars.content.decode()
    assert not WatchedWord.objects.exists()


def test_an_insult_aimed_at_someone_is_held_and_named_in_french(workspace, client_as):
    known = post(workspace, "Merci pour l'article", email="marc@example.org", source_visibility="visible")
    insult = post(workspace, "Tu es vraiment un imbécile", email="marc@example.org")
    assert known.visibility == Visibility.VISIBLE and insult.visibility == Visibility.PENDING
    page = visible_text(client_as(workspace, Role.MODERATOR).get("/app/moderation/").content.decode())
    assert "Score de toxicité (insulte), (insulte adressée à quelqu’un)" in page
