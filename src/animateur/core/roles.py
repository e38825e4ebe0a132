"""The roles a user can hold in a workspace."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    MODERATOR = "moderator", _("Moderator")
    ANALYST = "analyst", _("Analyst")
    GUEST = "guest", _("Guest")
