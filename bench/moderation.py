#!/usr/bin/env python
"""Moderation models: quality on held-out data, learning from moderators, throughput.

    python bench/moderation.py [--data DIR] [--scale small|full] [--distill]

Retrains from the data (the shipped models were trained on all of it, so they
cannot be judged on it) with the same code as scripts/train_models.py
(animateur.nlp.training), then measures:

- spam: train on two YouTube videos + SMS, test on the third (each choice in
  full, one in small); precision, recall, F1;
- toxicity: macro-F1 and ROC AUC on OLID val (trained on OLID train, Davidson,
  MLMA en), and on a held-out 20 % of the French MLMA tweets;
- ordinary messages: the share of tweets that are not spam (the sentiment val
  splits, French and English; OLID val; the French MLMA held-out tweets) that
  the default thresholds would hold (spam score 0.7) or send to spam (0.85),
  scored as the pipeline scores;
- learning from moderators: one video's decisions replayed in DATE order, each
  comment scored before its decision is learned by a WorkspaceAdapter; running
  F1 against the base model alone;
- throughput on one core (messages per CPU second, the process pinned to one
  core), both scores, sentiment and reasons together, with and without
  language detection, on a mix of YouTube comments, OLID and French tweets
  (a toxic- and spam-heavy mix: reasons are computed for every flagged message);
- baselines in the same run: a keyword list, and alt-profanity-check for
  English toxicity when it is installed.

Prints a table and ends with one JSON line of every figure. Exits 0 with a
message when the data folder is absent.

Word vectors: by default the shipped ones (``models/words.npz``), of which the
bench keeps only the words its own vocabulary texts keep. They hold no label: each
is the sentence model's vector of the word alone. Their word list came from the
training texts of the shipped models (never a YouTube comment, OLID val nor a
sentiment val split), but it was made with all the French MLMA tweets, the 20 %
held out here included: a word seen only there is dropped by the subset above,
while the PCA that reduced every vector to 128 numbers was fitted on that whole
list (unsupervised, no label). ``--distill`` distils them from scratch from the
bench's own vocabulary texts instead: it needs the training extra (``pip install
-e '.[train]'``: torch) and caches the sentence model's vectors in the system's
temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402

from animateur.nlp import WorkspaceAdapter, score_messages  # noqa: E402
from animateur.nlp import training as T  # noqa: E402
from animateur.nlp.embeddings import WordVectors  # noqa: E402
from animateur.nlp.language import warm_up  # noqa: E402
from animateur.nlp.models import MODELS_DIR  # noqa: E402

SPAM_KEYWORDS = (
    "check out", "check my", "subscribe", "my channel", "http", "www", ".com", "free", "win ", "click",
    "visit", "follow me", "gratuit", "gagnez", "cliquez", "abonnez", "ma chaine",
)  # fmt: skip
TOXIC_KEYWORDS = (
    "idiot", "stupid", "dumb", "fuck", "shit", "bitch", "asshole", "moron", "retard", "loser", "hate you",
    "ugly", "nigga", "cunt", "dick", "pussy", "whore", "slut", "faggot", "trash",
    "debile", "débile", "con ", "connard", "connasse", "salope", "pute", "encule", "enculé", "merde",
    "abruti", "cretin", "crétin", "batard", "bâtard", "ta gueule", "nul ", "pd", "bouffon", "attardé",
)  # fmt: skip


def keyword_scores(texts: list[str], words: tuple[str, ...]) -> np.ndarray:
    lowered = [t.lower() + " " for t in texts]
    return np.asarray([min(1.0, sum(w in t for w in words) / 2) for t in lowered])


def running_f1(labels: list[int], preds: list[bool], points=(0.1, 0.25, 0.5, 1.0)) -> dict[str, float]:
    from sklearn.metrics import f1_score

    out = {}
    for point in points:
        n = max(1, int(round(len(labels) * point)))
        out[f"{int(point * 100)}%"] = float(f1_score(labels[:n], preds[:n], zero_division=0))
    return out


def replay(data: Path, video: str, models) -> dict:
    ds = T.read_youtube(data, video)
    order = sorted(range(len(ds)), key=lambda i: ds.dates[i])
    texts = [ds.texts[i] for i in order]
    labels = [ds.labels[i] for i in order]
    base = score_messages(texts, ["en"] * len(texts), models=models, reasons=False)
    base_preds = [s.spam is not None and s.spam >= 0.5 for s in base]
    adapter = WorkspaceAdapter(base=models)
    learned_preds = []
    started = time.perf_counter()
    for text, label in zip(texts, labels, strict=True):
        score = score_messages([text], ["en"], adapter, models=models, reasons=False)[0]
        learned_preds.append(score.spam is not None and score.spam >= 0.5)
        adapter.learn(text, "en", "spam", bool(label))
    elapsed = time.perf_counter() - started
    return {
        "video": video,
        "comments": len(texts),
        "base": running_f1(labels, base_preds),
        "learning": running_f1(labels, learned_preds),
        "adapter_bytes": len(adapter.to_bytes()),
        "ms_per_decision": 1000 * elapsed / len(texts),
    }


# the workspace defaults (moderation/prefs.py): hold from 0.7, send to spam from 0.85
HOLD_THRESHOLD, SPAM_THRESHOLD = 0.7, 0.85


def everyday_spam(texts: list[str], language: str, models, spam_model=None) -> dict[str, float]:
    """The share of ordinary messages the default thresholds would hold or send to spam, scored as the pipeline does.

    Read as social messages (tweets) by the register spam model when there is one.
    """
    registers = ["social"] * len(texts) if spam_model is not None else None
    scores = score_messages(
        texts, [language] * len(texts), models=models, reasons=False, registers=registers, spam_model=spam_model
    )
    spam = np.asarray([s.spam for s in scores])
    return {"held": float(np.mean(spam >= HOLD_THRESHOLD)), "spam": float(np.mean(spam >= SPAM_THRESHOLD))}


def decisions(
    texts: list[str], models, languages=None, register=None, spam_model=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(held or sent to spam, sent to spam, spam score given) of each message under the default thresholds.

    As for a newcomer's message: the scores alone, no trust, rule or watched word. ``register``
    (with the register spam model ``spam_model``): the channel kind the messages came from.
    """
    registers = [register] * len(texts)
    scores = score_messages(texts, languages, models=models, reasons=False, registers=registers, spam_model=spam_model)
    spam = np.asarray([s.spam if s.spam is not None else np.nan for s in scores], dtype=float)
    tox = np.asarray([s.toxicity if s.toxicity is not None else 0.0 for s in scores], dtype=float)
    sent = np.nan_to_num(spam) >= SPAM_THRESHOLD
    held = sent | (np.nan_to_num(spam) >= HOLD_THRESHOLD) | (tox >= TOXICITY_HOLD)
    return held, sent, ~np.isnan(spam)


TOXICITY_HOLD = 0.85
# the channel kind each development set is read as by the register spam model
KINDS = {
    "forum (Stack Exchange)": "discourse",
    "mailing-list email (SpamAssassin ham + hard ham)": "email",
    "blog comments (WordPress test content)": "wordpress",
    "social fr (sentiment val)": "mastodon",
    "social en (sentiment val)": "mastodon",
    "forum/blog spam (SmokeDetector titles)": "wordpress",
    "email spam (SpamAssassin)": "email",
}


def register_figures(data: Path, models, small: bool, spam_model=None) -> dict:
    """Each register's development split (never trained on): legitimate messages held or sent to spam, spam caught.

    Keyword baseline in the same run: a message with two spam keywords or more is caught. With the
    register spam model, each set is scored as coming from its channel kind (``KINDS``); the blog's
    comments and the forum's spam titles as a WordPress blog's comments, the registers' proxy for blog spam.
    """
    from animateur.nlp import register_data as R

    cap = 300 if small else None
    ham, email_spam = R.read_email(data)
    legit = {
        "forum (Stack Exchange)": R.read_forum(data).split(dev=True).texts,
        "mailing-list email (SpamAssassin ham + hard ham)": ham.split(dev=True).texts,
        "blog comments (WordPress test content)": R.read_blog_comments(data).texts,
        "social fr (sentiment val)": T.read_sentiment(data, "french", "val").texts,
        "social en (sentiment val)": T.read_sentiment(data, "english", "val").texts,
    }
    spam = {
        "forum/blog spam (SmokeDetector titles)": R.read_forum_spam(data).split(dev=True).texts,
        "email spam (SpamAssassin)": email_spam.split(dev=True).texts,
    }
    out: dict = {"legitimate": {}, "spam": {}, "reddit": "not in the data folder: not measured"}
    for name, texts in legit.items():
        texts = texts[:cap]
        held, sent, given = decisions(texts, models, register=KINDS[name], spam_model=spam_model)
        keywords = keyword_scores(texts, SPAM_KEYWORDS) >= 0.5
        out["legitimate"][name] = {
            "n": len(texts), "held": float(held.mean()), "spam": float(sent.mean()),
            "spam_given": float(given.mean()), "keywords_flag": float(keywords.mean()),
        }  # fmt: skip
    for name, texts in spam.items():
        texts = texts[:cap]
        held, sent, given = decisions(texts, models, register=KINDS[name], spam_model=spam_model)
        out["spam"][name] = {
            "n": len(texts), "caught": float(held.mean()), "spam": float(sent.mean()),
            "spam_given": float(given.mean()),
            "keywords_caught": float((keyword_scores(texts, SPAM_KEYWORDS) >= 0.5).mean()),
        }  # fmt: skip
    return out


def hate_figures(data: Path, models, small: bool) -> dict:
    """Hate about groups and French toxicity, on development splits never trained on.

    English identity-group template sentences (toxic or not; a functional test, never trained
    on: accuracy of toxicity >= 0.5), the development splits of ToxiGen and Stormfront (English),
    of the French racism tweets (FTR) and of ToxiFrench (French).
    """
    import random

    from animateur.nlp import register_data as R

    out: dict = {}
    templates = R.read_identity_templates(data)
    if len(templates):
        dev = templates.split(dev=True)
        ids = random.Random(5).sample(range(len(dev)), min(len(dev), 1000 if small else 5000))
        texts = [dev.texts[i] for i in ids]
        truth = np.asarray([dev.labels[i] for i in ids], dtype=bool)
        tox = np.asarray([s.toxicity for s in score_messages(texts, ["en"] * len(texts), models=models, reasons=False)])
        pred = tox >= 0.5
        out["identity templates en"] = {
            "n": len(texts), "accuracy": float(np.mean(pred == truth)),
            "toxic_caught": float(pred[truth].mean()), "nontoxic_flagged": float(pred[~truth].mean()),
        }  # fmt: skip
    for name, reader, language in (
        ("ToxiGen dev (en)", R.read_toxigen, "en"),
        ("Stormfront dev (en)", R.read_stormfront, "en"),
        ("FTR racism dev (fr)", R.read_french_racism, "fr"),
        ("ToxiFrench dev (fr)", R.read_toxifrench, "fr"),
    ):
        dev = reader(data).split(dev=True)
        if len(dev) and len(set(dev.labels)) > 1:
            scores = score_messages(dev.texts, [language] * len(dev), models=models, reasons=False)
            figures = T.binary_figures(dev.labels, np.asarray([s.toxicity for s in scores]))
            figures["accuracy"] = float(
                np.mean((np.asarray([s.toxicity for s in scores]) >= 0.5) == np.asarray(dev.labels))
            )
            out[name] = {"n": len(dev), **figures}
    return out


def throughput(texts: list[str], fn, repeat: int = 1) -> float:
    """Messages per CPU second of this process, pinned to one core (robust to other load on the machine)."""
    warm_up()  # every language model loaded, as a worker does at start-up
    fn(texts[:50])  # warm up (loads the scoring models, fills the caches)
    started = time.process_time()
    for _ in range(repeat):
        for i in range(0, len(texts), 256):
            fn(texts[i : i + 256])
    return repeat * len(texts) / (time.process_time() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--scale", choices=("small", "full"), default="small")
    parser.add_argument(
        "--distill",
        action="store_true",
        help="distil the word vectors from the sentence model rather than use the shipped ones (needs .[train])",
    )
    args = parser.parse_args(argv)
    data: Path = args.data
    if not (data / "spam" / "youtube").is_dir() or not (data / "toxicity" / "olid").is_dir():
        print(f"bench/moderation: skipped, data folder not found: {data} (pass --data DIR)")
        return 0
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    small = args.scale == "small"
    videos = ("07-lmfao",) if small else T.YOUTUBE_VIDEOS
    started = time.perf_counter()
    cache = Path(tempfile.gettempdir()) / "animateur-distill"
    if args.distill:
        source = None
        vectors_note = "distilled from all-MiniLM-L6-v2 in this run, from the training texts only"
    else:
        source = WordVectors.load(MODELS_DIR / "words.npz")
        vectors_note = (
            f"shipped models/words.npz ({len(source.words):,} words, no labels; kept: the words of this run's "
            "training texts; the shipped word list and its PCA also saw the French held-out tweets' words, "
            "never their labels, nor YouTube, OLID val or sentiment val; --distill to distil from scratch)"
        )
    figures = T.evaluate(data, videos=videos, small=small, cache=cache, vector_source=source)
    models = figures.pop("models")
    # the spam model that reads the register (animateur.nlp.registers; built, not shipped), without each held-out video
    from animateur.nlp import register_training as RT

    spam_models = {}
    figures["spam_register_model"] = {}
    for video in videos:
        spam_models[video] = RT.train(data, [v for v in T.YOUTUBE_VIDEOS if v != video], limit=600 if small else None)
        test = T.read_youtube(data, video)
        scores = score_messages(
            test.texts, ["en"] * len(test), models=models[video], reasons=False,
            registers=["youtube"] * len(test), spam_model=spam_models[video],
        )  # fmt: skip
        figures["spam_register_model"][video] = T.binary_figures(test.labels, np.asarray([s.spam for s in scores]))
    train_seconds = time.perf_counter() - started

    # baselines on the same splits
    base: dict = {"keywords": {"spam": {}}}
    for video in videos:
        test = T.read_youtube(data, video)
        base["keywords"]["spam"][video] = T.binary_figures(test.labels, keyword_scores(test.texts, SPAM_KEYWORDS))
    olid_val = T.read_olid(data, "val")
    _, mlma_test = T.split_holdout(T.read_mlma(data, "fr"))
    base["keywords"]["toxicity_en"] = T.binary_figures(olid_val.labels, keyword_scores(olid_val.texts, TOXIC_KEYWORDS))
    base["keywords"]["toxicity_fr"] = T.binary_figures(
        mlma_test.labels, keyword_scores(mlma_test.texts, TOXIC_KEYWORDS)
    )
    try:
        from profanity_check import predict_prob
    except ImportError:
        predict_prob = None
        base["profanity_check"] = "skipped: alt-profanity-check is not installed"
    else:
        base["profanity_check"] = {"toxicity_en": T.binary_figures(olid_val.labels, predict_prob(olid_val.texts))}

    # ordinary messages sent to spam or held: what a community would suffer from the spam model. The
    # sentiment tweets' train splits are the spam model's weak "not spam" examples; OLID val and the
    # French held-out MLMA tweets come from other collections, and no spam model saw them.
    ordinary = {
        "sentiment val fr": (T.read_sentiment(data, "french", "val").texts, "fr"),
        "sentiment val en": (T.read_sentiment(data, "english", "val").texts, "en"),
        "OLID val": (olid_val.texts, "en"),
        "MLMA fr 20%": (mlma_test.texts, "fr"),
    }
    spam_model = spam_models[videos[-1]]
    everyday = {name: everyday_spam(texts, lang, models[videos[-1]]) for name, (texts, lang) in ordinary.items()}
    base["keywords"]["everyday"] = {
        name: float(np.mean(keyword_scores(texts, SPAM_KEYWORDS) >= 0.5)) for name, (texts, _) in ordinary.items()
    }

    # the registers animateur serves: development splits, never trained on
    # as shipped: the spam column, each set read as its channel kind (an email without its quotes and patches)
    registers = register_figures(data, models[videos[-1]], small)
    registers_model = register_figures(data, models[videos[-1]], small, spam_model)
    hate = hate_figures(data, models[videos[-1]], small)

    # learning from moderators
    replays = [replay(data, video, models[video]) for video in videos]

    # throughput on one core
    mix: list[str] = []
    for video in T.YOUTUBE_VIDEOS:
        mix += T.read_youtube(data, video).texts
    mix += olid_val.texts + T.read_sentiment(data, "french", "val").texts
    mix = mix if not small else mix[:1500]
    model = models[videos[-1]]
    speed = {
        "messages": len(mix),
        "with_detection": throughput(mix, lambda b: score_messages(b, models=model, registers=["social"] * len(b))),
        "language_given": throughput(
            mix, lambda b: score_messages(b, ["en"] * len(b), models=model, registers=["social"] * len(b))
        ),
        "register_model": throughput(
            mix, lambda b: score_messages(b, models=model, spam_model=spam_model, registers=["social"] * len(b))
        ),
        "keywords": throughput(mix, lambda b: (keyword_scores(b, SPAM_KEYWORDS), keyword_scores(b, TOXIC_KEYWORDS))),
    }
    if predict_prob is not None:
        speed["profanity_check"] = throughput(mix, predict_prob)
    speed["ratio_to_keywords"] = speed["with_detection"] / speed["keywords"]
    if "profanity_check" in speed:
        speed["ratio_to_profanity_check"] = speed["with_detection"] / speed["profanity_check"]

    # table
    print(f"\nanimateur moderation bench ({args.scale}; trained in {train_seconds:.0f} s)")
    print(f"word vectors: {vectors_note}\n")
    row = "{:<34} {:>10} {:>10} {:>10} {:>10}"
    print(row.format("measure", "precision", "recall", "F1", "AUC"))
    for video in videos:
        for name, figs in (
            ("model", figures["spam"][video]),
            ("register model", figures["spam_register_model"][video]),
            ("keywords", base["keywords"]["spam"][video]),
        ):
            print(
                row.format(
                    f"spam {video} ({name})",
                    *(f"{figs[k]:.3f}" for k in ("precision", "recall", "f1", "auc")),
                )
            )
    print(row.format("", "", "", "macro-F1", "AUC"))
    tox_rows = [
        ("toxicity en OLID val (model)", figures["toxicity_en"]),
        ("toxicity en OLID val (keywords)", base["keywords"]["toxicity_en"]),
    ]
    if isinstance(base["profanity_check"], dict):
        tox_rows.append(("toxicity en OLID val (profanity-check)", base["profanity_check"]["toxicity_en"]))
    tox_rows += [
        ("toxicity fr MLMA 20% (model)", figures["toxicity_fr"]),
        ("toxicity fr MLMA 20% (keywords)", base["keywords"]["toxicity_fr"]),
    ]
    for name, figs in tox_rows:
        print(row.format(name, "", "", f"{figs['macro_f1']:.3f}", f"{figs['auc']:.3f}"))
    if not isinstance(base["profanity_check"], dict):
        print("alt-profanity-check baseline:", base["profanity_check"])
    for lang, figs in figures["sentiment"].items():
        print(row.format(f"sentiment {lang} val (3 classes)", "", "", f"{figs['macro_f1']:.3f}", ""))
    print("\nordinary tweets, taken as not spam: the share the default spam thresholds act on")
    for lang, shares in everyday.items():
        print(
            f"  {lang:<17} sent to spam (>= {SPAM_THRESHOLD}) {shares['spam']:.3f}, held (>= {HOLD_THRESHOLD}) "
            f"{shares['held']:.3f}; keywords flag {base['keywords']['everyday'][lang]:.3f}"
        )
    print(
        "\nregisters, development splits, default thresholds, a newcomer's message"
        " (held or sent to spam / of which spam)"
    )
    for name, figs in registers["legitimate"].items():
        other = registers_model["legitimate"][name]
        print(
            f"  {name:<50} n={figs['n']:<5} held {figs['held']:.3f}  spam {figs['spam']:.3f}  "
            f"(register model: {other['held']:.3f} / {other['spam']:.3f}; keywords flag {figs['keywords_flag']:.3f})"
        )
    for name, figs in registers["spam"].items():
        other = registers_model["spam"][name]
        print(
            f"  {name:<50} n={figs['n']:<5} caught {figs['caught']:.3f}  of which spam {figs['spam']:.3f}  "
            f"(register model: {other['caught']:.3f}; keywords catch {figs['keywords_caught']:.3f})"
        )
    print(f"  Reddit comments: {registers['reddit']}")
    print("\nhate about groups, French toxicity (development splits; templates never trained on)")
    for name, figs in hate.items():
        extra = (
            f", macro-F1 {figs['macro_f1']:.3f}, AUC {figs['auc']:.3f}"
            if "auc" in figs
            else (f", toxic caught {figs['toxic_caught']:.3f}, non-toxic flagged {figs['nontoxic_flagged']:.3f}")
        )
        print(f"  {name:<28} n={figs['n']:<5} accuracy {figs['accuracy']:.3f}{extra}")
    print("\nlearning from moderators (running spam F1, comments in DATE order)")
    for r in replays:
        for name in ("base", "learning"):
            points = "  ".join(f"{k}: {v:.3f}" for k, v in r[name].items())
            print(f"  {r['video']:<14} {name:<9} {points}")
        print(f"  {'':<14} adapter {r['adapter_bytes']} bytes, {r['ms_per_decision']:.2f} ms per decision")
    print("\nthroughput, one core (messages/s)")
    for key, value in speed.items():
        if key != "messages":
            print(f"  {key:<28} {value:,.2f}" if "ratio" in key else f"  {key:<28} {value:,.0f}")
    result = {
        "bench": "moderation",
        "scale": args.scale,
        "model": figures,
        "everyday": everyday,
        "registers": registers,
        "registers_register_model": registers_model,
        "hate": hate,
        "baselines": base,
        "learning": replays,
        "throughput": speed,
        "train_seconds": train_seconds,
        "word_vectors": "distilled" if args.distill else "shipped",
    }
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
