"""Language, sentiment, spam and toxicity: plain functions and shipped model files, no Django.

    from animateur.nlp import detect_language, score_messages, Scores, WorkspaceAdapter, sentiment

See ``models/README.md`` for where the models come from, and
``scripts/train_models.py`` to train them again.
"""

from animateur.nlp.adapter import WorkspaceAdapter
from animateur.nlp.features import host_name, without_links_to
from animateur.nlp.language import detect_language
from animateur.nlp.scoring import COVERED_LANGUAGES, Reason, Scores, score_messages, sentiment

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
