"""The register a message was written in, and the spam model that reads it.

A patch sent to a mailing list is not a YouTube comment: the same shape (a version number, a
quoted reply, a link) means different things in an email, on a forum or a blog, and on a social
network. Three registers, from the channel's kind (``register_of_channel``):

- ``email``: mailing lists and mailboxes. Before scoring, an email is read as its author wrote it
  (``clean_email``): quoted lines and their « X wrote: » line, the signature, patches (diffs) and
  the list's own footer are left out. They were most of the mailing-list email held as spam.
- ``forum``: forums and the comments of a blog or of the community site (web posts and comments;
  the data folder has forum spam but no labelled blog spam, so blogs are read as forums).
- ``social``: YouTube, Mastodon, Bluesky, Facebook, Reddit.

``SpamModel`` (``models/spam.npz``, written by ``scripts/train_models.py --only spam_registers``; not
shipped, see ``models/README.md``: when the file is there it replaces the spam column) is the spam model with
the register as an input: weights over the same hashed features as ``models.LinearModels`` plus a
few context features, each register's indicator and its crossings with the message's shape (a
link, a phone-shaped number, the length...). Each register's indicator weight also carries that
register's threshold, learnt on the training splits only (``animateur.nlp.register_training``). A
message of no known register gets none of the context features.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from animateur.nlp.features import N_BUCKETS, explain_tokens, readable
from animateur.nlp.npz import write_npz

REGISTERS: tuple[str, ...] = ("email", "forum", "social")
FILE_NAME = "spam.npz"

# channel kind (animateur.channels) -> register
CHANNEL_REGISTERS: dict[str, str] = {
    "email": "email", "mbox": "email",
    "discourse": "forum", "site": "forum", "wordpress": "forum", "rss": "forum",
    "youtube": "social", "mastodon": "social", "bluesky": "social", "facebook": "social", "reddit": "social",
}  # fmt: skip
# what people may call a register (the ``animateur score`` input, the API)
REGISTER_NAMES: dict[str, str] = {
    **{r: r for r in REGISTERS},
    **CHANNEL_REGISTERS,
    "mail": "email", "mailing-list": "email", "blog": "forum", "comment": "forum", "blog-comment": "forum",
    "social-media": "social", "tweet": "social",
}  # fmt: skip


def register_of_channel(kind: str | None) -> str | None:
    """The register of a channel's kind, or of a register's name; None when it is neither."""
    return REGISTER_NAMES.get((kind or "").strip().lower().replace("_", "-").replace(" ", "-"))


# the shape features (animateur.nlp.features) whose meaning depends on the register
CROSSED_SHAPES: tuple[str, ...] = (
    "m:url", "m:email", "m:phone", "m:toll_free", "m:code", "m:patch", "m:quote", "m:caps_high", "m:caps_mid",
    "m:exclaim", "m:promo",
)  # fmt: skip
CONTEXT_FEATURES: tuple[str, ...] = tuple(
    name for r in REGISTERS for name in (f"r:{r}", *(f"r:{r}*{s}" for s in CROSSED_SHAPES))
)
_CONTEXT_INDEX = {name: i for i, name in enumerate(CONTEXT_FEATURES)}


def context_matrix(registers: Sequence[str | None], shapes: Sequence[Sequence[str]]) -> np.ndarray:
    """``(n, len(CONTEXT_FEATURES))`` 0/1: each message's register and its crossings with the message's shape."""
    out = np.zeros((len(registers), len(CONTEXT_FEATURES)), dtype=np.float32)
    for i, (register, shape) in enumerate(zip(registers, shapes, strict=True)):
        if register not in REGISTERS:
            continue
        out[i, _CONTEXT_INDEX[f"r:{register}"]] = 1.0
        for feature in set(shape):
            k = _CONTEXT_INDEX.get(f"r:{register}*{feature}")
            if k is not None:
                out[i, k] = 1.0
    return out


# ---------------------------------------------------------------- email as its author wrote it

# what a mail queue reads of an email (the rest of a long body is mostly quotes and patches)
MAX_EMAIL_CHARS = 4000
_QUOTED_RE = re.compile(r"^[ \t]*(?:>|\|(?!\|))")
# « On Fri, Feb 01, 2002 at 04:15:52PM +0100, Matthias Saou wrote: », « Le 3 mai, Anne a écrit : »
_ATTRIBUTION_RE = re.compile(r"(?:\bwrote|\ba (?:é|e)crit|\bschrieb|\bescribi(?:ó|o))\s*:\s*$", re.IGNORECASE)
_ORIGINAL_RE = re.compile(
    r"^\s*-{2,}\s*(?:original message|message d'origine|forwarded message|message transf(?:é|e)r(?:é|e))",
    re.IGNORECASE,
)
_PATCH_START_RE = re.compile(r"^(?:diff (?:-|--git )|Index: \S|--- \S.*|\+\+\+ \S.*|@@ -\d+(?:,\d+)? \+\d+)")
_PATCH_LINE_RE = re.compile(r"^(?:[-+ @\\]|diff |Index: |={5,}|Only in |Binary files |new file mode|index [0-9a-f])")
_SEPARATOR_RE = re.compile(r"^\s*[-_=*]{10,}\s*$")
_FOOTER_WORDS_RE = re.compile(r"mailing list|listinfo|unsubscribe|se d(?:é|e)sinscrire|sponsored by", re.IGNORECASE)
_SIGNATURE_RE = re.compile(r"^--\s?$")
MAX_SIGNATURE_LINES = 15
MAX_FOOTER_LINES = 12


def clean_email(text: str) -> str:
    """An email's text without what its author did not write: quotes, signature, patches, the list's footer.

    What is left is what the spam and toxicity scores read; an email that is nothing but a patch or
    a quote keeps its first line (the subject, in a message as the connectors build it).
    """
    lines = text.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    in_patch = False
    for n, line in enumerate(lines):
        if _ORIGINAL_RE.match(line):
            break  # an Outlook-style reply: the rest is the quoted message
        if _SIGNATURE_RE.match(line) and len(lines) - n <= MAX_SIGNATURE_LINES:
            break
        footer = _SEPARATOR_RE.match(line) and len(lines) - n <= MAX_FOOTER_LINES
        if footer and _FOOTER_WORDS_RE.search("\n".join(lines[n:])):
            break
        if in_patch:
            if _PATCH_LINE_RE.match(line) or not line.strip():
                continue
            in_patch = False
        if _PATCH_START_RE.match(line):
            in_patch = True
            continue
        if _QUOTED_RE.match(line):
            continue
        if _ATTRIBUTION_RE.search(line) and len(line) < 200:
            continue
        kept.append(line)
    cleaned = "\n".join(kept).strip()
    if not cleaned:
        cleaned = next((line for line in lines if line.strip()), "")
    return cleaned[:MAX_EMAIL_CHARS]


def prepare(text: str, register: str | None) -> str:
    """The text the scores read of a message of this register (an email: ``clean_email``)."""
    return clean_email(text) if register == "email" else text


# ---------------------------------------------------------------- the model


@dataclass(frozen=True)
class SpamModel:
    """The spam model with the register as an input: ``logit = w·x + c·context + intercept`` (0 at 0.5)."""

    weights: np.ndarray  # (N_BUCKETS,) float32, over the hashed features
    context: np.ndarray  # (len(CONTEXT_FEATURES),) float32
    intercept: float
    meta: dict

    def logits(
        self,
        idx: np.ndarray,
        values: np.ndarray,
        off: np.ndarray,
        registers: Sequence[str | None],
        shapes: Sequence[Sequence[str]],
    ) -> np.ndarray:
        """Spam logits from ``features.batch_features``' output and each message's register and shape features."""
        n = len(off) - 1
        out = np.zeros(n, dtype=np.float32)
        if len(idx):
            contrib = self.weights[idx] * values
            starts = off[:-1]
            nonempty = off[1:] > starts
            if nonempty.any():
                out[nonempty] = np.add.reduceat(contrib, starts[nonempty])
        if any(r is not None for r in registers):
            out += context_matrix(registers, shapes) @ self.context
        return out + np.float32(self.intercept)

    def explain(
        self, text: str, tokens: list[str], shape: list[str], register: str | None, top: int = 5
    ) -> list[tuple[str, float]]:
        """The words, word pairs and shape features that pushed the spam score up the most, read by a moderator.

        A shape feature's weight includes its crossing with the message's register (a link weighs
        more in a forum than in an email).
        """
        units, total = explain_tokens(text, tokens, shape)
        if not total:
            return []
        scale = 1.0 / float(np.sqrt(total))
        best: dict[str, float] = {}
        for unit, ids in units:
            weight = float(self.weights[list(ids)].sum()) * scale
            k = _CONTEXT_INDEX.get(f"r:{register}*{unit}") if register in REGISTERS else None
            if k is not None:
                weight += float(self.context[k])
            label = readable(unit)
            if weight > 0 and weight > best.get(label, 0.0):
                best[label] = weight
        return sorted(best.items(), key=lambda kv: -kv[1])[:top]

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        write_npz(
            directory / FILE_NAME,
            weights=self.weights.astype(np.float16),
            context=self.context.astype(np.float32),
            intercept=np.asarray([self.intercept], dtype=np.float32),
            context_names=np.asarray(CONTEXT_FEATURES),
            meta=np.asarray(json.dumps(self.meta, sort_keys=True)),
        )

    @classmethod
    def load(cls, directory: Path) -> SpamModel | None:
        """The model in ``directory``, or None when there is none (the spam column of ``linear.npz`` scores)."""
        path = directory / FILE_NAME
        if not path.exists():
            return None
        with np.load(path, allow_pickle=False) as npz:
            weights = npz["weights"].astype(np.float32)
            context = npz["context"].astype(np.float32)
            intercept = float(npz["intercept"][0])
            names = tuple(str(x) for x in npz["context_names"])
            meta = json.loads(str(npz["meta"]))
        if weights.shape != (N_BUCKETS,) or names != CONTEXT_FEATURES:
            raise RuntimeError(f"{path} does not match this version of animateur.nlp")
        return cls(weights, context, intercept, meta)


@functools.lru_cache(maxsize=1)
def shipped_spam_model() -> SpamModel | None:
    from animateur.nlp.models import MODELS_DIR

    return SpamModel.load(MODELS_DIR)
