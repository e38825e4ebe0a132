"""`animateur publish`: one text to chosen channels, now (waiting for every network's answer) or at a time.

Through publishing's actions, as the web app: the text is checked against every channel's rule before
anything is saved or sent (a Mastodon server's own limit, Bluesky's 300 characters), each send carries
its idempotency key, and a publication that needs approval is sent for it instead.
Exit status: 0 all published (or scheduled, or sent for approval), 2 bad input (a rule broken: nothing
sent anywhere), 1 a network failed (its own words on standard error; published elsewhere stays so).
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from animateur.cli import BadInput, _action_errors, _setup_django, _workspace

MAX_FILE_BYTES = 1_000_000


def add_parsers(commands: argparse._SubParsersAction) -> None:
    publish = commands.add_parser("publish", help="publish a text on a workspace's channels, now or at a time")
    publish.add_argument("--workspace", required=True, metavar="SLUG")
    publish.add_argument(
        "--channel", required=True, action="append", metavar="NAME", help="a channel's name (repeat for several)"
    )
    text = publish.add_mutually_exclusive_group(required=True)
    text.add_argument("--text", metavar="TEXT")
    text.add_argument("--text-file", metavar="FILE", help="read the text from FILE (UTF-8; - for standard input)")
    publish.add_argument("--at", metavar="ISO-8601", help="schedule at this time (the workspace's zone if none)")
    publish.add_argument(
        "--approval",
        choices=("none", "manager", "owner", "client"),
        help="who must approve it first (default: the workspace's setting)",
    )
    publish.add_argument(
        "--thread",
        action="store_true",
        help="a text too long for Mastodon or Bluesky goes out as a thread of numbered replies",
    )
    publish.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME=TEXT",
        help="a chosen channel's own text instead of the text (repeat for several)",
    )
    publish.add_argument(
        "--image",
        action="append",
        default=[],
        metavar="FILE[=ALT]",
        help="an image (JPEG, PNG, WebP or GIF) and its alt text, in order (repeat, at most 4)",
    )
    publish.set_defaults(handler=cmd_publish)


def _text(args: argparse.Namespace) -> str:
    if args.text is not None:
        return str(args.text)
    if args.text_file == "-":
        return sys.stdin.read()
    path = Path(args.text_file)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise BadInput(f"{path}: larger than {MAX_FILE_BYTES} bytes")
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(f"no such file: {path}") from None
    except UnicodeDecodeError:
        raise BadInput(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise BadInput(f"cannot read {path}: {error.strerror or error}") from None


def _variants(values: list[str]) -> dict[str, str]:
    found = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name.strip():
            raise BadInput(f"--variant {value[:40]!r}: write the channel's name, =, then its text")
        found[name.strip()] = text
    return found


def _images(values: list[str]) -> list[tuple[str, bytes, str]]:
    """(file name, bytes, alt text) of each --image, read at most one byte past the size an image may have."""
    from animateur.publishing.images import MAX_IMAGE_BYTES

    found = []
    for value in values:
        name, _sep, alt = value.partition("=")
        path = Path(name)
        try:
            with path.open("rb") as file:
                data = file.read(MAX_IMAGE_BYTES + 1)
        except FileNotFoundError:
            raise BadInput(f"no such file: {path}") from None
        except OSError as error:
            raise BadInput(f"cannot read {path}: {error.strerror or error}") from None
        found.append((path.name, data, alt))
    return found


def _when(value: str | None, zone: str) -> datetime | None:
    if value is None:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(f"--at {value!r}: write a time as ISO 8601, e.g. 2026-12-24T18:00+01:00") from None
    if when.tzinfo is None:
        try:
            when = when.replace(tzinfo=ZoneInfo(zone))
        except (ZoneInfoNotFoundError, ValueError):
            raise BadInput(f"--at {value!r}: give the time zone, e.g. +01:00") from None
    return when


def cmd_publish(args: argparse.Namespace) -> int:
    text = _text(args)
    variants = _variants(args.variant)
    files = _images(args.image)
    _setup_django()
    from django.utils import timezone

    from animateur.core.actions import SystemActor
    from animateur.publishing import actions, approval
    from animateur.publishing.images import ImageIn
    from animateur.publishing.models import TargetState

    workspace = _workspace(args.workspace)
    when = _when(args.at, workspace.timezone)
    if when is not None and when <= timezone.now():
        raise BadInput(f"--at {args.at}: that time has passed; leave --at out to publish now")
    actor = SystemActor("cli")
    chosen = None if args.approval is None else ("" if args.approval == "none" else args.approval)
    with _action_errors():
        channel_ids = actions.channels_named(workspace, args.channel)
        own = {actions.channels_named(workspace, [name])[0]: value for name, value in variants.items()}
        pictures = [ImageIn(alt=alt, data=data, name=name) for name, data, alt in files]
        publication = actions.do_save_publication(
            workspace,
            text,
            channel_ids,
            approval=chosen,
            thread=args.thread,
            variants=own,
            pictures=pictures,
            actor=actor,
        )
        if publication.needs_approval:
            actions.do_request_approval(publication, at=when, actor=actor)
            who = publication.get_approval_display()
            print(f"publication {publication.pk} awaits approval ({who})", file=sys.stderr)
            if publication.approval == "client":
                print(approval.link_for(publication))
            return 0
        if when is not None:
            actions.do_schedule_publication(publication, when, actor=actor)
            print(f"publication {publication.pk} scheduled for {when.isoformat()}", file=sys.stderr)
            return 0
        actions.do_publish_publication(publication, actor=actor)
    failed = 0
    for target in publication.targets.select_related("channel").order_by("channel__name"):
        if target.state == TargetState.SENT:
            print(target.url)
        else:
            failed += 1
            print(f"{target.channel.name}: {target.error or target.get_state_display()}", file=sys.stderr)
    return 1 if failed else 0
