"""`animateur members export` and `animateur members recompute`."""

from __future__ import annotations

import argparse
from pathlib import Path

from animateur.cli import BadInput, _action_errors, _actor, _setup_django, _workspace
from animateur.commands.output import progress_bar, write_export


def add_parsers(commands: argparse._SubParsersAction) -> None:
    members = commands.add_parser("members", help="members: export, recompute engagement and identities")
    verbs = members.add_subparsers(dest="verb", metavar="VERB", parser_class=type(members))
    verbs.required = True
    export = verbs.add_parser("export", help="every member as JSON Lines, the most engaged first")
    export.add_argument("--workspace", required=True, metavar="SLUG")
    export.add_argument("-o", "--output", default="-", metavar="FILE", help="file to write (default: stdout)")
    export.set_defaults(handler=cmd_members_export)
    recompute = verbs.add_parser("recompute", help="merge suggestions, engagement, levels and reach, from the stream")
    recompute.add_argument("--workspace", required=True, metavar="SLUG")
    recompute.set_defaults(handler=cmd_members_recompute)


def cmd_members_export(args: argparse.Namespace) -> int:
    target = None if args.output == "-" else Path(args.output)
    if target is not None and not target.parent.is_dir():
        raise BadInput(f"no such directory: {target.parent}")
    _setup_django()
    from animateur.members.actions import do_export_members
    from animateur.stream.models import Member

    workspace = _workspace(args.workspace)
    progress, close = progress_bar(" members", Member.objects.filter(workspace=workspace, merged_into=None).count())
    try:
        write_export(
            target,
            lambda out: do_export_members(workspace, out, actor=_actor(), progress=progress),
            f"members of {workspace.slug}",
        )
    finally:
        close()
    return 0


def cmd_members_recompute(args: argparse.Namespace) -> int:
    _setup_django()
    from animateur.members.actions import do_recompute_members

    workspace = _workspace(args.workspace)
    progress, close = progress_bar(" messages")
    try:
        with _action_errors():
            summary = do_recompute_members(workspace, actor=_actor(), progress=progress)
    finally:
        close()
    print(
        f"recomputed {summary['members']} members of {workspace.slug} from {summary['messages']} messages: "
        f"{summary['suggestions']} merge suggestions ({summary['new_suggestions']} new), "
        f"{summary['merged']} merged automatically, {summary['candidates']} proposed as ambassadors, "
        f"{summary['bridges']} bridges"
    )
    return 0
