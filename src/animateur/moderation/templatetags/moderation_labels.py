"""Template filters that show moderation's stored codes in words (see moderation/labels.py)."""

from __future__ import annotations

from datetime import date

from django import template
from django.utils.formats import date_format

from animateur.core.languages import language_name
from animateur.moderation import labels
from animateur.moderation.models import WordAction
from animateur.stream.models import Visibility

register = template.Library()


@register.filter
def trust_label(level: str) -> str:
    return labels.trust_label(level)


@register.filter
def outcome_label(code: str) -> str:
    return labels.outcome_label(code)


@register.filter
def sentiment_label(code: str) -> str:
    return labels.sentiment_label(code)


@register.filter
def reason_detail(detail: str) -> str:
    return labels.reason_detail(detail)


@register.filter
def reason_kind_label(source: str) -> str:
    return labels.reason_kind_label(source)


@register.filter
def reason_text(detail: str, source: str) -> str:
    """{{ reason.detail|reason_text:reason.source }}"""
    return labels.reason_text(source, detail)


@register.filter
def language_label(code: str) -> str:
    return language_name(code)


@register.filter
def score_features(detail: str) -> str:
    return labels.score_features(detail)


@register.filter
def word_action_label(code: str) -> str:
    try:
        return str(WordAction(code).label)
    except ValueError:
        return code


@register.filter
def visibility_label(code: str) -> str:
    try:
        return str(Visibility(code).label)
    except ValueError:
        return code


@register.filter
def iso_day(day: str) -> str:
    """A day kept as 2026-11-24, written as the reader's language writes dates (24 novembre 2026)."""
    try:
        return date_format(date.fromisoformat(day), "DATE_FORMAT")
    except (TypeError, ValueError):
        return day
