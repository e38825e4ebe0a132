"""``animateur score``: score JSON Lines from a stream.

Each input line is a JSON object with at least ``"text"`` (a string) and
optionally ``"language"`` (an ISO 639-1 code, or null to detect it) and ``"register"``
(where the message was written: ``"email"``, ``"forum"``, ``"social"`` or a channel kind
such as ``"wordpress"`` or ``"mastodon"``; null or absent: unknown). Each output
line, in input order, is ``{"language", "spam", "toxicity", "sentiment",
"unknown", "reasons", "decision"}`` (see ``animateur.nlp.Scores``; ``"decision"`` is
``"publish"``, ``"hold"`` or ``"spam"``, what the thresholds would do with a newcomer's
message, a forum post or blog comment that is a link and hardly a word included: see
``animateur.nlp.link_drop``, whose reason is ``{"kind": "link-drop", "feature": SITE}``), plus
``"id"`` copied from the input when present. ``"spam"`` is given in every
language; ``"toxicity"`` and ``"sentiment"`` are null outside French and English.

A malformed line (not JSON, not an object, no string ``"text"``, a
``"language"`` that is not a string or null, an unknown ``"register"``) does not stop the run: its output
line is ``{"line": N, "error": "..."}`` naming the 1-based line number and the
problem, and the function returns 2 at the end. Blank lines are skipped (no
output). Otherwise it returns 0. Input is read and scored in batches of
``batch_size`` lines, so it streams inputs of any size.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping
from typing import Literal, TextIO

from animateur.nlp.adapter import WorkspaceAdapter
from animateur.nlp.features import without_links_to
from animateur.nlp.link_drop import dropped_link
from animateur.nlp.registers import REGISTER_NAMES, register_of_channel
from animateur.nlp.scoring import Scores, score_messages

EXIT_OK = 0
EXIT_BAD_LINES = 2

Decision = Literal["publish", "hold", "spam"]
# The moderation defaults (animateur.moderation.prefs.DEFAULT_SCORE_THRESHOLDS, which the command
# passes in; these are only for a caller that passes none).
DEFAULT_THRESHOLDS: Mapping[str, float] = {"spam_hold": 0.7, "spam_spam": 0.85, "toxicity_hold": 0.85}


def decision(score: Scores, thresholds: Mapping[str, float], dropped_link: str | None = None) -> Decision:
    """What the scores would do with a newcomer's message under these thresholds.

    ``dropped_link``: the site a forum post or blog comment links to with hardly a word of its own
    (``animateur.nlp.link_drop``), held as the pipeline holds a newcomer's. The pipeline also weighs
    the author's trust, rules and watched words, which a line does not carry.
    """
    spam = score.spam if score.spam is not None else 0.0
    if spam >= thresholds["spam_spam"]:
        return "spam"
    if spam >= thresholds["spam_hold"]:
        return "hold"
    if score.toxicity is not None and score.toxicity >= thresholds["toxicity_hold"]:
        return "hold"
    if dropped_link is not None:
        return "hold"
    return "publish"


def _parse(line: str) -> tuple[dict | None, str | None]:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON: {exc.msg} at column {exc.colno}"
    if not isinstance(item, dict):
        return None, f"expected a JSON object, got {type(item).__name__}"
    if not isinstance(item.get("text"), str):
        return None, 'missing "text" (a string)'
    language = item.get("language")
    if language is not None and not isinstance(language, str):
        return None, '"language" must be a string or null'
    register = item.get("register")
    if register is not None and (not isinstance(register, str) or register_of_channel(register) is None):
        return None, f'"register" must be null or one of {", ".join(sorted(REGISTER_NAMES))}'
    return item, None


def _batches(infile: TextIO, size: int) -> Iterator[list[tuple[int, str]]]:
    batch: list[tuple[int, str]] = []
    for number, line in enumerate(infile, start=1):
        if not line.strip():
            continue
        batch.append((number, line))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def run_score(
    infile: TextIO,
    outfile: TextIO,
    adapter: WorkspaceAdapter | None = None,
    *,
    trusted_hosts: Collection[str] = (),
    batch_size: int = 512,
    thresholds: Mapping[str, float] | None = None,
) -> int:
    """Score JSON Lines from ``infile`` into ``outfile``; 0 when every line was good, 2 otherwise.

    ``adapter`` and ``trusted_hosts`` (sites whose links are not read) score as a workspace does;
    ``thresholds`` (spam_hold, spam_spam, toxicity_hold) give each line's ``"decision"``.
    """
    thresholds = thresholds or DEFAULT_THRESHOLDS
    status = EXIT_OK
    for batch in _batches(infile, batch_size):
        parsed = [(number, *_parse(line)) for number, line in batch]
        good = [(number, item) for number, item, error in parsed if item is not None]
        scores = score_messages(
            [without_links_to(item["text"], trusted_hosts) for _, item in good],
            [item.get("language") or None for _, item in good],
            adapter,
            registers=[item.get("register") for _, item in good],
        )
        by_line = {number: (item, score) for (number, item), score in zip(good, scores, strict=True)}
        for number, _item, error in parsed:
            if error is not None:
                status = EXIT_BAD_LINES
                out: dict[str, object] = {"line": number, "error": error}
            else:
                item, score = by_line[number]
                dropped = dropped_link(item["text"], item.get("register"), trusted_hosts)
                out = {**score.as_dict(), "decision": decision(score, thresholds, dropped)}
                if dropped is not None:
                    out["reasons"] = [*(r.as_dict() for r in score.reasons), {"kind": "link-drop", "feature": dropped}]
                if "id" in item:
                    out = {"id": item["id"], **out}
            outfile.write(json.dumps(out, ensure_ascii=False) + "\n")
    return status
