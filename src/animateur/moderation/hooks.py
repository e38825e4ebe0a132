"""Moderation in the stream's pipeline.

- `score_items` (ENRICHERS): spam, toxicity, sentiment and, if no one set it, the language,
  with the workspace's adapter (what its moderators taught).
- `moderate_items` (MODERATORS): sanctions, trust, scores, watched words, then every
  matching rule, in that order; each adds reasons and the stage's decide_visibility makes
  the most restrictive action win.
- `store_moderation` (ON_STORE, in the batch's transaction): labels, rule hits and review items.
- `after_moderation` (AFTER_COMMIT): assignments, auto-replies, alerts, webhooks, hiding at sources.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.utils import timezone

from animateur.channels.apps import heard_elsewhere
from animateur.moderation.conditions import Subject
from animateur.moderation.matching import compiled_for, rewrite, rewrite_html
from animateur.moderation.models import MessageLabel, ModerationSettings, Rule, RuleHit, Sanction
from animateur.moderation.prefs import TRUST_LEVELS, score_thresholds, scoring_text, settings_for, trusted_link_hosts
from animateur.moderation.rules import Plan, apply_rules
from animateur.moderation.trust import rank, trust_levels
from animateur.stream.items import Incoming, Reason
from animateur.stream.models import Visibility

log = logging.getLogger(__name__)

WORD_ACTIONS = {"block": "delete", "require_approval": "hold", "flag": "flag"}
QUEUED_VISIBILITIES = (Visibility.PENDING, Visibility.SPAM)


def _plan(item: Incoming) -> Plan | None:
    return getattr(item, "moderation_plan", None)


def _by_workspace(batch: list[Incoming]) -> dict[int, list[Incoming]]:
    grouped: dict[int, list[Incoming]] = defaultdict(list)
    for item in batch:
        grouped[item.channel.workspace_id].append(item)
    return grouped


# ------------------------------------------------------------------ enrich


def score_items(batch: list[Incoming]) -> None:
    from animateur.moderation.learning import adapter_for
    from animateur.nlp import score_messages

    for workspace_id, items in _by_workspace(batch).items():
        items = [i for i in items if (i.text or i.title).strip()]
        if not items:
            continue
        try:
            adapter = adapter_for(workspace_id)
            # connectors and the site form send channels with their workspace loaded: its host name costs no query
            prefs = settings_for(items[0].channel.workspace)
            hosts = trusted_link_hosts(prefs)
            scores = score_messages(
                [scoring_text(i.title, i.text, hosts) for i in items],
                [_scoring_language(i) for i in items],
                adapter,
                reasons=_shown_reasons(prefs),
                # an email, a forum post and a social reply are read differently (animateur.nlp.registers)
                registers=[i.channel.kind for i in items],
            )
        except Exception:  # scoring helps moderators; it must never lose a message
            log.exception("scoring failed for workspace %s", workspace_id)
            continue
        for item, s in zip(items, scores, strict=True):
            if not item.language and s.language and s.language != UNDETERMINED:
                item.language = s.language
            if s.spam is not None:
                item.scores["spam"] = round(s.spam, 4)
            if s.toxicity is not None:
                item.scores["toxicity"] = round(s.toxicity, 4)
            if s.sentiment and not item.sentiment:
                item.sentiment = s.sentiment
            if s.reasons:
                item.scores["score_reasons"] = [r.as_dict() for r in s.reasons[:6]]


def _shown_reasons(prefs: ModerationSettings) -> dict[str, float]:
    """The spam and toxicity scores from which a moderator reads a message's reasons (`_score_detail`).

    A message below both thresholds gets no score reason, so explaining it (most of a flagged
    message's scoring time) would store what no one reads; one at or above either is explained
    as before (both kinds: the stored list is cut at six). A little under each threshold, as the
    stored score is rounded to four places before it is compared.
    """
    thresholds = score_thresholds(prefs)
    return {
        "spam": min(thresholds["spam_hold"], thresholds["spam_spam"]) - _ROUNDING,
        "toxicity": thresholds["toxicity_hold"] - _ROUNDING,
    }


_ROUNDING = 1e-4
UNDETERMINED = "und"  # ISO 639-2: a language no model covers, so score_messages need not detect it again


def _scoring_language(item: Incoming) -> str | None:
    """The item's language for score_messages; None lets it detect among French and English.

    A text the stage already found in none of exactly those languages would be found so again
    (the same text, the same detector): the second detection, the slow pass of a foreign text, is
    skipped. A title, scored with the text, or another language set may change the answer.
    """
    from animateur.nlp.language import DEFAULT_LANGUAGES, normalize_languages

    if item.language:
        return item.language
    same_detection = (
        item.undetected_among
        and not item.title
        and normalize_languages(item.undetected_among) == normalize_languages(DEFAULT_LANGUAGES)
    )
    return UNDETERMINED if same_detection else None


# ------------------------------------------------------------------ moderate


def moderate_items(batch: list[Incoming]) -> None:
    for workspace_id, items in _by_workspace(batch).items():
        # Neither the team's own words nor what is heard elsewhere (a listening source's messages, said
        # on others' spaces and shown to no one here) is ours to hold: they would only fill the queue.
        items = [i for i in items if not i.from_organisation and not heard_elsewhere(i.channel.kind)]
        if items:
            _moderate_workspace(workspace_id, items)


def _moderate_workspace(workspace_id: int, items: list[Incoming]) -> None:
    from animateur.nlp.link_drop import dropped_link  # numpy with it: not in a web worker that only serves pages

    prefs = settings_for(workspace_id)
    thresholds = score_thresholds(prefs)
    workspace = items[0].channel.workspace
    if prefs.workspace_id == workspace.pk:
        prefs.workspace = workspace  # loaded with the channel: its domain costs no query
    trusted_hosts = trusted_link_hosts(prefs)
    tz = ZoneInfo(workspace.timezone or "UTC")
    member_ids = [i.member.pk for i in items if i.member is not None]
    levels = trust_levels(workspace_id, member_ids, prefs)
    now = timezone.now()
    sanctions: dict[int, set[str]] = defaultdict(set)
    for s in Sanction.objects.filter(
        workspace_id=workspace_id, member_id__in=member_ids, lifted_at__isnull=True, starts_at__lte=now
    ):
        if s.ends_at is None or s.ends_at > now:
            sanctions[s.member_id].add(s.kind)
    # The settings row just read carries the watched words' version: no second read of it.
    matcher = compiled_for(workspace_id, prefs.words_version or "")
    rules = list(Rule.objects.filter(workspace_id=workspace_id, enabled=True).order_by("position", "id"))
    for item in items:
        plan = Plan()
        # Incoming (the stream's) has no field for moderation's plan: it rides on the item until _plan reads it.
        item.moderation_plan = plan  # type: ignore[attr-defined]
        level = levels.get(item.member.pk, TRUST_LEVELS[0]) if item.member is not None else TRUST_LEVELS[0]
        item.scores["trust"] = level
        on_site = item.channel.kind == "site"
        kinds = sanctions.get(item.member.pk, set()) if item.member is not None else set()
        if "ban" in kinds:
            # Banned: refused on the site (the comment form tells the author), hidden elsewhere.
            item.reasons.append(Reason("sanction", "author is banned", None, "delete" if on_site else "hide"))
            plan.hide_at_source = not on_site
        elif "mute" in kinds:
            item.reasons.append(Reason("sanction", "author is muted", None, "hold"))
        if (
            on_site
            and item.source_visibility is None
            and rank(level) < rank(prefs.site_hold_below)
            and not any(r.source == "first-comment" for r in item.reasons)
        ):
            item.reasons.append(Reason("trust", f"trust level {level}", None, "hold"))
        spam, toxicity = item.scores.get("spam"), item.scores.get("toxicity")
        # A visibility the source states (an import) was a human decision: scores do not overrule it.
        use_scores = item.source_visibility is None
        if not use_scores or rank(level) >= rank(prefs.spam_trusted_from):
            spam = None  # stored with the message, but it does not act
        if spam is not None and spam >= thresholds["spam_spam"]:
            item.reasons.append(Reason("spam-score", _score_detail(item, "spam"), spam, "spam"))
        elif spam is not None and spam >= thresholds["spam_hold"]:
            item.reasons.append(Reason("spam-score", _score_detail(item, "spam"), spam, "hold"))
        if use_scores and toxicity is not None and toxicity >= thresholds["toxicity_hold"]:
            item.reasons.append(Reason("toxicity-score", _score_detail(item, "toxicity"), toxicity, "hold"))
        if use_scores and level == TRUST_LEVELS[0]:
            dropped = dropped_link(f"{item.title}\n{item.text}", item.channel.kind, trusted_hosts)
            if dropped is not None:
                item.reasons.append(Reason("link-drop", dropped, None, "hold"))
        found = matcher.find(f"{item.title}\n{item.text}") if matcher else []
        for m in found:
            if m.action in WORD_ACTIONS:
                item.reasons.append(Reason("watched-word", f"{m.pattern} ({m.found})", None, WORD_ACTIONS[m.action]))
            elif m.action == "label" and m.value and m.value not in item.labels:
                item.labels.append(m.value)
        if not rules:
            # What evaluating no rule leaves of the labels, without building what rules would read.
            item.labels = sorted(set(item.labels))
        else:
            _apply_workspace_rules(item, rules, level, tz, plan)
        if any(m.action in ("censor", "replace") for m in found):
            original = {"text": item.text, "html": item.html or ""}
            item.text = rewrite(item.text, matcher.find(item.text))
            item.html = rewrite_html(item.html or "", matcher)
            item.raw = {**(item.raw or {}), "moderation_original": original}


def _apply_workspace_rules(item: Incoming, rules: list[Rule], level: str, tz: ZoneInfo, plan: Plan) -> None:
    subject = Subject(
        text=item.text,
        language=item.language or "",
        channel_id=item.channel.pk,
        channel_kind=item.channel.kind,
        kind=item.kind,
        trust=level,
        first_message=item.first_from_author,
        labels=set(item.labels),
        spam=item.scores.get("spam"),
        toxicity=item.scores.get("toxicity"),
        sentiment=item.sentiment,
        created_at=item.created_at.astimezone(tz) if item.created_at else None,
    )
    for rule, action in apply_rules(rules, subject, plan):
        item.reasons.append(Reason(f"rule:{rule.pk}", rule.name, None, action or "label"))
    item.labels = sorted(subject.labels)


def _score_detail(item: Incoming, kind: str) -> str:
    features = [r["feature"] for r in item.scores.get("score_reasons", []) if r.get("kind") == kind][:4]
    return ", ".join(features)


# ------------------------------------------------------------------ store


def store_moderation(batch: list[Incoming]) -> None:
    from animateur.moderation.reviews import enqueue_many

    labels, hits, queued = [], [], []
    for item in batch:
        message = item.message
        if message is None or item.existing is not None:
            continue
        for label in item.labels:
            labels.append(MessageLabel(workspace_id=message.workspace_id, message=message, label=label[:100]))
        plan = _plan(item)
        if plan is not None:
            for rule_id, actions in plan.hits:
                hits.append(
                    RuleHit(
                        workspace_id=message.workspace_id,
                        rule_id=rule_id,
                        message=message,
                        actions=actions,
                        visibility=message.visibility,
                    )
                )
        flagged = any(r.action == "flag" for r in item.reasons)
        if (message.visibility in QUEUED_VISIBILITIES and item.reasons) or flagged:
            queued.append((message, item.reasons))
    enqueue_many(queued)
    if labels:
        MessageLabel.objects.bulk_create(labels, ignore_conflicts=True)
    if hits:
        RuleHit.objects.bulk_create(hits, ignore_conflicts=True)


def after_moderation(batch: list[Incoming]) -> None:
    """Effects of the new messages' plans; history (an import) alerts and answers no one."""
    from animateur.moderation.effects import has_effects, run_effects

    for item in batch:
        plan = _plan(item)
        if (
            plan is not None
            and has_effects(plan)
            and item.message is not None
            and item.existing is None
            and not item.historical
        ):
            if item.message.workspace_id == item.channel.workspace_id:
                item.message.workspace = item.channel.workspace  # already loaded: no query per message
            try:
                run_effects(item.message, plan)
            except Exception:
                log.exception("moderation effects failed for message %s", item.message.pk)
