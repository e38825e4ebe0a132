"""The objective form (targets entered in the KPI's own unit: %, minutes or a count) and the period form."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from animateur.channels.models import Channel
from animateur.core.models import User, Workspace
from animateur.core.permissions import roles_for
from animateur.listening.models import SavedSearch
from animateur.members.models import Segment
from animateur.reports.actions import PERIODS, ObjectiveScope
from animateur.reports.kpis import KPIS, Unit
from animateur.reports.models import Comparison, Frequency, Objective, Weekday

MAX_REPORT_DAYS = 3 * 366


class ScopeField(forms.ModelMultipleChoiceField):
    """Ids beyond what a database stores are refused as unknown choices, not an overflow."""

    def clean(self, value: Any) -> Any:
        for pk in value if isinstance(value, list | tuple) else ():
            if not str(pk).isdigit() or not 0 < int(pk) <= 2**63 - 1:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": str(pk)[:20]}
                )
        return super().clean(value)


def kpi_choices() -> list[tuple[str, str]]:
    return [(key, str(kpi.label)) for key, kpi in KPIS.items()]


class ObjectiveForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kpi = forms.ChoiceField(label=_("Indicator"), choices=kpi_choices)
    # « Reach » is also a member's audience (« Portée »): here it is what the figure must reach.
    comparison = forms.ChoiceField(label=pgettext_lazy("objective", "Reach"), choices=Comparison.choices)
    target = forms.DecimalField(
        label=_("Target"),
        min_value=0,
        max_value=10**9,
        decimal_places=2,
        help_text=_("A percentage for a share (90 for 90 %), minutes for a response time, a number otherwise."),
    )
    period_days = forms.TypedChoiceField(
        label=_("Over the last"),
        coerce=int,
        choices=[(days, _("%(days)d days") % {"days": days}) for days in PERIODS],
        initial=30,
    )
    channels = ScopeField(
        label=_("Only these channels"),
        queryset=Channel.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every channel."),
    )
    searches = ScopeField(
        label=_("Only the messages of these saved searches"),
        queryset=SavedSearch.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every message. For the share of voice: the searches compared."),
    )
    segments = ScopeField(
        label=_("Only the members of these segments"),
        queryset=Segment.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: everyone. Who is in a segment is read again at each measure."),
    )

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, queryset in (
            ("channels", Channel.objects.filter(workspace=workspace).order_by("name", "pk")),
            ("searches", SavedSearch.objects.filter(workspace=workspace).order_by("name", "pk")),
            ("segments", Segment.objects.filter(workspace=workspace).order_by("name", "pk")),
        ):
            field = self.fields[name]
            assert isinstance(field, ScopeField)
            field.queryset = queryset
            if not queryset.exists():  # nothing to choose from: not shown
                del self.fields[name]

    def scope(self) -> ObjectiveScope:
        data = self.cleaned_data
        return ObjectiveScope(
            list(data.get("channels") or []), list(data.get("searches") or []), list(data.get("segments") or [])
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kpi = KPIS.get(data.get("kpi", ""))
        target = data.get("target")
        if kpi is not None and target is not None:
            if kpi.unit == Unit.SHARE:
                if target > 100:
                    self.add_error("target", _("A share is at most 100 %."))
                data["target"] = float(target) / 100
            elif kpi.unit == Unit.SECONDS:
                data["target"] = float(target) * 60
            else:
                data["target"] = float(target)
        return data

    @classmethod
    def for_objective(cls, objective: Objective) -> ObjectiveForm:
        unit = KPIS[objective.kpi].unit if objective.kpi in KPIS else Unit.COUNT
        shown = objective.target * (100 if unit == Unit.SHARE else 1 / 60 if unit == Unit.SECONDS else 1)
        return cls(
            initial={
                "name": objective.name,
                "kpi": objective.kpi,
                "comparison": objective.comparison,
                "target": round(shown, 2),
                "period_days": objective.period_days,
                "channels": list(objective.channels.values_list("pk", flat=True)),
                "searches": list(objective.searches.values_list("pk", flat=True)),
                "segments": list(objective.segments.values_list("pk", flat=True)),
            },
            workspace=objective.workspace,
        )


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        end: date = data.get("end") or today
        start: date = data.get("start") or end - timedelta(days=29)
        if start > end:
            raise forms.ValidationError(_("The period must start before it ends."))
        if (end - start).days >= MAX_REPORT_DAYS:
            raise forms.ValidationError(_("A report covers at most three years."))
        data["start"], data["end"] = start, end
        return data


MAX_ID = 2**63 - 1  # the largest id either database stores: beyond, a clear error rather than an overflow


class TeamMembersField(forms.ModelMultipleChoiceField):
    def clean(self, value: Any) -> Any:
        for pk in value if isinstance(value, list | tuple) else ():
            if not str(pk).isdigit() or not 0 < int(pk) <= MAX_ID:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": str(pk)[:20]}
                )
        return super().clean(value)


class ScheduleForm(forms.Form):
    frequency = forms.ChoiceField(label=_("Send"), choices=Frequency.choices)
    weekday = forms.TypedChoiceField(label=_("On (every week)"), coerce=int, choices=Weekday.choices, initial=0)
    day_of_month = forms.IntegerField(label=_("On day (every month)"), min_value=1, max_value=28, initial=1)
    members = TeamMembersField(
        label=_("Team members"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    addresses = forms.CharField(
        label=_("Other addresses"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One email address per line."),
    )

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = self.fields["members"]
        assert isinstance(members, TeamMembersField)
        members.queryset = (
            User.objects.filter(
                is_active=True, memberships__workspace=workspace, memberships__role__in=roles_for("reports.view")
            )
            .distinct()
            .order_by("email")
        )

    def address_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("addresses", "").splitlines() if line.strip()]


class BrandingForm(forms.Form):
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("A PNG or JPEG image of at most 1 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    accent = forms.CharField(
        label=_("Accent colour"),
        required=False,
        max_length=7,
        help_text=_("Written #RRGGBB, for example #2f5d8a."),
        widget=forms.TextInput(attrs={"type": "color"}),
    )


class SavedReportForm(forms.Form):
    name = forms.CharField(label=_("Name of the report"), max_length=100)
    kpis = forms.MultipleChoiceField(
        label=_("Indicators shown"), choices=kpi_choices, widget=forms.CheckboxSelectMultiple
    )
