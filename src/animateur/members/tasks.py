"""Members follow the stream: a workspace that received messages since its members were last
computed is recomputed (resolution, engagement, levels), a few minutes behind the stream."""

from __future__ import annotations

import logging

from django.db.models import Max
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from animateur.core.actions import SystemActor
from animateur.core.models import Workspace
from animateur.members.models import Profile
from animateur.stream.models import Message

log = logging.getLogger(__name__)


def workspaces_behind() -> list[Workspace]:
    """Workspaces with a message received after their members' last recompute (or never computed)."""
    behind = []
    for workspace in Workspace.objects.all():
        computed = Profile.objects.filter(workspace=workspace).aggregate(at=Max("computed_at"))["at"]
        newer = Message.objects.filter(workspace=workspace)
        if computed is not None:
            newer = newer.filter(received_at__gt=computed)
        if newer.exists():
            behind.append(workspace)
    return behind


@db_periodic_task(crontab(minute="*/15"))
def follow_the_stream() -> None:
    from animateur.members.actions import do_recompute_members

    for workspace in workspaces_behind():
        try:
            do_recompute_members(workspace, actor=SystemActor("members"))
        except Exception:  # one workspace's failure must not stop the others
            log.exception("members of workspace %s could not be recomputed", workspace.slug)


@db_periodic_task(crontab(minute="5,20,35,50"))
def check_segment_alerts() -> None:
    """Members who entered a cohort or a segment with an alert: the managers are told, once each."""
    from animateur.members.actions import do_check_segment_alerts
    from animateur.members.models import SegmentAlert

    ids = set(SegmentAlert.objects.values_list("workspace_id", flat=True))
    for workspace in Workspace.objects.filter(pk__in=ids):
        try:
            do_check_segment_alerts(workspace, actor=SystemActor("members"))
        except Exception:
            log.exception("segment alerts of workspace %s could not be checked", workspace.slug)


@db_periodic_task(crontab(minute="40"))
def verify_profile_links() -> None:
    """Profile links no server verified: fetch their pages, looking for rel=me back to the profile."""
    from animateur.members.actions import do_verify_profile_links
    from animateur.members.models import ProfileLink

    ids = set(ProfileLink.objects.filter(proof="", checked_at=None).values_list("workspace_id", flat=True))
    for workspace in Workspace.objects.filter(pk__in=ids):
        try:
            do_verify_profile_links(workspace, actor=SystemActor("members"))
        except Exception:
            log.exception("profile links of workspace %s could not be checked", workspace.slug)
