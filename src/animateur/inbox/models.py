"""The team's work on the stream: conversations, labels, notes, saved replies, targets, notifications."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from animateur.core.models import Workspace


class State(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting")
    CLOSED = "closed", _("Closed")


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
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="one_label_name_per_workspace")
        ]

    def __str__(self) -> str:
        return self.name


class Conversation(models.Model):
    """A thread root that needs the team, and the state of the team's work on it."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="conversations")
    root = models.OneToOneField("stream.Message", on_delete=models.CASCADE, related_name="conversation")
    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="+")
    channel_kind = models.CharField(max_length=40)
    member = models.ForeignKey(
        "stream.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    # Lower-cased texts of the thread, for search without joining a million messages.
    search_text = models.TextField(blank=True)
    language = models.CharField(max_length=8, blank=True)
    sentiment = models.CharField(max_length=10, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.NEW)
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
    started_at = models.DateTimeField(
        help_text="when the first inbound message was written: the clock starts"
    )
    last_message_at = models.DateTimeField()
    last_inbound_at = models.DateTimeField()
    last_message_id = models.BigIntegerField(default=0)
    first_response_at = models.DateTimeField(null=True, blank=True)
    first_responder = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_elsewhere = models.BooleanField(default=False)
    due_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "state", "-last_message_at"]),
            models.Index(fields=["workspace", "-last_message_at"]),
            models.Index(fields=["workspace", "assignee", "state", "-last_message_at"]),
            models.Index(fields=["workspace", "channel_kind", "-last_message_at"]),
            models.Index(fields=["workspace", "state", "due_at"]),
            models.Index(fields=["workspace", "updated_at"]),
        ]

    def __str__(self) -> str:
        return self.subject or f"#{self.pk}"

    @property
    def is_answered(self) -> bool:
        return self.first_response_at is not None


class ConversationItem(models.Model):
    """Which conversation a message belongs to (a message's thread root is its post on the site)."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="items")
    message = models.OneToOneField(
        "stream.Message", on_delete=models.CASCADE, related_name="conversation_item"
    )

    class Meta:
        indexes = [models.Index(fields=["conversation", "message"])]

    def __str__(self) -> str:
        return f"{self.message_id} in {self.conversation_id}"


class Note(models.Model):
    """An internal note of the team on a conversation; never shown to the community."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
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
    body = models.TextField(
        _("text"), help_text=_("Variables: {member_name}, {workspace_name}, {agent_name}")
    )
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

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "channel_kind", "priority"], name="one_target_per_scope"
            )
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

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    conversation = models.ForeignKey(Conversation, null=True, on_delete=models.CASCADE, related_name="+")
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
