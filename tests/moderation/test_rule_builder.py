"""The rule form: one row to begin with and more on demand, the operators each field takes, replies by title."""

from __future__ import annotations

import re

import lxml.html
import pytest
from django.test import Client

from animateur.core.roles import Role
from animateur.inbox.actions.saved_replies import do_save_saved_reply
from animateur.moderation.conditions import FIELDS, OPERATORS
from animateur.moderation.models import Rule
from tests.inline_code import inline_code

from .factories import SYSTEM

NEW = "/app/moderation/rules/new/"


def rows(page: str, kind: str) -> list[str]:
    """The numbers of the condition (c) or action (a) rows the page shows."""
    return re.findall(rf'name="{kind}(\d+)_(?:field|type)"', page)


def options(page: str, name: str) -> list[str]:
    """The labels a menu offers, "—" left out."""
    root = lxml.html.fromstring(page)
    [menu] = root.xpath(f'//select[@name="{name}"]')
    return [o.text_content().strip() for o in menu.xpath(".//option") if o.get("value")]


def groups(page: str, name: str) -> dict[str, list[str]]:
    root = lxml.html.fromstring(page)
    [menu] = root.xpath(f'//select[@name="{name}"]')
    return {g.get("label"): [o.text_content().strip() for o in g.xpath("option")] for g in menu.xpath("optgroup")}


def test_a_new_rule_opens_on_one_condition_and_one_action_and_a_button_adds_a_row_keeping_what_was_typed(
    workspace, client_as
):
    client = client_as(workspace, Role.MANAGER)
    blank = client.get(NEW).content.decode()
    assert rows(blank, "c") == ["0"] and rows(blank, "a") == ["0"]
    assert "Ajouter une condition" in blank and "Ajouter une action" in blank

    typed = {
        "name": "Liens",
        "match": "all",
        "position": "10",
        "enabled": "on",
        "condition_rows": "1",
        "action_rows": "1",
        "c0_field": "links",
        "c0_op": "gte",
        "c0_value": "2",
        "a0_type": "hold",
    }
    more = client.post(NEW, typed | {"add_condition": "1"})
    page = more.content.decode()
    assert more.status_code == 200 and not Rule.objects.exists()
    assert rows(page, "c") == ["0", "1"] and rows(page, "a") == ["0"]
    assert 'value="Liens"' in page and 'name="c0_value" value="2"' in page
    assert "errorlist" not in page  # nothing was checked yet: the person has not finished
    page = client.post(NEW, typed | {"condition_rows": "2", "add_action": "1"}).content.decode()
    assert rows(page, "c") == ["0", "1"] and rows(page, "a") == ["0", "1"]

    saved = client.post(
        NEW, typed | {"condition_rows": "2", "c1_field": "text", "c1_op": "contains", "c1_value": "promo"}
    )
    assert saved.status_code == 302
    assert Rule.objects.get().conditions == [
        {"field": "links", "op": "gte", "value": 2.0},
        {"field": "text", "op": "contains", "value": "promo"},
    ]


def test_an_existing_rule_shows_as_many_rows_as_it_has(workspace, client_as):
    client = client_as(workspace, Role.MANAGER)
    client.post(
        NEW,
        {
            "name": "Trois",
            "match": "any",
            "position": "1",
            "condition_rows": "3",
            "c0_field": "links",
            "c0_op": "gte",
            "c0_value": "1",
            "c1_field": "spam",
            "c1_op": "gte",
            "c1_value": "0.5",
            "c2_field": "language",
            "c2_op": "in",
            "c2_value": "en",
            "a0_type": "hold",
        },
    )
    page = client.get(f"/app/moderation/rules/{Rule.objects.get().pk}/").content.decode()
    assert rows(page, "c") == ["0", "1", "2"] and rows(page, "a") == ["0"]
    assert 'name="c0_value" value="1"' in page and 'name="c1_value" value="0.5"' in page


@pytest.mark.parametrize("field", list(FIELDS))
def test_a_condition_offers_only_the_operators_its_field_takes_and_each_is_accepted(field, workspace, client_as):
    client = client_as(workspace, Role.MANAGER)
    label, accepted, _kind = FIELDS[field]
    chosen = client.post(NEW, {"name": "R", "c0_field": field, "add_condition": "1"}).content.decode()
    assert options(chosen, "c0_op") == [str(OPERATORS[op]) for op in accepted]
    value = {"text": "promo", "trust": "member", "first_message": "oui", "hour": "22-6"}.get(field, "1")
    for op in accepted:
        page = client.post(
            NEW,
            {
                "name": f"R {op}",
                "match": "all",
                "position": "1",
                "c0_field": field,
                "c0_op": op,
                "c0_value": value,
                "c0_level": value if field == "trust" else "",
                "a0_type": "hold",
                "dry_run": "1",
            },
        ).content.decode()
        assert "s’utilise avec" not in page and 'class="matched"' in page, (field, op)


def test_an_empty_condition_groups_the_operators_under_their_field_and_the_number_of_links_is_not_at_least(
    workspace, client_as
):
    page = client_as(workspace, Role.MANAGER).get(NEW).content.decode()
    offered = groups(page, "c0_op")
    assert offered["nombre de liens"] == ["≥", "≤"]
    assert offered["niveau de confiance de l’auteur"] == ["est inférieur à", "est au moins"]
    assert offered == {str(spec[0]): [str(OPERATORS[op]) for op in spec[1]] for spec in FIELDS.values()}


def test_an_operator_the_field_does_not_take_is_refused_on_its_row_and_nothing_is_saved(workspace, client_as):
    page = (
        client_as(workspace, Role.MANAGER)
        .post(
            NEW,
            {
                "name": "R",
                "match": "all",
                "position": "1",
                "c0_field": "links",
                "c0_op": "at_least",
                "c0_value": "2",
                "a0_type": "hold",
            },
        )
        .content.decode()
    )
    assert "Condition 1 : le champ « nombre de liens » s’utilise avec les opérateurs « ≥ », « ≤ »." in page
    assert not Rule.objects.exists()


def test_an_auto_reply_is_chosen_by_the_title_of_the_saved_reply(workspace, client_as, make_workspace):
    patience = do_save_saved_reply(workspace, title="Merci de votre patience", body="Merci !", actor=SYSTEM)
    elsewhere = make_workspace("autre", "Autre")
    foreign = do_save_saved_reply(elsewhere, title="Ailleurs", body="Non.", actor=SYSTEM)
    client = client_as(workspace, Role.MANAGER)
    blank = client.get(NEW).content.decode()
    assert options(blank, "a0_reply") == ["Merci de votre patience"]
    assert "par numéro" not in blank and "numéro de réponse" not in blank
    form = {
        "name": "Accusé",
        "match": "all",
        "position": "1",
        "c0_field": "text",
        "c0_op": "contains",
        "c0_value": "commande",
        "a0_type": "reply",
    }
    refused = client.post(NEW, form | {"a0_reply": str(foreign.pk)})
    assert refused.status_code == 200 and not Rule.objects.exists()
    assert client.post(NEW, form | {"a0_reply": str(patience.pk)}).status_code == 302
    rule = Rule.objects.get()
    assert rule.actions == [{"type": "reply", "value": str(patience.pk)}]
    edit = client.get(f"/app/moderation/rules/{rule.pk}/").content.decode()
    assert f'<option value="{patience.pk}" selected>Merci de votre patience</option>' in edit
    assert 'name="a0_value" value="' not in edit.replace('name="a0_value" value=""', "")
    # A text of one's own is still possible, and not both at once.
    both = client.post(NEW, form | {"name": "Deux", "a0_reply": str(patience.pk), "a0_value": "Merci"})
    assert "Action 1 : choisissez une réponse enregistrée ou écrivez la réponse, pas les deux." in both.content.decode()
    assert client.post(NEW, form | {"name": "Texte", "a0_value": "Bien reçu"}).status_code == 302
    assert Rule.objects.get(name="Texte").actions == [{"type": "reply", "value": "Bien reçu"}]


def test_the_rule_form_has_no_inline_script(workspace, client_as, make_user):
    page = client_as(workspace, Role.MANAGER).get(NEW).content.decode()
    assert inline_code(page) == []
    english = Client()
    english.force_login(make_user("en@example.org", workspace, Role.MANAGER, language="en"))
    page = english.get(NEW).content.decode()
    assert "Add a condition" in page and inline_code(page) == []
