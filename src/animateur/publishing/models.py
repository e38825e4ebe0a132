"""Publications: a text the team writes once and sends to chosen channels, each send a target with its
own state and idempotency key, so that a send is never made twice."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


# Django merges the apps' catalogues, so a label the blog also has ("Scheduled": « Planifié », an
# article) needs a context to keep a publication's own, feminine, words.
class PublicationState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_APPROVAL = "awaiting_approval", pgettext_lazy("publication", "Awaiting approval")
    SCHEDULED = "scheduled", pgettext_lazy("publication", "Scheduled")
    SENDING = "sending", _("Sending")
    PUBLISHED = "published", pgettext_lazy("publication", "Published")
    FAILED = "failed", _("Failed")


class TargetState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    # The intent is committed and the network may have the status: a retry reuses the same key.
    SENDING = "sending", _("Sending")
    SENT = "sent", pgettext_lazy("publication", "Published")
    FAILED = "failed", _("Failed")


class Approval(models.TextChoices):
    """Who must approve a publication before it goes out (a workspace default, or set per publication)."""

    NONE = "", _("No approval")
    MANAGER = "manager", _("A manager")
    OWNER = "owner", _("An owner")
    CLIENT = "client", _("The client, through a signed link")


class StepKind(models.TextChoices):
    REQUESTED = "requested", _("Sent for approval")
    APPROVED = "approved", _("Approved")
    COMMENTED = "commented", _("Commented")


def new_key() -> str:
    return uuid.uuid4().hex


class Publication(models.Model):
    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="publications")
    text = models.TextField()
    state = models.CharField(max_length=20, choices=PublicationState.choices, default=PublicationState.DRAFT)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    approval = models.CharField(max_length=16, choices=Approval.choices, default=Approval.NONE, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.CharField(max_length=200, blank=True)
    # A text too long for a network that threads (Mastodon, Bluesky) goes out as a thread of replies.
    thread = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["state", "scheduled_at"]),
            models.Index(fields=["workspace", "scheduled_at"], name="publication_calendar"),
        ]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def needs_approval(self) -> bool:
        return bool(self.approval) and self.approved_at is None


class PublicationTarget(models.Model):
    """One channel a publication goes to. The idempotency key is made with the row, before any send,
    and never changes: every attempt sends it (Mastodon's Idempotency-Key header)."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="targets")
    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="publication_targets")
    state = models.CharField(max_length=16, choices=TargetState.choices, default=TargetState.PENDING)
    idempotency_key = models.CharField(max_length=64, unique=True, default=new_key)
    attempts = models.PositiveIntegerField(default=0)
    remote_id = models.CharField(max_length=255, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    error = models.TextField(blank=True)
    message = models.ForeignKey("stream.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)
    # When the intent was first committed: Bluesky's record key is made from it, the same on every attempt.
    prepared_at = models.DateTimeField(null=True, blank=True)
    # What is sent, fixed at the first attempt and the same on every retry: one part, or a thread's parts,
    # each {"text"} and, once the network made it, {"remote_id", "url", "cid", "created_at", "payload"}.
    # The text is the publication's with its links made tracked links (with this channel's UTM).
    parts = models.JSONField(default=list, blank=True)
    # This channel's own text (a variant), blank: the publication's text. Limits and threads use it.
    text = models.TextField(blank=True)
    # The images as this network took them, in the publication's order, each {"image_id", "media_id", …}:
    # an upload is harmless to repeat, but one kept is not uploaded again on a retry.
    media = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["publication", "channel"], name="one_target_per_channel")]

    def __str__(self) -> str:
        return f"{self.publication_id} → {self.channel_id}"


def _image_path(image: PublicationImage, filename: str) -> str:
    return (
        f"publishing/images/{image.publication.workspace_id}/{image.key}{IMAGE_EXTENSIONS.get(image.content_type, '')}"
    )


IMAGE_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif"}


class PublicationImage(models.Model):
    """An image of a publication, in its order, with its alt text (what a screen reader says). The file is
    checked by its content and redrawn (its metadata, a place included, dropped) when it is uploaded."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="images")
    position = models.PositiveSmallIntegerField(default=0)
    # An unguessable name: the blog shows the image at an address made of it, once published.
    key = models.CharField(max_length=64, unique=True, default=new_key)
    file = models.FileField(upload_to=_image_path, max_length=300)
    name = models.CharField(max_length=200, blank=True)  # the uploaded file's name, to name it in a message
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField(default=0)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    alt = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name or self.key


class ApprovalStep(models.Model):
    """One step of a publication's approval: sent for approval, approved, commented; who and when."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=16, choices=StepKind.choices)
    by = models.CharField(max_length=200)  # user:<id>, or system:client for a signed link
    name = models.CharField(max_length=200, blank=True)
    text = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.by}"


class QueueSlot(models.Model):
    """A channel's regular time to publish: « add to the queue » takes the next free one."""

    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="queue_slots")
    weekday = models.PositiveSmallIntegerField()  # 0 Monday … 6 Sunday
    time = models.TimeField()

    class Meta:
        ordering = ["weekday", "time"]
        constraints = [models.UniqueConstraint(fields=["channel", "weekday", "time"], name="one_slot_per_time")]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.weekday} {self.time}"


class LiveCoverage(models.Model):
    """Live coverage of an event: the team posts quick updates to one running thread on each chosen
    network, with the event's hashtag stream (or a saved search's messages) beside it."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="live_coverages")
    title = models.CharField(max_length=200)
    hashtag = models.CharField(max_length=100, blank=True)  # with its #, as the stream writes it
    search = models.ForeignKey(
        "listening.SavedSearch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channels = models.ManyToManyField("channels.Channel", related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def live(self) -> bool:
        return self.ended_at is None


class LiveUpdate(models.Model):
    """One quick update of a live coverage: one post on each of its networks, answering the last one."""

    coverage = models.ForeignKey(LiveCoverage, on_delete=models.CASCADE, related_name="updates")
    text = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # sending (the intent committed), published (on every network), failed (somewhere: retry)
    state = models.CharField(max_length=20, choices=PublicationState.choices, default=PublicationState.SENDING)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


class LivePost(models.Model):
    """One update on one network, sent never twice as a publication's target is: its idempotency key and
    its text and the post it answers are fixed when the intent is committed, the same on every retry."""

    update = models.ForeignKey(LiveUpdate, on_delete=models.CASCADE, related_name="posts")
    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=16, choices=TargetState.choices, default=TargetState.PENDING)
    idempotency_key = models.CharField(max_length=64, unique=True, default=new_key)
    attempts = models.PositiveIntegerField(default=0)
    prepared_at = models.DateTimeField(null=True, blank=True)
    text = models.TextField(blank=True)  # as sent: its links made tracked links
    # The thread's posts it answers on this network, {"parent": part, "root": part} (sending.Sent.as_part),
    # empty for the thread's first post.
    reply_to = models.JSONField(default=dict, blank=True)
    remote_id = models.CharField(max_length=255, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    cid = models.CharField(max_length=255, blank=True)  # Bluesky's, which a reply names with the uri
    created_at = models.DateTimeField(null=True, blank=True)  # at the network
    error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message = models.ForeignKey("stream.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["update", "channel"], name="one_live_post_per_channel")]

    def __str__(self) -> str:
        return f"{self.update_id} → {self.channel_id}"
