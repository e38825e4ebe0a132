"""Forms of the moderation pages; they only parse input, the actions decide."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from animateur.moderation.conditions import FIELDS, operators_expected, operators_of
from animateur.moderation.labels import TRUST_LEVEL_LABELS, trust_level_code
from animateur.moderation.models import Rule, Sanction, WordAction
from animateur.moderation.prefs import MAX_TRUSTED_LINK_HOSTS, TRUST_LEVELS, clean_link_hosts
from animateur.moderation.rules import ACTION_TYPES
from animateur.moderation.starter_words import STARTER_ACTIONS, STARTER_LISTS

# Enough for any rule a person writes; the form opens on one row of each.
MAX_CONDITION_ROWS = 20
MAX_ACTION_ROWS = 10


class WatchedWordForm(forms.Form):
    pattern = forms.CharField(
        label=_("Word or phrase"),
        max_length=200,
        help_text=_("Case, accents and leetspeak are ignored. * stands for any letters."),
    )
    action = forms.ChoiceField(label=_("Action"), choices=WordAction.choices)
    value = forms.CharField(label=_("Label or replacement"), max_length=200, required=False)


class StarterListForm(forms.Form):
    starter_list = forms.ChoiceField(
        label=_("List"), choices=[(key, starter.label) for key, starter in STARTER_LISTS.items()]
    )
    starter_action = forms.ChoiceField(
        label=_("Action on these words"),
        choices=[(action.value, action.label) for action in STARTER_ACTIONS],
        initial=WordAction.REQUIRE_APPROVAL,
    )


class TryForm(forms.Form):
    text = forms.CharField(label=_("Try a text"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


def _field_choices() -> list[tuple[str, Any]]:
    return [("", "—")] + [(name, spec[0]) for name, spec in FIELDS.items()]


def _op_choices(field: str) -> list[tuple[str, Any]]:
    """The operators a row offers: its field's alone, or every field's under the field's name."""
    if field in FIELDS:
        return operators_of(field)
    return [("", "—")] + [(label, operators_of(name)) for name, (label, _ops, _kind) in FIELDS.items()]


def _level_choices() -> list[tuple[str, Any]]:
    return [("", "—")] + [(level, TRUST_LEVEL_LABELS[level]) for level in TRUST_LEVELS]


def _rows(data: Any, key: str, prefix: str, maximum: int) -> int:
    """How many rows a posted form has: as many as it says, or as its highest numbered field."""
    try:
        said = int(data.get(key) or 1)
    except (TypeError, ValueError):
        said = 1
    numbered = [int(m.group(1)) + 1 for name in data for m in [re.match(rf"{prefix}(\d{{1,3}})_", name)] if m]
    return max(1, min(maximum, max([said, *numbered])))


class RuleForm(forms.Form):
    """A rule: one condition and one action to begin with, more on demand; usable without JavaScript.

    The operators a condition offers follow its field, from the one declaration in conditions.FIELDS
    that also validates them. Saved replies are picked by their title.
    """

    max_condition_rows = MAX_CONDITION_ROWS
    max_action_rows = MAX_ACTION_ROWS

    name = forms.CharField(label=_("Name"), max_length=200)
    match = forms.ChoiceField(label=_("Apply when"), choices=Rule.Match.choices, initial="all")
    position = forms.IntegerField(
        label=_("Order"),
        min_value=0,
        initial=100,
        help_text=_("Rules apply from the lowest order to the highest."),
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    def __init__(self, *args: Any, saved_replies: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        source = self.data if self.is_bound else self.initial
        self.condition_count = _rows(source, "condition_rows", "c", MAX_CONDITION_ROWS)
        self.action_count = _rows(source, "action_rows", "a", MAX_ACTION_ROWS)
        self.saved_reply_list = list(saved_replies or [])
        self.saved_replies = {str(reply.pk): reply.title for reply in self.saved_reply_list}
        for i in range(self.condition_count):
            field = str(source.get(f"c{i}_field") or "")
            self.fields[f"c{i}_field"] = forms.ChoiceField(
                label=_("Condition"), choices=_field_choices(), required=False
            )
            # Checked in clean() against the field, so that the refusal names the operators it takes.
            self.fields[f"c{i}_op"] = forms.CharField(
                label=_("Operator"), required=False, widget=forms.Select(choices=_op_choices(field))
            )
            self.fields[f"c{i}_value"] = forms.CharField(label=_("Value"), required=False, max_length=500)
            # A trust level is picked by its name; the rule stores its code. Checked in clean(), so an
            # unknown level is explained with the names the person reads.
            self.fields[f"c{i}_level"] = forms.CharField(
                label=_("Trust level"), required=False, widget=forms.Select(choices=_level_choices())
            )
        for i in range(self.action_count):
            self.fields[f"a{i}_type"] = forms.ChoiceField(
                label=_("Action"), choices=[("", "—"), *ACTION_TYPES.items()], required=False
            )
            self.fields[f"a{i}_value"] = forms.CharField(label=_("Value"), required=False, max_length=500)
            self.fields[f"a{i}_reply"] = forms.ChoiceField(
                label=_("Saved reply"), choices=[("", "—"), *self.saved_replies.items()], required=False
            )

    @classmethod
    def initial_for(cls, rule: Rule, saved_replies: list[Any] | None = None) -> dict[str, Any]:
        known = {str(reply.pk) for reply in saved_replies or []}
        initial: dict[str, Any] = {
            "name": rule.name,
            "match": rule.match,
            "position": rule.position,
            "enabled": rule.enabled,
            "condition_rows": len(rule.conditions),
            "action_rows": len(rule.actions),
        }
        for i, c in enumerate(rule.conditions[:MAX_CONDITION_ROWS]):
            value = c.get("value")
            if isinstance(value, list):
                value = "-".join(map(str, value)) if c.get("field") == "hour" else ", ".join(map(str, value))
            elif isinstance(value, bool):
                value = "yes" if value else "no"
            elif isinstance(value, float):
                value = f"{value:g}"  # « 1 » links, not « 1.0 »; a score keeps its decimals: « 0.8 »
            if c.get("field") == "trust":
                initial.update({f"c{i}_field": "trust", f"c{i}_op": c.get("op"), f"c{i}_level": value})
                continue
            initial.update({f"c{i}_field": c.get("field"), f"c{i}_op": c.get("op"), f"c{i}_value": value})
        for i, a in enumerate(rule.actions[:MAX_ACTION_ROWS]):
            value = str(a.get("value", ""))
            if a.get("type") == "reply" and value in known:
                initial.update({f"a{i}_type": "reply", f"a{i}_reply": value})
                continue
            initial.update({f"a{i}_type": a.get("type"), f"a{i}_value": value})
        return initial

    def with_one_more(self, kind: str) -> RuleForm:
        """The same form, not yet checked, with one more empty condition or action row."""
        initial: dict[str, Any] = {
            name: field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
            for name, field in self.fields.items()
        }
        initial["condition_rows"] = self.condition_count + (kind == "condition")
        initial["action_rows"] = self.action_count + (kind == "action")
        return RuleForm(initial=initial, saved_replies=self.saved_reply_list)

    def can_add_condition(self) -> bool:
        return self.condition_count < MAX_CONDITION_ROWS

    def can_add_action(self) -> bool:
        return self.action_count < MAX_ACTION_ROWS

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for i in range(self.condition_count):
            field = data.get(f"c{i}_field")
            if not field:
                continue
            if data.get(f"c{i}_op") not in FIELDS[field][1]:
                problem = operators_expected(field)
                message = gettext("Condition %(row)d: %(problem)s.") % {"row": i + 1, "problem": problem}
                self.add_error(f"c{i}_op", message)
            if field != "trust":
                continue
            # The list is what the person sees; a typed code (older pages, scripts) still counts.
            given = data.get(f"c{i}_level") or data.get(f"c{i}_value") or ""
            level = trust_level_code(given)
            if level is None:
                names = ", ".join(str(TRUST_LEVEL_LABELS[code]) for code in TRUST_LEVELS)
                message = (
                    gettext("Condition %(row)d: « %(value)s » is not a trust level; choose one of %(levels)s.")
                    if given
                    else gettext("Condition %(row)d: choose a trust level among %(levels)s.")
                )
                self.add_error(f"c{i}_level", message % {"row": i + 1, "value": given, "levels": names})
            else:
                data[f"c{i}_value"] = level
        for i in range(self.action_count):
            if data.get(f"a{i}_type") != "reply":
                continue
            saved, text = data.get(f"a{i}_reply"), (data.get(f"a{i}_value") or "").strip()
            if saved and text:
                self.add_error(
                    f"a{i}_reply",
                    gettext("Action %(row)d: choose a saved reply or write the reply, not both.") % {"row": i + 1},
                )
            elif saved:
                data[f"a{i}_value"] = saved
        return data

    def rule_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        conditions = [
            {"field": data[f"c{i}_field"], "op": data[f"c{i}_op"], "value": data[f"c{i}_value"]}
            for i in range(self.condition_count)
            if data.get(f"c{i}_field")
        ]
        actions = [
            {"type": data[f"a{i}_type"], "value": data[f"a{i}_value"]}
            for i in range(self.action_count)
            if data.get(f"a{i}_type")
        ]
        return {
            "name": data["name"],
            "match": data["match"],
            "position": data["position"],
            "enabled": data["enabled"],
            "conditions": conditions,
            "actions": actions,
        }

    def condition_row_fields(self) -> list[tuple[Any, Any, Any, Any]]:
        return [
            (self[f"c{i}_field"], self[f"c{i}_op"], self[f"c{i}_value"], self[f"c{i}_level"])
            for i in range(self.condition_count)
        ]

    def action_row_fields(self) -> list[tuple[Any, Any, Any]]:
        return [(self[f"a{i}_type"], self[f"a{i}_value"], self[f"a{i}_reply"]) for i in range(self.action_count)]


class SanctionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Sanction"), choices=Sanction.Kind.choices)
    reason = forms.CharField(label=_("Reason"), max_length=500)
    days = forms.IntegerField(
        label=_("Duration in days"),
        min_value=1,
        max_value=3650,
        required=False,
        help_text=_("Empty: until lifted."),
    )


class LiftForm(forms.Form):
    reason = forms.CharField(label=_("Why lift it"), max_length=500, required=False)


# The columns of the trust levels' table: what an author needs to reach a level.
THRESHOLD_COLUMNS = (
    ("approved", _("approved messages")),
    ("days_active", _("days active")),
    ("max_upheld_flags", _("upheld flags at most")),
)


class SettingsForm(forms.Form):
    HOLDING_FIELDS = ("site_hold_below", "spam_trusted_from", "trusted_link_hosts")
    SCORE_FIELDS = ("spam_hold", "spam_spam", "toxicity_hold", "flag_hold_weight")

    site_hold_below = forms.ChoiceField(
        label=_("On the site, hold authors whose trust is below"),
        choices=[(lvl, TRUST_LEVEL_LABELS[lvl]) for lvl in TRUST_LEVELS],
    )
    spam_trusted_from = forms.ChoiceField(
        label=_("The spam score no longer holds authors whose trust is at least"),
        choices=[(lvl, TRUST_LEVEL_LABELS[lvl]) for lvl in TRUST_LEVELS[1:]],
        help_text=_("Rules, watched words, sanctions and the toxicity score still apply to them."),
    )
    trusted_link_hosts = forms.CharField(
        label=_("Sites whose links the scores do not count"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_(
            "One site per line, such as « exemple.fr », which also covers www.exemple.fr and blog.exemple.fr. "
            "Members who link to your posts and answers are not promoting anything. "
            "This workspace's own host name always counts."
        ),
    )
    spam_hold = forms.FloatField(label=_("Hold at a spam score of"), min_value=0, max_value=1)
    spam_spam = forms.FloatField(label=_("Send to spam at a spam score of"), min_value=0, max_value=1)
    toxicity_hold = forms.FloatField(label=_("Hold at a toxicity score of"), min_value=0, max_value=1)
    flag_hold_weight = forms.FloatField(label=_("Take off the site at a flag weight of"), min_value=0.1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for level in TRUST_LEVELS[1:]:
            for key, what in THRESHOLD_COLUMNS:
                label = _("%(level)s: %(what)s") % {"level": TRUST_LEVEL_LABELS[level], "what": what}
                # a cell of the levels' table: its label is read by screen readers and in error messages
                self.fields[f"{level}_{key}"] = forms.IntegerField(
                    label=label, min_value=0, widget=forms.NumberInput(attrs={"aria-label": label})
                )

    def holding_fields(self) -> list[Any]:
        return [self[name] for name in self.HOLDING_FIELDS]

    def score_fields(self) -> list[Any]:
        return [self[name] for name in self.SCORE_FIELDS]

    def threshold_columns(self) -> list[Any]:
        return [what for _key, what in THRESHOLD_COLUMNS]

    def level_rows(self) -> list[tuple[Any, list[tuple[Any, Any]]]]:
        """Each level's name, then each of its thresholds as (column name, field)."""
        return [
            (TRUST_LEVEL_LABELS[level], [(what, self[f"{level}_{key}"]) for key, what in THRESHOLD_COLUMNS])
            for level in TRUST_LEVELS[1:]
        ]

    def clean_trusted_link_hosts(self) -> list[str]:
        try:
            hosts = clean_link_hosts(self.cleaned_data["trusted_link_hosts"].splitlines())
        except ValueError as exc:
            raise forms.ValidationError(_("« %(line)s » is not a site's host name.") % {"line": exc}) from None
        if len(hosts) > MAX_TRUSTED_LINK_HOSTS:
            raise forms.ValidationError(
                _("At most %(count)d sites.") % {"count": MAX_TRUSTED_LINK_HOSTS}
            )
        return hosts

    def thresholds(self) -> dict[str, dict[str, int]]:
        return {
            level: {
                key: self.cleaned_data[f"{level}_{key}"]
                for key in ("approved", "days_active", "max_upheld_flags")
            }
            for level in TRUST_LEVELS[1:]
        }
