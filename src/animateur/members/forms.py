"""The members' forms: the list's filters (the page and the API read the same), notes, tags, settings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from animateur.core.languages import language_name
from animateur.core.models import Workspace
from animateur.members import engagement
from animateur.members.models import FieldKind, Level
from animateur.members.selectors import MemberFilters

LAST_SEEN_CHOICES = [
    ("", _("Any time")),
    ("7", _("In the last 7 days")),
    ("30", _("In the last 30 days")),
    ("90", _("In the last 90 days")),
    ("365", _("In the last year")),
    ("-14", _("Silent for 14 days or more")),
    ("-90", _("Silent for 90 days or more")),
]
COHORT_LABELS = {
    "newcomers": _("Newcomers this month"),
    "rising": _("Rising"),
    "slipping": _("Slipping away"),
    "ambassadors": _("Ambassadors"),
    "bridges": _("Bridges between groups"),
}
ACTIVITY_LABELS = {
    "post": _("Post"),
    "answer": _("Answer"),
    "comment": _("Comment"),
    "mention": _("Mention of the organisation"),
    "accepted": _("Accepted answer"),
    "thanked": _("Thanked answer"),
    "share": _("Share"),
    "event": _("Event attended"),
}


def _readable(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(_("The text contains characters that cannot be read."), code="encoding") from None
    if "\x00" in value:
        raise ValidationError(_("The text contains characters that cannot be read."), code="encoding")
    return value


class MemberFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or handle"), required=False, max_length=200)
    channel = forms.TypedChoiceField(label=_("Channel"), required=False, coerce=int, empty_value=None)
    language = forms.ChoiceField(label=_("Language"), required=False)
    level = forms.TypedChoiceField(label=_("Level"), required=False, coerce=int, empty_value=None)
    tag = forms.ChoiceField(label=_("Tag"), required=False)
    seen = forms.ChoiceField(label=_("Last seen"), required=False, choices=LAST_SEEN_CHOICES)
    ambassador = forms.ChoiceField(
        label=_("Ambassadors"),
        required=False,
        choices=[("", _("Everyone")), ("marked", _("Ambassadors")), ("candidate", _("Proposed as ambassadors"))],
    )
    cohort = forms.ChoiceField(
        label=_("Cohort"),
        required=False,
        choices=[("", _("All cohorts")), *COHORT_LABELS.items()],
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("engagement", _("Engagement")),
            ("last_seen", _("Last seen")),
            ("messages", _("Messages")),
            ("name", _("Name")),
        ],
    )
    field = forms.TypedChoiceField(label=_("Custom field"), required=False, coerce=int, empty_value=None)
    value = forms.CharField(label=_("Its value"), required=False, max_length=500)
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000, widget=forms.HiddenInput)

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        from animateur.members.models import CustomField
        from animateur.members.selectors import languages_in_use, tags_in_use

        super().__init__(*args, **kwargs)
        self.custom_fields = {f.pk: f for f in CustomField.objects.filter(workspace=workspace).order_by("name")}
        if self.custom_fields:
            self.fields["field"].choices = [("", _("None"))] + [  # type: ignore[attr-defined]
                (str(pk), f.name) for pk, f in self.custom_fields.items()
            ]
        else:
            del self.fields["field"], self.fields["value"]
        channels = workspace.channels.order_by("name").values_list("pk", "name")
        self.fields["channel"].choices = [("", _("All channels"))] + [(str(pk), name) for pk, name in channels]  # type: ignore[attr-defined]
        self.fields["language"].choices = [("", _("All languages"))] + [  # type: ignore[attr-defined]
            (code, language_name(code)) for code in languages_in_use(workspace)
        ]
        self.fields["level"].choices = [("", _("All levels"))] + [(str(v), label) for v, label in Level.choices]  # type: ignore[attr-defined]
        self.fields["tag"].choices = [("", _("All tags"))] + [(t, t) for t in tags_in_use(workspace)]  # type: ignore[attr-defined]

    def clean_q(self) -> str:
        return _readable(self.cleaned_data.get("q") or "").strip()

    def clean(self) -> dict[str, Any]:
        from animateur.core.actions import ActionError
        from animateur.members.actions import clean_value

        data = super().clean() or {}
        field_id, raw = data.get("field"), _readable(data.get("value") or "").strip()
        data["value"] = ""
        if field_id is not None and raw:
            try:
                data["value"] = clean_value(self.custom_fields[field_id], raw)
            except ActionError as exc:
                self.add_error("value", str(exc))
        return data

    def filters(self) -> MemberFilters:
        data = self.cleaned_data
        seen = data.get("seen") or ""
        return MemberFilters(
            channel_id=data.get("channel"),
            language=data.get("language") or "",
            level=data.get("level"),
            tag=data.get("tag") or "",
            seen_within_days=int(seen) if seen and not seen.startswith("-") else None,
            silent_for_days=int(seen[1:]) if seen.startswith("-") else None,
            ambassador=data.get("ambassador") or "",
            cohort=data.get("cohort") or "",
            q=data.get("q") or "",
            sort=data.get("sort") or "engagement",
            page=data.get("page") or 1,
            custom_field_id=data.get("field"),
            custom_value=data.get("value") or "",
        )

    def active(self) -> dict[str, Any]:
        return {k: v for k, v in self.data.items() if k != "page" and v and k in self.fields}


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_text(self) -> str:
        return _readable(self.cleaned_data["text"]).strip()


class TagsForm(forms.Form):
    tags = forms.CharField(label=_("Tags"), required=False, max_length=1000, help_text=_("Separated by commas."))

    def clean_tags(self) -> str:
        return _readable(self.cleaned_data.get("tags") or "")


class SnoozeForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("accept", _("Merge")), ("reject", _("Not the same person")), ("snooze", _("Snooze"))]
    )


class SettingsForm(forms.Form):
    auto_merge_certain = forms.BooleanField(
        label=_("Merge at once when it is certain (the same email)"),
        required=False,
        help_text=_("Two accounts of one source are never merged automatically."),
    )
    half_life_days = forms.IntegerField(label=_("Half-life of engagement, in days"), min_value=1, max_value=3650)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in engagement.ACTIVITY_KINDS:
            self.fields[f"weight_{kind}"] = forms.FloatField(label=ACTIVITY_LABELS[kind], min_value=0, max_value=100)

    def weights(self) -> dict[str, float]:
        return {kind: self.cleaned_data[f"weight_{kind}"] for kind in engagement.ACTIVITY_KINDS}


class SegmentForm(forms.Form):
    name = forms.CharField(label=_("Name of the segment"), max_length=100)
    query = forms.CharField(max_length=1000, required=False, widget=forms.HiddenInput)

    def clean_name(self) -> str:
        return _readable(self.cleaned_data["name"]).strip()

    def clean_query(self) -> str:
        return _readable(self.cleaned_data.get("query") or "")


class CustomFieldForm(forms.Form):
    name = forms.CharField(label=_("Name of the field"), max_length=60)
    kind = forms.ChoiceField(label=_("Type"), choices=FieldKind.choices)
    choices = forms.CharField(
        label=_("Choices"), required=False, max_length=5000, help_text=_("For a choice field, separated by commas.")
    )

    def clean_name(self) -> str:
        return _readable(self.cleaned_data["name"]).strip()

    def clean_choices(self) -> str:
        return _readable(self.cleaned_data.get("choices") or "")


class MemberFieldsForm(forms.Form):
    """One input per custom field of the workspace, named `field_<id>`, typed as the field."""

    def __init__(self, *args: Any, fields: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.custom = {f"field_{f.pk}": f for f in fields}
        for key, f in self.custom.items():
            if f.kind == FieldKind.CHOICE:
                self.fields[key] = forms.ChoiceField(
                    label=f.name, required=False, choices=[("", "—")] + [(c, c) for c in f.choices]
                )
            elif f.kind == FieldKind.DATE:
                self.fields[key] = forms.CharField(
                    label=f.name, required=False, max_length=10, widget=forms.DateInput(attrs={"type": "date"})
                )
            elif f.kind == FieldKind.NUMBER:
                self.fields[key] = forms.CharField(
                    label=f.name, required=False, max_length=40, widget=forms.TextInput(attrs={"inputmode": "decimal"})
                )
            else:
                self.fields[key] = forms.CharField(label=f.name, required=False, max_length=500)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for key in self.custom:
            if key in data:
                _readable(str(data[key] or ""))
        return data

    def values(self) -> dict[str, object]:
        return {f.name: self.cleaned_data.get(key) or "" for key, f in self.custom.items()}
