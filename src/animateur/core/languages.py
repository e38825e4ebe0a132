"""Languages as people read them: « Français » for fr, in the reader's language."""

from __future__ import annotations

from django.utils.translation import get_language_info


def language_name(code: str) -> str:
    """The language's name in the reader's language; a code Django does not know stays as it is."""
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code
