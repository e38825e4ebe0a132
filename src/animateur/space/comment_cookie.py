"""A signed cookie that lets a commenter see their own comments while they await moderation.

The comments themselves are stored at once; the cookie only lists their ids, so it
survives a restart of the server as the comments do.
"""

from __future__ import annotations

from django.core import signing
from django.http import HttpRequest, HttpResponse

HELD_COOKIE = "animateur_held"
_SALT = "animateur.space.held-comments"
MAX_IDS = 50


def held_comment_ids(request: HttpRequest) -> list[int]:
    raw = request.COOKIES.get(HELD_COOKIE)
    if not raw:
        return []
    try:
        value = signing.loads(raw, salt=_SALT, max_age=60 * 60 * 24 * 30)
    except signing.BadSignature:
        return []
    return [int(i) for i in value if isinstance(i, int)]


def remember_held_comment(request: HttpRequest, response: HttpResponse, message_id: int) -> None:
    ids = [*held_comment_ids(request), message_id][-MAX_IDS:]
    response.set_cookie(
        HELD_COOKIE, signing.dumps(ids, salt=_SALT), max_age=60 * 60 * 24 * 30, httponly=True, samesite="Lax"
    )
