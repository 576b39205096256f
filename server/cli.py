"""The `safetymap` command: serve, migrate the database, create meetings."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence

from . import logs, meetings
from .db import create_engine, is_sqlite
from .migrate import upgrade
from .permissions import LABEL_SETS
from .settings import Settings, SettingsError
from .store import Store


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="safetymap", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the server")
    serve.add_argument("--host", help="address to listen on (default: SAFETYMAP_HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (default: SAFETYMAP_PORT)")

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="create or upgrade the schema to the latest version")

    meeting = commands.add_parser("meeting", help="meetings")
    meeting_commands = meeting.add_subparsers(dest="meeting_command", required=True)
    create = meeting_commands.add_parser("create", help="create a meeting and its four links")
    create.add_argument("--title", required=True)
    create.add_argument("--label-set", default="child_protection", choices=LABEL_SETS)
    create.add_argument("--json", action="store_true", help="print the result as JSON")
    return parser


async def _with_store(settings: Settings, migrate: bool) -> Store:
    if is_sqlite(settings.database_url):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    if migrate:
        await upgrade(engine)
    return Store(engine)


async def _db_upgrade(settings: Settings) -> None:
    store = await _with_store(settings, migrate=True)
    await store.engine.dispose()
    print("database schema is up to date")


async def _meeting_create(settings: Settings, args: argparse.Namespace) -> int:
    store = await _with_store(settings, migrate=is_sqlite(settings.database_url))
    try:
        result = await meetings.create(settings, store, args.title, args.label_set)
    except meetings.InvalidMeeting as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        await store.engine.dispose()
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"Meeting {result['title']!r} ({result['id']})")
        for role, url in result["links"].items():
            print(f"  {role:<13}{url}")
    return 0


def _serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    from .app import create_app

    settings = settings.with_address(args.host, args.port)
    logs.configure(settings.log_level)
    print(
        f"Safety Map on http://{settings.host}:{settings.port} (data in {settings.data_dir}).\n"
        'Create a meeting in another terminal: safetymap meeting create --title "…"',
        flush=True,
    )
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        ws="websockets-sansio",
        ws_max_size=settings.max_frame_bytes,
        ws_ping_interval=settings.ping_interval or None,
        ws_ping_timeout=settings.ping_timeout or None,
        ws_per_message_deflate=False,  # Yjs frames are tiny; deflate costs more than it saves
        log_level=settings.log_level.lower(),
        access_log=False,  # URLs carry link tokens
        log_config=logs.uvicorn_log_config(),
        timeout_graceful_shutdown=10,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.command == "serve":
        _serve(settings, args)
        return 0
    if args.command == "db":
        asyncio.run(_db_upgrade(settings))
        return 0
    return asyncio.run(_meeting_create(settings, args))


if __name__ == "__main__":
    sys.exit(main())
