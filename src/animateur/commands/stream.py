"""`animateur import stream` and `animateur export stream`: the stream in and out as files.

An import goes through a files channel (named after the file unless one is named), so that it is
the pipeline's work like any channel's: deduplicated by id, so importing again changes nothing.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from animateur.cli import BadInput, _action_errors, _actor, _setup_django, _workspace
from animateur.commands.channels import channel_named, poll_until_done, report_poll
from animateur.commands.output import progress_bar, write_export

SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}


def add_parsers(imports: argparse._SubParsersAction, exports: argparse._SubParsersAction) -> None:
    stream_in = imports.add_parser("stream", help="import messages from a CSV or JSON Lines file (the files schema)")
    stream_in.add_argument("file", metavar="FILE")
    stream_in.add_argument("--workspace", required=True, metavar="SLUG")
    stream_in.add_argument(
        "--channel", metavar="NAME", help="the files channel to import into (default: the file's name)"
    )
    stream_in.set_defaults(handler=cmd_import_stream)

    stream_out = exports.add_parser("stream", help="every message of the workspace as JSON Lines")
    stream_out.add_argument("--workspace", required=True, metavar="SLUG")
    stream_out.add_argument("-o", "--output", default="-", metavar="FILE", help="file to write (default: stdout)")
    stream_out.set_defaults(handler=cmd_export_stream)


def cmd_import_stream(args: argparse.Namespace) -> int:
    source = Path(args.file)
    if not source.is_file():
        raise BadInput(f"no such file: {args.file}")
    fmt = SUFFIXES.get(source.suffix.lower())
    if fmt is None:
        raise BadInput(f"{source.name}: a .csv or .jsonl file is expected")
    _setup_django()
    from animateur.channels.actions import do_create_channel
    from animateur.channels.connectors.files import import_dirs
    from animateur.channels.models import Channel

    workspace = _workspace(args.workspace)
    name = args.channel or source.name
    existing = Channel.objects.filter(workspace=workspace, name=name).first()
    if existing is not None and existing.kind != "files":
        raise BadInput(f"channel {name!r} is a {existing.kind} channel, not a files channel")
    # Files channels read only inside the import folders: the file is copied there, under the
    # channel's name, so that later polls read it again from where this import stopped.
    folder = import_dirs()[0]
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{workspace.slug}-{Path(name).stem}{source.suffix.lower()}"
    if existing is not None:
        target = Path(existing.config.get("path") or target)
    if source.resolve() != target.resolve():
        shutil.copyfile(source, target)
    channel = existing
    if channel is None:
        with _action_errors():
            channel = do_create_channel(
                workspace, "files", name, {"path": str(target), "format": fmt}, {}, actor=_actor()
            )
    totals, last = poll_until_done(channel_named(workspace, channel.name))
    return report_poll(channel, totals, last)


def cmd_export_stream(args: argparse.Namespace) -> int:
    target = None if args.output == "-" else Path(args.output)
    if target is not None and not target.parent.is_dir():
        raise BadInput(f"no such directory: {target.parent}")
    _setup_django()
    from animateur.stream.export import do_export_stream, total

    workspace = _workspace(args.workspace)
    progress, close = progress_bar(" messages", total(workspace))
    try:
        write_export(
            target,
            lambda out: do_export_stream(workspace, out, actor=_actor(), progress=progress),
            f"messages of {workspace.slug}",
        )
    finally:
        close()
    return 0
