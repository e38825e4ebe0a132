"""The workspace's moderation settings: trust thresholds, score thresholds, trusted sites, flags."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from animateur.core.actions import ActionError, Actor, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import Workspace
from animateur.moderation.models import (
    ModerationSettings,
)
from animateur.moderation.prefs import (
    MAX_TRUSTED_LINK_HOSTS,
    TRUST_LEVELS,
    clean_link_hosts,
    settings_for,
)


def do_update_moderation_settings(
    workspace: Workspace,
    *,
    trust_thresholds: dict[str, dict[str, int]] | None = None,
    site_hold_below: str | None = None,
    spam_trusted_from: str | None = None,
    trusted_link_hosts: list[str] | None = None,
    score_thresholds: dict[str, float] | None = None,
    flag_hold_weight: float | None = None,
    actor: Actor,
) -> ModerationSettings:
    require(actor, workspace, "moderation.rules.edit")
    row = settings_for(workspace)
    changes: dict[str, Any] = {}
    if trust_thresholds is not None:
        for level, values in trust_thresholds.items():
            if level not in TRUST_LEVELS[1:] or any(int(v) < 0 for v in values.values()):
                raise ActionError(_("Invalid thresholds for the trust level « %(level)s ».") % {"level": level})
        changes["trust_thresholds"] = trust_thresholds
    if site_hold_below is not None:
        if site_hold_below not in TRUST_LEVELS:
            raise ActionError(_("Unknown trust level « %(level)s ».") % {"level": site_hold_below})
        changes["site_hold_below"] = site_hold_below
    if spam_trusted_from is not None:
        if spam_trusted_from not in TRUST_LEVELS:
            raise ActionError(_("Unknown trust level « %(level)s ».") % {"level": spam_trusted_from})
        changes["spam_trusted_from"] = spam_trusted_from
    if trusted_link_hosts is not None:
        try:
            hosts = clean_link_hosts(trusted_link_hosts)
        except ValueError as exc:
            raise ActionError(_("« %(line)s » is not a site's host name.") % {"line": exc}) from None
        if len(hosts) > MAX_TRUSTED_LINK_HOSTS:
            raise ActionError(_("At most %(count)d sites.") % {"count": MAX_TRUSTED_LINK_HOSTS})
        changes["trusted_link_hosts"] = hosts
    if score_thresholds is not None:
        if any(not 0 <= float(v) <= 1 for v in score_thresholds.values()):
            raise ActionError(_("Score thresholds are between 0 and 1."))
        changes["score_thresholds"] = score_thresholds
    if flag_hold_weight is not None:
        if flag_hold_weight <= 0:
            raise ActionError(_("The flag weight that holds a message must be positive."))
        changes["flag_hold_weight"] = flag_hold_weight
    with transaction.atomic(durable=True):
        for key, value in changes.items():
            setattr(row, key, value)
        row.save()
        record(workspace, actor, AuditVerb.MODERATION_SETTINGS, row, changes)
    return row
