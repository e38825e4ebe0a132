from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from animateur.publishing.actions import MAX_COMMENT, MAX_TEXT
from animateur.publishing.images import MAX_ALT, MAX_IMAGE_BYTES, MAX_IMAGES, ImageIn
from animateur.publishing.models import Approval, PublicationImage

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

    def __init__(
        self,
        *args: Any,
        channel_choices: list[tuple[int, str]],
        stored_images: list[PublicationImage] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channels"].choices = channel_choices  # type: ignore[attr-defined]
        # A chosen channel's own text (a variant): blank, it sends the text above.
        for channel_id, _label in channel_choices:
            self.fields[f"variant_{channel_id}"] = forms.CharField(
                label=_("Its own text"),
                required=False,
                max_length=MAX_TEXT,
                widget=forms.Textarea(attrs={"rows": 3, "data-variant": channel_id}),
            )
        # The images already there, in order, each with its alt text and a box to remove it; then room for
        # new files up to the most a publication has.
        self.stored_images = list(stored_images or [])
        for image in self.stored_images:
            self.fields[f"alt_{image.pk}"] = forms.CharField(
                label=_("Alt text of « %(image)s »") % {"image": image.name},
                required=False,
                max_length=MAX_ALT,
                initial=image.alt,
            )
            self.fields[f"remove_{image.pk}"] = forms.BooleanField(label=_("Remove"), required=False)
        self.max_images, self.max_image_size = MAX_IMAGES, MAX_IMAGE_BYTES
        self.new_slots = list(range(max(0, MAX_IMAGES - len(self.stored_images))))
        for slot in self.new_slots:
            self.fields[f"image_{slot}"] = forms.FileField(
                label=_("Image %(n)d") % {"n": len(self.stored_images) + slot + 1},
                required=False,
                widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
            )
            self.fields[f"image_alt_{slot}"] = forms.CharField(
                label=_("Its alt text"),
                required=False,
                max_length=MAX_ALT,
                help_text=_("What the image shows, for the people who cannot see it."),
            )

    def variant_fields(self) -> list[tuple[int, str, Any]]:
        """Each channel's variant field, with the channel's id and words (shown under its channel)."""
        choices: list[tuple[int, str]] = self.fields["channels"].choices  # type: ignore[attr-defined]
        return [(channel_id, label, self[f"variant_{channel_id}"]) for channel_id, label in choices]

    def stored_image_fields(self) -> list[tuple[PublicationImage, Any, Any]]:
        return [(image, self[f"alt_{image.pk}"], self[f"remove_{image.pk}"]) for image in self.stored_images]

    def new_image_fields(self) -> list[tuple[Any, Any]]:
        return [(self[f"image_{slot}"], self[f"image_alt_{slot}"]) for slot in self.new_slots]

    def variants(self) -> dict[int, str]:
        """The chosen channels' own texts (an unchosen channel's is let go)."""
        chosen = set(self.cleaned_data.get("channels") or [])
        return {pk: self.cleaned_data.get(f"variant_{pk}") or "" for pk in chosen}

    def pictures(self, max_bytes: int) -> list[ImageIn]:
        """The images as wanted, in order: those kept (their alt text as edited), then the new files (read
        up to one byte past `max_bytes`, so that a file too big is told, not read whole)."""
        wanted = [
            ImageIn(alt=self.cleaned_data.get(f"alt_{image.pk}") or "", image_id=image.pk)
            for image in self.stored_images
            if not self.cleaned_data.get(f"remove_{image.pk}")
        ]
        for slot in self.new_slots:
            upload = self.cleaned_data.get(f"image_{slot}")
            if upload:
                data = upload.read(max_bytes + 1)
                wanted.append(
                    ImageIn(alt=self.cleaned_data.get(f"image_alt_{slot}") or "", data=data, name=upload.name)
                )
        return wanted


class SettingsForm(forms.Form):
    approval = forms.ChoiceField(
        label=_("Approval a new publication needs"),
        choices=Approval.choices,
        required=False,
        help_text=_("Its author may still choose otherwise for one publication."),
    )
    alt_required = forms.BooleanField(
        label=_("Alt text required on every image"),
        required=False,
        help_text=_("A publication whose image has no alt text is refused, naming the image."),
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
