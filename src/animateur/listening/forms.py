from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from animateur.listening.matcher import compile_query
from animateur.listening.models import SearchRole
from animateur.listening.query import MAX_QUERY_LENGTH, QueryError


class SearchForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    query = forms.CharField(
        label=_("Query"),
        max_length=MAX_QUERY_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=_("What it follows"), choices=SearchRole.choices, initial=SearchRole.OWN)

    def __init__(self, *args: Any, name_required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A backtest needs only the query: the name is asked for when the search is saved.
        self.fields["name"].required = name_required

    def clean_query(self) -> str:
        query = self.cleaned_data["query"]
        try:
            compile_query(query)
        except QueryError as error:
            raise forms.ValidationError(str(error)) from error
        return query


class ResultFilterForm(forms.Form):
    sentiment = forms.ChoiceField(
        label=_("Sentiment"),
        required=False,
        choices=[("", _("Any")), ("positive", _("positive")), ("neutral", _("neutral")), ("negative", _("negative"))],
    )
    language = forms.ChoiceField(label=_("Language"), required=False, choices=[])
    channel = forms.TypedChoiceField(label=_("Channel"), required=False, coerce=int, empty_value=None, choices=[])
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(
        self, *args: Any, languages: list[tuple[str, str]], channels: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("Any")), *languages]  # type: ignore[attr-defined]
        self.fields["channel"].choices = [("", _("Any")), *channels]  # type: ignore[attr-defined]


class NoteForm(forms.Form):
    text = forms.CharField(label=_("What was done"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
