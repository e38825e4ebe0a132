"""The HTTP API at /api/: token auth per user and workspace; OpenAPI at /api/docs."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.security import HttpBearer

from animateur.api.actions import hash_key
from animateur.api.models import ApiToken
from animateur.core.decorators import second_factor_missing


class SecondFactorRequired(Exception):
    """The token's user has not set up the two-factor authentication a workspace of theirs requires."""

    def __init__(self, token: ApiToken) -> None:
        super().__init__(token.user.email)
        self.token = token


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = (
            ApiToken.objects.select_related("user", "workspace")
            .filter(key_hash=hash_key(token), revoked_at=None, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        if second_factor_missing(found.user, found.workspace):
            # As the team pages do: no access until the required second factor is set up.
            raise SecondFactorRequired(found)
        # A token is bound to its workspace: whatever host or /w/ prefix the request used.
        request.workspace = found.workspace  # type: ignore[attr-defined]
        if found.last_used_at is None or (timezone.now() - found.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        return found


api = NinjaAPI(title="animateur", version="1", auth=TokenAuth(), urls_namespace="api")


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": f"permission required: {exc}"}, status=403)


@api.exception_handler(SecondFactorRequired)
def second_factor_required(request: HttpRequest, exc: SecondFactorRequired) -> HttpResponse:
    user, workspace = exc.token.user, exc.token.workspace
    with translation.override(user.language or workspace.language or "fr"):
        detail = _(
            "%(email)s has not set up the two-factor authentication that a workspace of theirs requires: "
            "this token is refused until it is set up in the team app (My account, Two-factor authentication)."
        ) % {"email": user.email}
    return api.create_response(request, {"detail": detail, "code": "second_factor_required"}, status=403)


from animateur.api.channels import router as channels_router  # noqa: E402
from animateur.api.inbox import router as inbox_router  # noqa: E402
from animateur.api.links import router as links_router  # noqa: E402
from animateur.api.listening import router as listening_router  # noqa: E402
from animateur.api.live import router as live_router  # noqa: E402
from animateur.api.members import router as members_router  # noqa: E402
from animateur.api.moderation import router as moderation_router  # noqa: E402
from animateur.api.moderation_rules import router as moderation_rules_router  # noqa: E402
from animateur.api.publishing import router as publishing_router  # noqa: E402
from animateur.api.reports import router as reports_router  # noqa: E402
from animateur.api.stream import router as stream_router  # noqa: E402
from animateur.api.webhooks import router as events_router  # noqa: E402

api.add_router("/channels", channels_router)
api.add_router("/inbox", inbox_router)
api.add_router("/links", links_router)
api.add_router("/listening", listening_router)
api.add_router("/members", members_router)
api.add_router("/moderation", moderation_router)
api.add_router("/moderation", moderation_rules_router)
api.add_router("/publishing", publishing_router)
api.add_router("/publishing/live", live_router)
api.add_router("/reports", reports_router)
api.add_router("/stream", stream_router)
api.add_router("/events", events_router)

app_name = "api"
urlpatterns = api.urls[0]
