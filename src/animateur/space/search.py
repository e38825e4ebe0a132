"""Full-text search of the community space (to be implemented: SQLite FTS5 / PostgreSQL french)."""

from __future__ import annotations

from collections.abc import Iterable


def index_posts(post_ids: Iterable[int]) -> None:
    """Bring the search index up to date for these posts (after they were created, changed or deleted)."""
