"""Shared fixtures: a workspace, its team in every role, and clients logged in as each."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from animateur.core.actions import SystemActor, do_create_workspace
from animateur.core.models import Membership, User, Workspace
from animateur.core.roles import Role

SYSTEM = SystemActor("tests")


@pytest.fixture(autouse=True)
def _no_cached_public_pages():
    """Each test starts with no cached public page: a rolled-back database gives the same workspace id
    and content version again, to a different site."""
    from animateur.core.middleware import forget_content_versions
    from animateur.space.comment_html import threads
    from animateur.space.page_store import pages
    from animateur.space.selectors import posts_read

    pages.clear()
    threads.clear()
    posts_read.clear()
    forget_content_versions()  # the workspace rows read with them, too


@pytest.fixture
def make_workspace(db) -> Callable[..., Workspace]:
    def make(slug: str = "acme", name: str = "Acme", language: str = "fr", **kwargs) -> Workspace:
        return do_create_workspace(slug, name, language=language, actor=SYSTEM, **kwargs)

    return make


@pytest.fixture
def workspace(make_workspace) -> Workspace:
    return make_workspace("acme", "Acme", is_default=True)


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    def make(email: str, workspace: Workspace | None = None, role: str = Role.MANAGER, **extra) -> User:
        user = User.objects.create_user(email, "correct horse battery", **extra)
        if workspace is not None:
            Membership.objects.create(user=user, workspace=workspace, role=role)
        return user

    return make


@pytest.fixture
def client_as(make_user) -> Callable[[Workspace, str], Client]:
    def make(workspace: Workspace, role: str) -> Client:
        user = make_user(f"{role}-{workspace.slug}@example.org", workspace, role)
        client = Client()
        client.force_login(user)
        client.user = user  # type: ignore[attr-defined]
        return client

    return make


@pytest.fixture
def manager_client(workspace, client_as) -> Client:
    return client_as(workspace, Role.MANAGER)


@pytest.fixture
def private_urls(settings):
    """Local test servers live on 127.0.0.1, which animateur refuses to call unless told otherwise."""
    settings.ALLOW_PRIVATE_URLS = True


@pytest.fixture
def replay(private_urls):
    """A local HTTP server answering with recorded responses (tests/channels/fixtures)."""
    from tests.channels.replay import Replay

    server = Replay()
    yield server
    server.close()
