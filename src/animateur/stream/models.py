"""The one stream: every contribution on every channel is a Message by an Identity of a Member."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from animateur.core.models import Workspace


class Member(models.Model):
    """A person of the community in one workspace, whatever accounts they use."""

    # No index of its own: (workspace, email) below starts with it.
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="members", db_index=False)
    display_name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["workspace", "email"])]

    def __str__(self) -> str:
        return self.display_name


class Identity(models.Model):
    """One account of a member on one channel."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="identities")
    # No index of its own: the unique (channel, external_id) starts with it.
    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="identities", db_index=False)
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="identities")
    origin = models.CharField(max_length=40, help_text="the channel kind this account lives on")
    external_id = models.CharField(max_length=255)
    handle = models.CharField(max_length=255, blank=True)
    display_name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    url = models.URLField(max_length=500, blank=True)
    # Set when the identity is a team member speaking for the organisation.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "external_id"], name="one_identity_per_account")]

    def __str__(self) -> str:
        return self.display_name or self.handle or self.external_id


class Visibility(models.TextChoices):
    VISIBLE = "visible", _("Visible")
    PENDING = "pending", _("Pending")
    HIDDEN = "hidden", _("Hidden")
    SPAM = "spam", _("Spam")
    TRASH = "trash", _("Trash")
    DELETED = "deleted", _("Deleted at the source")


class Kind(models.TextChoices):
    POST = "post", _("Post")
    COMMENT = "comment", _("Comment")
    REPLY = "reply", _("Reply")
    MENTION = "mention", _("Mention")
    DIRECT = "direct", _("Direct message")
    EMAIL = "email", _("Email")
    PINGBACK = "pingback", _("Pingback")


class Message(models.Model):
    """One contribution. Its key is (channel, external_id): fetching again never duplicates."""

    # workspace, channel, author and thread_root have no index of their own: each is the first column
    # of one below (a lookup on it uses that one), and every index costs each insert of the pipeline.
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="messages", db_index=False)
    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="messages", db_index=False)
    external_id = models.CharField(max_length=255)
    url = models.URLField(max_length=1000, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.COMMENT)
    author = models.ForeignKey(
        Identity, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages", db_index=False
    )
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies")
    thread_root = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="thread_messages", db_index=False
    )
    title = models.CharField(max_length=500, blank=True)
    text = models.TextField(blank=True)
    html = models.TextField(blank=True, help_text="sanitized HTML, safe to show")
    language = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField(default=timezone.now, help_text="time at the source")
    received_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    previous_versions = models.JSONField(default=list, blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.VISIBLE)
    from_organisation = models.BooleanField(default=False)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sentiment = models.CharField(max_length=10, blank=True)
    scores = models.JSONField(default=dict, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    # What people did with it at the source, as last read (stream/counts.py): reactions by the kind the
    # network names (like, love, celebrate ...), their total, and shares (boosts, reposts). None where
    # the source does not say or was never asked. Columns of the row, nullable without default: shown
    # in the stream with no join, and added to a large table without rewriting it.
    reactions = models.JSONField(null=True, blank=True, help_text="reactions by kind, as the source counts them")
    reaction_count = models.PositiveIntegerField(null=True, blank=True)
    share_count = models.PositiveIntegerField(null=True, blank=True)
    counts_read_at = models.DateTimeField(null=True, blank=True, help_text="when the counts were last read")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "external_id"], name="one_message_per_external_id")]
        indexes = [
            models.Index(fields=["workspace", "-created_at"]),
            models.Index(fields=["thread_root", "visibility", "created_at"]),
            models.Index(fields=["workspace", "visibility", "-received_at"]),
            models.Index(fields=["author", "visibility"]),
            # The organisation's recent posts, whose reactions and shares are read again (channels/runner.py):
            # partial, so the community's messages, nearly all of them, cost it nothing.
            models.Index(
                fields=["channel", "-created_at"],
                condition=models.Q(from_organisation=True),
                name="stream_message_own_recent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.external_id}"

    @property
    def author_name(self) -> str:
        return str(self.author) if self.author_id else ""


class AwaitedParent(models.Model):
    """A stored reply waiting for its parent, or for an ancestor nearer than the one it is linked to.

    Looked up by (channel, external id) as new messages are stored, so a reply stored before its
    parent is linked when the parent arrives, in whatever later batch or run.
    """

    # No index of its own: (channel, external_id) below starts with it.
    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="+", db_index=False)
    external_id = models.CharField(max_length=255, help_text="the awaited message's external id")
    reply = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="awaited_parents")
    distance = models.PositiveSmallIntegerField(default=0, help_text="0 for the parent, 1 for its parent ...")

    class Meta:
        indexes = [models.Index(fields=["channel", "external_id"])]

    def __str__(self) -> str:
        return f"{self.reply_id} awaits {self.external_id}"
