"""A publication's title where the blog or a network wants one: the text's first line."""

from __future__ import annotations

TITLE_MAX = 120


def first_line(text: str) -> tuple[str, str]:
    """The text's first line, without a Markdown heading's #, and the rest."""
    first, _sep, rest = text.strip().partition("\n")
    return first.strip().lstrip("#").strip(), rest.strip()


def shortened(title: str) -> str:
    """`title` cut at a word to fit TITLE_MAX."""
    if len(title) <= TITLE_MAX:
        return title
    return title[:TITLE_MAX].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
