"""The rows of the inbox list, computed in Python once per page.

The list is the page the team keeps open all day: everything a row shows (link, clock, times,
labels) is prepared here with plain string work, so the template only prints values instead of
resolving tags, reversing URLs and formatting dates fifty times per render.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from animateur.channels.apps import kind_label
from animateur.inbox.models import Conversation, Priority, State
from animateur.inbox.templatetags.inbox_tags import clock


@dataclass(frozen=True)
class Row:
    pk: int
    url: str
    author: str
    channel: str  # the kind, for the badge's colour
    channel_name: str
    channel_label: str
    excerpt: str
    state: str
    state_label: str
    priority: str
    priority_label: str
    assignee: str
    labels: list[tuple[str, str]]
    clock_status: str
    clock_text: str
    clock_missed: bool
    time_iso: str
    time_text: str
    messages: str

    def html(self, selectable: bool, select_label: str) -> SafeString:
        """The row's markup: printed by _list.html fifty times, so built here in one pass."""
        labels = "".join(
            format_html('<span class="label" style="--label: {}">{}</span>', color, name) for name, color in self.labels
        )
        clock = (
            format_html(
                '<span class="clock clock-{}{}" data-clock="{}">{}</span>',
                self.clock_status,
                " clock-missed" if self.clock_missed else "",
                self.clock_status,
                self.clock_text,
            )
            if self.clock_status != "none"
            else ""
        )
        check = (
            format_html(
                '<input type="checkbox" name="ids" value="{}" aria-label="{} {}" data-select>',
                self.pk,
                select_label,
                self.author,
            )
            if selectable
            else ""
        )
        assignee = escape(self.assignee) if self.assignee else mark_safe('<span class="muted">—</span>')
        return format_html(
            '<li class="conversation state-{state} priority-{priority}" data-conversation="{pk}" data-url="{url}">'
            '{check}<a href="{url}" class="who"><strong>{author}</strong></a>'
            '<span class="channel channel-{channel}" title="{channel_label}">{channel_name}</span>'
            '<a href="{url}" class="excerpt" tabindex="-1">{excerpt}</a>'
            '<span class="tags">{labels}</span>'
            '<span class="state state-{state}">{state_label}</span>'
            '<span class="priority priority-{priority}" data-priority="{priority}" title="{priority_title}">'
            "{priority_text}</span>"
            '<span class="assignee">{assignee}</span>'
            '<span class="clock-cell">{clock}</span>'
            '<time datetime="{time_iso}" title="{messages}">{time_text}</time></li>',
            state=self.state,
            priority=self.priority,
            pk=self.pk,
            url=self.url,
            check=check,
            author=self.author,
            channel=self.channel,
            channel_name=self.channel_name,
            channel_label=self.channel_label,
            excerpt=self.excerpt,
            labels=mark_safe(labels),  # noqa: S308 - built from format_html above
            state_label=self.state_label,
            priority_title=self.priority_label,
            # Normal is what most conversations are: the column speaks only when it differs.
            priority_text="" if self.priority == Priority.NORMAL else self.priority_label,
            assignee=assignee,
            clock=clock,
            time_iso=self.time_iso,
            messages=self.messages,
            time_text=self.time_text,
        )


def _when(moment: datetime, now: datetime) -> str:
    local = timezone.localtime(moment)
    if local.date() == timezone.localtime(now).date():
        return local.strftime("%H:%M")
    if local.year == now.year:
        return date_format(local, "j b")
    return date_format(local, "j b Y")


def rows_of(conversations: list[Conversation], now: datetime | None = None) -> list[Row]:
    now = now or timezone.now()
    base = reverse("inbox:conversation", args=[0])[: -len("0/")]
    states = dict(State.choices)
    priorities = dict(Priority.choices)
    out = []
    for c in conversations:
        status: dict[str, Any] = clock(c, now)
        excerpt = c.preview or c.subject
        out.append(
            Row(
                pk=c.pk,
                url=f"{base}{c.pk}/",
                author=c.author_name or "?",
                channel=c.channel_kind,
                channel_name=c.channel.name or kind_label(c.channel_kind),  # joined by selectors.page_of
                channel_label=kind_label(c.channel_kind),
                excerpt=excerpt if len(excerpt) <= 160 else excerpt[:159] + "…",
                state=c.state,
                state_label=str(states.get(c.state, c.state)),
                priority=c.priority,
                priority_label=str(priorities.get(c.priority, c.priority)),
                assignee=c.assignee.name if c.assignee_id and c.assignee else "",
                labels=[(label.name, label.color) for label in c.labels.all()],
                clock_status=status["status"],
                clock_text=status.get("text", ""),
                clock_missed=status["status"] == "answered" and not status.get("met", True),
                time_iso=c.last_message_at.isoformat(),
                time_text=_when(c.last_message_at, now),
                messages=ngettext("%(n)d message", "%(n)d messages", c.message_count) % {"n": c.message_count}
                if c.message_count > 1
                else "",
            )
        )
    return out


def render_rows(rows: list[Row], *, selectable: bool) -> SafeString:
    select_label = _("Select")
    return mark_safe("\n".join(row.html(selectable, select_label) for row in rows))  # noqa: S308 - escaped by format_html


def view_label(view: str) -> str:
    # Contexts: "New" or "Closed" alone are translated differently by other apps' catalogues.
    return {
        "all": pgettext("inbox view", "All open"),
        "new": pgettext("inbox view", "New"),
        "mine": pgettext("inbox view", "Mine"),
        "unassigned": pgettext("inbox view", "Unassigned"),
        "waiting": pgettext("inbox view", "Waiting"),
        "closed": pgettext("inbox view", "Closed"),
    }[view]
