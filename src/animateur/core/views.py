from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from animateur.core.decorators import workspace_permission


@login_required
@workspace_permission("workspace.view")
def dashboard(request: HttpRequest) -> HttpResponse:
    return redirect("space_staff:home")
