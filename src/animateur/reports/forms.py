"""The objective form (targets entered in the KPI's own unit: %, minutes or a count) and the period form."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from animateur.reports.actions import PERIODS
from animateur.reports.kpis import KPIS, Unit
from animateur.reports.models import Comparison, Objective

MAX_REPORT_DAYS = 3 * 366


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
            }
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
