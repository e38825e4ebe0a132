"""The listening sources' search terms, asked of the listening app by name (it sits above channels).

A listening source (a channel of a kind in apps.LISTENING_KINDS) that searches a network asks it for
the terms derived from the workspace's saved searches (listening/terms.py): each term is a stream
of its own, with its own cursor, so a search added later is followed from then on, and one removed
stops being asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.module_loading import import_string

# Named rather than imported, as the pipeline's hooks are (DESIGN.md's layers).
PROVIDER = "animateur.listening.terms.workspace_terms"


@dataclass
class Terms:
    hashtags: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    unsearchable: list[str] = field(default_factory=list)

    @property
    def words(self) -> list[str]:
        """The terms that are not a lone hashtag (a network with hashtag timelines reads those there)."""
        tags = {f"#{t}" for t in self.hashtags}
        return [t for t in self.texts if t not in tags]


def terms_for(workspace_id: int) -> Terms:
    found = import_string(PROVIDER)(workspace_id)
    return Terms(
        hashtags=list(found.get("hashtags") or []),
        texts=list(found.get("texts") or []),
        unsearchable=list(found.get("unsearchable") or []),
    )
