"""The moderators' pages: the review queue, watched words, rules, members' trust and sanctions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from animateur.core.actions import ActionError
from animateur.core.decorators import workspace_permission
from animateur.core.forms import errors_sentence
from animateur.core.ids import parse_ids
from animateur.core.next_url import safe_next
from animateur.core.permissions import has_permission
from animateur.core.typing import WorkspaceRequest
from animateur.inbox.reply_handlers import can_reply
from animateur.moderation import selectors, sources
from animateur.moderation.actions.decisions import AT_SOURCE, do_decide, do_escalate, do_moderate_messages
from animateur.moderation.actions.flags import do_flag_message
from animateur.moderation.actions.rules import clean_rule, do_delete_rule, do_renew_webhook_secret, do_save_rule
from animateur.moderation.actions.sanctions import do_lift_sanction, do_sanction_member
from animateur.moderation.actions.settings import do_update_moderation_settings
from animateur.moderation.actions.words import do_add_starter_list, do_add_watched_word, do_remove_watched_word
from animateur.moderation.conditions import catalogue
from animateur.moderation.forms import (
    LiftForm,
    RuleForm,
    SanctionForm,
    SettingsForm,
    StarterListForm,
    TryForm,
    WatchedWordForm,
)
from animateur.moderation.labels import decision_done
from animateur.moderation.matching import matcher_for, rewrite
from animateur.moderation.models import ReviewItem, Rule, Sanction, WatchedWord
from animateur.moderation.prefs import score_thresholds, settings_for, trust_thresholds
from animateur.stream.models import Member, Message

QUEUE_PAGE = 50
REASON_LABELS = {
    "rule": gettext_lazy("Rules"),
    "watched-word": gettext_lazy("Watched words"),
    "spam-score": gettext_lazy("Spam score"),
    "toxicity-score": gettext_lazy("Toxicity score"),
    "flag": gettext_lazy("Flags"),
    "trust": gettext_lazy("Low trust"),
    "first-comment": gettext_lazy("First comment"),
    "sanction": gettext_lazy("Sanctions"),
    "honeypot": gettext_lazy("Bots"),
    "link-drop": gettext_lazy("Links with hardly a word"),
}


def _next(request: WorkspaceRequest, default: str) -> str:
    """Back where the form was, or to `default`: a URL reversed in this request, so in its workspace."""
    return safe_next(request, request.POST.get("next"), default)


# ------------------------------------------------------------------ the queue


@workspace_permission("moderation.review")
def queue(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    reason = request.GET.get("reason", "")
    status = request.GET.get("status", "open")
    items = list(selectors.queue(workspace, reason=reason, status=status)[:QUEUE_PAGE])
    at_source = sources.outcomes(workspace.pk, [i.message_id for i in items])
    # Each item links to its conversation, where the team acts on it; the reply is the inbox's.
    conversations = selectors.conversations_of(workspace, [i.message_id for i in items])
    return render(
        request,
        "moderation/queue.html",
        {
            "items": items,
            "rows": [(item, at_source.get(item.message_id, []), conversations.get(item.message_id)) for item in items],
            "repliable": {c.pk for c in conversations.values() if can_reply(c)},
            "reason": reason,
            "status": status,
            "counts": [(kind, REASON_LABELS.get(kind, kind), n) for kind, n in selectors.reason_counts(workspace)],
            "open_count": selectors.open_count(workspace),
            "can_escalate": has_permission(request.user, workspace, "moderation.escalate"),
        },
    )


@workspace_permission("moderation.review")
def item_detail(request: WorkspaceRequest, item_id: int) -> HttpResponse:
    workspace = request.workspace
    item = get_object_or_404(
        ReviewItem.objects.select_related("message", "message__channel", "message__author", "message__author__member"),
        pk=item_id,
        workspace=workspace,
    )
    return _message_page(request, item.message, item)


@workspace_permission("moderation.review")
def message_detail(request: WorkspaceRequest, message_id: int) -> HttpResponse:
    message = get_object_or_404(
        Message.objects.select_related("channel", "author", "author__member"),
        pk=message_id,
        workspace=request.workspace,
    )
    item = ReviewItem.objects.filter(message=message).first()
    return _message_page(request, message, item)


def _message_page(request: WorkspaceRequest, message: Message, item: ReviewItem | None) -> HttpResponse:
    workspace = request.workspace
    member = message.author.member if message.author is not None else None
    return render(
        request,
        "moderation/item.html",
        {
            "item": item,
            "message": message,
            "reasons": list(item.reasons.all()) if item else [],
            "thread": selectors.thread_context(message),
            "history": selectors.author_history(workspace, member),
            "sanction_form": SanctionForm(),
            "can_sanction": has_permission(request.user, workspace, "moderation.sanction"),
            "can_escalate": has_permission(request.user, workspace, "moderation.escalate"),
            "labels": list(message.moderation_labels.values_list("label", flat=True)),
            "at_source": sources.outcomes(workspace.pk, [message.pk]).get(message.pk, []),
            "conversation": selectors.conversations_of(workspace, [message.pk]).get(message.pk),
        },
    )


def _local_only_notice(request: WorkspaceRequest, messages: list[Message], decision: str) -> None:
    """Say at once when the decision stays here: the source of some messages cannot follow it."""
    what = AT_SOURCE.get(decision)
    if what is None or what == "restore":
        return
    said = set()
    for message in messages:
        why = sources.obstacle(message, what) if message.channel.kind != "site" else ""
        if why and (why, message.channel.kind) not in said:
            said.add((why, message.channel.kind))
            outcome = sources.Outcome(what, "local_only", message.channel.kind, None, why=why)
            flash.warning(request, outcome.sentence)


@require_POST
@workspace_permission("moderation.review")
def decide(request: WorkspaceRequest) -> HttpResponse:
    """One or many items (checkboxes named `item`), one decision: approve, reject, delete, spam, escalate."""
    workspace = request.workspace
    decision = request.POST.get("decision", "")
    ids = parse_ids(request.POST.getlist("item"))
    one = request.POST.get("one", "")
    if ":" in one:  # a single item's own button: only that item, whatever is selected
        decision, _sep, item_id = one.partition(":")
        ids = parse_ids([item_id])
    items = list(
        ReviewItem.objects.filter(workspace=workspace, pk__in=ids).select_related(
            "message", "message__channel", "workspace"
        )
    )
    back = _next(request, reverse("moderation:queue"))
    if not items:
        flash.error(request, _("Select at least one item."))
        return redirect(back)
    try:
        if decision == "escalate":
            count = do_escalate(items, note=request.POST.get("note", ""), actor=request.user)
        else:
            count = do_decide(items, decision, actor=request.user)
    except ActionError as exc:
        flash.error(request, str(exc))
        return redirect(back)
    flash.success(request, decision_done(decision, count))
    _local_only_notice(request, [i.message for i in items], decision)
    return redirect(back)


@require_POST
@workspace_permission("moderation.review")
def decide_message(request: WorkspaceRequest, message_id: int) -> HttpResponse:
    """Approve or reject a message outside the queue (restoring what a rule hid, for example)."""
    message = get_object_or_404(Message.objects.select_related("channel"), pk=message_id, workspace=request.workspace)
    decision = request.POST.get("decision", "")
    try:
        do_moderate_messages([message], decision, actor=request.user)
        flash.success(request, decision_done(decision, 1))
        _local_only_notice(request, [message], decision)
    except ActionError as exc:
        flash.error(request, str(exc))
    return redirect(_next(request, reverse("moderation:message", args=[message.pk])))


@require_POST
@workspace_permission("stream.read")
def flag_message(request: WorkspaceRequest, message_id: int) -> HttpResponse:
    message = get_object_or_404(Message, pk=message_id, workspace=request.workspace)
    try:
        do_flag_message(message, request.POST.get("reason", ""), actor=request.user)
        flash.success(request, _("Flagged for the moderators."))
    except ActionError as exc:
        flash.error(request, str(exc))
    return redirect(_next(request, reverse("moderation:message", args=[message.pk])))


# ------------------------------------------------------------------ members


@workspace_permission("moderation.review")
def member_detail(request: WorkspaceRequest, member_id: int) -> HttpResponse:
    member = get_object_or_404(Member, pk=member_id, workspace=request.workspace)
    return render(
        request,
        "moderation/member.html",
        {
            "member": member,
            "history": selectors.author_history(request.workspace, member, limit=30),
            "sanction_form": SanctionForm(),
            "lift_form": LiftForm(),
            "can_sanction": has_permission(request.user, request.workspace, "moderation.sanction"),
        },
    )


@require_POST
@workspace_permission("moderation.sanction")
def sanction(request: WorkspaceRequest, member_id: int) -> HttpResponse:
    member = get_object_or_404(Member, pk=member_id, workspace=request.workspace)
    form = SanctionForm(request.POST)
    if form.is_valid():
        try:
            recorded = do_sanction_member(
                member,
                form.cleaned_data["kind"],
                form.cleaned_data["reason"],
                form.cleaned_data["days"],
                actor=request.user,
            )
            if recorded.kind == Sanction.Kind.BAN:
                flash.success(
                    request,
                    ngettext(
                        "Ban recorded: %(count)d held message of this author was rejected.",
                        "Ban recorded: %(count)d held messages of this author were rejected.",
                        recorded.rejected_held,
                    )
                    % {"count": recorded.rejected_held},
                )
            else:
                flash.success(request, _("Sanction recorded."))
        except ActionError as exc:
            flash.error(request, str(exc))
    else:
        flash.error(request, errors_sentence(form))
    return redirect(_next(request, reverse("moderation:member", args=[member.pk])))


@require_POST
@workspace_permission("moderation.sanction")
def lift(request: WorkspaceRequest, sanction_id: int) -> HttpResponse:
    found = get_object_or_404(Sanction, pk=sanction_id, workspace=request.workspace)
    try:
        do_lift_sanction(found, request.POST.get("reason", ""), actor=request.user)
        flash.success(request, _("Sanction lifted."))
    except ActionError as exc:
        flash.error(request, str(exc))
    return redirect(_next(request, reverse("moderation:member", args=[found.member_id])))


# ------------------------------------------------------------------ watched words


@workspace_permission("moderation.review")
def words(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    can_edit = has_permission(request.user, workspace, "moderation.rules.edit")
    form = WatchedWordForm()
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("moderation.rules.edit")
        form = WatchedWordForm(request.POST)
        if form.is_valid():
            try:
                do_add_watched_word(
                    workspace,
                    form.cleaned_data["pattern"],
                    form.cleaned_data["action"],
                    form.cleaned_data["value"],
                    actor=request.user,
                )
                flash.success(request, _("Watched word added."))
                return redirect("moderation:words")
            except ActionError as exc:
                form.add_error("pattern", str(exc))
    try_form = TryForm(request.GET or None) if "text" in request.GET or "try" in request.GET else TryForm()
    tried: dict[str, Any] | None = None
    text = request.GET.get("try") or request.GET.get("text") or ""
    if text:
        found = matcher_for(workspace.pk).find(text[:5000])
        tried = {"text": text, "matches": found, "result": rewrite(text, found)}
        try_form = TryForm(initial={"text": text})
    return render(
        request,
        "moderation/words.html",
        {
            "words": WatchedWord.objects.filter(workspace=workspace),
            "form": form,
            "try_form": try_form,
            "starter_form": StarterListForm(),
            "tried": tried,
            "can_edit": can_edit,
        },
    )


@require_POST
@workspace_permission("moderation.rules.edit")
def words_starter(request: WorkspaceRequest) -> HttpResponse:
    form = StarterListForm(request.POST)
    if not form.is_valid():
        flash.error(request, errors_sentence(form))
        return redirect("moderation:words")
    try:
        data = form.cleaned_data
        added, known = do_add_starter_list(
            request.workspace, data["starter_list"], data["starter_action"], actor=request.user
        )
    except ActionError as exc:
        flash.error(request, str(exc))
        return redirect("moderation:words")
    message = ngettext("%(count)d watched word added.", "%(count)d watched words added.", added) % {"count": added}
    if known:
        message += " " + ngettext(
            "%(count)d was already watched with this action.", "%(count)d were already watched with this action.", known
        ) % {"count": known}
    flash.success(request, message)
    return redirect("moderation:words")


@require_POST
@workspace_permission("moderation.rules.edit")
def word_delete(request: WorkspaceRequest, word_id: int) -> HttpResponse:
    word = get_object_or_404(WatchedWord, pk=word_id, workspace=request.workspace)
    do_remove_watched_word(word, actor=request.user)
    flash.success(request, _("Watched word removed."))
    return redirect("moderation:words")


# ------------------------------------------------------------------ rules


@workspace_permission("moderation.review")
def rules(request: WorkspaceRequest) -> HttpResponse:
    return render(
        request,
        "moderation/rules.html",
        {
            "rules": selectors.rules_with_figures(request.workspace),
            "can_edit": has_permission(request.user, request.workspace, "moderation.rules.edit"),
        },
    )


@workspace_permission("moderation.rules.edit")
def rule_edit(request: WorkspaceRequest, rule_id: int | None = None) -> HttpResponse:
    workspace = request.workspace
    rule = get_object_or_404(Rule, pk=rule_id, workspace=workspace) if rule_id else None
    replies = selectors.saved_replies(workspace)
    preview = None
    if request.method == "POST":
        form = RuleForm(request.POST, saved_replies=replies)
        adding = next((kind for kind in ("condition", "action") if f"add_{kind}" in request.POST), None)
        if adding:  # the page without its script: one more row, nothing checked or saved yet
            return _rule_page(request, rule, form.with_one_more(adding))
        if form.is_valid():
            data = form.rule_data()
            if "dry_run" in request.POST:
                days_given = str(request.POST.get("days") or "7")
                days = max(1, min(365, int(days_given))) if days_given.isdecimal() else 7
                try:
                    preview = selectors.dry_run(workspace, clean_rule(data), days)
                except ActionError as exc:  # its message is translated
                    form.add_error(None, str(exc))
            else:
                try:
                    saved = do_save_rule(workspace, data, rule, actor=request.user)
                    flash.success(request, _("Rule saved."))
                    if saved.revealed_secret:
                        # Shown in this answer only, never put in a redirect, a session or a log.
                        return _rule_page(
                            request,
                            saved,
                            RuleForm(initial=RuleForm.initial_for(saved, replies), saved_replies=replies),
                            secret=saved.revealed_secret,
                        )
                    return redirect("moderation:rule", rule_id=saved.pk)
                except ActionError as exc:
                    form.add_error(None, str(exc))
    else:
        initial = RuleForm.initial_for(rule, replies) if rule else {}
        form = RuleForm(initial=initial, saved_replies=replies)
    return _rule_page(request, rule, form, preview=preview)


def _rule_page(
    request: WorkspaceRequest, rule: Rule | None, form: RuleForm, *, preview: Any = None, secret: str = ""
) -> HttpResponse:
    workspace = request.workspace
    return render(
        request,
        "moderation/rule_form.html",
        {
            "form": form,
            "rule": rule,
            "preview": preview,
            "hits": selectors.rule_hits(rule) if rule else [],
            "figures": next((f for f in selectors.rules_with_figures(workspace) if f.rule.pk == rule.pk), None)
            if rule
            else None,
            "days": request.POST.get("days", 7),
            "calls_webhook": bool(rule and any(a.get("type") == "webhook" for a in rule.actions)),
            # Calls made before the rules' webhooks became the workspace's webhooks: kept as history.
            "deliveries": selectors.webhook_deliveries(rule) if rule else [],
            "can_see_webhooks": has_permission(request.user, workspace, "webhooks.view"),
            "secret": secret,
            "condition_fields": catalogue(),
        },
    )


@require_POST
@workspace_permission("moderation.rules.edit")
def rule_webhook_secret(request: WorkspaceRequest, rule_id: int) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=rule_id, workspace=request.workspace)
    secret = do_renew_webhook_secret(rule, actor=request.user)
    flash.success(request, _("New secret made: the previous one no longer signs the calls."))
    replies = selectors.saved_replies(request.workspace)
    form = RuleForm(initial=RuleForm.initial_for(rule, replies), saved_replies=replies)
    return _rule_page(request, rule, form, secret=secret)


@workspace_permission("moderation.review")
def rule_dry_run(request: WorkspaceRequest, rule_id: int) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=rule_id, workspace=request.workspace)
    try:
        days = max(1, min(365, int(request.GET.get("days") or 7)))
    except ValueError:
        days = 7
    preview = selectors.dry_run(
        request.workspace, {"conditions": rule.conditions, "match": rule.match, "actions": rule.actions}, days
    )
    return render(request, "moderation/dry_run.html", {"rule": rule, "preview": preview, "days": days})


@require_POST
@workspace_permission("moderation.rules.edit")
def rule_delete(request: WorkspaceRequest, rule_id: int) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=rule_id, workspace=request.workspace)
    do_delete_rule(rule, actor=request.user)
    flash.success(request, _("Rule deleted."))
    return redirect("moderation:rules")


# ------------------------------------------------------------------ settings


@workspace_permission("moderation.rules.edit")
def settings_view(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    row = settings_for(workspace)
    initial: dict[str, Any] = {
        "site_hold_below": row.site_hold_below,
        "spam_trusted_from": row.spam_trusted_from,
        "trusted_link_hosts": "\n".join(row.trusted_link_hosts or []),
        "flag_hold_weight": row.flag_hold_weight,
        **score_thresholds(row),
    }
    for level, values in trust_thresholds(row).items():
        initial.update({f"{level}_{k}": v for k, v in values.items()})
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            do_update_moderation_settings(
                workspace,
                trust_thresholds=form.thresholds(),
                site_hold_below=data["site_hold_below"],
                spam_trusted_from=data["spam_trusted_from"],
                trusted_link_hosts=data["trusted_link_hosts"],
                score_thresholds={k: data[k] for k in ("spam_hold", "spam_spam", "toxicity_hold")},
                flag_hold_weight=data["flag_hold_weight"],
                actor=request.user,
            )
            flash.success(request, _("Settings saved."))
            return redirect("moderation:settings")
        except ActionError as exc:
            form.add_error(None, str(exc))
    return render(request, "moderation/settings.html", {"form": form})
