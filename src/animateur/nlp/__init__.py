"""Language, sentiment, spam and toxicity: plain functions and shipped model files, no Django.

    from animateur.nlp import detect_language, score_messages, Scores, WorkspaceAdapter, sentiment

See ``models/README.md`` for where the models come from, and
``scripts/train_models.py`` to train them again.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from animateur.nlp.adapter import WorkspaceAdapter
    from animateur.nlp.features import host_name, without_links_to
    from animateur.nlp.language import detect_language
    from animateur.nlp.scoring import COVERED_LANGUAGES, Reason, Scores, score_messages, sentiment

# Loaded at first use (PEP 562): numpy, lingua and the models cost a web worker tens of megabytes,
# and a process that serves pages without scoring a message never needs them.
_WHERE = {
    "WorkspaceAdapter": "adapter",
    "host_name": "features",
    "without_links_to": "features",
    "detect_language": "language",
    "COVERED_LANGUAGES": "scoring",
    "Reason": "scoring",
    "Scores": "scoring",
    "score_messages": "scoring",
    "sentiment": "scoring",
}


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{where}"), name)
    globals()[name] = value
    return value


__all__ = [
    "COVERED_LANGUAGES",
    "Reason",
    "Scores",
    "WorkspaceAdapter",
    "detect_language",
    "host_name",
    "score_messages",
    "sentiment",
    "without_links_to",
]
