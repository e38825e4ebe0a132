from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from animateur.links.actions import MAX_CAMPAIGN
from animateur.links.models import MAX_URL


class LinkForm(forms.Form):
    # A CharField, not a URLField: the action says what is wrong with an address, in the page's language.
    url = forms.CharField(label=_("Address the link leads to"), max_length=MAX_URL)
    channel = forms.TypedChoiceField(
        label=_("Channel (its UTM parameters)"), coerce=int, required=False, empty_value=None
    )
    campaign = forms.CharField(label=_("Campaign"), max_length=MAX_CAMPAIGN, required=False)

    def __init__(self, *args: Any, channels: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [("", _("No channel")), *channels]  # type: ignore[attr-defined]
