"""`animateur token create`: an API token for scripts, printed once."""

from __future__ import annotations

import argparse

from animateur.cli import BadInput, _action_errors, _actor, _setup_django, _workspace


def add_parsers(commands: argparse._SubParsersAction) -> None:
    token = commands.add_parser("token", help="API tokens")
    verbs = token.add_subparsers(dest="verb", metavar="VERB", parser_class=type(token))
    verbs.required = True
    create = verbs.add_parser("create", help="create an API token acting as a team member; printed once")
    create.add_argument("--workspace", required=True, metavar="SLUG")
    create.add_argument("--user", required=True, metavar="EMAIL")
    create.add_argument("--name", default="cli", help="what the token is for (shown on the tokens page)")
    create.set_defaults(handler=cmd_token_create)


def cmd_token_create(args: argparse.Namespace) -> int:
    _setup_django()
    from animateur.api.actions import do_create_api_token
    from animateur.core.models import User

    workspace = _workspace(args.workspace)
    user = User.objects.filter(email__iexact=args.user.strip()).first()
    if user is None:
        raise BadInput(f"no user {args.user!r}")
    with _action_errors():
        _token, key = do_create_api_token(workspace, user, args.name, actor=_actor())
    print(key)
    return 0
