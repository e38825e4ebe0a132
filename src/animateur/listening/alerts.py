"""The email a spike sends to the workspace's owners and managers, in the workspace's language."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from animateur.core.links import absolute_url
from animateur.core.models import Membership
from animateur.core.roles import Role
from animateur.listening.models import Spike

log = logging.getLogger(__name__)


def email_spike(spike_id: int) -> None:
    spike = Spike.objects.select_related("search", "workspace").filter(pk=spike_id).first()
    if spike is None:
        return
    workspace = spike.workspace
    emails = list(
        Membership.objects.filter(workspace=workspace, role__in=(Role.OWNER, Role.MANAGER), user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if not emails:
        return
    with translation.override(workspace.language or None):
        drivers = ", ".join(
            row[0] for facet in ("terms", "authors", "links") for row in spike.explanation.get(facet, [])[:3]
        )
        subject = _("[%(workspace)s] Spike on « %(search)s »: %(count)d messages") % {
            "workspace": workspace.name, "search": spike.search.name, "count": spike.count,
        }  # fmt: skip
        body = _(
            "The search « %(search)s » matched %(count)d messages where about %(expected).1f were expected.\n"
            "What grew: %(drivers)s\n\nSee the spike and open a crisis room: %(url)s"
        ) % {
            "search": spike.search.name, "count": spike.count, "expected": spike.expected,
            "drivers": drivers or "—", "url": absolute_url(workspace, "listening:spike", (spike.pk,)),
        }  # fmt: skip
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, emails, fail_silently=False)
    except Exception:  # an unreachable mail server must not lose the spike: it is in the app
        log.exception("the email of spike %s was not sent", spike_id)
