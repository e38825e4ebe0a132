"""The team's work on the stream: conversations, labels, notes, saved replies, targets, notifications."""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.db import models
from django.db.models import Case, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from animateur.core.models import Workspace


class State(models.TextChoices):
    NEW = "new", pgettext_lazy("conversation state", "New")
    OPEN = "open", pgettext_lazy("conversation state", "Open")
    WAITING = "waiting", pgettext_lazy("conversation state", "Waiting")
    CLOSED = "closed", pgettext_lazy("conversation state", "Closed")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Label(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="inbox_labels")
    name = models.CharField(_("name"), max_length=60)
    color = models.CharField(_("colour"), max_length=7, default="#777777")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="one_label_name_per_workspace")]

    def __str__(self) -> str:
        return self.name


# The sort key of conversations nobody has to answer by a given time: after every due one.
NOT_DUE = datetime(9000, 1, 1, tzinfo=UTC)


def due_sort_of(due_at: datetime | None, first_response_at: datetime | None) -> datetime:
    """What the « time left » sort orders by: the due time while unanswered, else after all due ones."""
    return due_at if due_at is not None and first_response_at is None else NOT_DUE


class Conversation(models.Model):
    """A thread root that needs the team, and the state of the team's work on it.

    Everything the list shows and sorts on is copied here (author, channel kind, preview,
    counts, times) so that a page of the inbox reads one table through one index, whatever
    the size of the stream. The pipeline hook and the actions keep the copies current.
    """

    # No index of its own: every list index starts with it (lookups and the workspace's cascade use those).
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="conversations", db_index=False)
    root = models.OneToOneField("stream.Message", on_delete=models.CASCADE, related_name="conversation")
    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="+")
    channel_kind = models.CharField(max_length=40)
    member = models.ForeignKey("stream.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    author_name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    # The latest inbound message, as the list shows it.
    preview = models.CharField(max_length=300, blank=True)
    # The thread's inbound texts folded and stemmed (animateur.inbox.search): the full-text
    # index (FTS5 on SQLite, a GIN expression index on PostgreSQL) is built on this column.
    search_text = models.TextField(blank=True)
    language = models.CharField(max_length=8, blank=True)
    sentiment = models.CharField(max_length=10, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.NEW)
    # 1 unless closed, computed by the database so that no update of `state` can leave it stale.
    # An integer, not a boolean: `is_open = 1` is an equality the indexes can lead with, where
    # SQLite would get a bare boolean column it cannot match to an index.
    is_open = models.GeneratedField(
        expression=Case(When(state=State.CLOSED, then=Value(0)), default=Value(1)),
        output_field=models.SmallIntegerField(),
        db_persist=True,
    )
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_conversations",
    )
    labels = models.ManyToManyField(Label, blank=True, related_name="conversations")
    message_count = models.PositiveIntegerField(default=1)
    started_at = models.DateTimeField(help_text="when the first inbound message was written: the clock starts")
    last_message_at = models.DateTimeField()
    last_inbound_at = models.DateTimeField()
    last_message_id = models.BigIntegerField(default=0)
    first_response_at = models.DateTimeField(null=True, blank=True)
    first_responder = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_elsewhere = models.BooleanField(default=False)
    due_at = models.DateTimeField(null=True, blank=True)
    due_sort = models.DateTimeField(default=NOT_DUE)
    warned_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # One index per view and sort: the view's equality filters, then the ORDER BY columns,
        # so that a page is read in order from the index and stops after 50 rows.
        indexes = [
            models.Index(fields=["workspace", "is_open", "due_sort", "-last_message_at", "-id"], name="inbox_open_due"),
            models.Index(fields=["workspace", "is_open", "-last_message_at", "-id"], name="inbox_open_recent"),
            models.Index(fields=["workspace", "state", "due_sort", "-last_message_at", "-id"], name="inbox_state_due"),
            models.Index(fields=["workspace", "state", "-last_message_at", "-id"], name="inbox_state_recent"),
            models.Index(
                fields=["workspace", "assignee", "is_open", "due_sort", "-last_message_at", "-id"],
                name="inbox_assignee_due",
            ),
            models.Index(
                fields=["workspace", "assignee", "is_open", "-last_message_at", "-id"], name="inbox_assignee_recent"
            ),
            models.Index(
                fields=["workspace", "channel_kind", "is_open", "-last_message_at", "-id"], name="inbox_channel_recent"
            ),
            # The reports' « Conversations answered »: those opened in a period, a range of this index,
            # which holds what the count looks at (no row is read).
            models.Index(
                fields=["workspace", "started_at", "first_response_at", "answered_elsewhere"], name="inbox_started"
            ),
        ]

    def __str__(self) -> str:
        return self.subject or f"#{self.pk}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.due_sort = due_sort_of(self.due_at, self.first_response_at)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and ({"due_at", "first_response_at"} & set(update_fields)):  # type: ignore[call-overload]
            kwargs["update_fields"] = {*update_fields, "due_sort"}  # type: ignore[misc]
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class ConversationTally(models.Model):
    """How many conversations a workspace has per state and assignee (0 = nobody).

    Kept by database triggers on inbox_conversation (animateur.inbox.db), so the counts of
    every view are a read of a few rows instead of a count over the whole inbox. No foreign
    keys: the triggers must be able to write while a workspace or a user is being deleted.
    """

    workspace_id = models.BigIntegerField()
    state = models.CharField(max_length=10)
    assignee_id = models.BigIntegerField(default=0)
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace_id", "state", "assignee_id"], name="one_tally_per_bucket")
        ]

    def __str__(self) -> str:
        return f"{self.workspace_id}/{self.state}/{self.assignee_id}: {self.n}"


class ConversationItem(models.Model):
    """Which conversation a message belongs to (a message's thread root is its post on the site)."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="items")
    message = models.OneToOneField("stream.Message", on_delete=models.CASCADE, related_name="conversation_item")

    class Meta:
        indexes = [models.Index(fields=["conversation", "message"])]

    def __str__(self) -> str:
        return f"{self.message_id} in {self.conversation_id}"


class Note(models.Model):
    """An internal note of the team on a conversation; never shown to the community."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField()
    html = models.TextField(blank=True)
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"note {self.pk}"


class SavedReply(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="saved_replies")
    title = models.CharField(_("title"), max_length=120)
    language = models.CharField(_("language"), max_length=8, blank=True)
    body = models.TextField(_("text"), help_text=_("Variables: {member_name}, {workspace_name}, {agent_name}"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class SavedView(models.Model):
    """A named filter of the inbox: the user's own, or shared with the workspace (owner empty)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="saved_views")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=80)
    filters = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ResponseTarget(models.Model):
    """First response within N minutes, for a channel kind and/or a priority (blank = any)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="response_targets")
    channel_kind = models.CharField(_("channel"), max_length=40, blank=True)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, blank=True)
    minutes = models.PositiveIntegerField(_("first response within (minutes)"))
    business_hours = models.BooleanField(_("counted in business hours"), default=True)

    # Not stored: set by do_set_response_target, how many open unanswered conversations got a new due time.
    applied_to = 0

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "channel_kind", "priority"], name="one_target_per_scope")
        ]

    def __str__(self) -> str:
        return f"{self.channel_kind or '*'}/{self.priority or '*'}: {self.minutes} min"


class Holiday(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=120, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["workspace", "date"], name="one_holiday_per_day")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class Notification(models.Model):
    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned to you")
        MENTIONED = "mentioned", _("Mentioned in a note")
        DUE_SOON = "due_soon", _("About to miss its target")
        NEW_MESSAGE = "new_message", _("New message in your conversation")
        CHANNEL_ALERT = "channel_alert", _("A channel needs you")
        # Members entered a cohort or a saved segment whose alert is on: it leads to the members' alerts.
        SEGMENT_ALERT = "segment_alert", _("Members entered a segment")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    conversation = models.ForeignKey(Conversation, null=True, on_delete=models.CASCADE, related_name="+")
    # A channel's alert leads to its health page rather than to a conversation.
    channel = models.ForeignKey("channels.Channel", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "workspace", "read_at"]), models.Index(fields=["emailed_at"])]

    def __str__(self) -> str:
        return self.text


class NotificationPreference(models.Model):
    class Email(models.TextChoices):
        IMMEDIATE = "immediate", _("Immediately")
        DIGEST = "digest", _("In a daily digest")
        OFF = "off", _("Never")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    email = models.CharField(_("emails"), max_length=10, choices=Email.choices, default=Email.IMMEDIATE)

    def __str__(self) -> str:
        return self.email


class FirstResponse(models.Model):
    """When a conversation's first answer stopped the response clock, with everything the response-time
    page needs frozen at that moment (sla.first_response_data).

    A measurement, not an act: the act (a reply, « answered elsewhere », an answer read back from the
    source) has its own audit event; this row is what the figures are computed from.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="first_response")
    data = models.JSONField(default=dict)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["workspace", "recorded_at"])]

    def __str__(self) -> str:
        return f"{self.conversation_id} @ {self.recorded_at:%Y-%m-%d %H:%M}"
