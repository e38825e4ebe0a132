"""Approvals: by a role (the workspace's setting or the publication's own), or by the client through a
signed, expiring link without an account, who approves or comments; every step kept, audited and
announced; once approved, published at its time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from animateur.channels.site import site_channel
from animateur.core.actions import ActionError, SystemActor
from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.publishing import actions, approval
from animateur.publishing.models import Approval, ApprovalStep, Publication, PublicationState
from animateur.publishing.tasks import publish_due_now
from animateur.space.models import Post


@pytest.fixture
def owner(workspace, make_user):
    return make_user("owner@acme.org", workspace, Role.OWNER)


@pytest.fixture
def manager(workspace, make_user):
    return make_user("manager@acme.org", workspace, Role.MANAGER)


def _verbs(since: int) -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("verb", flat=True)[since:])


def test_the_workspace_setting_makes_new_publications_wait_for_a_managers_approval(workspace, owner, manager):
    actions.do_set_publishing_settings(workspace, Approval.MANAGER, actor=owner)
    blog = site_channel(workspace)
    publication = actions.do_save_publication(workspace, "Bientôt", [blog.pk], actor=manager)
    assert publication.approval == Approval.MANAGER and publication.needs_approval
    with pytest.raises(ActionError, match="approbation"):
        actions.do_publish_publication(publication, actor=manager)
    with pytest.raises(ActionError, match="approbation"):
        actions.do_schedule_publication(publication, timezone.now() + timedelta(hours=1), actor=manager)
    start = AuditEvent.objects.count()
    at = timezone.now() + timedelta(hours=2)
    actions.do_request_approval(publication, at=at, actor=manager)
    assert publication.state == PublicationState.AWAITING_APPROVAL and publication.scheduled_at == at
    actions.do_approve_publication(publication, actor=manager)
    publication.refresh_from_db()
    assert publication.state == PublicationState.SCHEDULED and publication.scheduled_at == at
    assert publication.approved_by == manager.name or publication.approved_by == manager.email
    assert _verbs(start) == ["publishing.approval.request", "publishing.approval.approve"]
    assert [s.kind for s in publication.steps.all()] == ["requested", "approved"]
    assert publish_due_now() == 0  # at its time, not before
    Publication.objects.filter(pk=publication.pk).update(scheduled_at=timezone.now() - timedelta(seconds=1))
    assert publish_due_now() == 1 and Post.objects.filter(title="Bientôt").exists()


def test_an_owners_approval_is_not_a_managers_to_give(workspace, owner, manager, make_user):
    blog = site_channel(workspace)
    publication = actions.do_save_publication(workspace, "Texte", [blog.pk], approval=Approval.OWNER, actor=manager)
    actions.do_request_approval(publication, actor=manager)
    with pytest.raises(PermissionDenied):
        actions.do_approve_publication(publication, actor=manager)
    analyst = make_user("analyst@acme.org", workspace, Role.ANALYST)
    with pytest.raises(PermissionDenied):
        actions.do_approve_publication(publication, actor=analyst)
    actions.do_approve_publication(publication, actor=owner)
    publication.refresh_from_db()
    # no time chosen: published as soon as approved, by the next run of the periodic task
    assert publication.state == PublicationState.SCHEDULED and publication.scheduled_at <= timezone.now()
    assert publish_due_now() == 1


def test_an_edit_undoes_the_approval(workspace, owner, manager):
    blog = site_channel(workspace)
    publication = actions.do_save_publication(workspace, "v1", [blog.pk], approval=Approval.OWNER, actor=manager)
    actions.do_request_approval(publication, actor=manager)
    actions.do_approve_publication(publication, actor=owner)
    publication.refresh_from_db()
    actions.do_save_publication(workspace, "v2", [blog.pk], publication=publication, actor=manager)
    assert publication.needs_approval and publication.state == PublicationState.DRAFT


def test_the_client_approves_through_the_signed_link_without_an_account(workspace, manager, client):
    blog = site_channel(workspace)
    publication = actions.do_save_publication(
        workspace, "Pour le client", [blog.pk], approval=Approval.CLIENT, actor=manager
    )
    actions.do_request_approval(publication, actor=manager)
    link = approval.link_for(publication)
    path = link.split("://", 1)[1].split("/", 1)[1]
    page = client.get(f"/{path}")
    body = page.content.decode()
    assert page.status_code == 200 and "Pour le client" in body and "Approuver" in body
    assert page["X-Robots-Tag"] == "noindex"
    answer = client.post(
        f"/{path}", {"name": "Claire (client)", "text": "Merci d’ajouter l’adresse", "decision": "comment"}
    )
    assert answer.status_code == 200 and "commentaire" in answer.content.decode()
    publication.refresh_from_db()
    assert publication.state == PublicationState.AWAITING_APPROVAL
    start = AuditEvent.objects.count()
    answer = client.post(f"/{path}", {"name": "Claire (client)", "decision": "approve"})
    assert answer.status_code == 200 and "approuvée" in answer.content.decode()
    publication.refresh_from_db()
    assert publication.state == PublicationState.SCHEDULED and publication.approved_by == "Claire (client)"
    event = AuditEvent.objects.order_by("pk")[start]
    assert event.verb == "publishing.approval.approve" and event.actor == "system:client"
    steps = list(ApprovalStep.objects.filter(publication=publication).values_list("kind", "name"))
    assert steps == [
        ("requested", manager.name or manager.email),
        ("commented", "Claire (client)"),
        ("approved", "Claire (client)"),
    ]
    # the team sees the steps on the publication's page
    again = client.post(f"/{path}", {"decision": "approve"})
    assert again.status_code == 400 and ApprovalStep.objects.count() == 3


def test_a_forged_expired_or_stale_link_opens_nothing(workspace, manager, client, monkeypatch):
    blog = site_channel(workspace)
    publication = actions.do_save_publication(workspace, "Texte", [blog.pk], approval=Approval.CLIENT, actor=manager)
    actions.do_request_approval(publication, actor=manager)
    token = approval.token_for(publication)
    assert client.get(f"/app/publishing/approval/{token}x/").status_code == 404
    forged = signing.dumps({"p": publication.pk, "t": "0" * 16}, salt=approval.SALT, compress=True)
    assert client.get(f"/app/publishing/approval/{forged}/").status_code == 404
    assert client.post(f"/app/publishing/approval/{token[:-3]}/", {"decision": "approve"}).status_code == 404
    assert approval.publication_of(token) == publication
    later = timezone.now() + timedelta(days=approval.LINK_DAYS, minutes=1)
    monkeypatch.setattr(signing.time, "time", lambda: later.timestamp())
    assert approval.publication_of(token) is None  # expired
    monkeypatch.undo()
    actions.do_save_publication(workspace, "Texte changé", [blog.pk], publication=publication, actor=manager)
    actions.do_request_approval(publication, actor=manager)
    assert client.get(f"/app/publishing/approval/{token}/").status_code == 404  # the text it showed changed
    publication.refresh_from_db()
    assert publication.state == PublicationState.AWAITING_APPROVAL


def test_a_comment_keeps_it_waiting_and_an_empty_one_is_refused(workspace, manager):
    blog = site_channel(workspace)
    publication = actions.do_save_publication(workspace, "Texte", [blog.pk], approval=Approval.CLIENT, actor=manager)
    actions.do_comment_publication(publication, "Hum", actor=manager)  # a colleague's, on the draft
    actions.do_request_approval(publication, actor=manager)
    with pytest.raises(ActionError, match="vide"):
        actions.do_comment_publication(publication, "   ", actor=SystemActor("client"))
    step = actions.do_comment_publication(publication, "Plus court ?", actor=manager)
    assert step.kind == "commented" and publication.steps.count() == 3


def test_the_publication_page_shows_the_clients_link_and_the_steps_in_french(workspace, owner, client_as):
    blog = site_channel(workspace)
    owner_client = client_as(workspace, Role.OWNER)
    answer = owner_client.post(
        "/app/publishing/",
        {"text": "Avec approbation", "channels": [blog.pk], "approval": "client", "goal": "approval"},
        follow=True,
    )
    body = answer.content.decode()
    publication = Publication.objects.get()
    assert publication.state == PublicationState.AWAITING_APPROVAL
    assert "Envoyée pour approbation" in body and "/app/publishing/approval/" in body
    assert "Le lien du client (valable 14 jours, sans compte)" in body and 'data-state="awaiting_approval"' in body
    assert "Réessayer" not in body
