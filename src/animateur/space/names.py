"""Names the space makes from what people type: slugs for its URLs, tag names from a comma list."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.text import slugify

SLUG_MAX = 200


def slug_from(text: str, fallback: str = "item") -> str:
    """An ASCII slug: « Communauté & réseaux » → « communaute-reseaux », « L'équipe » → « l-equipe »."""
    # French elisions read as two words: « l'équipe » is « l-equipe », not « lequipe ».
    text = (text or "").replace("'", " ").replace("\u2019", " ")
    return slugify(text, allow_unicode=False)[:SLUG_MAX].strip("-") or fallback


def clean_slug(given: str | None, title: str, fallback: str) -> str:
    """The slug typed, made URL-safe, or one made from the title when none was typed."""
    given = (given or "").strip()
    return slug_from(given, fallback) if given else slug_from(title, fallback)


def unique_slug(wanted: str, taken: QuerySet[Any], *, max_length: int = SLUG_MAX) -> str:
    """`wanted`, or `wanted-2`, `wanted-3`… whichever is free in `taken` (a queryset of the same kind)."""
    existing = set(taken.filter(slug__startswith=wanted[: max_length - 4]).values_list("slug", flat=True))
    if wanted not in existing:
        return wanted
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = wanted[: max_length - len(suffix)] + suffix
        if candidate not in existing:
            return candidate
        n += 1


def split_tag_names(text: str) -> list[str]:
    """« café, Réseaux sociaux ,, café » → ["café", "Réseaux sociaux"] (order kept, duplicates dropped)."""
    names: list[str] = []
    seen: set[str] = set()
    for part in (text or "").split(","):
        name = " ".join(part.split())
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name[:200])
    return names
