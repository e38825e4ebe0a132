"""What commands share to show and write their work: a terminal's progress bar, and an export
written to standard output or, whole or not at all, to a file."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO

from animateur.cli import _action_errors


def progress_bar(unit: str, total: int | None = None) -> tuple[Callable[..., None] | None, Callable[[], None]]:
    """A progress bar on a terminal only: `progress(done, total=None)` and its closing."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=total, unit=unit, file=sys.stderr, leave=False)

    def progress(done: int, total: int | None = None) -> None:
        if total is not None and bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    return progress, bar.close


def write_export(target: Path | None, write: Callable[[IO[str]], int], what: str) -> int:
    """Run `write` into standard output (`target` None) or into `target`, written beside it then
    renamed, so that a failed export never leaves half a file; says how many `what` were written."""
    if target is None:
        with _action_errors():
            count = write(sys.stdout)
        sys.stdout.flush()
        print(f"exported {count} {what}", file=sys.stderr)
        return count
    partial = target.with_name(f".{target.name}.partial")
    try:
        with _action_errors(), open(partial, "w", encoding="utf-8") as out:
            count = write(out)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    print(f"exported {count} {what} to {target}")
    return count
