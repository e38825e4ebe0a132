"""The stream page's filters, read from a query string (the page and the API read the same ones)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from animateur.core.models import Workspace
from animateur.nlp.language import DEFAULT_LANGUAGES, SENTINELS
from animateur.stream.models import Kind, Visibility
from animateur.stream.selectors import StreamFilters

MAX_ID = 2**63 - 1  # the largest id either database stores: beyond, a clear error rather than an overflow


def _language_choices() -> list[tuple[str, str]]:
    named = []
    for code in (*DEFAULT_LANGUAGES, *SENTINELS):
        try:
            named.append((code, str(get_language_info(code)["name_translated"])))
        except KeyError:
            named.append((code, code))
    return sorted(named, key=lambda pair: pair[1].lower())


def _readable(value: str) -> str:
    """Text that the databases can store and compare: no NUL byte, no lone surrogate."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(_("The text contains characters that cannot be read."), code="encoding") from None
    return value


class StreamFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    channel = forms.TypedChoiceField(label=_("Channel"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    visibility = forms.ChoiceField(label=_("Visibility"), required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    history = forms.ChoiceField(
        label=_("History"),
        required=False,
        choices=[
            ("", _("History or not")),
            ("yes", _("Kept as history only")),
            ("no", _("Without the history")),
        ],
    )
    heard = forms.ChoiceField(
        label=_("Heard elsewhere"),
        required=False,
        choices=[
            ("", _("Heard elsewhere or on our channels")),
            ("yes", _("Heard elsewhere only (listening sources)")),
            ("no", _("On our channels only")),
        ],
    )
    before = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Every channel, the community site's own included: its comments are messages of the stream too.
        channels = workspace.channels.order_by("name").values_list("pk", "name", "kind")
        self.fields["channel"].choices = [("", _("All channels"))] + [(str(pk), name) for pk, name, _kind in channels]  # type: ignore[attr-defined]
        self.fields["kind"].choices = [("", _("All kinds")), *Kind.choices]  # type: ignore[attr-defined]
        self.fields["visibility"].choices = [("", _("Any visibility")), *Visibility.choices]  # type: ignore[attr-defined]
        self.fields["language"].choices = [("", _("All languages")), *_language_choices()]  # type: ignore[attr-defined]

    def clean_q(self) -> str:
        return _readable(self.cleaned_data.get("q") or "").strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date comes before the start date."))
        return data

    def filters(self) -> StreamFilters:
        """The filters of a valid form."""
        data = self.cleaned_data
        return StreamFilters(
            q=data.get("q") or "",
            channel_id=data.get("channel"),
            kind=data.get("kind") or "",
            visibility=data.get("visibility") or "",
            language=data.get("language") or "",
            since=data.get("since"),
            until=data.get("until"),
            history=data.get("history") or "",
            heard=data.get("heard") or "",
            before=data.get("before"),
        )

    def active(self) -> dict[str, Any]:
        """The filters set, as query parameters (the cursor aside): for links to other pages."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        out: dict[str, Any] = {}
        for name in ("q", "channel", "kind", "visibility", "language", "since", "until", "history", "heard"):
            value = data.get(name)
            if value not in (None, ""):
                out[name] = value.isoformat() if hasattr(value, "isoformat") else value
        return out
