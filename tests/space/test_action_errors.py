"""What a team member reads when the space refuses something: their language's words, never a code."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from animateur.core import permissions
from animateur.core.actions import SystemActor
from animateur.core.roles import Role
from animateur.space.actions.taxonomy import do_create_category, do_create_tag
from animateur.stream.models import Message, Visibility
from tests.space.test_site_factories import add_comment, make_post, page_text

SYSTEM = SystemActor("tests")


def _client(make_user, workspace, language: str, role: str = Role.MANAGER) -> Client:
    client = Client()
    client.force_login(make_user(f"{role}-{language}@example.org", workspace, role, language=language))
    return client


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "La catégorie « Parent » ne peut pas être placée sous « Enfant », qui se trouve à l’intérieur."),
        ("en", "The category « Parent » cannot be placed under « Enfant », which is inside it."),
    ],
)
def test_a_category_placed_inside_itself_is_refused_in_the_members_language(workspace, make_user, language, expected):
    parent = do_create_category(workspace, actor=SYSTEM, name="Parent")
    child = do_create_category(workspace, actor=SYSTEM, name="Enfant", parent=parent)
    client = _client(make_user, workspace, language)
    response = client.post(
        reverse("space_staff:category_edit", args=[parent.pk]),
        {"name": "Parent", "slug": "parent", "parent": child.pk, "description": ""},
    )
    assert response.status_code == 400
    assert expected in page_text(response)
    parent.refresh_from_db()
    assert parent.parent is None


def test_a_tag_that_exists_already_is_refused_in_french(workspace, make_user):
    do_create_tag(workspace, actor=SYSTEM, name="Été")
    client = _client(make_user, workspace, "fr")
    response = client.post(reverse("space_staff:taxonomy"), {"tag-name": "été", "tag-slug": "", "tag-description": ""})
    assert response.status_code == 400
    text = page_text(response)
    assert "Le mot-clé « été » existe déjà." in text
    assert "already exists" not in text


def test_a_refused_moderation_names_no_permission_code(workspace, make_user, monkeypatch):
    # A role may see the comments and still lack what the decision needs (a workspace's own matrix).
    post = make_post(workspace, "Un article", slug="un-article")
    comment = add_comment(post, "Achetez !", visibility=Visibility.PENDING)
    monkeypatch.setitem(permissions.MATRIX, "moderation.review", frozenset({Role.OWNER}))
    client = _client(make_user, workspace, "fr", Role.MODERATOR)
    response = client.post(reverse("space_staff:comments_bulk"), {"one": f"{comment.pk}:visible"}, follow=True)
    text = page_text(response)
    assert "Votre rôle ne permet pas cette action sur ces commentaires ; rien n’a été modifié." in text
    assert "moderation.review" not in text
    assert Message.objects.get(pk=comment.pk).visibility == Visibility.PENDING
