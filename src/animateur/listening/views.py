"""Listening pages: saved searches and their results, backtests, the syntax, spikes, crisis rooms."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from animateur.core.actions import ActionError
from animateur.core.decorators import workspace_permission
from animateur.core.languages import language_name
from animateur.core.permissions import has_permission
from animateur.core.typing import WorkspaceRequest
from animateur.listening import actions, charts, selectors
from animateur.listening.docs import syntax_sections
from animateur.listening.forms import NoteForm, ResultFilterForm, SearchForm
from animateur.listening.labels import FACETS
from animateur.listening.matcher import compile_query
from animateur.listening.models import Crisis, SavedSearch, Spike, SpikeState
from animateur.stream.models import Message

PER_PAGE = 25


def _can(request: WorkspaceRequest, permission: str) -> bool:
    return has_permission(request.user, request.workspace, permission)


@workspace_permission("listening.view")
def searches(request: WorkspaceRequest) -> HttpResponse:
    """The saved searches, share of voice, the latest spikes; a new search, backtested before it is saved."""
    backtest = None
    status = 200
    if request.method == "POST":
        if not _can(request, "listening.search.edit"):
            raise PermissionDenied("listening.search.edit")
        testing = "backtest" in request.POST
        form = SearchForm(request.POST, name_required=not testing)
        if form.is_valid():
            data = form.cleaned_data
            if testing:
                backtest = selectors.backtest(request.workspace, compile_query(data["query"]))
            else:
                try:
                    search = actions.do_create_search(
                        request.workspace, data["name"], data["query"], role=data["role"], actor=request.user
                    )
                except ActionError as error:
                    form.add_error(None, str(error))
                else:
                    flash.success(request, _("Search saved: the whole history is being matched."))
                    return redirect("listening:search", search.pk)
        if form.errors:
            status = 400
    else:
        form = SearchForm()
    period = request.GET.get("period", "30")
    days = {"30": 30, "365": 365}.get(period)
    if days is None:
        period = "all"
    share = selectors.share_of_voice(request.workspace, timezone.now() - timedelta(days=days) if days else None)
    return render(
        request,
        "listening/searches.html",
        {
            "section": "listening",
            "form": form,
            "share": share,
            "share_chart": charts.share_of_voice_chart(share),
            "period": period,
            "spikes": Spike.objects.filter(workspace=request.workspace)
            .select_related("search")
            .order_by("-starts_at")[:10],
            "backtest": backtest,
            "backtest_chart": charts.volume_chart(backtest.days, _("Backtest")) if backtest else None,
            "can_edit": _can(request, "listening.search.edit"),
        },
        status=status,
    )


def _search_of(request: WorkspaceRequest, search_id: int) -> SavedSearch:
    return get_object_or_404(SavedSearch, pk=search_id, workspace=request.workspace)


def _filter_form(request: WorkspaceRequest, search: SavedSearch) -> ResultFilterForm:
    matched = selectors.matched_messages(search)
    languages = sorted({code for code in matched.values_list("language", flat=True).distinct()[:50] if code})
    channels = list(matched.values_list("channel_id", "channel__name").distinct().order_by("channel__name")[:50])
    return ResultFilterForm(
        request.GET or None, languages=[(c, language_name(c)) for c in languages], channels=channels
    )


@workspace_permission("listening.view")
def search(request: WorkspaceRequest, search_id: int) -> HttpResponse:
    found = _search_of(request, search_id)
    status = 200
    edit_form = SearchForm(initial={"name": found.name, "query": found.query, "role": found.role})
    if request.method == "POST":
        if not _can(request, "listening.search.edit"):
            raise PermissionDenied("listening.search.edit")
        edit_form = SearchForm(request.POST)
        if edit_form.is_valid():
            data = edit_form.cleaned_data
            try:
                actions.do_update_search(found, data["name"], data["query"], role=data["role"], actor=request.user)
            except ActionError as error:
                edit_form.add_error(None, str(error))
            else:
                flash.success(request, _("Search saved."))
                return redirect("listening:search", found.pk)
        status = 400
    filter_form = _filter_form(request, found)
    filters = selectors.ResultFilters()
    if filter_form.is_bound:
        if filter_form.is_valid():
            data = filter_form.cleaned_data
            filters = selectors.ResultFilters(
                sentiment=data["sentiment"], language=data["language"], channel=data["channel"],
                since=data["since"], until=data["until"],
            )  # fmt: skip
        else:
            status = 400
    qs = selectors.matched_messages(found, filters)
    figures = selectors.figures(found, qs)
    figures.languages = [(language_name(code) if code else "", n) for code, n in figures.languages]
    page = Paginator(selectors.newest_first(qs), PER_PAGE).get_page(request.GET.get("page"))
    query_string = request.GET.copy()
    query_string.pop("page", None)
    return render(
        request,
        "listening/search.html",
        {
            "section": "listening",
            "search": found,
            "figures": figures,
            "volume_chart": charts.volume_chart(figures.days, found.name),
            "sentiment_chart": charts.sentiment_chart(figures.sentiments),
            "page": page,
            "filter_form": filter_form,
            "edit_form": edit_form,
            "filters_query": query_string.urlencode(),
            "spikes": found.spikes.order_by("-starts_at")[:10],
            "can_edit": _can(request, "listening.search.edit"),
        },
        status=status,
    )


@require_POST
@workspace_permission("listening.search.edit")
def search_delete(request: WorkspaceRequest, search_id: int) -> HttpResponse:
    found = _search_of(request, search_id)
    actions.do_delete_search(found, actor=request.user)
    flash.success(request, _("Search deleted."))
    return redirect("listening:searches")


@workspace_permission("listening.view")
def progress(request: WorkspaceRequest, search_id: int) -> HttpResponse:
    """How far the history's matching got (htmx polls it while it runs)."""
    found = _search_of(request, search_id)
    return render(request, "listening/_progress.html", {"search": found})


@workspace_permission("listening.view")
def syntax(request: WorkspaceRequest) -> HttpResponse:
    return render(request, "listening/syntax.html", {"section": "listening", "sections": syntax_sections()})


@workspace_permission("listening.view")
def spike(request: WorkspaceRequest, spike_id: int) -> HttpResponse:
    found = get_object_or_404(Spike.objects.select_related("search"), pk=spike_id, workspace=request.workspace)
    if found.state == SpikeState.NEW:
        actions.do_mark_spike_seen(found, actor=request.user)
    return render(
        request,
        "listening/spike.html",
        {
            "section": "listening",
            "spike": found,
            "facets": _facets(found),
            "spike_messages": _spike_messages(found)[:PER_PAGE],
            "crisis": Crisis.objects.filter(spike=found).first(),
            "can_open_crisis": _can(request, "listening.crisis"),
        },
    )


def _facets(spike: Spike) -> list[tuple[Any, list]]:
    return [(FACETS[name], spike.explanation.get(name, [])) for name in ("terms", "authors", "links", "channels")]


def _spike_messages(spike: Spike) -> Any:
    """The spike's messages, by priority: negative first, then the newest."""
    order = {"negative": 0, "neutral": 1, "": 2, "positive": 3}
    qs = selectors.newest_first(
        Message.objects.filter(
            workspace=spike.workspace,
            search_matches__search=spike.search,
            created_at__gte=spike.starts_at,
            created_at__lt=spike.ends_at,
        )
    )[:500]
    return sorted(qs, key=lambda m: (order.get(m.sentiment, 2), -m.created_at.timestamp()))


@require_POST
@workspace_permission("listening.crisis")
def open_crisis(request: WorkspaceRequest, spike_id: int) -> HttpResponse:
    found = get_object_or_404(Spike.objects.select_related("search"), pk=spike_id, workspace=request.workspace)
    crisis = actions.do_open_crisis(found, actor=request.user)
    flash.success(request, _("Crisis room open: the spike's messages come first by priority."))
    return redirect("listening:crisis", crisis.pk)


@workspace_permission("listening.view")
def crisis(request: WorkspaceRequest, crisis_id: int) -> HttpResponse:
    found = get_object_or_404(
        Crisis.objects.select_related("spike__search", "opened_by"), pk=crisis_id, workspace=request.workspace
    )
    form = NoteForm()
    status = 200
    if request.method == "POST":
        if not _can(request, "listening.crisis"):
            raise PermissionDenied("listening.crisis")
        form = NoteForm(request.POST)
        if form.is_valid():
            try:
                actions.do_add_crisis_note(found, form.cleaned_data["text"], actor=request.user)
            except ActionError as error:
                form.add_error("text", str(error))
            else:
                return redirect("listening:crisis", found.pk)
        status = 400
    spike = found.spike
    messages = _spike_messages(spike)
    timeline = _timeline(messages)
    conversations = _conversations_of(messages)
    return render(
        request,
        "listening/crisis.html",
        {
            "section": "listening",
            "crisis": found,
            "spike": spike,
            "rows": [(m, conversations.get(m.pk)) for m in messages[:100]],
            "total": len(messages),
            "timeline_chart": timeline,
            "notes": found.notes.select_related("author"),
            "form": form,
            "facets": _facets(spike),
            "can_work": _can(request, "listening.crisis"),
        },
        status=status,
    )


def _conversations_of(messages: list[Message]) -> dict[int, Any]:
    """The inbox conversation each message opened, when it opened one (the inbox is a sibling app)."""
    from animateur.inbox.models import Conversation

    return {c.root_id: c for c in Conversation.objects.filter(root_id__in=[m.pk for m in messages])}


def _timeline(messages: list[Message]) -> dict[str, Any]:
    from django.utils.formats import date_format
    from django.utils.translation import ngettext

    counts: dict[Any, int] = {}
    for message in messages:
        hour = timezone.localtime(message.created_at).replace(minute=0, second=0, microsecond=0)
        counts[hour] = counts.get(hour, 0) + 1
    hours = sorted(counts)
    return {
        "type": "bar",
        "labels": [date_format(h, "SHORT_DATETIME_FORMAT") for h in hours],
        "xTitle": _("Hour"),
        "yTitle": _("Messages per hour"),
        "unit": "",
        "series": [
            {
                "label": _("Messages"),
                "values": [counts[h] for h in hours],
                "texts": [ngettext("%(n)d message", "%(n)d messages", counts[h]) % {"n": counts[h]} for h in hours],
            }
        ],
        "empty": not hours,
        "emptyText": _("No message in this spike."),
    }


@require_POST
@workspace_permission("listening.crisis")
def close_crisis(request: WorkspaceRequest, crisis_id: int) -> HttpResponse:
    found = get_object_or_404(Crisis, pk=crisis_id, workspace=request.workspace)
    actions.do_close_crisis(found, actor=request.user)
    flash.success(request, _("Crisis room closed."))
    return redirect("listening:crisis", found.pk)


@require_POST
@workspace_permission("listening.crisis")
def prioritize_crisis(request: WorkspaceRequest, crisis_id: int) -> HttpResponse:
    found = get_object_or_404(Crisis.objects.select_related("spike__search"), pk=crisis_id, workspace=request.workspace)
    changed, pulled = _prioritize_in_inbox(request, found)
    flash.success(request, _("%(n)d conversations of the inbox are now urgent.") % {"n": changed})
    if pulled:
        flash.success(
            request,
            ngettext(
                "%(n)d message heard elsewhere was brought into the inbox, urgent.",
                "%(n)d messages heard elsewhere were brought into the inbox, urgent.",
                pulled,
            )
            % {"n": pulled},
        )
    return redirect("listening:crisis", found.pk)


def _prioritize_in_inbox(request: WorkspaceRequest, crisis: Crisis) -> tuple[int, int]:
    """The inbox's own action for each conversation the spike's messages opened: each is its change.
    Messages heard elsewhere (by a listening source) opened none: the crisis room pulls them in, each
    opening an urgent conversation of its own. Returns (conversations made urgent, messages pulled in)."""
    from animateur.channels.apps import LISTENING_KINDS
    from animateur.inbox.actions.conversations import do_set_conversation_priority
    from animateur.inbox.actions.heard import do_pull_into_inbox
    from animateur.inbox.models import Priority

    if not _can(request, "inbox.work"):
        raise PermissionDenied("inbox.work")
    messages = _spike_messages(crisis.spike)
    changed = 0
    for conversation in _conversations_of(messages).values():
        if conversation.priority != Priority.URGENT:
            do_set_conversation_priority(conversation, Priority.URGENT, actor=request.user)
            changed += 1
    heard = set(
        Message.objects.filter(
            pk__in=[m.pk for m in messages],
            channel__kind__in=LISTENING_KINDS,
            conversation_item__isnull=True,
            from_organisation=False,
        ).values_list("pk", flat=True)
    )
    pulled = 0
    for message in messages:  # in the room's order: the most pressing first
        if message.pk in heard:
            try:
                do_pull_into_inbox(message, actor=request.user, why={"crisis": crisis.pk})
            except ActionError:  # pulled meanwhile by somebody else
                continue
            pulled += 1
    return changed, pulled
