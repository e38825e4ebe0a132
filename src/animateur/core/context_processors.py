from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from animateur.core.permissions import MATRIX, has_permission


class _Permissions:
    """`{% if perms_ws.space_post_write %}` in templates, answered by the one matrix."""

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    def __getattr__(self, name: str) -> bool:
        permission = name.replace("__", ".")
        if permission not in MATRIX:
            raise AttributeError(name)
        workspace = getattr(self._request, "workspace", None)
        return workspace is not None and has_permission(getattr(self._request, "user", None), workspace, permission)


def workspace(request: HttpRequest) -> dict[str, Any]:
    ws = getattr(request, "workspace", None)
    return {"workspace": ws, "can": _Permissions(request)}
