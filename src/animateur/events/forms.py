from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from animateur.core.events import EVENT_TYPES

# What a subscription may choose: every declared type but the test, which is sent on request only.
SUBSCRIBABLE = [name for name in EVENT_TYPES if name != "webhook.test"]


class SubscriptionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    url = forms.URLField(label=_("Address"), max_length=1000, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("Events"),
        widget=forms.CheckboxSelectMultiple,
        choices=[],
        error_messages={"required": _("Choose at least one event.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["events"].choices = [  # type: ignore[attr-defined]
            # The type's name is what a receiver reads in the payload: shown as is, marked not to translate.
            (name, format_html('{} <code translate="no">{}</code>', EVENT_TYPES[name].summary, name))
            for name in SUBSCRIBABLE
        ]
