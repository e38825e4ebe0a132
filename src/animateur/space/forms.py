"""The public site's forms: the comment form (with its honeypot) and the search form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

NAME_MAX = 100
EMAIL_MAX = 254
URL_MAX = 200
TEXT_MIN = 2
DEFAULT_TEXT_MAX = 5000
HONEYPOT = "website_confirm"


class CommentForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_MAX,
        error_messages={
            "required": _("Please give your name."),
            "max_length": _("Your name is too long (at most %(limit_value)d characters)."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=EMAIL_MAX,
        help_text=_("Never published."),
        error_messages={
            "required": _("Please give your email address; it will not be published."),
            "invalid": _("This email address does not look valid."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    url = forms.URLField(
        label=_("Website (optional)"),
        max_length=URL_MAX,
        required=False,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        error_messages={
            "invalid": _("This web address does not look valid (it should start with https://).")
        },
        widget=forms.URLInput(attrs={"autocomplete": "url"}),
    )
    text = forms.CharField(
        label=_("Comment"),
        min_length=TEXT_MIN,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": _("Please write your comment."),
            "min_length": _("Your comment is too short."),
        },
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # Hidden from people (off screen, out of the tab order, hidden from screen readers); robots fill it.
    website_confirm = forms.CharField(required=False, label=_("Leave this field empty"))

    def __init__(self, *args: Any, max_length: int = DEFAULT_TEXT_MAX, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_text_length = max_length
        self.fields["text"].widget.attrs["maxlength"] = str(max_length)
        self.fields[HONEYPOT].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if len(text) < TEXT_MIN:
            raise forms.ValidationError(_("Your comment is too short."))
        if len(text) > self.max_text_length:
            raise forms.ValidationError(
                _("Your comment is too long: %(length)d characters, at most %(limit)d.")
                % {"length": len(text), "limit": self.max_text_length}
            )
        return text

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Please give your name."))
        return name

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get(HONEYPOT, "").strip())


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=200, required=False)
