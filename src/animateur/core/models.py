"""The core model: users, workspaces, roles in a workspace, and the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _

from animateur.core.crypto import EncryptedTextField
from animateur.core.roles import Role


class UserManager(BaseUserManager["User"]):
    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("an email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person of the team; logs in with an email address."""

    email = models.EmailField(_("email"), unique=True)
    display_name = models.CharField(_("name"), max_length=150, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=dj_timezone.now)

    objects = UserManager()
    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    def __str__(self) -> str:
        return self.display_name or self.email

    @property
    def name(self) -> str:
        return self.display_name or self.email.split("@")[0]

    def role_in(self, workspace: Workspace) -> str | None:
        """The user's role in the workspace, cached on the instance for the request."""
        cache: dict[int, str | None] = self.__dict__.setdefault("_roles", {})
        if workspace.pk not in cache:
            cache[workspace.pk] = (
                Membership.objects.filter(user=self, workspace=workspace).values_list("role", flat=True).first()
            )
        return cache[workspace.pk]


class Workspace(models.Model):
    """A brand or a client: everything else belongs to exactly one workspace."""

    class CommentSignature(models.TextChoices):
        USER = "user", _("The team member's name")
        ORGANISATION = "organisation", _("The organisation's name")

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    tagline = models.CharField(_("tagline"), max_length=300, blank=True)
    language = models.CharField(_("language"), max_length=8, default="fr")
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris")
    domain = models.CharField(
        _("host name"), max_length=253, null=True, blank=True, unique=True,
        help_text=_("The site answers at the root of this host name, if set."),
    )
    is_default = models.BooleanField(
        _("default site"), default=False, help_text=_("Served at / on hosts that name no workspace.")
    )
    hold_first_comments = models.BooleanField(_("hold first-time commenters for moderation"), default=True)
    comment_signature = models.CharField(
        max_length=20, choices=CommentSignature.choices, default=CommentSignature.USER
    )
    posts_per_page = models.PositiveSmallIntegerField(default=10)
    business_hours = models.JSONField(default=dict, blank=True)
    settings = models.JSONField(default=dict, blank=True)
    # Bumped on every change that public pages show, so that cached pages of every process expire at once.
    content_version = models.PositiveBigIntegerField(default=1)
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def bump_content_version(self) -> None:
        from animateur.core.middleware import forget_content_versions

        Workspace.objects.filter(pk=self.pk).update(content_version=models.F("content_version") + 1)
        forget_content_versions()


class Membership(models.Model):
    """One role for one user in one workspace."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "workspace"], name="one_role_per_workspace")]

    def __str__(self) -> str:
        return f"{self.user} · {self.workspace} · {self.role}"


class AuditEvent(models.Model):
    """Who did what, to what, when: written by every action, in the action's transaction."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="audit_events")
    actor_user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.CharField(max_length=200, help_text="user:<id> or system:<component>")
    verb = models.CharField(max_length=80, db_index=True)
    target_type = models.CharField(max_length=80, blank=True)
    target_id = models.CharField(max_length=80, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "target_type", "target_id"]),
            models.Index(fields=["workspace", "verb", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.actor} {self.verb} {self.target_type}:{self.target_id}"


class Invitation(models.Model):
    """An invitation to join a workspace with a role; the link carries a token stored only as a hash."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=dj_timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.workspace} ({self.role})"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > dj_timezone.now()


class TotpDevice(models.Model):
    """A user's TOTP second factor; `confirmed` once a first code was checked."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp_device")
    secret = EncryptedTextField()
    confirmed = models.BooleanField(default=False)
    # The last accepted time step: a code is never accepted twice.
    last_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=dj_timezone.now)

    def __str__(self) -> str:
        return f"TOTP {self.user}"


class RecoveryCode(models.Model):
    """A one-time code that stands in for a TOTP code at login; only its hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "code_hash"])]

    def __str__(self) -> str:
        return f"recovery code of {self.user}"


class AttemptCounter(models.Model):
    """Attempts counted under a key (failed logins of an address, comments of an IP) for a window.

    In the database because every process of either mode shares it and a restart keeps it: a
    per-process cache would give each web worker its own allowance.
    """

    key = models.CharField(max_length=200, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
