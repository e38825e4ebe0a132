"""The setup form of a channel: its kind's own fields, plus a name and a poll interval.

Fields the kind lists as secret are write-only: never shown back, and left empty they keep the
stored value.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from animateur.channels.connectors.base import Connector
from animateur.core import crypto

# The poll interval is typed as a number and a unit, and stored in seconds.
UNIT_SECONDS = {"minutes": 60, "hours": 3600, "days": 86400}
UNIT_CHOICES = [("minutes", _("minutes")), ("hours", _("hours")), ("days", _("days"))]
MIN_INTERVAL, MAX_INTERVAL = 60, 7 * 86400
INTERVAL_FIELDS = ("poll_every", "poll_unit")


def interval_initial(seconds: int) -> dict[str, Any]:
    """The number and unit that say an interval in seconds: the largest unit it is a whole number of."""
    for unit in ("days", "hours"):
        if seconds % UNIT_SECONDS[unit] == 0:
            return {"poll_every": seconds // UNIT_SECONDS[unit], "poll_unit": unit}
    minutes = Decimal(seconds) / 60
    return {
        "poll_every": int(minutes) if minutes == int(minutes) else minutes.quantize(Decimal("0.01")),
        "poll_unit": "minutes",
    }


def _with_interval_in_units(data: Any) -> Any:
    """Data posted with the interval in seconds (the form's former field, still used by scripts) in units."""
    if data is None or "poll_every" in data or "poll_interval_seconds" not in data:
        return data
    raw = str(data.get("poll_interval_seconds") or "").strip()
    if not raw.isdecimal() or len(raw) > 9:
        return data  # the number field then says what is wrong
    data = data.copy()
    for key, value in interval_initial(int(raw)).items():
        data[key] = str(value)
    return data


def channel_form_class(connector: type[Connector]) -> type[forms.Form]:
    base = connector.form_class or forms.Form

    class ChannelForm(base):  # type: ignore[valid-type, misc]
        name = forms.CharField(label=_("Name"), max_length=200)
        poll_every = forms.DecimalField(
            label=_("Poll every"),
            min_value=Decimal("0.01"),
            max_digits=9,
            decimal_places=2,
            initial=interval_initial(connector.default_poll_interval)["poll_every"],
            widget=forms.NumberInput(attrs={"step": "any", "class": "interval-number"}),
        )
        poll_unit = forms.ChoiceField(
            label=_("Unit"),
            choices=UNIT_CHOICES,
            initial=interval_initial(connector.default_poll_interval)["poll_unit"],
        )

        def __init__(self, data: Any = None, *args: Any, has_secrets: bool = False, **kwargs: Any) -> None:
            super().__init__(_with_interval_in_units(data), *args, **kwargs)
            self.order_fields(["name", *[f for f in self.fields if f not in ("name", *INTERVAL_FIELDS)]])
            optional = connector.optional_secrets
            for field in connector.secret_fields:
                self.fields[field].required = not has_secrets and field not in optional
                if has_secrets:
                    self.fields[field].help_text = _("Stored. Leave empty to keep it.")

        def split(self) -> tuple[dict[str, Any], dict[str, str]]:
            """(config, secrets) from the cleaned data."""
            data = self.cleaned_data
            skip = {"name", "poll_interval_seconds", *INTERVAL_FIELDS, *connector.secret_fields}
            config = {k: v for k, v in data.items() if k not in skip}
            secrets = {k: data.get(k) or "" for k in connector.secret_fields}
            return config, secrets

        def clean(self) -> dict[str, Any]:
            data = super().clean() or {}
            every, unit = data.get("poll_every"), data.get("poll_unit")
            if every is not None and unit in UNIT_SECONDS:
                seconds = int((every * UNIT_SECONDS[unit]).to_integral_value())
                if not MIN_INTERVAL <= seconds <= MAX_INTERVAL:
                    self.add_error("poll_every", _("Poll at least every 7 days and at most every minute."))
                else:
                    data["poll_interval_seconds"] = seconds
            return data

    return ChannelForm


# A connection test's outcome rides along with the form to the « Save » that follows, encrypted:
# the secrets typed before the test (so that nobody types a token twice; password fields are never
# shown back) and what the connector found out (which account the token is). What it found out is
# bound to the settings it was found with: saved with other settings, it is dropped and the first
# poll finds it out again.
TESTED_MAX_AGE = 24 * 3600


@dataclass
class Tested:
    kind: str
    secrets: dict[str, str]
    learned: dict[str, Any]
    fingerprint: str
    # How the test ended: a save with the settings of a failed test asks to be confirmed.
    ok: bool = True
    cause: str = ""
    detail: str = ""

    def learned_for(self, kind: str, config: dict[str, Any], secrets: dict[str, str]) -> dict[str, Any]:
        return self.learned if self.fingerprint == fingerprint(kind, config, secrets) else {}

    def failed_for(self, kind: str, config: dict[str, Any], secrets: dict[str, str]) -> bool:
        """Whether this test failed with these very settings (changed since, it says nothing of them)."""
        return not self.ok and self.fingerprint == fingerprint(kind, config, secrets)


def fingerprint(kind: str, config: dict[str, Any], secrets: dict[str, str]) -> str:
    data = json.dumps([kind, config, secrets], sort_keys=True, default=str)
    return hashlib.sha256(data.encode()).hexdigest()


def seal_tested(
    kind: str,
    config: dict[str, Any],
    typed: dict[str, str],
    learned: dict[str, Any],
    tested_with: dict[str, str] | None = None,
    *,
    ok: bool = True,
    cause: str = "",
    detail: str = "",
) -> str:
    """`typed`: the secrets to carry; `tested_with`: all those the test used (typed or stored)."""
    payload = {
        "kind": kind,
        "secrets": {k: v for k, v in typed.items() if v},
        "learned": learned,
        "fp": fingerprint(kind, config, typed if tested_with is None else tested_with),
        "at": int(time.time()),
        "ok": ok,
        "cause": cause,
        "detail": detail[:500],
    }
    return crypto.encrypt(json.dumps(payload, default=str))


def open_tested(token: str, kind: str) -> Tested | None:
    """The sealed test outcome a form sent back, if it is ours, recent, and for this kind."""
    if not token:
        return None
    try:
        data = json.loads(crypto.decrypt(token))
    except (ValueError, TypeError):
        return None
    if not isinstance(data, dict) or data.get("kind") != kind:
        return None
    if time.time() - float(data.get("at") or 0) > TESTED_MAX_AGE:
        return None
    secrets, learned = data.get("secrets"), data.get("learned")
    return Tested(
        kind,
        {str(k): str(v) for k, v in secrets.items()} if isinstance(secrets, dict) else {},
        learned if isinstance(learned, dict) else {},
        str(data.get("fp") or ""),
        ok=data.get("ok", True) is not False,
        cause=str(data.get("cause") or ""),
        detail=str(data.get("detail") or ""),
    )
