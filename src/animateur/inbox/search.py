"""Full-text search of the inbox: conversations' texts folded and stemmed, then indexed.

The folding and stemming are the community space's (animateur.space.search), so « reserver »
finds « Réservation » in the inbox as on the site. The stored text is already stemmed: SQLite's
FTS5 (remove_diacritics) and PostgreSQL's 'simple' configuration index it word for word, and
queries are stemmed the same way, so both databases answer the same.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

from animateur.space.search import stems

SEARCH_TEXT_MAX = 4000
MAX_TERMS = 8
# A search reads at most this many matching conversations, the most recent first: a word found
# in half of a million conversations must not make the page read all of them.
MAX_CANDIDATES = 2000


def search_text_of(text: str, language: str) -> str:
    return " ".join(stems(text or "", language or "fr"))


def append(existing: str, text: str, language: str) -> str:
    """The conversation's search text with a new message's words (capped: the start of a thread says most)."""
    added = search_text_of(text, language)
    if not added:
        return existing
    return (f"{existing} {added}" if existing else added)[:SEARCH_TEXT_MAX]


def query_terms(query: str, language: str) -> list[str]:
    return stems(query or "", language or "fr")[:MAX_TERMS]


def matching(qs: QuerySet, query: str, language: str) -> QuerySet:
    """The conversations of `qs` whose texts contain every word of the query (stemmed, accents folded)."""
    terms = query_terms(query, language)
    if not terms:
        return qs
    if connection.vendor == "sqlite":
        match = " ".join('"' + t.replace('"', '""') + '"' for t in terms)
        return qs.extra(
            where=[
                "inbox_conversation.id IN (SELECT rowid FROM inbox_conversation_fts"
                " WHERE inbox_conversation_fts MATCH %s ORDER BY rowid DESC LIMIT %s)"
            ],
            params=[match, MAX_CANDIDATES],
        )
    if connection.vendor == "postgresql":
        return qs.extra(
            where=[
                "to_tsvector('simple'::regconfig, inbox_conversation.search_text)"
                " @@ plainto_tsquery('simple'::regconfig, %s)"
            ],
            params=[" ".join(terms)],
        )
    for term in terms:  # other databases: slow but right
        qs = qs.filter(search_text__contains=term)
    return qs
