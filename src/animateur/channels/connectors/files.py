"""Files: CSV and JSON Lines, for any source that has no connector of its own.

The schema (one row or one JSON object per message; CSV has a header line):

    id            required  the message's id in the source, unique in it
    text          required unless html is given; plain text or Markdown
    created_at    required  ISO 8601 time at the source (2024-05-01T09:30:00+02:00)
    html          optional  the message as HTML (sanitized on the way in)
    title, url    optional
    kind          optional  post, comment, reply, mention, direct, email (default comment)
    parent_id     optional  the id of the message it answers, in the same file or an earlier one
    author_id     optional  the author's id in the source (default: author_email, then author_name)
    author_name, author_handle, author_email, author_url   optional
    language      optional  ISO 639-1 code; detected when absent
    updated_at    optional  ISO 8601; a row whose text changed is an edit of the message
    deleted       optional  true when the message was deleted at the source

The file is read from its last position on each poll (append-only logs resume where they stopped);
when it was replaced by a shorter one it is read again from the start, and identical rows are
recognised as such. Files are only read from the import folders (ANIMATEUR_IMPORT_DIRS, default
<data dir>/imports), never from anywhere a form names.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from animateur.channels.connectors.base import Capability, Connector, RawItem, register, unreadable
from animateur.channels.errors import MalformedItem, PermanentError
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.models import Kind

KINDS = set(Kind.values)


def import_dirs() -> list[Path]:
    configured = [p for p in os.environ.get("ANIMATEUR_IMPORT_DIRS", "").split(os.pathsep) if p]
    return [Path(p).resolve() for p in configured] or [Path(settings.DATA_DIR).resolve() / "imports"]


def checked_path(value: str) -> Path:
    raw = Path(value)
    candidates = [raw] if raw.is_absolute() else [d / raw for d in import_dirs()]
    for candidate in candidates:
        path = candidate.resolve()
        if any(path.is_relative_to(d) for d in import_dirs()):
            if not path.is_file():
                raise PermanentError(_("no such file: %(path)s") % {"path": value}, cause="not_found")
            return path
    raise PermanentError(_("files can only be read from the import folder"), cause="bad_path")


class FilesForm(forms.Form):
    path = forms.CharField(label=_("File"), max_length=500, help_text=_("A .csv or .jsonl file in the import folder."))
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[("auto", _("From the file name")), ("csv", "CSV"), ("jsonl", "JSON Lines")],
        initial="auto",
    )


def parse_time(value: Any, field: str) -> datetime:
    parsed = parse_datetime(str(value or "").strip().replace("Z", "+00:00"))
    if parsed is None:
        raise MalformedItem(
            gettext("%(field)s is not an ISO 8601 time: “%(value)s”") % {"field": field, "value": value}
        )
    if parsed.tzinfo is None:
        from django.utils import timezone

        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
    return parsed


@register
class FilesConnector(Connector):
    kind = "files"
    label = _("File (CSV or JSON Lines)")
    capabilities = frozenset({Capability.READ})
    form_class = FilesForm
    default_poll_interval = 3600

    def _format(self, path: Path) -> str:
        chosen = self.config.get("format", "auto")
        if chosen in ("csv", "jsonl"):
            return chosen
        return "csv" if path.suffix.lower() == ".csv" else "jsonl"

    def fetch(self, since: dict[str, Any]) -> Iterator[RawItem]:
        path = checked_path(self.config.get("path", ""))
        size = path.stat().st_size
        start = int(since.get("offset", 0)) if int(since.get("size", 0)) <= size else 0
        fmt = self._format(path)
        with path.open("rb") as handle:
            header = None
            if fmt == "csv":
                first = handle.readline()
                header = next(csv.reader([first.decode("utf-8-sig")]))
                start = max(start, handle.tell())
            handle.seek(start)
            line_no = 0
            while True:
                line = handle.readline()
                if not line:
                    break
                offset = handle.tell()
                line_no += 1
                text = line.decode("utf-8", errors="replace")
                if not text.strip():
                    continue
                cursor = {"offset": offset, "size": max(size, offset)}
                try:
                    if fmt == "csv":
                        # A CSV field may span lines: read on until the record is complete.
                        while text.count('"') % 2 and (more := handle.readline()):
                            text += more.decode("utf-8", errors="replace")
                            cursor = {"offset": handle.tell(), "size": max(size, handle.tell())}
                        values = next(csv.reader([text]))
                        row: dict[str, Any] = dict(zip(header or [], values, strict=False))
                    else:
                        row = json.loads(text)
                        if not isinstance(row, dict):
                            raise ValueError("a line must hold a JSON object")
                except Exception as exc:  # whatever the reader's error (a RecursionError, too): that line alone
                    reason = gettext("line %(line)d could not be read (%(detail)s)") % {
                        "line": line_no,
                        "detail": f"{type(exc).__name__}: {exc}",
                    }
                    yield unreadable(f"line@{start}+{line_no}", reason, {"line": text[:5000]}, cursor)
                    continue
                yield RawItem(str(row.get("id") or ""), None, str(row.get("kind") or "comment"), row, cursor)

    def normalize(self, raw: RawItem) -> Incoming:
        row = raw.payload
        if not raw.external_id:
            raise MalformedItem(gettext("the id is missing"))
        kind = str(row.get("kind") or "comment")
        if kind not in KINDS:
            raise MalformedItem(gettext("unknown kind “%(kind)s”") % {"kind": kind})
        author = None
        author_id = row.get("author_id") or row.get("author_email") or row.get("author_name")
        if author_id:
            author = AuthorInfo(
                external_id=str(author_id),
                display_name=str(row.get("author_name") or ""),
                handle=str(row.get("author_handle") or ""),
                email=str(row.get("author_email") or ""),
                url=str(row.get("author_url") or ""),
            )
        deleted = str(row.get("deleted") or "").strip().lower() in ("1", "true", "yes")
        return Incoming(
            channel=self.channel,
            external_id=raw.external_id,
            text=str(row.get("text") or ""),
            html=row.get("html") or None,
            title=str(row.get("title") or ""),
            url=str(row.get("url") or ""),
            created_at=parse_time(row.get("created_at"), "created_at"),
            author=author,
            kind=kind,
            parent_external_id=str(row["parent_id"]) if row.get("parent_id") else None,
            language=str(row.get("language") or "") or None,
            deleted_at_source=deleted,
            raw=row,
        )

    def test_connection(self) -> str:
        path = checked_path(self.config.get("path", ""))
        count = sum(1 for _ in self.fetch(since={}))
        return _("%(count)d rows in %(name)s") % {"count": count, "name": path.name}
