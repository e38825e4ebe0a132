"""The setup form of a channel: its kind's own fields, plus a name and a poll interval.

Fields the kind lists as secret are write-only: never shown back, and left empty they keep the
stored value.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from animateur.channels.connectors.base import Connector
from animateur.core import crypto


def channel_form_class(connector: type[Connector]) -> type[forms.Form]:
    base = connector.form_class or forms.Form

    class ChannelForm(base):  # type: ignore[valid-type, misc]
        name = forms.CharField(label=_("Name"), max_length=200)
        poll_interval_seconds = forms.IntegerField(
            label=_("Poll every (seconds)"),
            min_value=60,
            max_value=7 * 24 * 3600,
            initial=connector.default_poll_interval,
        )

        def __init__(self, *args: Any, has_secrets: bool = False, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.order_fields(["name", *[f for f in self.fields if f not in ("name", "poll_interval_seconds")]])
            optional = getattr(connector, "optional_secrets", ())  # e.g. an account needed only to moderate
            for field in connector.secret_fields:
                self.fields[field].required = not has_secrets and field not in optional
                if has_secrets:
                    self.fields[field].help_text = _("Stored. Leave empty to keep it.")

        def split(self) -> tuple[dict[str, Any], dict[str, str]]:
            """(config, secrets) from the cleaned data."""
            data = self.cleaned_data
            skip = {"name", "poll_interval_seconds", *connector.secret_fields}
            config = {k: v for k, v in data.items() if k not in skip}
            secrets = {k: data.get(k) or "" for k in connector.secret_fields}
            return config, secrets

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

    def learned_for(self, kind: str, config: dict[str, Any], secrets: dict[str, str]) -> dict[str, Any]:
        return self.learned if self.fingerprint == fingerprint(kind, config, secrets) else {}


def fingerprint(kind: str, config: dict[str, Any], secrets: dict[str, str]) -> str:
    data = json.dumps([kind, config, secrets], sort_keys=True, default=str)
    return hashlib.sha256(data.encode()).hexdigest()


def seal_tested(
    kind: str,
    config: dict[str, Any],
    typed: dict[str, str],
    learned: dict[str, Any],
    tested_with: dict[str, str] | None = None,
) -> str:
    """`typed`: the secrets to carry; `tested_with`: all those the test used (typed or stored)."""
    payload = {
        "kind": kind,
        "secrets": {k: v for k, v in typed.items() if v},
        "learned": learned,
        "fp": fingerprint(kind, config, typed if tested_with is None else tested_with),
        "at": int(time.time()),
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
    )
