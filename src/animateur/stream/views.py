"""The team's stream page: every stored message of the workspace, every channel, history included."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode

from animateur.core.decorators import workspace_permission
from animateur.core.typing import WorkspaceRequest
from animateur.stream import selectors
from animateur.stream.forms import StreamFilterForm


@workspace_permission("stream.read")
def stream_page(request: WorkspaceRequest) -> HttpResponse:
    form = StreamFilterForm(request.GET or None, workspace=request.workspace)
    if form.is_bound and not form.is_valid():
        # Bad filters name the problem, field by field, and show nothing rather than a guess.
        return render(request, "stream/list.html", {"form": form, "page": None}, status=400)
    filters = form.filters() if form.is_bound else selectors.StreamFilters()
    page = selectors.page_of(request.workspace, filters)
    active = form.active() if form.is_bound else {}
    next_query = urlencode({**active, "before": page.next_before}) if page.next_before else ""
    return render(
        request,
        "stream/list.html",
        {
            "form": form,
            "page": page,
            "next_query": next_query,
            "paged": filters.before is not None,
            "first_query": urlencode(active),
            "filtered": bool(active),
        },
    )
