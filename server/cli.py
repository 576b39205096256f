"""The `safetymap` command: serve, migrate the database, create meetings."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from server import logs
from server.board.permissions import LABEL_SETS
from server.live import deletion, meetings
from server.ops import admin_cli, memory, startup
from server.record import export, exports
from server.record.export import FORMATS as EXPORT_FORMATS
from server.settings import Settings, SettingsError
from server.store import Store, audit
from server.store.accounts import AccountError
from server.store.schema import create_engine, is_sqlite, migrate
from server.store.schema.migrate import upgrade
from server.web.numbers import whole_number


def _snapshot_number(text: str) -> int:
    """ASCII digits within range (numbers.py): an Arabic-Indic one is not 1 here either."""
    number = whole_number(text, minimum=1)
    if number is None:
        raise argparse.ArgumentTypeError(f"not a snapshot number: {text!r}")
    return number


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="safetymap", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the server")
    serve.add_argument("--host", help="address to listen on (default: SAFETYMAP_HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (default: SAFETYMAP_PORT)")

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="create or upgrade the schema to the latest version")

    person = commands.add_parser("facilitator", help="facilitator accounts")
    person_commands = person.add_subparsers(dest="facilitator_command", required=True)
    add = person_commands.add_parser("add", help="create a facilitator account")
    add.add_argument("email")
    add.add_argument("--name", required=True)
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )

    token = commands.add_parser("token", help="API tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    # key rotate, facilitator list|disable|enable|remove|reset-password, token create|list|revoke
    admin_cli.add_commands(commands, person_commands, token_commands)

    export = commands.add_parser("export", help="export a meeting's record")
    export.add_argument("meeting_id", nargs="?")
    export.add_argument("--format", choices=EXPORT_FORMATS, default="json")
    export.add_argument("--family", action="store_true", help="the family copy")
    export.add_argument(
        "--snapshot", type=_snapshot_number, help="snapshot number (default: the latest)"
    )
    export.add_argument("-o", "--output", help="file to write")
    export.add_argument(
        "--all-ended", action="store_true", help="every ended meeting, one file each in --out-dir"
    )
    export.add_argument("--out-dir", help="directory for --all-ended")
    export.add_argument(
        "--language", default="en", help="the record's words in this language (default: en)"
    )

    meeting = commands.add_parser("meeting", help="meetings")
    meeting_commands = meeting.add_subparsers(dest="meeting_command", required=True)
    create = meeting_commands.add_parser("create", help="create a meeting and its four links")
    create.add_argument("--title", required=True)
    create.add_argument("--label-set", default="child_protection", choices=LABEL_SETS)
    create.add_argument("--json", action="store_true", help="print the result as JSON")
    create.add_argument(
        "--no-waiting-room",
        dest="waiting_room",
        action="store_false",
        help="let family, professional and screen links straight in (default: they wait)",
    )
    show = meeting_commands.add_parser(
        "links", help="print a meeting's working links (after `key rotate`, the new ones)"
    )
    show.add_argument("meeting_id")
    show.add_argument("--json", action="store_true", help="print the result as JSON")
    remove = meeting_commands.add_parser(
        "delete", help="delete a meeting and every trace of it (cannot be undone)"
    )
    remove.add_argument("meeting_id")

    commands.add_parser(
        "purge", help="delete the meetings that ended more than SAFETYMAP_RETENTION_DAYS ago"
    )
    return parser


async def _with_store(settings: Settings, migrate: bool) -> Store:
    if is_sqlite(settings.database_url):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    if migrate:
        await upgrade(engine)
    return Store(
        engine,
        settings.secret_key,
        link_lifetime=settings.link_lifetime,
        max_participants=settings.max_participants,
    )


async def _db_upgrade(settings: Settings) -> None:
    """Print the revisions moved from and to; two at once wait for each other (migrate.py)."""
    if is_sqlite(settings.database_url):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    try:
        await startup.reach(engine, settings.database_url)  # one line if it cannot
        before, after = await upgrade(engine)
    except migrate.SchemaError as exc:
        raise startup.StartupError(str(exc)) from None
    finally:
        await engine.dispose()
    print(migrate.describe(before, after))


async def _meeting_create(settings: Settings, args: argparse.Namespace) -> int:
    store = await _with_store(settings, migrate=is_sqlite(settings.database_url))
    try:
        result = await meetings.create(
            settings, store, args.title, args.label_set, waiting_room=args.waiting_room
        )
    except meetings.InvalidMeeting as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        await store.close()
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"Meeting {result['title']!r} ({result['id']})")
        for role, url in result["links"].items():
            print(f"  {role:<13}{url}")
    return 0


async def _meeting_links(settings: Settings, args: argparse.Namespace) -> int:
    """A meeting made by this command has no owner, so no meeting page shows its links: after
    `safetymap key rotate` this is where its new ones are."""
    store = await _with_store(settings, migrate=is_sqlite(settings.database_url))
    try:
        meeting = await store.meeting(args.meeting_id)
        tokens = await store.link_tokens(args.meeting_id) if meeting else {}
    finally:
        await store.close()
    if meeting is None:
        print(f"error: no meeting {args.meeting_id}", file=sys.stderr)
        return 2
    links = {role.value: settings.link_url(token) for role, token in tokens.items()}
    if args.json:
        print(json.dumps({"id": meeting.id, "title": meeting.title, "links": links}, indent=2))
    else:
        print(f"Meeting {meeting.title!r} ({meeting.id}), {meeting.status.value}")
        for role, url in links.items():
            print(f"  {role:<13}{url}")
    return 0


async def _meeting_delete(settings: Settings, meeting_id: str) -> int:
    store = await _with_store(settings, migrate=is_sqlite(settings.database_url))
    try:
        actor = audit.cli(getpass.getuser())
        deleted = await deletion.delete_meeting(
            store, None, meeting_id, actor, "cli", redis_url=settings.redis_url
        )
    finally:
        await store.close()
    if not deleted:
        print(f"error: no meeting {meeting_id}", file=sys.stderr)
        return 1
    print(f"deleted meeting {meeting_id}")
    return 0


async def _purge(settings: Settings) -> int:
    store = await _with_store(settings, migrate=is_sqlite(settings.database_url))
    try:
        purged = await deletion.purge(
            store, None, settings.retention_days, redis_url=settings.redis_url
        )
    finally:
        await store.close()
    print(f"deleted {len(purged)} meetings that ended over {settings.retention_days:g} days ago")
    return 0


async def _facilitator_add(settings: Settings, args: argparse.Namespace) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password (at least 12 characters): ")
        if getpass.getpass("Password again: ") != password:
            print("error: the passwords do not match", file=sys.stderr)
            return 2
    store = await _with_store(settings, migrate=is_sqlite(settings.database_url))
    try:
        person = await store.accounts().add(args.email, args.name, password)
    except AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        await store.close()
    print(
        f"Facilitator {person.name} <{person.email}> can now sign in at {settings.base_url}/login"
    )
    return 0


async def _setup_link(settings: Settings) -> str | None:
    """On a database with no facilitator, a one-time link to create the first account."""
    store = await _with_store(settings, migrate=is_sqlite(settings.database_url))
    try:
        accounts = store.accounts()
        if await accounts.count():
            return None
        return f"{settings.base_url}/setup/{await accounts.setup_link()}"
    finally:
        await store.close()


async def _checked_setup_link(settings: Settings) -> str | None:
    if await startup.check_database(settings):  # SQLite, empty or older: upgraded here
        await startup.upgrade_apart()  # in a child process, which keeps Alembic's memory
    if settings.redis_url:
        from server.live import relay_stream  # redis-py only when there is a Redis

        await relay_stream.check(settings.redis_url)  # wrong password, CA or ACL: one line
    return await _setup_link(settings)


def _os_user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


async def _export_one(
    store: Store, meeting_id: str, args: argparse.Namespace, snapshot: int | None, zone: str
) -> bytes:
    """Render one export and record it in the audit trail (raises NotExportable)."""
    document = await exports.document(store, meeting_id, snapshot=snapshot, family=args.family)
    files = await exports.picture_files(store, document) if args.format in export.PICTURED else {}
    content = await asyncio.to_thread(
        export.render, document, args.format, zone, files, args.language
    )
    event = audit.export(
        meeting_id,
        audit.cli(_os_user()),
        fmt=args.format,
        family=args.family,
        snapshot=exports.snapshot_number(document),
    )
    await store.record_event(event)
    return content


async def _export(settings: Settings, args: argparse.Namespace) -> int:
    store = await _with_store(settings, migrate=is_sqlite(settings.database_url))
    try:
        content = await _export_one(store, args.meeting_id, args, args.snapshot, settings.timezone)
    except exports.NotExportable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        await store.close()
    await asyncio.to_thread(Path(args.output).write_bytes, content)
    print(f"wrote {args.output}")
    return 0


def progress_bar(done: int, total: int, width: int = 30) -> str:
    """A plain-text bar, e.g. `[#########.....]  3/5 meetings`."""
    filled = width * done // total if total else width
    return f"[{'#' * filled}{'.' * (width - filled)}] {done:>{len(str(total))}}/{total} meetings"


async def _export_all(settings: Settings, args: argparse.Namespace) -> int:
    """Every ended meeting's latest snapshot, one file each; progress on stderr."""
    out_dir = Path(args.out_dir)
    await asyncio.to_thread(out_dir.mkdir, parents=True, exist_ok=True)
    tty = sys.stderr.isatty()
    store = await _with_store(settings, migrate=is_sqlite(settings.database_url))
    try:
        ids = await store.ended_meeting_ids()
        if tty:
            print(progress_bar(0, len(ids)), end="", file=sys.stderr, flush=True)
        for done, meeting_id in enumerate(ids, 1):
            name = exports.file_name(meeting_id, args.format, family=args.family)
            try:
                content = await _export_one(store, meeting_id, args, None, settings.timezone)
                await asyncio.to_thread((out_dir / name).write_bytes, content)
            except exports.NotExportable as exc:  # an ended meeting always has a snapshot
                print(f"\nerror: {meeting_id}: {exc}", file=sys.stderr)
                return 2
            if tty:
                print(f"\r{progress_bar(done, len(ids))}", end="", file=sys.stderr, flush=True)
            else:
                print(f"{done}/{len(ids)} {name}", file=sys.stderr, flush=True)
    finally:
        await store.close()
    if tty:
        print(file=sys.stderr)
    print(f"wrote {len(ids)} files to {out_dir}")
    return 0


def _serve(settings: Settings, args: argparse.Namespace) -> None:
    from server.web.app import create_app
    from server.ws import rebalance, serve

    settings = settings.with_address(args.host, args.port)
    logs.configure(settings.log_level, settings.log_format)
    for warning in startup.check_settings(settings):  # raises StartupError: refused
        logging.getLogger("server.ops.startup").warning("%s", warning)
    setup = asyncio.run(_checked_setup_link(settings))
    lines = [
        f"Safety Map on http://{settings.host}:{settings.port} (data in {settings.data_dir}).",
        startup.practice_line(settings),
    ]
    if setup:
        lines.append(f"No facilitator account yet. Open this link once to create one:\n  {setup}")
    else:
        lines.append(f"Facilitators sign in at {settings.base_url}/login")
    for line in lines:
        print(logs.announcement(line, settings.log_format))
    sys.stdout.flush()
    app = create_app(settings)
    rebalance.on_signal(app)  # SIGUSR1: shed the websockets to the proxy (rebalance.py)
    memory.settle()  # small collector pauses, large frames' memory handed back (memory.py)
    serve.Server(app, settings).run()  # uvicorn for HTTP, our websocket (serve.py)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        if args.command == "serve":
            _serve(settings, args)
            return 0
        if args.command == "db":
            asyncio.run(_db_upgrade(settings))
            return 0
    except (SettingsError, startup.StartupError) as exc:
        # One line on stderr, in the log format asked for, even if the settings are unread.
        json_logs = os.environ.get("SAFETYMAP_LOG_FORMAT", "").strip().lower() == "json"
        print(logs.failure_line(str(exc), "json" if json_logs else "text"), file=sys.stderr)
        return 2
    if admin_cli.handles(args):
        return asyncio.run(admin_cli.run(settings, args))
    if args.command == "facilitator":
        return asyncio.run(_facilitator_add(settings, args))
    if args.command == "export":
        offered = [lang.code for lang in settings.offered_languages]
        if args.language not in offered:
            print(f"error: --language is one of {', '.join(offered)}", file=sys.stderr)
            return 2
        if args.all_ended:
            if args.meeting_id or args.output or args.snapshot or not args.out_dir:
                print("error: --all-ended takes --out-dir and no meeting id", file=sys.stderr)
                return 2
            return asyncio.run(_export_all(settings, args))
        if not args.meeting_id or not args.output:
            print("error: give a meeting id and -o FILE (or --all-ended)", file=sys.stderr)
            return 2
        return asyncio.run(_export(settings, args))
    if args.command == "purge":
        return asyncio.run(_purge(settings))
    if args.meeting_command == "delete":
        return asyncio.run(_meeting_delete(settings, args.meeting_id))
    if args.meeting_command == "links":
        return asyncio.run(_meeting_links(settings, args))
    return asyncio.run(_meeting_create(settings, args))


if __name__ == "__main__":
    sys.exit(main())
