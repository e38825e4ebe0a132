"""The setup form of a channel: its kind's own fields, plus a name and a poll interval.

Fields the kind lists as secret are write-only: never shown back, and left empty they keep the
stored value.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from animateur.channels.connectors.base import Connector


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
            self.order_fields(
                ["name", *[f for f in self.fields if f not in ("name", "poll_interval_seconds")]]
            )
            for field in connector.secret_fields:
                self.fields[field].required = not has_secrets
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
