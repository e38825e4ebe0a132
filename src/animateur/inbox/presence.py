"""Who is looking at (or writing in) a conversation right now: short-lived cache keys refreshed by polling."""

from __future__ import annotations

import time

from django.core.cache import cache

TTL_SECONDS = 15


def _users_key(conversation_id: int) -> str:
    return f"inbox-presence-users:{conversation_id}"


def _key(conversation_id: int, user_id: int) -> str:
    return f"inbox-presence:{conversation_id}:{user_id}"


def touch(conversation_id: int, user_id: int, name: str, replying: bool = False) -> None:
    cache.set(_key(conversation_id, user_id), {"name": name, "replying": replying, "at": time.time()}, TTL_SECONDS)
    users = set(cache.get(_users_key(conversation_id)) or ())
    if user_id not in users:
        users.add(user_id)
    cache.set(_users_key(conversation_id), sorted(users), TTL_SECONDS * 4)


def others(conversation_id: int, user_id: int) -> list[dict]:
    """The other teammates present, each {"name", "replying"}."""
    ids = [u for u in (cache.get(_users_key(conversation_id)) or ()) if u != user_id]
    found = cache.get_many([_key(conversation_id, u) for u in ids])
    return sorted(found.values(), key=lambda p: p["name"])


def leave(conversation_id: int, user_id: int) -> None:
    cache.delete(_key(conversation_id, user_id))
