"""The `animateur` command: serve, run tasks, create workspaces and users, import, export, score.

Exit status: 0 on success, 2 on bad input, with one line on stderr that names the problem.
Every write goes through the project's actions, as `system:cli`.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import ipaddress
import os
import re
import secrets
import socket
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    # Django is set up only by the commands that need it: models are imported when they run.
    from animateur.core.actions import SystemActor
    from animateur.core.models import Workspace

ROLES = ("owner", "manager", "moderator", "analyst", "guest")
DEMO_LOGIN_FILE = "demo-login.txt"
HOST_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$")


class BadInput(Exception):
    """Bad input from the command line: reported as one line on stderr, exit status 2."""


class SetupIncomplete(Exception):
    """The installation lacks something it needs to run: one line on stderr, exit status 1."""


class Parser(argparse.ArgumentParser):
    """argparse, but its errors are one line (argparse prints the usage first)."""

    def error(self, message: str) -> NoReturn:
        raise BadInput(f"{message} (see `{self.prog} --help`)")


def _setup_django(*, migrate: bool = True) -> None:
    """Django, with the database brought up to date: any command may be the first one run."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "animateur.config.settings")
    import django
    from django.apps import apps

    # Once is enough: setting up again would configure logging again, binding its handler to
    # whatever sys.stderr is at that moment (in tests, a capture that is later closed).
    if not apps.ready:
        django.setup()
    if migrate:
        _migrate_once()


# Any number on which every animateur process agrees: the key of the PostgreSQL advisory lock.
MIGRATION_LOCK_KEY = 0x616E696D  # "anim"


def _migrate_once() -> None:
    """Migrate, one process at a time: a compose file starts web and worker processes together on an
    empty database, and two concurrent migrations collide (duplicate tables or types). The others
    wait for the lock, then find nothing left to do."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
            try:
                call_command("migrate", verbosity=0, interactive=False)
            finally:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK_KEY])
        return
    import fcntl

    with open(Path(settings.DATA_DIR) / "migrate.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            call_command("migrate", verbosity=0, interactive=False)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _actor() -> SystemActor:
    from animateur.core.actions import SystemActor

    return SystemActor("cli")


def _workspace(slug: str) -> Workspace:
    from animateur.core.models import Workspace

    workspace = Workspace.objects.filter(slug=slug).first()
    if workspace is None:
        known = ", ".join(Workspace.objects.order_by("slug").values_list("slug", flat=True)[:10])
        raise BadInput(f"no workspace {slug!r}" + (f" (existing: {known})" if known else " (none exists yet)"))
    return workspace


@contextlib.contextmanager
def _action_errors() -> Iterator[None]:
    """An action's refusal (bad input) becomes the command's one-line error, in English as the
    command's other messages."""
    from django.utils import translation

    from animateur.core.actions import ActionError

    try:
        with translation.override("en"):
            yield
    except ActionError as error:
        raise BadInput(str(error)) from error


# --- run ---------------------------------------------------------------------------------------


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port {value!r}: use a number from 1 to 65535") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"invalid port {port}: use a number from 1 to 65535")
    return port


def _host(value: str) -> str:
    candidate = value.strip("[]")
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        if not HOST_NAME.match(candidate):
            raise argparse.ArgumentTypeError(f"invalid host {value!r}: use an IP address or a host name") from None
    return candidate


def _check_bindable(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as error:
        raise BadInput(f"cannot listen on {host}:{port}: {error.strerror or error}") from None


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


def _prepare(load_demo: bool) -> str:
    """Migrate, collect static files, load the demo: returns the line to print once serving."""
    from django.conf import settings
    from django.core.management import call_command

    from animateur.config import assets

    absent = assets.missing()
    if absent:
        # Without them every page would answer 500 (the static files' manifest lacks them).
        raise SetupIncomplete(
            f"the front-end files are missing ({', '.join(absent)} in {assets.VENDOR_DIR}): "
            "run `make setup` (it installs them with npm), or install a wheel built with `python -m build`"
        )
    call_command("collectstatic", verbosity=0, interactive=False)
    login_file = Path(settings.DATA_DIR) / DEMO_LOGIN_FILE
    message = ""
    if load_demo:
        from animateur.space.demo import load_demo as load

        login = load(actor=_actor())
        if login is not None:
            # A password goes to a person at a terminal, never into a log that a service manager keeps.
            shown = f" / {login.password}" if sys.stdout.isatty() else f" (password in {login_file})"
            message = f"demo staff login: {login.email}{shown}"
            _write_private(
                login_file,
                f"workspace: {login.workspace.slug}\nemail: {login.email}\npassword: {login.password}\n",
            )
        elif login_file.exists():
            message = f"demo staff login in {login_file}"
    _publish_due_posts()
    return message


def _publish_due_posts() -> None:
    from animateur.space.tasks import publish_due_posts_now

    publish_due_posts_now()


def cmd_run(args: argparse.Namespace) -> int:
    _check_bindable(args.host, args.port)
    _setup_django()
    from django.conf import settings

    from animateur.config import server

    login_line = _prepare(load_demo=not args.no_demo)
    address = _url(args.host, args.port)
    line = f"animateur is running at {address}" + (f" — {login_line}" if login_line else "")

    with_consumer = server.consumer_wanted() and not args.no_consumer
    server.serve(args.host, args.port, with_consumer=with_consumer, data_dir=Path(settings.DATA_DIR), ready_line=line)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    _setup_django()
    from animateur.config import server

    if server.huey_settings().get("immediate"):
        raise BadInput("tasks run immediately (ANIMATEUR_TASKS_IMMEDIATE is on): there is nothing to consume")
    _publish_due_posts()
    from animateur.stream.pipeline import prepare_worker

    prepare_worker()
    server.run_consumer(
        on_ready=lambda: print("animateur worker: consuming tasks (Ctrl-C or SIGTERM to stop)", flush=True)
    )
    return 0


# --- workspaces and users ----------------------------------------------------------------------


def cmd_createworkspace(args: argparse.Namespace) -> int:
    _setup_django()
    from animateur.core.actions import do_create_workspace

    with _action_errors():
        workspace = do_create_workspace(
            args.slug, args.name, language=args.language, timezone=args.timezone, actor=_actor()
        )
    default = " (the default site)" if workspace.is_default else ""
    print(f"created workspace {workspace.slug}: {workspace.name}{default}")
    return 0


def _read_password(password_file: str | None) -> tuple[str, bool]:
    """The password and whether it was generated (and so must be shown)."""
    if password_file:
        try:
            password = Path(password_file).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as error:
            raise BadInput(f"cannot read password file {password_file}: {error.strerror or error}") from None
        if not password:
            raise BadInput(f"password file {password_file} is empty")
        return password, False
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise BadInput("the two passwords differ")
        if not first:
            raise BadInput("empty password")
        return first, False
    return secrets.token_urlsafe(12), True


def cmd_createuser(args: argparse.Namespace) -> int:
    _setup_django()
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from animateur.core.actions import do_provision_user
    from animateur.core.models import User

    email = args.email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise BadInput(f"invalid email address {args.email!r}") from None
    workspace = _workspace(args.workspace)
    existing = User.objects.filter(email=email).first()
    password, generated = (None, False) if existing and not args.password_file else _read_password(args.password_file)
    if password is not None:
        try:
            validate_password(password, user=existing or User(email=email))
        except ValidationError as error:
            raise BadInput("password refused: " + " ".join(error.messages)) from None
    with _action_errors():
        do_provision_user(workspace, email, password, args.role, actor=_actor())
    verb = "created user" if existing is None else "updated user"
    print(f"{verb} {email}: {args.role} of {workspace.slug}")
    if generated:
        print(f"password: {password}")
    return 0


# --- WordPress import and export --------------------------------------------------------------


def _progress_bar(total_label: str) -> tuple[Callable[[int, int], None] | None, Callable[[], None]]:
    """A tqdm bar on a terminal; nothing when output goes to a file or a pipe."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=0, unit="B", unit_scale=True, desc=total_label, file=sys.stderr, leave=False)

    def progress(done: int, total: int) -> None:
        if bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    return progress, bar.close


def _counts(counts: dict[str, int]) -> str:
    shown = [f"{count} {kind.replace('_', ' ')}" for kind, count in counts.items() if count]
    return ", ".join(shown) if shown else "nothing"


def cmd_import_wordpress(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise BadInput(f"no such file: {args.file}")
    _setup_django()
    workspace = _workspace(args.workspace)
    from animateur.space.wordpress.importer import WXRError, import_wxr

    progress, close = _progress_bar(path.name)
    try:
        with _action_errors():
            summary = import_wxr(path, workspace, actor=_actor(), progress=progress)
    except WXRError as error:
        raise BadInput(f"{args.file}: {error}") from None
    finally:
        close()
    print(f"imported {path.name} into {workspace.slug}")
    print(f"created: {_counts(summary.created)}")
    print(f"updated: {_counts(summary.updated)}")
    print(f"skipped: {_counts(summary.skipped)}")
    for note in summary.notes:  # what was left out, by name, so nobody has to guess
        print(f"  {note}")
    return 0


def cmd_export_wordpress(args: argparse.Namespace) -> int:
    _setup_django()
    workspace = _workspace(args.workspace)
    target = None if args.output == "-" else Path(args.output)
    if target is not None and not target.parent.is_dir():
        raise BadInput(f"no such directory: {target.parent}")
    from animateur.space.wordpress.exporter import export_wxr

    if target is None:
        with _action_errors():
            counts = export_wxr(workspace, sys.stdout.buffer, actor=_actor())
        sys.stdout.buffer.flush()
        print(f"exported {workspace.slug}: {_counts(counts)}", file=sys.stderr)
        return 0
    # Written beside the target then renamed: a failed export never leaves half a file.
    partial = target.with_name(f".{target.name}.partial")
    try:
        with _action_errors(), open(partial, "wb") as out:
            counts = export_wxr(workspace, out, actor=_actor())
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    print(f"exported {workspace.slug} to {target}: {_counts(counts)}")
    return 0


# --- manage and score ---------------------------------------------------------------------------


def cmd_manage(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "animateur.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["animateur manage", *args.arguments])
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    adapter = None
    trusted_hosts: tuple[str, ...] = ()
    from animateur.nlp.score_command import DEFAULT_THRESHOLDS, run_score

    thresholds = DEFAULT_THRESHOLDS
    if args.workspace:
        _setup_django()
        from animateur.moderation.learning import adapter_for
        from animateur.moderation.prefs import score_thresholds, settings_for, trusted_link_hosts

        workspace = _workspace(args.workspace)
        adapter = adapter_for(workspace)
        prefs = settings_for(workspace)
        trusted_hosts = trusted_link_hosts(prefs)
        thresholds = score_thresholds(prefs)
    return int(run_score(sys.stdin, sys.stdout, adapter=adapter, trusted_hosts=trusted_hosts, thresholds=thresholds))


# --- the parser ---------------------------------------------------------------------------------


def build_parser() -> Parser:
    parser = Parser(prog="animateur", description="Self-hosted community management.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True

    run = commands.add_parser("run", help="serve the site and the team's app, with the task consumer")
    run.add_argument("--host", type=_host, default="127.0.0.1", help="address to listen on (127.0.0.1)")
    run.add_argument("--port", type=_port, default=8000, help="port to listen on (8000)")
    run.add_argument("--no-demo", action="store_true", help="do not load the demo workspace on first start")
    run.add_argument("--no-consumer", action="store_true", help="serve only; run tasks in `animateur worker` processes")
    run.set_defaults(handler=cmd_run)

    worker = commands.add_parser("worker", help="run the task consumer alone (scaled mode)")
    worker.set_defaults(handler=cmd_worker)

    workspace = commands.add_parser("createworkspace", help="create a workspace (a brand or a client)")
    workspace.add_argument("slug", metavar="SLUG")
    workspace.add_argument("--name", required=True)
    workspace.add_argument("--language", choices=("fr", "en"), default="fr")
    workspace.add_argument("--timezone", default="Europe/Paris")
    workspace.set_defaults(handler=cmd_createworkspace)

    user = commands.add_parser("createuser", help="create a team member, or change their role")
    user.add_argument("email", metavar="EMAIL")
    user.add_argument("--workspace", required=True, metavar="SLUG")
    user.add_argument("--role", required=True, choices=ROLES)
    user.add_argument("--password-file", metavar="FILE", help="read the password from FILE")
    user.set_defaults(handler=cmd_createuser)

    from animateur.commands import channels, listening, members, publish, reports, stream, tokens

    channels.add_parsers(commands)
    formats_of: dict[str, argparse._SubParsersAction] = {}
    for verb, text in (("import", "import from another platform"), ("export", "export to another platform")):
        group = commands.add_parser(verb, help=text)
        formats = group.add_subparsers(dest="format", metavar="FORMAT", parser_class=Parser)
        formats.required = True
        formats_of[verb] = formats
        wordpress = formats.add_parser("wordpress", help=f"{verb} a WordPress export file (WXR)")
        if verb == "import":
            wordpress.add_argument("file", metavar="FILE")
            wordpress.set_defaults(handler=cmd_import_wordpress)
        else:
            wordpress.add_argument("-o", "--output", required=True, metavar="FILE", help="file to write, - for stdout")
            wordpress.set_defaults(handler=cmd_export_wordpress)
        wordpress.add_argument("--workspace", required=True, metavar="SLUG")
    stream.add_parsers(formats_of["import"], formats_of["export"])
    tokens.add_parsers(commands)
    members.add_parsers(commands)
    listening.add_parsers(commands)
    reports.add_parsers(commands)
    publish.add_parsers(commands)

    manage = commands.add_parser("manage", help="Django's management commands", add_help=False)
    manage.add_argument("arguments", nargs=argparse.REMAINDER)
    manage.set_defaults(handler=cmd_manage)

    score = commands.add_parser("score", help="score messages read as JSON lines on stdin")
    score.add_argument("--workspace", metavar="SLUG", help="use what this workspace's moderators taught")
    score.set_defaults(handler=cmd_score)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["manage"]:
        # Everything after `manage` is Django's, options included: argparse would claim some.
        return cmd_manage(argparse.Namespace(arguments=arguments[1:]))
    try:
        args = build_parser().parse_args(arguments)
        return int(args.handler(args))
    except BadInput as error:
        print(f"animateur: error: {error}", file=sys.stderr)
        return 2
    except SetupIncomplete as error:
        print(f"animateur: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
