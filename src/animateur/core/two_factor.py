"""Two-factor login: a TOTP app set up by QR code, and one-time recovery codes.

The set-up keeps its pending secret until a first code confirms it, so reloading the page or
typing a wrong code never changes the QR code the person already scanned. Turning it on gives
recovery codes, shown once and stored as hashes; each one replaces a TOTP code at login once.
Every change is an action that writes one AuditEvent in each workspace of the person.
"""

from __future__ import annotations

import hashlib
import secrets

import pyotp
import segno
from django.db import transaction
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from animateur.core.actions import ActionError, Actor, record
from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import RecoveryCode, TotpDevice, User, Workspace

TOTP_ISSUER = "animateur"
RECOVERY_CODE_COUNT = 10
# 12 characters of 31 that cannot be mistaken for one another (no i, l, o, 0, 1): 59 bits, out of
# reach of guessing, even from a stolen hash.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_GROUPS, RECOVERY_GROUP_LENGTH = 3, 4


# ---------------------------------------------------------------- reading


def has_totp(user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed=True).exists()


def totp_required_for(user: User) -> bool:
    """Whether any workspace of the user requires a second factor."""
    return any(
        (settings_ or {}).get("require_totp")
        for settings_ in Workspace.objects.filter(memberships__user=user).values_list("settings", flat=True)
    )


def pending_device(user: User) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user, confirmed=False).first()


def provisioning_uri(device: TotpDevice) -> str:
    return pyotp.TOTP(device.secret).provisioning_uri(name=device.user.email, issuer_name=TOTP_ISSUER)


def qr_svg(device: TotpDevice, title: str) -> SafeString:
    """The provisioning URI as an inline SVG QR code (no image file, no script, nothing fetched)."""
    svg = segno.make(provisioning_uri(device), error="m").svg_inline(
        scale=5,
        border=2,
        dark="#000",
        light="#fff",
        title=title,
        svgclass="totp-qr-code",
        lineclass=None,
        omitsize=True,  # a viewBox instead, so that the page's style sizes it without cropping
    )
    # segno escapes the title; the rest is its own drawing of the code.
    return mark_safe(svg)  # noqa: S308


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at=None).count()


# ---------------------------------------------------------------- codes


def _digits(code: str) -> str:
    return "".join(ch for ch in (code or "") if ch.isdigit())


def _check_totp(device: TotpDevice, code: str) -> bool:
    """A code of the device's current time step (or the one before or after), never one accepted before."""
    code = (code or "").replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(device.secret)
    now = timezone.now().timestamp()
    for drift in (0, -1, 1):
        step = int(now // totp.interval) + drift
        if step > device.last_step and secrets.compare_digest(totp.at(step * totp.interval), code):
            TotpDevice.objects.filter(pk=device.pk).update(last_step=step)
            device.last_step = step
            return True
    return False


def _normalize_recovery(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _hash_recovery(user: User, code: str) -> str:
    # Salted with the user, so that one table of hashes serves for one person only.
    return hashlib.sha256(f"animateur-recovery:{user.pk}:{_normalize_recovery(code)}".encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    """Fresh codes replacing all the user's others; returns them in clear, the only time they exist so."""
    codes = []
    for _n in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _c in range(RECOVERY_GROUPS * RECOVERY_GROUP_LENGTH))
        groups = [raw[i : i + RECOVERY_GROUP_LENGTH] for i in range(0, len(raw), RECOVERY_GROUP_LENGTH)]
        codes.append("-".join(groups))
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=_hash_recovery(user, code)) for code in codes)
    return codes


def _spend_recovery_code(user: User, code: str) -> bool:
    """Mark the code used if it is one of the user's unused ones; at most one request ever gets True."""
    if len(_normalize_recovery(code)) != RECOVERY_GROUPS * RECOVERY_GROUP_LENGTH:
        return False
    found = RecoveryCode.objects.filter(user=user, code_hash=_hash_recovery(user, code), used_at=None).first()
    return found is not None and bool(
        RecoveryCode.objects.filter(pk=found.pk, used_at=None).update(used_at=timezone.now())
    )


def _record_for_user(user: User, actor: Actor, verb: AuditVerb, data: dict[str, object] | None = None) -> None:
    # The trail is per workspace: each workspace the person belongs to sees the change.
    for workspace in Workspace.objects.filter(memberships__user=user):
        record(workspace, actor, verb, user, data)


def _require_self(user: User, actor: Actor) -> None:
    if actor != user:
        raise ActionError(_("Only the person themselves sets up their two-factor authentication."))


# ---------------------------------------------------------------- actions


def do_start_totp_setup(user: User, *, actor: Actor) -> TotpDevice:
    """The pending set-up: the one already started, or a new secret; a confirmed device is left alone."""
    _require_self(user, actor)
    with transaction.atomic(durable=True):
        device = TotpDevice.objects.select_for_update().filter(user=user).first()
        if device is not None:
            if device.confirmed:
                raise ActionError(_("Two-factor authentication is already on."))
            return device
        device = TotpDevice.objects.create(user=user, secret=pyotp.random_base32())
        _record_for_user(user, actor, AuditVerb.USER_TOTP_SETUP_START)
    return device


def do_confirm_totp(user: User, code: str, *, actor: Actor) -> list[str]:
    """Turn two-factor on with a first code of the pending set-up; returns the new recovery codes."""
    _require_self(user, actor)
    device = pending_device(user)
    if device is None:
        if has_totp(user):
            raise ActionError(_("Two-factor authentication is already on."))
        raise ActionError(_("Start the two-factor set-up first."))
    if not _check_totp(device, code):
        raise ActionError(_("This code is not valid: check your device's clock and try again."))
    with transaction.atomic(durable=True):
        TotpDevice.objects.filter(pk=device.pk).update(confirmed=True)
        codes = _new_recovery_codes(user)
        _record_for_user(user, actor, AuditVerb.USER_TOTP_ENABLE)
    return codes


def do_regenerate_recovery_codes(user: User, code: str, *, actor: Actor) -> list[str]:
    """New recovery codes, confirmed by a code of the app; the previous ones stop working at once."""
    _require_self(user, actor)
    device = TotpDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        raise ActionError(_("Two-factor authentication is not enabled."))
    if not _check_totp(device, code):
        raise ActionError(_("This code is not valid: enter the six-digit code your app shows now."))
    with transaction.atomic(durable=True):
        codes = _new_recovery_codes(user)
        _record_for_user(user, actor, AuditVerb.USER_RECOVERY_CODES_REGENERATE)
    return codes


def do_disable_totp(user: User, code: str, *, actor: Actor) -> None:
    """Turn two-factor off, confirmed by a code of the app or a recovery code (the phone may be lost)."""
    _require_self(user, actor)
    device = TotpDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        raise ActionError(_("Two-factor authentication is not enabled."))
    if totp_required_for(user):
        raise ActionError(_("A workspace you belong to requires two-factor authentication."))
    with transaction.atomic(durable=True):
        if not (_check_totp(device, code) or _spend_recovery_code(user, code)):
            raise ActionError(_("This code is not valid."))
        device.delete()
        RecoveryCode.objects.filter(user=user).delete()
        _record_for_user(user, actor, AuditVerb.USER_TOTP_DISABLE)


def do_pass_second_factor(user: User, code: str) -> bool:
    """At login: a code of the app, or one unused recovery code (spent, and recorded)."""
    device = TotpDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return False
    if _check_totp(device, code):
        return True
    with transaction.atomic(durable=True):
        if not _spend_recovery_code(user, code):
            return False
        _record_for_user(user, user, AuditVerb.USER_RECOVERY_CODE_USE, {"left": recovery_codes_left(user)})
    return True
