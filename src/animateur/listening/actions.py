"""Every write of listening: saved searches, their history, spikes and crisis rooms."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from animateur.core.actions import ActionError, Actor, actor_label, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.events import emit
from animateur.core.links import absolute_url
from animateur.core.models import User, Workspace
from animateur.listening import scan
from animateur.listening.matcher import compile_query
from animateur.listening.models import Crisis, CrisisNote, SavedSearch, SearchRole, Spike, SpikeState
from animateur.listening.query import QueryError

MAX_NAME = 120


def _clean(
    workspace: Workspace, name: str, query: str, role: str, search: SavedSearch | None = None
) -> tuple[str, str]:
    name = (name or "").strip()
    if not name:
        raise ActionError(_("A search needs a name."))
    if len(name) > MAX_NAME:
        raise ActionError(_("A search's name has at most %(max)d characters.") % {"max": MAX_NAME})
    if role not in SearchRole.values:
        raise ActionError(_("Unknown kind of search."))
    query = (query or "").strip()
    try:
        compile_query(query)
    except QueryError as error:
        raise ActionError(str(error)) from error
    taken = SavedSearch.objects.filter(workspace=workspace, name=name)
    if search is not None:
        taken = taken.exclude(pk=search.pk)
    if taken.exists():
        raise ActionError(_("Another search is already called « %(name)s ».") % {"name": name})
    return name, query


def _enqueue_history(search: SavedSearch) -> None:
    from animateur.listening.tasks import match_history_task

    transaction.on_commit(lambda: match_history_task(search.pk))


def do_create_search(
    workspace: Workspace, name: str, query: str, *, role: str = SearchRole.OWN, actor: Actor
) -> SavedSearch:
    """A saved search; the whole history is matched in the background, new messages as they come."""
    require(actor, workspace, "listening.search.edit")
    name, query = _clean(workspace, name, query, role)
    with transaction.atomic(durable=True):
        search = SavedSearch.objects.create(
            workspace=workspace,
            name=name,
            query=query,
            role=role,
            created_by=actor if isinstance(actor, User) else None,
            history_total=scan.listened(workspace).count(),
        )
        record(workspace, actor, AuditVerb.LISTENING_SEARCH_CREATE, search, {"name": name, "query": query})
        emit(workspace, "listening.search.saved", _saved_data(search, True, actor))
        _enqueue_history(search)
    return search


def _saved_data(search: SavedSearch, created: bool, actor: Actor) -> dict:
    return {
        "search_id": search.pk,
        "name": search.name,
        "query": search.query,
        "created": created,
        "by": actor_label(actor),
    }


def do_update_search(search: SavedSearch, name: str, query: str, *, role: str, actor: Actor) -> SavedSearch:
    """A new query throws away what the old one matched and matches the history again."""
    workspace = search.workspace
    require(actor, workspace, "listening.search.edit")
    name, query = _clean(workspace, name, query, role, search)
    with transaction.atomic(durable=True):
        previous = {"name": search.name, "query": search.query, "role": search.role}
        requery = query != search.query
        search.name, search.query, search.role = name, query, role
        search.updated_at = timezone.now()
        fields = ["name", "query", "role", "updated_at"]
        if requery:
            search.matches.all().delete()
            search.spikes.filter(crisis__isnull=True).delete()
            search.history_total = scan.listened(workspace).count()
            search.history_read, search.history_done_at, search.match_count = 0, None, 0
            fields += ["history_total", "history_read", "history_done_at", "match_count"]
        search.save(update_fields=fields)
        record(workspace, actor, AuditVerb.LISTENING_SEARCH_UPDATE, search, {"from": previous, "query": query})
        emit(workspace, "listening.search.saved", _saved_data(search, False, actor))
        if requery:
            _enqueue_history(search)
    return search


def do_delete_search(search: SavedSearch, *, actor: Actor) -> None:
    workspace = search.workspace
    require(actor, workspace, "listening.search.edit")
    with transaction.atomic(durable=True):
        data = {"search_id": search.pk, "name": search.name, "by": actor_label(actor)}
        record(
            workspace, actor, AuditVerb.LISTENING_SEARCH_DELETE, search, {"name": search.name, "query": search.query}
        )
        search.delete()
        emit(workspace, "listening.search.deleted", data)


# --- spikes and crisis rooms ------------------------------------------------------------------


def do_record_spike(
    search: SavedSearch,
    starts_at: datetime,
    ends_at: datetime,
    count: int,
    expected: float,
    explanation: dict,
    *,
    announce: bool = True,
    actor: Actor,
) -> Spike | None:
    """A spike found by the detector: stored once, announced once (in the app, by email, as an
    event). Found again (a later run, a longer period), it grows in place and says nothing more."""
    workspace = search.workspace
    require(actor, workspace, "listening.search.edit")
    with transaction.atomic(durable=True):
        existing = Spike.objects.select_for_update().filter(search=search, starts_at=starts_at).first()
        if existing is not None:
            if count > existing.count or ends_at > existing.ends_at:
                existing.count, existing.ends_at, existing.expected = count, ends_at, expected
                existing.explanation = explanation
                existing.save(update_fields=["count", "ends_at", "expected", "explanation"])
            return None
        try:
            with transaction.atomic():
                spike = Spike.objects.create(
                    workspace=workspace, search=search, starts_at=starts_at, ends_at=ends_at, count=count,
                    expected=expected, explanation=explanation, state=SpikeState.NEW if announce else SpikeState.SEEN,
                )  # fmt: skip
        except IntegrityError:  # another worker recorded it first
            return None
        record(
            workspace, actor, AuditVerb.LISTENING_SPIKE_FOUND, spike,
            {"search": search.name, "count": count, "expected": round(expected, 2)},
        )  # fmt: skip
        if not announce:  # a spike of the past, found by matching the history: read, not announced
            return spike
        url = absolute_url(workspace, "listening:spike", (spike.pk,))
        emit(
            workspace,
            "listening.spike",
            {
                "spike_id": spike.pk,
                "search_id": search.pk,
                "search": search.name,
                "starts_at": starts_at.isoformat(),
                "ends_at": ends_at.isoformat(),
                "count": count,
                "expected": round(expected, 2),
                "drivers": [
                    row[0] for facet in ("terms", "authors", "links") for row in explanation.get(facet, [])[:3]
                ],
                "url": url,
            },
        )
        transaction.on_commit(lambda: _email_spike(spike.pk))
    return spike


def _email_spike(spike_id: int) -> None:
    from animateur.listening.alerts import email_spike

    email_spike(spike_id)


def do_mark_spike_seen(spike: Spike, *, actor: Actor) -> None:
    require(actor, spike.workspace, "listening.view")
    if spike.state != SpikeState.NEW:
        return
    with transaction.atomic(durable=True):
        Spike.objects.filter(pk=spike.pk, state=SpikeState.NEW).update(state=SpikeState.SEEN)
        spike.state = SpikeState.SEEN
        record(spike.workspace, actor, AuditVerb.LISTENING_SPIKE_SEEN, spike, {"search": spike.search.name})


def do_open_crisis(spike: Spike, *, actor: Actor) -> Crisis:
    """Turn a spike into a crisis room (once: opened again, it is the same room)."""
    workspace = spike.workspace
    require(actor, workspace, "listening.crisis")
    found = Crisis.objects.filter(spike=spike).first()
    if found is not None:
        return found
    with transaction.atomic(durable=True):
        crisis = Crisis.objects.create(
            workspace=workspace, spike=spike, opened_by=actor if isinstance(actor, User) else None
        )
        Spike.objects.filter(pk=spike.pk).update(state=SpikeState.CRISIS)
        spike.state = SpikeState.CRISIS
        record(
            workspace, actor, AuditVerb.LISTENING_CRISIS_OPEN, crisis, {"search": spike.search.name, "spike": spike.pk}
        )
        emit(
            workspace,
            "listening.crisis.opened",
            {
                "crisis_id": crisis.pk,
                "spike_id": spike.pk,
                "search": spike.search.name,
                "url": absolute_url(workspace, "listening:crisis", (crisis.pk,)),
                "by": actor_label(actor),
            },
        )
    return crisis


MAX_NOTE = 5000


def do_add_crisis_note(crisis: Crisis, text: str, *, actor: User) -> CrisisNote:
    require(actor, crisis.workspace, "listening.crisis")
    text = (text or "").strip()
    if not text:
        raise ActionError(_("Write what was done before adding it to the log."))
    if len(text) > MAX_NOTE:
        raise ActionError(_("A log entry has at most %(max)d characters.") % {"max": MAX_NOTE})
    with transaction.atomic(durable=True):
        note = CrisisNote.objects.create(crisis=crisis, author=actor, text=text)
        record(crisis.workspace, actor, AuditVerb.LISTENING_CRISIS_NOTE, crisis, {"note": note.pk})
    return note


def do_close_crisis(crisis: Crisis, *, actor: Actor) -> None:
    require(actor, crisis.workspace, "listening.crisis")
    if crisis.closed_at is not None:
        return
    with transaction.atomic(durable=True):
        crisis.closed_at = timezone.now()
        crisis.save(update_fields=["closed_at"])
        record(crisis.workspace, actor, AuditVerb.LISTENING_CRISIS_CLOSE, crisis, {})
