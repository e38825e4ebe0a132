from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from animateur.publishing.actions import MAX_COMMENT, MAX_TEXT
from animateur.publishing.models import Approval

DATETIME_INPUT = "%Y-%m-%dT%H:%M"
WEEKDAYS = (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday"))
_TIME = re.compile(r"^([01]?\d|2[0-3])[:h]([0-5]\d)$")


class ComposeForm(forms.Form):
    text = forms.CharField(
        label=_("Text"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 6, "data-compose-text": ""})
    )
    channels = forms.TypedMultipleChoiceField(
        label=_("Channels"), coerce=int, widget=forms.CheckboxSelectMultiple, required=True
    )
    approval = forms.ChoiceField(label=_("Approval"), choices=Approval.choices, required=False)
    thread = forms.BooleanField(
        label=_("As a thread where the text is too long"),
        required=False,
        help_text=_("On Mastodon and Bluesky, a long text goes out as a thread of replies, numbered (1/3)."),
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


class SettingsForm(forms.Form):
    approval = forms.ChoiceField(
        label=_("Approval a new publication needs"),
        choices=Approval.choices,
        required=False,
        help_text=_("Its author may still choose otherwise for one publication."),
    )
    track_links = forms.BooleanField(
        label=_("Links as tracked links"),
        required=False,
        help_text=_(
            "The links of a publication go out as short links of the workspace's own domain, with the UTM "
            "parameters of each network, and their clicks are counted (not on the blog)."
        ),
    )


class QueueForm(forms.Form):
    """A channel's regular times to publish: for each day, times such as « 09:00, 17:30 »."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day, label in enumerate(WEEKDAYS):
            # French writes day names in lower case (the shared catalogue says « lundi »); a label starts upper.
            self.fields[f"day{day}"] = forms.CharField(label=capfirst(label), required=False, max_length=200)

    def slots(self) -> list[tuple[int, time]]:
        found = []
        for day in range(7):
            for part in (self.cleaned_data.get(f"day{day}") or "").replace(";", ",").split(","):
                part = part.strip()
                if not part:
                    continue
                match = _TIME.match(part)
                if not match:
                    self.add_error(f"day{day}", _("« %(value)s » is not a time such as 09:30.") % {"value": part[:20]})
                    continue
                found.append((day, time(int(match.group(1)), int(match.group(2)))))
        return found


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), max_length=MAX_COMMENT, widget=forms.Textarea(attrs={"rows": 3}))


class ClientForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    text = forms.CharField(
        label=_("Comment"), max_length=MAX_COMMENT, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class RescheduleForm(forms.Form):
    """The calendar's drag: a publication moved to another day keeps its time of day."""

    day = forms.DateField(input_formats=["%Y-%m-%d"])

    def clean_day(self) -> date:
        day: date = self.cleaned_data["day"]
        return day
