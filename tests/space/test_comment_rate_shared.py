"""The public comment limit counts in a store every process shares and a restart keeps."""

from __future__ import annotations

from django.core.cache import caches
from django.test import Client

from animateur.stream.models import Message
from tests.space.test_site_factories import make_post

URL = "/2011/01/06/un-article/"


def forget_process_memory() -> None:
    """What another web worker, or the same one after a restart, has in memory: nothing."""
    for cache in caches.all():
        cache.clear()


def comment(text: str, address: str):
    data = {"name": "Ana", "email": "ana@example.org", "url": "", "text": text}
    return Client().post(URL, data, REMOTE_ADDR=address)


def test_the_comment_limit_holds_across_workers_and_restarts(workspace):
    make_post(workspace, "Un article", slug="un-article")
    workspace.settings = {"comment_rate_limit": {"count": 2, "seconds": 600}}
    workspace.save()
    for n in range(2):
        assert comment(f"Commentaire {n}", "198.51.100.7").status_code == 302
        forget_process_memory()
    refused = comment("Un de trop", "198.51.100.7")
    assert refused.status_code == 429
    assert not Message.objects.filter(text="Un de trop").exists()
    assert comment("Une autre adresse", "198.51.100.8").status_code == 302
