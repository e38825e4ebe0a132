"""`animateur channel add | list | poll`: channels from a script, validated by their setup form."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from animateur.cli import BadInput, _action_errors, _actor, _setup_django, _workspace

if TYPE_CHECKING:
    from animateur.channels.models import Channel, ChannelRun
    from animateur.core.models import Workspace

# A poll reads everything new, batch after batch; more runs are needed only when items keep
# arriving while it reads. Beyond this many, the command stops and says so.
MAX_RUNS = 100


def add_parsers(commands: argparse._SubParsersAction) -> None:
    channel = commands.add_parser("channel", help="add, list and poll channels")
    verbs = channel.add_subparsers(dest="verb", metavar="VERB", parser_class=type(channel))
    verbs.required = True

    add = verbs.add_parser("add", help="add a channel; its settings are its setup form's fields, as JSON")
    add.add_argument("kind", metavar="KIND")
    add.add_argument("--workspace", required=True, metavar="SLUG")
    add.add_argument("--name", required=True)
    add.add_argument("--config", default="{}", metavar="JSON", help="the setup form's fields, secrets included")
    add.add_argument(
        "--no-test", action="store_true", help="save without testing the connection first (the form's « save anyway »)"
    )
    add.set_defaults(handler=cmd_channel_add)

    listing = verbs.add_parser("list", help="the workspace's channels and their health")
    listing.add_argument("--workspace", required=True, metavar="SLUG")
    listing.set_defaults(handler=cmd_channel_list)

    poll = verbs.add_parser("poll", help="poll a channel until nothing new is left")
    poll.add_argument("name", metavar="NAME")
    poll.add_argument("--workspace", required=True, metavar="SLUG")
    poll.set_defaults(handler=cmd_channel_poll)


def _form_errors(form: Any) -> str:
    return "; ".join(f"{field}: {' '.join(str(e) for e in errors)}" for field, errors in form.errors.items())


def cmd_channel_add(args: argparse.Namespace) -> int:
    try:
        fields = json.loads(args.config)
    except json.JSONDecodeError as error:
        raise BadInput(f"--config is not JSON: {error}") from None
    if not isinstance(fields, dict):
        raise BadInput("--config must be a JSON object of the setup form's fields")
    _setup_django()
    from django.utils import translation

    from animateur.channels.actions import do_create_channel, test_connection
    from animateur.channels.connectors.base import get_kind, kinds
    from animateur.channels.forms import channel_form_class

    workspace = _workspace(args.workspace)
    try:
        connector = get_kind(args.kind)
    except KeyError:
        raise BadInput(f"unknown channel kind {args.kind!r} (kinds: {', '.join(sorted(kinds()))})") from None
    form_class = channel_form_class(connector)
    # Fields left out take the form's defaults, as the page shows them filled in.
    defaults = {name: field.initial for name, field in form_class.base_fields.items() if field.initial is not None}
    form = form_class(data={**defaults, **fields, "name": args.name})
    with translation.override("en"):  # the command speaks English, as its other messages
        if not form.is_valid():
            raise BadInput(f"{args.kind} channel refused: {_form_errors(form)}")
    config, secrets = form.split()  # type: ignore[attr-defined]
    learned: dict[str, Any] = {}
    if not args.no_test:
        tested = test_connection(workspace, args.kind, config, secrets)
        if not tested.ok:
            print(
                f"animateur: the connection test failed: {tested.detail} (nothing saved; --no-test saves anyway)",
                file=sys.stderr,
            )
            return 1
        learned = tested.learned
    with _action_errors():
        channel = do_create_channel(
            workspace,
            args.kind,
            args.name,
            config,
            secrets,
            poll_interval_seconds=form.cleaned_data.get("poll_interval_seconds"),
            learned=learned,
            actor=_actor(),
        )
    print(f"added channel {channel.name!r} ({channel.kind}) to {workspace.slug}")
    return 0


def _health(channel: Channel) -> str:
    if channel.paused:
        return "paused"
    if channel.consecutive_failures:
        return f"failing ({channel.consecutive_failures} in a row): {channel.last_error[:80]}"
    return "ok" if channel.last_success_at else "not polled yet"


def cmd_channel_list(args: argparse.Namespace) -> int:
    _setup_django()
    from animateur.channels.models import Channel

    workspace = _workspace(args.workspace)
    channels = Channel.objects.filter(workspace=workspace).order_by("name")
    for channel in channels:
        if channel.kind == Channel.SITE:  # comments arrive as they are posted: nothing to poll
            print(f"{channel.name}\t{channel.kind}\t-\tthe community space's comments")
            continue
        print(f"{channel.name}\t{channel.kind}\tevery {channel.poll_interval_seconds} s\t{_health(channel)}")
    if not channels:
        print(f"{workspace.slug} has no channel", file=sys.stderr)
    return 0


def channel_named(workspace: Workspace, name: str) -> Channel:
    from animateur.channels.models import Channel

    channel = Channel.objects.filter(workspace=workspace, name=name).first()
    if channel is None:
        known = ", ".join(Channel.objects.filter(workspace=workspace).order_by("name").values_list("name", flat=True))
        raise BadInput(f"no channel {name!r} in {workspace.slug}" + (f" (channels: {known})" if known else ""))
    return channel


def poll_until_done(channel: Channel) -> tuple[dict[str, int], ChannelRun | None]:
    """Poll until a run brings nothing new (or fails); the totals, and the last run."""
    import time

    from animateur.channels.runner import poll_channel

    totals = {"created": 0, "updated": 0, "rejected": 0}
    bar = None
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(desc=channel.name, unit=" messages", file=sys.stderr, leave=False)
    last: ChannelRun | None = None
    try:
        for _attempt in range(MAX_RUNS):
            run = poll_channel(channel.pk)
            if run is None:  # another process holds the channel's lease: wait for it
                time.sleep(1)
                continue
            last = run
            for key in totals:
                totals[key] += getattr(run, key)
            if bar is not None:
                bar.update(run.created + run.updated)
                bar.set_postfix(totals)
            if not run.ok or run.created + run.updated + run.rejected == 0:
                break
    finally:
        if bar is not None:
            bar.close()
    return totals, last


def cmd_channel_poll(args: argparse.Namespace) -> int:
    _setup_django()
    channel = channel_named(_workspace(args.workspace), args.name)
    if channel.paused:
        raise BadInput(f"channel {channel.name!r} is paused: resume it first")
    totals, last = poll_until_done(channel)
    return report_poll(channel, totals, last)


def report_poll(channel: Channel, totals: dict[str, int], last: ChannelRun | None) -> int:
    print(f"{channel.name}: {totals['created']} created, {totals['updated']} updated, {totals['rejected']} rejected")
    if last is None:
        print(f"animateur: {channel.name} stayed busy in another process; nothing polled", file=sys.stderr)
        return 1
    if not last.ok:
        print(f"animateur: {channel.name} failed: {last.error}", file=sys.stderr)
        return 1
    return 0
