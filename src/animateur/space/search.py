"""Full-text search of the community space, with accents folded and words stemmed.

SQLite: an FTS5 table (created by migration 0002_search_index) fed with text that is
accent-folded and stemmed here with Snowball (PyStemmer's C stemmers, found by
snowballstemmer when installed: the same algorithms, 50 to 100 times faster), and queried
with words stemmed the same way, so « debile » finds « débile » and « communautés » finds « communauté ».
PostgreSQL: a tsvector table with a GIN index, built by to_tsvector('french'|'english') on
accent-folded text (folded in Python: the unaccent extension may not be installed).

Callers who change posts call `index_posts(ids)`; the index holds every non-trashed post
and page, and searching filters on what is public at the time of the query.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import snowballstemmer
from django.db import connection, transaction
from django.utils import timezone

from animateur.core.models import Workspace

SQLITE_TABLE = "space_post_fts"
PG_TABLE = "space_post_search"
MAX_RESULTS = 1000
WORD = re.compile(r"\w+", re.UNICODE)
_SPECIAL = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "’": "'"})


class _DropCombining(dict[int, int | None]):
    """str.translate table dropping combining marks, filled as characters are met (C-speed lookups)."""

    def __missing__(self, code: int) -> int | None:
        value = None if unicodedata.combining(chr(code)) else code
        self[code] = value
        return value


_DROP_COMBINING = _DropCombining()


def fold(text: str) -> str:
    """Lowercase text without its accents (« Débile » → « debile »)."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    return decomposed.translate(_DROP_COMBINING).lower()


@lru_cache(maxsize=4)
def _stemmer(language: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("french" if language.startswith("fr") else "english")


def stems(text: str, language: str) -> list[str]:
    """The words of the text, folded then stemmed: the same treatment for documents and queries."""
    words = WORD.findall(fold(text))
    return _stemmer(language).stemWords(words) if words else []


def pg_config(language: str) -> str:
    return "french" if language.startswith("fr") else "english"


def index_posts(post_ids: Iterable[int]) -> None:
    """Bring the search index up to date for these posts (after they were created, changed or deleted)."""
    from animateur.space.models import Post, PostStatus, PostType

    ids = sorted({int(i) for i in post_ids})
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        posts = list(
            Post.objects.filter(pk__in=chunk, type__in=(PostType.POST, PostType.PAGE))
            .exclude(status=PostStatus.TRASH)
            .select_related("workspace")
            .only("id", "workspace_id", "workspace__language", "title", "search_text")
        )
        with transaction.atomic():
            _delete(chunk)
            _insert(posts)


def reindex_workspace(workspace: Workspace) -> int:
    """Rebuild the index of every post of the workspace (after a bulk import); returns how many."""
    from animateur.space.models import Post

    ids = list(Post.objects.filter(workspace=workspace).values_list("pk", flat=True))
    index_posts(ids)
    return len(ids)


def _delete(ids: list[int]) -> None:
    if not ids:
        return
    marks = ",".join(["%s"] * len(ids))
    table = SQLITE_TABLE if connection.vendor == "sqlite" else PG_TABLE
    column = "rowid" if connection.vendor == "sqlite" else "post_id"
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", ids)  # noqa: S608 - placeholders only


def _insert(posts: list) -> None:
    if not posts:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            rows = []
            for post in posts:
                language = post.workspace.language
                body = post.search_text or ""
                if body.startswith(post.title):
                    body = body[len(post.title) :]
                rows.append(
                    (
                        post.pk,
                        post.workspace_id,
                        " ".join(stems(post.title, language)),
                        " ".join(stems(body, language)),
                    )
                )
            cursor.executemany(
                "INSERT INTO space_post_fts (rowid, workspace_id, title, body) VALUES (%s, %s, %s, %s)", rows
            )
        else:
            documents = []
            for post in posts:
                config = pg_config(post.workspace.language)
                body = post.search_text or ""
                if body.startswith(post.title):
                    body = body[len(post.title) :]
                documents.append((post.pk, post.workspace_id, config, fold(post.title), config, fold(body)))
            cursor.executemany(
                "INSERT INTO space_post_search (post_id, workspace_id, document) VALUES (%s, %s,"
                " setweight(to_tsvector(%s::regconfig, %s), 'A')"
                " || setweight(to_tsvector(%s::regconfig, %s), 'B'))",
                documents,
            )


def search_post_ids(workspace: Workspace, query: str, *, limit: int = MAX_RESULTS) -> list[int]:
    """Public posts and pages matching the query, best first."""
    now = timezone.now()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            terms = stems(query, workspace.language)
            if not terms:
                return []
            match = " ".join('"' + t.replace('"', '""') + '"' for t in terms)
            cursor.execute(
                f"SELECT f.rowid FROM {SQLITE_TABLE} f JOIN space_post p ON p.id = f.rowid"  # noqa: S608
                f" WHERE {SQLITE_TABLE} MATCH %s AND f.workspace_id = %s AND p.workspace_id = %s"
                " AND p.status = 'published' AND p.published_at <= %s AND p.type IN ('post', 'page')"
                f" ORDER BY bm25({SQLITE_TABLE}, 0, 5.0, 1.0), p.published_at DESC LIMIT %s",
                [match, workspace.pk, workspace.pk, now, limit],
            )
        else:
            folded = fold(query).strip()
            if not WORD.search(folded):
                return []
            config = pg_config(workspace.language)
            cursor.execute(
                f"SELECT s.post_id FROM {PG_TABLE} s JOIN space_post p ON p.id = s.post_id,"  # noqa: S608
                " websearch_to_tsquery(%s::regconfig, %s) q"
                " WHERE s.document @@ q AND s.workspace_id = %s AND p.workspace_id = %s"
                " AND p.status = 'published' AND p.published_at <= %s AND p.type IN ('post', 'page')"
                " ORDER BY ts_rank(s.document, q) DESC, p.published_at DESC LIMIT %s",
                [config, folded, workspace.pk, workspace.pk, now, limit],
            )
        return [row[0] for row in cursor.fetchall()]


def snippet(text: str, query: str, language: str, *, width: int = 220) -> str:
    """An escaped extract of the text around the first matching word, matches wrapped in <mark>."""
    wanted = set(stems(query, language))
    if not text:
        return ""
    tokens = list(WORD.finditer(text))
    stemmer = _stemmer(language)
    hits = [m for m in tokens if stemmer.stemWord(fold(m.group())) in wanted]
    center = hits[0].start() if hits else 0
    start = max(0, center - width // 3)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < center else start
    end = min(len(text), start + width)
    out, pos = [], start
    for m in hits:
        if m.start() < start or m.end() > end:
            continue
        out.append(html.escape(text[pos : m.start()]))
        out.append(f"<mark>{html.escape(m.group())}</mark>")
        pos = m.end()
    out.append(html.escape(text[pos:end]))
    return ("… " if start else "") + "".join(out) + (" …" if end < len(text) else "")
