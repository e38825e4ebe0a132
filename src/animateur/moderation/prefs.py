"""Each workspace's moderation settings, with the defaults that apply until moderators change them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from animateur.core.models import Workspace
from animateur.moderation.models import ModerationSettings

TRUST_LEVELS: tuple[str, ...] = ("new", "basic", "member", "regular", "leader")

# For each level: what an author needs to reach it. `max_upheld_flags` is the most flags
# against the author, upheld by moderators, that the level tolerates.
DEFAULT_TRUST_THRESHOLDS: dict[str, dict[str, int]] = {
    "basic": {"approved": 1, "days_active": 1, "max_upheld_flags": 2},
    "member": {"approved": 5, "days_active": 3, "max_upheld_flags": 1},
    "regular": {"approved": 20, "days_active": 10, "max_upheld_flags": 1},
    "leader": {"approved": 50, "days_active": 30, "max_upheld_flags": 0},
}

# Scores at or above these hold a message, or send it to spam. Models give 0.5 at their boundary.
DEFAULT_SCORE_THRESHOLDS: dict[str, float] = {
    "spam_hold": 0.7,
    "spam_spam": 0.85,
    "toxicity_hold": 0.85,
}


def settings_for(workspace: Workspace | int) -> ModerationSettings:
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    row, _ = ModerationSettings.objects.get_or_create(workspace_id=workspace_id)
    if isinstance(workspace, Workspace):
        row.workspace = workspace  # already at hand: reading row.workspace costs no query
    return row


def words_version(workspace_id: int) -> str:
    version = (
        ModerationSettings.objects.filter(workspace_id=workspace_id).values_list("words_version", flat=True).first()
    )
    return version or ""


def trust_thresholds(row: ModerationSettings) -> dict[str, dict[str, int]]:
    merged = {level: dict(values) for level, values in DEFAULT_TRUST_THRESHOLDS.items()}
    for level, values in (row.trust_thresholds or {}).items():
        if level in merged and isinstance(values, dict):
            merged[level].update({k: int(v) for k, v in values.items() if k in merged[level]})
    return merged


# More sites than a community manager would type; a bound on each message's look-ups.
MAX_TRUSTED_LINK_HOSTS = 50


def clean_link_hosts(lines: Iterable[str]) -> list[str]:
    """Host names from what a moderator typed (« https://www.exemple.fr/blog » → « exemple.fr »), in order, once each.

    Raises ValueError naming the first line that is not a site.
    """
    from animateur.nlp.features import host_name  # numpy's weight, at first use only

    hosts: list[str] = []
    for line in lines:
        if not line.strip():
            continue
        host = host_name(line)
        if host is None:
            raise ValueError(line.strip()[:100])
        if host not in hosts:
            hosts.append(host)
    return hosts


def trusted_link_hosts(row: ModerationSettings) -> tuple[str, ...]:
    """The sites whose links the scores do not read: the moderators' list and the workspace's own domain."""
    from animateur.nlp.features import host_name

    domain = row.workspace.domain
    own = host_name(domain) if domain else None
    listed = [h for h in (row.trusted_link_hosts or []) if isinstance(h, str)]
    return tuple(dict.fromkeys([*listed, *([own] if own else [])]))


def scoring_text(title: str, text: str, trusted_hosts: tuple[str, ...]) -> str:
    """A message as the scores read it, and as the adapter learns it: title, text, no link to a trusted site."""
    from animateur.nlp.features import without_links_to

    return without_links_to(f"{title}\n{text}".strip(), trusted_hosts)


def score_thresholds(row: ModerationSettings) -> dict[str, float]:
    merged: dict[str, Any] = dict(DEFAULT_SCORE_THRESHOLDS)
    merged.update({k: float(v) for k, v in (row.score_thresholds or {}).items() if k in merged})
    return merged
