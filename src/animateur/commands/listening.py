"""`animateur listen`: the listening query language on the command line, and saved searches.

    listen match --query Q          JSON Lines in, one {"match": ...} line out per input, in order
    listen backtest --workspace S --query Q   the query over the workspace's whole history
    listen search create|list ...   saved searches, through the same actions as the web app
    listen index [--chunk N]        index the messages the word index has not read yet (after the
                                    migration that added it, or messages written outside the pipeline)

An invalid query exits with status 2 and its message (what and where) on standard error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from typing import Any, TextIO

from animateur.cli import BadInput, _action_errors, _actor, _setup_django, _workspace

BATCH = 500
_FIELDS = ("text", "title", "author", "channel", "language", "url", "kind", "sentiment")


def add_parsers(commands: argparse._SubParsersAction) -> None:
    listen = commands.add_parser("listen", help="listening: the query language, backtests, saved searches")
    verbs = listen.add_subparsers(dest="verb", metavar="VERB", parser_class=type(listen))
    verbs.required = True

    match = verbs.add_parser("match", help="match JSON lines read on stdin against a query")
    match.add_argument("--query", required=True, help="a query of the listening language")
    match.set_defaults(handler=cmd_listen_match)

    backtest = verbs.add_parser("backtest", help="run a query over a workspace's whole history")
    backtest.add_argument("--workspace", required=True, metavar="SLUG")
    backtest.add_argument("--query", required=True)
    backtest.set_defaults(handler=cmd_listen_backtest)

    index = verbs.add_parser("index", help="index the stored messages the word index has not read yet")
    index.add_argument("--chunk", type=int, default=2000, help="messages a transaction (default 2000)")
    index.set_defaults(handler=cmd_listen_index)

    search = verbs.add_parser("search", help="saved searches")
    search_verbs = search.add_subparsers(dest="search_verb", metavar="VERB", parser_class=type(listen))
    search_verbs.required = True
    create = search_verbs.add_parser("create", help="save a search; its history is matched at once")
    create.add_argument("--workspace", required=True, metavar="SLUG")
    create.add_argument("--name", required=True)
    create.add_argument("--query", required=True)
    create.add_argument("--role", choices=("own", "competitor", "topic"), default="own")
    create.set_defaults(handler=cmd_listen_search_create)
    listing = search_verbs.add_parser("list", help="the workspace's saved searches, as JSON lines")
    listing.add_argument("--workspace", required=True, metavar="SLUG")
    listing.set_defaults(handler=cmd_listen_search_list)


def _compiled(query: str) -> Any:
    from django.utils import translation

    from animateur.listening.matcher import compile_query
    from animateur.listening.query import QueryError

    try:
        with translation.override("en"):
            return compile_query(query)
    except QueryError as error:
        with translation.override("en"):
            raise BadInput(f"invalid query: {error}") from error


def _needs(tree: Any, names: set[str]) -> set[str]:
    """Which of the fields `names` the query reads (language and sentiment cost a model run)."""
    from animateur.listening.query import Field

    found: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Field) and node.name in names:
            found.add(node.name)
        stack.extend(getattr(node, "children", ()))
        if hasattr(node, "child"):
            stack.append(node.child)
    return found


def _lines(infile: TextIO) -> Iterator[list[tuple[int, str]]]:
    batch: list[tuple[int, str]] = []
    for number, line in enumerate(infile, start=1):
        if not line.strip():
            continue
        batch.append((number, line))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _parse(line: str) -> tuple[dict[str, Any] | None, str | None]:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as error:
        return None, f"not valid JSON: {error.msg} at column {error.colno}"
    if not isinstance(item, dict):
        return None, f"expected a JSON object, got {type(item).__name__}"
    if not isinstance(item.get("text"), str):
        return None, 'missing "text" (a string)'
    for name in _FIELDS:
        if item.get(name) is not None and not isinstance(item[name], str):
            return None, f'"{name}" must be a string'
    return item, None


def run_match(query: str, infile: TextIO, outfile: TextIO) -> int:
    """0 when every line was read, 2 when some could not be (each gets an error line in its place)."""
    from animateur.listening.matcher import doc_from_mapping

    compiled = _compiled(query)
    needed = _needs(compiled.tree, {"lang", "sentiment"})
    bad = False
    for batch in _lines(infile):
        parsed = [(number, *_parse(line)) for number, line in batch]
        good = [item for _n, item, error in parsed if item is not None]
        _fill_scores(good, needed)
        for number, item, error in parsed:
            if item is None:
                bad = True
                outfile.write(json.dumps({"line": number, "error": error}) + "\n")
                continue
            answer: dict[str, Any] = {"match": compiled.matches(doc_from_mapping(item))}
            if "id" in item:
                answer = {"id": item["id"], **answer}
            outfile.write(json.dumps(answer) + "\n")
    outfile.flush()
    return 2 if bad else 0


def _fill_scores(items: list[dict[str, Any]], needed: set[str]) -> None:
    """Language and sentiment, computed for the lines that lack them, when the query reads them."""
    if not needed:
        return
    missing = [
        i
        for i in items
        if ("lang" in needed and not i.get("language")) or ("sentiment" in needed and not i.get("sentiment"))
    ]
    if not missing:
        return
    from animateur.nlp.scoring import score_messages

    scores = score_messages([i["text"] for i in missing], [i.get("language") or None for i in missing], reasons=False)
    for item, score in zip(missing, scores, strict=True):
        item["language"] = item.get("language") or score.language or ""
        item["sentiment"] = item.get("sentiment") or score.sentiment or ""


def cmd_listen_match(args: argparse.Namespace) -> int:
    _setup_django(migrate=False)
    return run_match(args.query, sys.stdin, sys.stdout)


def cmd_listen_backtest(args: argparse.Namespace) -> int:
    _setup_django()
    from animateur.listening.selectors import backtest

    workspace = _workspace(args.workspace)
    compiled = _compiled(args.query)
    started = time.perf_counter()
    result = backtest(workspace, compiled)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "matched": result.matched,
                "read": result.read,
                "candidates": result.candidates,
                "seconds": round(seconds, 3),
                "messages_per_s": round(result.read / seconds) if seconds else None,
                "first_day": result.days[0][0].isoformat() if result.days else None,
                "last_day": result.days[-1][0].isoformat() if result.days else None,
                "examples": [m.pk for m in result.examples],
            }
        )
    )
    return 0


def cmd_listen_index(args: argparse.Namespace) -> int:
    """The backfill: chunk after chunk, each committed, its progress on standard error."""
    _setup_django()
    from animateur.listening import wordindex

    if args.chunk < 1:
        raise BadInput("--chunk must be at least 1")
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        print(f"{done:,} of {total:,} messages indexed ({time.perf_counter() - started:.0f} s)", file=sys.stderr)

    done = wordindex.index_dirty(chunk=args.chunk, progress=progress)
    print(json.dumps({"indexed": done, "seconds": round(time.perf_counter() - started, 1)}))
    return 0


def cmd_listen_search_create(args: argparse.Namespace) -> int:
    _setup_django()
    from animateur.listening.actions import do_create_search
    from animateur.listening.models import SavedSearch

    workspace = _workspace(args.workspace)
    _compiled(args.query)
    with _action_errors():
        search = do_create_search(workspace, args.name, args.query, role=args.role, actor=_actor())
    search = SavedSearch.objects.get(pk=search.pk)
    print(
        json.dumps(
            {
                "id": search.pk,
                "name": search.name,
                "matched": search.match_count,
                "history_done": search.history_done_at is not None,
            }
        )
    )
    return 0


def cmd_listen_search_list(args: argparse.Namespace) -> int:
    _setup_django()
    from animateur.listening.models import SavedSearch

    workspace = _workspace(args.workspace)
    for search in SavedSearch.objects.filter(workspace=workspace).order_by("name"):
        print(
            json.dumps(
                {
                    "id": search.pk,
                    "name": search.name,
                    "query": search.query,
                    "role": search.role,
                    "matched": search.match_count,
                }
            )
        )
    return 0
