"""What the members app keeps beside the stream's Member and Identity (which it never migrates).

A Profile holds the figures recomputed from the stream (messages, engagement, level, reach); notes
and tags are the team's; a MergeSuggestion is a proposal with its evidence; a Merge records which
identities moved from one member to another, so that it can be undone.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from animateur.core.models import Workspace
from animateur.stream.models import Identity, Member


class Level(models.IntegerChoices):
    """The Orbit model's four levels, 1 the closest to the organisation; 0 for the team's own accounts."""

    TEAM = 0, _("Team")
    ADVOCATE = 1, _("Advocate")
    CONTRIBUTOR = 2, _("Contributor")
    PARTICIPANT = 3, _("Participant")
    EXPLORER = 4, _("Explorer")


class MembersSettings(models.Model):
    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="members_settings")
    # Merge at once when the evidence is certain (the same email); never across two accounts of one source.
    auto_merge_certain = models.BooleanField(default=True)
    # Activity kind → weight, overriding engagement.DEFAULT_WEIGHTS.
    weights = models.JSONField(default=dict, blank=True)
    half_life_days = models.PositiveIntegerField(default=90)
    # The last message whose author's profile links were read (Mastodon's account fields).
    links_read_to = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"members settings of {self.workspace_id}"


class Profile(models.Model):
    member = models.OneToOneField(Member, on_delete=models.CASCADE, primary_key=True, related_name="profile")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", db_index=False)
    message_count = models.PositiveIntegerField(default=0)
    first_seen_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=8, blank=True)
    engagement = models.FloatField(default=0)
    level = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.EXPLORER)
    level_since = models.DateTimeField(default=timezone.now)
    reach = models.FloatField(default=0)
    betweenness = models.FloatField(default=0, help_text="normalized, in the interaction graph")
    bridge = models.BooleanField(default=False, help_text="among the top 5 % by betweenness")
    is_team = models.BooleanField(default=False)
    ambassador = models.BooleanField(default=False, help_text="marked by the team")
    # Why the recompute proposes this member as an ambassador (codes, see engagement.REASONS); empty if not.
    candidate_reasons = models.JSONField(default=list, blank=True)
    activity = models.JSONField(default=dict, blank=True, help_text="activity kind → count")
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The list's orders, ties broken by member as the list breaks them: PostgreSQL otherwise
            # sorts a whole run of equal figures (every member with no engagement yet) for a page.
            models.Index(fields=["workspace", "-engagement", "member"]),
            models.Index(fields=["workspace", "-last_seen_at", "member"]),
            models.Index(fields=["workspace", "level", "-engagement", "member"]),
            # The list's language filter and its choices (languages_in_use walks this index); with a
            # level too, in the list's order, and counted from the index alone.
            models.Index(
                fields=["workspace", "language", "level", "-engagement", "member"], name="members_language_level"
            ),
            # The latest recompute (members.tasks, introductions) without reading every profile.
            models.Index(fields=["workspace", "computed_at"]),
            # The ambassadors and the bridges, a few among a million, in the list's order.
            models.Index(
                fields=["workspace", "-engagement", "member"], condition=Q(ambassador=True), name="members_ambassadors"
            ),
            models.Index(
                fields=["workspace", "-engagement", "member"], condition=Q(bridge=True), name="members_bridges"
            ),
        ]

    def __str__(self) -> str:
        return f"profile of {self.member_id}"


class Note(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="member_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"note on {self.member_id}"


class Tag(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", db_index=False)
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="member_tags")
    name = models.CharField(max_length=60)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "name"], name="one_tag_per_member")]
        # The tag's members read from the index alone (the list's tag filter, tags_in_use's seeks).
        indexes = [models.Index(fields=["workspace", "name", "member"], name="members_tag_members")]

    def __str__(self) -> str:
        return self.name


class SuggestionStatus(models.TextChoices):
    OPEN = "open", _("To decide")
    ACCEPTED = "accepted", _("Merged")
    REJECTED = "rejected", _("Not the same person")
    SNOOZED = "snoozed", _("Snoozed")


class MergeSuggestion(models.Model):
    """Two members who may be one person, with the evidence; `first` is the one with the lower id."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", db_index=False)
    first = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    # [{"kind": "same_email", "weight": 1.0, "detail": "..."}]
    evidence = models.JSONField(default=list)
    confidence = models.FloatField(default=0)
    # Both have accounts on one source with different ids: never merged automatically.
    same_source = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.OPEN)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=60, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "first", "second"], name="one_suggestion_per_pair")]
        indexes = [models.Index(fields=["workspace", "status", "-confidence"])]

    def __str__(self) -> str:
        return f"{self.first_id} ~ {self.second_id}"


class Merge(models.Model):
    """`merged` was folded into `into`: the identities that moved, kept so that the merge can be undone."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", db_index=False)
    into = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    merged = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    identities = models.ManyToManyField(Identity, related_name="+")
    suggestion = models.ForeignKey(MergeSuggestion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    automatic = models.BooleanField(default=False)
    by = models.CharField(max_length=60)
    created_at = models.DateTimeField(default=timezone.now)
    reverted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "into"])]

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.into_id}"


class Segment(models.Model):
    """A saved filter of the member list, shared with the team (its query string, as the page reads it)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    query = models.CharField(max_length=1000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="one_segment_name_per_workspace")]

    def __str__(self) -> str:
        return self.name


class LinkProof(models.TextChoices):
    NONE = "", _("Not proven")
    SERVER = "server", _("Verified by the account's server (rel=me)")
    CHECKED = "checked", _("Verified by animateur (the page links back with rel=me)")


class ProfileLink(models.Model):
    """A web address an account's profile names (Mastodon's profile fields), and whether it is proven
    the person's: the page links back to the profile with rel="me", as the server or animateur saw."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", db_index=False)
    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=500)
    proof = models.CharField(max_length=10, choices=LinkProof.choices, blank=True, default="")
    verified_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    # Why our own check failed (a code: not_found, no_rel_me, blocked, unreachable), empty if it did not.
    check_error = models.CharField(max_length=40, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["identity", "url"], name="one_link_per_identity_url")]
        indexes = [models.Index(fields=["workspace", "checked_at"])]

    def __str__(self) -> str:
        return self.url


class FieldKind(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")


class CustomField(models.Model):
    """A field the workspace defines on its members (« company », « city », « joined the beta on »)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=10, choices=FieldKind.choices, default=FieldKind.TEXT)
    choices = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="one_field_name_per_workspace")]

    def __str__(self) -> str:
        return self.name


class CustomValue(models.Model):
    """One member's value of one custom field, kept as text (numbers and dates in a sortable form)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", db_index=False)
    field = models.ForeignKey(CustomField, on_delete=models.CASCADE, related_name="values")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="custom_values")
    value = models.CharField(max_length=500)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["field", "member"], name="one_value_per_field_member")]
        indexes = [models.Index(fields=["field", "value"])]

    def __str__(self) -> str:
        return self.value


class SegmentAlert(models.Model):
    """Tell the managers when members enter a ready-made cohort or a saved segment."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    cohort = models.CharField(max_length=20, blank=True)
    segment = models.OneToOneField(Segment, null=True, blank=True, on_delete=models.CASCADE, related_name="alert")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "cohort"], condition=models.Q(segment=None), name="one_alert_per_cohort"
            )
        ]

    def __str__(self) -> str:
        return self.cohort or f"segment {self.segment_id}"


class SegmentAlertSeen(models.Model):
    """A member the alert already told of: never told again."""

    alert = models.ForeignKey(SegmentAlert, on_delete=models.CASCADE, related_name="seen")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alert", "member"], name="one_sighting_per_alert_member")]

    def __str__(self) -> str:
        return f"{self.alert_id}: {self.member_id}"


class IntroductionDismissal(models.Model):
    """An introduction the team does not want proposed again; `first` has the lower id."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", db_index=False)
    first = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    by = models.CharField(max_length=60)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "first", "second"], name="one_dismissal_per_pair")]

    def __str__(self) -> str:
        return f"{self.first_id} ~ {self.second_id}"
