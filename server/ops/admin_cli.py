"""The administrator's commands: `safetymap key rotate`, `safetymap facilitator list | disable
| enable | remove | reset-password` and `safetymap token create | list | revoke`.

Registered on `cli.py`'s parser by `add_commands` and run by `run`. Errors are one line on
standard error and exit status 2; a secret (a new key, a token) is the only thing printed on
standard output when there is one, so that it can be piped.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from server.ops import rotation
from server.settings import Settings
from server.store import deployment
from server.store.accounts import (
    API_TOKEN_DAYS,
    API_TOKEN_MAX_DAYS,
    Account,
    AccountError,
    Accounts,
    Facilitator,
)
from server.store.schema import create_engine, is_sqlite
from server.store.schema.migrate import upgrade

KEY_ENV = "SAFETYMAP_SECRET_KEY"


class Refused(Exception):
    """What the operator asked for cannot be done; the message says why (and what to do)."""


def _days(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= API_TOKEN_MAX_DAYS:
        raise argparse.ArgumentTypeError(f"give a whole number of days, 1 to {API_TOKEN_MAX_DAYS}")
    return int(text)


def add_commands(
    commands: Any, facilitator: Any, token: Any
) -> None:  # argparse's subparser actions
    """The `key` command, and the administration subcommands of `facilitator` and `token`."""
    key = commands.add_parser("key", help="the secret key")
    key_commands = key.add_subparsers(dest="key_command", required=True)
    rotate = key_commands.add_parser(
        "rotate",
        help="replace the secret key, every link, session and API token (stop every process first)",
    )
    rotate.add_argument(
        "--new-key-stdin",
        action="store_true",
        help="read the new key from standard input instead of making one",
    )

    facilitator.add_parser("list", help="list facilitator accounts")
    for name, what in (
        ("disable", "stop an account signing in; end its sessions and revoke its API tokens"),
        ("enable", "let a disabled account sign in again"),
    ):
        facilitator.add_parser(name, help=what).add_argument("email")
    remove = facilitator.add_parser("remove", help="delete an account")
    remove.add_argument("email")
    remove.add_argument("--transfer-to", metavar="EMAIL", help="give its meetings to this account")
    remove.add_argument(
        "--force", action="store_true", help="even if it owns open meetings (they keep no owner)"
    )
    reset = facilitator.add_parser("reset-password", help="set a new password; end its sessions")
    reset.add_argument("email")
    reset.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )

    create = token.add_parser("create", help="create an API token for a facilitator")
    create.add_argument("email")
    create.add_argument(
        "--days",
        type=_days,
        default=API_TOKEN_DAYS,
        help=f"days until it stops working (default {API_TOKEN_DAYS}, most {API_TOKEN_MAX_DAYS})",
    )
    listing = token.add_parser("list", help="list live API tokens (never the tokens themselves)")
    listing.add_argument("email", nargs="?", help="only this facilitator's")
    revoke = token.add_parser("revoke", help="revoke an API token by its id (see `token list`)")
    revoke.add_argument("token_id", nargs="?")
    revoke.add_argument("--all", metavar="EMAIL", help="every API token of this facilitator")


def handles(args: argparse.Namespace) -> bool:
    """Whether `run` is the command's implementation (`facilitator add` stays in cli.py)."""
    return (args.command, getattr(args, f"{args.command}_command", None)) in _COMMANDS


async def run(settings: Settings, args: argparse.Namespace) -> int:
    sub = getattr(args, f"{args.command}_command")
    command = _COMMANDS[args.command, sub]
    if is_sqlite(settings.database_url):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    try:
        if is_sqlite(settings.database_url):
            await upgrade(engine)  # as every other command does on SQLite
        result: int = await command(settings, Accounts(engine), args)
        return result
    except (Refused, AccountError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()


async def _find(accounts: Accounts, email: str) -> Facilitator:
    person = await accounts.by_email(email)
    if person is None:
        raise Refused(f"no facilitator with the e-mail address {email.strip().lower()}")
    return person


def _day(moment: datetime | None) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%d")


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass("New password (at least 12 characters): ")
    if getpass.getpass("New password again: ") != password:
        raise Refused("the passwords do not match")
    return password


# Facilitators --------------------------------------------------------------------------------


def account_lines(accounts: list[Account]) -> list[str]:
    """`facilitator list`: one line each, status first, so `grep disabled` finds leavers."""
    lines = [f"{'STATUS':<9} {'EMAIL':<32} {'CREATED':<10} SESSIONS TOKENS NAME"]
    for a in accounts:
        status = "disabled" if a.disabled_at else "active"
        lines.append(
            f"{status:<9} {a.person.email:<32} {_day(a.created_at):<10} "
            f"{a.sessions:>8} {a.tokens:>6} {a.person.name}"
        )
    return lines


async def _list(settings: Settings, accounts: Accounts, args: argparse.Namespace) -> int:
    print("\n".join(account_lines(await accounts.accounts())))
    return 0


async def _disable(settings: Settings, accounts: Accounts, args: argparse.Namespace) -> int:
    person = await _find(accounts, args.email)
    await accounts.set_disabled(person, True)
    print(
        f"disabled {person.email}: signed out everywhere, API tokens revoked, cannot sign in. "
        "Their meetings and those meetings' links are unchanged."
    )
    return 0


async def _enable(settings: Settings, accounts: Accounts, args: argparse.Namespace) -> int:
    person = await _find(accounts, args.email)
    await accounts.set_disabled(person, False)
    print(f"enabled {person.email}: can sign in again")
    return 0


async def _remove(settings: Settings, accounts: Accounts, args: argparse.Namespace) -> int:
    person = await _find(accounts, args.email)
    heir = await _find(accounts, args.transfer_to) if args.transfer_to else None
    if heir is not None and heir.id == person.id:
        raise Refused("--transfer-to names the account being removed")
    if heir is None and not args.force and (n := await accounts.open_meetings_of(person)):
        raise Refused(
            f"{person.email} owns {n} open meeting(s): give --transfer-to EMAIL, or --force "
            "to leave them without an owner"
        )
    moved = await accounts.remove(person, heir)
    fate = f"given to {heir.email}" if heir else "left without an owner (the CLI still exports)"
    print(f"removed {person.email}; {moved} meeting(s) {fate}")
    return 0


async def _reset_password(settings: Settings, accounts: Accounts, args: argparse.Namespace) -> int:
    person = await _find(accounts, args.email)
    ended = await accounts.reset_password(person, _read_password(args))
    print(f"new password set for {person.email}; {ended} session(s) ended")
    return 0


# API tokens -----------------------------------------------------------------------------------


async def _token_create(settings: Settings, accounts: Accounts, args: argparse.Namespace) -> int:
    person = await _find(accounts, args.email)
    if await accounts.active(person.id) is None:
        raise Refused(f"{person.email} is disabled: enable the account first")
    print(await accounts.create_api_token(person, args.days))
    days = "1 day" if args.days == 1 else f"{args.days} days"
    print(f"the token works for {days}; it is shown only this once", file=sys.stderr)
    return 0


async def _token_list(settings: Settings, accounts: Accounts, args: argparse.Namespace) -> int:
    person = await _find(accounts, args.email) if args.email else None
    print(f"{'ID':<12} {'CREATED':<10} {'EXPIRES':<10} EMAIL")
    for t in await accounts.api_tokens(person):
        expires = _day(t.expires_at) if t.expires_at else "never"
        print(f"{t.id:<12} {_day(t.created_at):<10} {expires:<10} {t.email}")
    return 0


async def _token_revoke(settings: Settings, accounts: Accounts, args: argparse.Namespace) -> int:
    if (args.token_id is None) == (args.all is None):
        raise Refused("give a token id (see `safetymap token list`) or --all EMAIL")
    if args.all is not None:
        person = await _find(accounts, args.all)
        print(f"revoked {await accounts.revoke_api_tokens(person)} API token(s) of {person.email}")
        return 0
    if not await accounts.revoke_api_token(args.token_id):
        raise Refused(f"no API token with the id {args.token_id}")
    print(f"revoked API token {args.token_id}")
    return 0


# The secret key -------------------------------------------------------------------------------


async def _key_rotate(settings: Settings, accounts: Accounts, args: argparse.Namespace) -> int:
    """See rotation.py. With the key in a file (the default), the file is replaced; with it in
    SAFETYMAP_SECRET_KEY, the operator sets the new one on every process."""
    in_env = bool(os.environ.get(KEY_ENV))
    new = sys.stdin.readline().strip() if args.new_key_stdin else rotation.new_key()
    if problem := rotation.check_new_key(new, settings.secret_key):
        raise Refused(problem)
    path = settings.data_dir / "secret_key"
    staged = None if in_env else rotation.stage_key_file(path, new)
    try:
        done = await deployment.rotate(accounts.engine, settings.secret_key, new)
    except BaseException:
        if staged is not None:
            staged.unlink(missing_ok=True)  # nothing changed: keep the old key
        raise
    if staged is not None:
        rotation.commit_key_file(staged, path)
    summary = (
        f"rotated the secret key: {done.links} link(s) replaced, {done.sessions} session(s) "
        f"ended, {done.api_tokens} API token(s) revoked."
    )
    if staged is not None:
        print(f"{summary}\nThe new key is in {path}. Restart every safetymap process now.")
        return 0
    print(summary, file=sys.stderr)
    if not args.new_key_stdin:
        print(new)  # the only time it is shown: standard output alone, for a secret store
    print(
        f"Set {KEY_ENV} to the new key on every process and restart them all now: until "
        "then the links on meeting pages do not work.",
        file=sys.stderr,
    )
    return 0


Command = Callable[[Settings, Accounts, argparse.Namespace], Awaitable[int]]
_COMMANDS: dict[tuple[str, str], Command] = {
    ("key", "rotate"): _key_rotate,
    ("facilitator", "list"): _list,
    ("facilitator", "disable"): _disable,
    ("facilitator", "enable"): _enable,
    ("facilitator", "remove"): _remove,
    ("facilitator", "reset-password"): _reset_password,
    ("token", "create"): _token_create,
    ("token", "list"): _token_list,
    ("token", "revoke"): _token_revoke,
}
