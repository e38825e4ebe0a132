"""Background work of publishing: the scheduled publications whose time has come."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def publish_due() -> int:
    """Publish every due publication (and resend, with the same keys, one a crash left « sending »)."""
    return publish_due_now()


def publish_due_now() -> int:
    from animateur.core.actions import ActionError, SystemActor
    from animateur.publishing.actions import do_publish_publication, due_publications

    done = 0
    for publication in due_publications():
        try:
            do_publish_publication(publication, actor=SystemActor("publishing"))
        except ActionError as exc:  # another worker took it, or its text no longer fits: shown on its page
            log.warning("scheduled publication %s not sent: %s", publication.pk, exc)
        else:
            done += 1
    return done
