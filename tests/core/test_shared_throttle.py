"""The login throttle counts in a store that every process shares and that outlives a restart.

Each web worker has its own in-memory cache, and a restart empties it: emptying every cache
between attempts is what a second worker or a restart looks like to the throttle.
"""

from __future__ import annotations

from django.core.cache import caches
from django.test import Client

from animateur.core.roles import Role

RIGHT = "correct horse battery"


def forget_process_memory() -> None:
    """What a request served by another worker, or after a restart, finds in memory: nothing."""
    for cache in caches.all():
        cache.clear()


def log_in(email: str, password: str, address: str = "192.0.2.10"):
    client = Client(REMOTE_ADDR=address)
    response = client.post("/app/login/", {"username": email, "password": password})
    return client, response


def test_five_failures_spread_over_workers_and_a_restart_still_lock_the_account(workspace, make_user):
    make_user("ana@example.org", workspace, Role.MODERATOR)
    for attempt in range(5):
        log_in("ana@example.org", "wrong", address=f"192.0.2.{attempt + 1}")
        forget_process_memory()
    client, response = log_in("ana@example.org", RIGHT, address="192.0.2.99")
    assert "_auth_user_id" not in client.session
    assert "15 minutes" in response.content.decode()


def test_a_successful_login_clears_the_accounts_failures(workspace, make_user):
    make_user("ana@example.org", workspace, Role.MODERATOR)
    for _ in range(4):
        log_in("ana@example.org", "wrong")
    client, _response = log_in("ana@example.org", RIGHT)
    assert "_auth_user_id" in client.session
    for _ in range(4):
        log_in("ana@example.org", "wrong")
    client, _response = log_in("ana@example.org", RIGHT)
    assert "_auth_user_id" in client.session


def test_one_address_trying_many_accounts_is_stopped_after_twenty_failures(workspace, make_user):
    make_user("ana@example.org", workspace, Role.MODERATOR)
    for n in range(20):
        log_in(f"nobody{n}@example.org", "wrong", address="198.51.100.66")
        forget_process_memory()
    client, _response = log_in("ana@example.org", RIGHT, address="198.51.100.66")
    assert "_auth_user_id" not in client.session
    elsewhere, _response = log_in("ana@example.org", RIGHT, address="198.51.100.67")
    assert "_auth_user_id" in elsewhere.session


def test_a_window_closes_after_fifteen_minutes(workspace, make_user, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    make_user("ana@example.org", workspace, Role.MODERATOR)
    for _ in range(5):
        log_in("ana@example.org", "wrong")
    later = timezone.now() + timedelta(minutes=15, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    client, _response = log_in("ana@example.org", RIGHT)
    assert "_auth_user_id" in client.session
