"""Moderation's own data: watched words, rules and their hits, the review queue, flags,
sanctions, per-workspace settings and what each workspace taught the scoring models."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from animateur.core.crypto import EncryptedTextField
from animateur.core.models import Workspace
from animateur.stream.models import Member, Message


def new_token() -> str:
    return uuid.uuid4().hex


class WordAction(models.TextChoices):
    BLOCK = "block", _("Block")
    CENSOR = "censor", _("Censor")
    REQUIRE_APPROVAL = "require_approval", _("Require approval")
    FLAG = "flag", _("Flag for review")
    LABEL = "label", _("Label")
    REPLACE = "replace", _("Replace")


class ModerationSettings(models.Model):
    """One row per workspace: versions that invalidate caches, thresholds moderators tune."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="moderation_settings")
    # Changed on every change of the watched words: the compiled matchers are cached by it.
    # A random token rather than a counter, so that a recreated row never meets a stale cache.
    words_version = models.CharField(max_length=32, default=new_token)
    trust_thresholds = models.JSONField(default=dict, blank=True)
    # Site authors whose trust is below this level are held for review.
    site_hold_below = models.CharField(max_length=10, default="basic")
    score_thresholds = models.JSONField(default=dict, blank=True)
    # Authors at or above this trust level are not held nor sent to spam by the spam score alone:
    # the model learnt that a link is spam, and a regular who links to a reference is not a
    # spammer (Discourse's Akismet plugin likewise skips users above a trust level). Rules,
    # watched words, sanctions and the toxicity score still apply to them.
    spam_trusted_from = models.CharField(max_length=10, default="regular")
    # Host names whose links the scores do not read (the workspace's own domain always counts):
    # members link to the community's posts and answers, which is not promotion.
    trusted_link_hosts = models.JSONField(default=list, blank=True)
    # Flag weight that takes a message off the site until a moderator decides.
    flag_hold_weight = models.FloatField(default=2.0)

    def __str__(self) -> str:
        return f"moderation settings of {self.workspace}"


class WatchedWord(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="watched_words")
    pattern = models.CharField(
        _("word or phrase"),
        max_length=200,
        help_text=_("Use * as a wildcard: « arnaq* » finds « arnaque » and « arnaqueur »."),
    )
    action = models.CharField(_("action"), max_length=20, choices=WordAction.choices)
    # The label for "label", the replacement text for "replace".
    value = models.CharField(_("label or replacement"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["action", "pattern"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "pattern", "action"], name="one_watched_word_per_action")
        ]

    def __str__(self) -> str:
        return f"{self.pattern} → {self.action}"


class Rule(models.Model):
    """Conditions over a message (all / any) and the actions to take when they hold."""

    class Match(models.TextChoices):
        ALL = "all", _("all conditions")
        ANY = "any", _("any condition")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="moderation_rules")
    name = models.CharField(_("name"), max_length=200)
    enabled = models.BooleanField(_("enabled"), default=True)
    position = models.PositiveIntegerField(_("order"), default=100)
    match = models.CharField(_("match"), max_length=3, choices=Match.choices, default=Match.ALL)
    # [{"field": "spam", "op": "gte", "value": 0.7}, ...]
    conditions = models.JSONField(default=list)
    # [{"type": "hold"}, {"type": "label", "value": "promo"}, ...]
    actions = models.JSONField(default=list)
    # Signs the rule's webhook calls (HMAC-SHA256 of the body); shown once to the moderator who made it.
    webhook_secret = EncryptedTextField(blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    # Not a column: the secret in clear, on the instance do_save_rule returns when it made one, so the
    # page can show it once. Only its encrypted form (webhook_secret) is ever stored.
    revealed_secret: str = ""

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class RuleHit(models.Model):
    """A rule matched a stored message; `reversed_at` is set when a moderator undid what it did."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="hits")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    actions = models.JSONField(default=list)
    visibility = models.CharField(max_length=10, blank=True, help_text="the visibility the pipeline decided")
    created_at = models.DateTimeField(default=timezone.now)
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "message"], name="one_hit_per_rule_and_message")]
        indexes = [models.Index(fields=["message"])]

    def __str__(self) -> str:
        return f"rule {self.rule_id} on message {self.message_id}"


class WebhookDelivery(models.Model):
    """One call of a rule's webhook for one message, with every attempt's outcome.

    The body is kept as sent so that each retry carries the same bytes and the same signature.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="deliveries")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    url = models.URLField(max_length=2000)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["rule", "-created_at"]),
            models.Index(fields=["status", "next_attempt_at"]),
        ]

    def __str__(self) -> str:
        return f"webhook of rule {self.rule_id} for message {self.message_id} ({self.status})"


class MessageLabel(models.Model):
    """Labels given by watched words and rules (the stream stores none of its own)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="moderation_labels")
    label = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "label"], name="one_label_per_message")]
        indexes = [models.Index(fields=["workspace", "label"])]

    def __str__(self) -> str:
        return self.label


class ReviewItem(models.Model):
    """A message waiting for a moderator's decision, and the decision once taken."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ESCALATED = "escalated", _("Escalated")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SPAM = "spam", _("Spam")

    OPEN = (Status.PENDING, Status.ESCALATED)

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="review_items")
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="review_item")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    score = models.FloatField(default=0.0, help_text="sum of the reasons' weights: the queue's order")
    created_at = models.DateTimeField(default=timezone.now)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["workspace", "status", "-score", "created_at"])]

    def __str__(self) -> str:
        return f"review of {self.message_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class ReviewReason(models.Model):
    """One reason an item is in the queue: its kind (for counts), detail and score."""

    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="reasons")
    kind = models.CharField(max_length=40, help_text="rule, watched-word, spam-score, flag, trust, sanction ...")
    source = models.CharField(max_length=80)
    detail = models.CharField(max_length=500, blank=True)
    score = models.FloatField(null=True, blank=True)
    action = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["kind"])]

    def __str__(self) -> str:
        return f"{self.source}: {self.detail}"


class Flag(models.Model):
    """A member or a teammate says a message needs a moderator; weighted by trust and accuracy."""

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("Upheld")
        DISMISSED = "dismissed", _("Dismissed")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="moderation_flags")
    flagged_member = models.ForeignKey(
        Member,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="the author of the flagged message",
    )
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=500, blank=True)
    weight = models.FloatField(default=1.0)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "flagged_member", "outcome"]),
            models.Index(fields=["workspace", "by_member", "outcome"]),
        ]

    def __str__(self) -> str:
        return f"flag on message {self.message_id}"


class Sanction(models.Model):
    class Kind(models.TextChoices):
        WARN = "warn", _("Warning")
        MUTE = "mute", _("Mute (everything held)")
        BAN = "ban", _("Ban")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="moderation_sanctions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reason = models.CharField(max_length=500)
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True, help_text="empty: until lifted")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lift_reason = models.CharField(max_length=500, blank=True)

    # Not stored: set by do_sanction_member on a ban, how many of the author's held messages it rejected.
    rejected_held = 0

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["workspace", "member", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind} of {self.member_id}"

    def is_active(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.lifted_at is None and self.starts_at <= now and (self.ends_at is None or self.ends_at > now)


class LearningState(models.Model):
    """The workspace's WorkspaceAdapter blob (animateur.nlp), updated by moderators' decisions."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="moderation_learning")
    blob = models.BinaryField(blank=True, default=b"")
    version = models.CharField(max_length=32, default=new_token)
    decisions = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"learning of {self.workspace_id} ({self.decisions} decisions)"
