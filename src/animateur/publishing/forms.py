from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from animateur.publishing.actions import MAX_TEXT

DATETIME_INPUT = "%Y-%m-%dT%H:%M"


class ComposeForm(forms.Form):
    text = forms.CharField(
        label=_("Text"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 6, "data-compose-text": ""})
    )
    channels = forms.TypedMultipleChoiceField(
        label=_("Channels"), coerce=int, widget=forms.CheckboxSelectMultiple, required=True
    )
    scheduled_at = forms.DateTimeField(
        label=_("Publish at"),
        required=False,
        input_formats=[DATETIME_INPUT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
        help_text=_("In the workspace's time zone; needed only to schedule."),
    )

    def __init__(self, *args: Any, channel_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channels"].choices = channel_choices  # type: ignore[attr-defined]
