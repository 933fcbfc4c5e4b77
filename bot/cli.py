"""The command line: `fof-bot` (also `python -m bot`)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.clock import Clock
from bot.config import ConfigError, Settings, exit_on_config_error, load_settings
from bot.logging_setup import setup_logging


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fof-bot", description="Friends of the Forum assistant (GFMD)."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    running = commands.add_parser("run",
                                  help="run the bot, the scheduler and the delivery worker")
    running.add_argument("--worker", action="store_true",
                         help="the scheduler and the delivery worker only, no Telegram updates")
    running.add_argument("--no-migrate", action="store_true",
                         help="do not migrate the database (run `fof-bot db upgrade` first)")
    demo = commands.add_parser("demo", help="the whole product offline on sample data")
    demo.add_argument("--interactive", action="store_true", help="chat with the bot yourself")
    demo.add_argument("--dir", type=Path, default=Path("demo-output"),
                      help="folder for the demo database and mail (default: demo-output)")
    database = commands.add_parser("db", help="database maintenance")
    database.add_argument("action", choices=["upgrade"], help="apply migrations")
    importing = commands.add_parser("import", help="bulk import of members and contacts (CSV)")
    importing.add_argument("file", type=Path, help="the CSV file")
    importing.add_argument("--dry-run", action="store_true", help="report only, change nothing")
    importing.add_argument("--yes", action="store_true",
                           help="import the valid rows even when some rows have errors")
    digest = commands.add_parser("digest", help="build (and send) the digest now")
    digest.add_argument("--dry-run", action="store_true", help="show what would be sent")
    digest.add_argument("--to", metavar="EMAIL", help="send only to this address")
    commands.add_parser("outbox", help="pending, sent and failed mail, and the failures")
    return parser


def _secrets(settings: Settings) -> list[str]:
    return [
        s.get_secret_value()
        for s in (settings.telegram_token, settings.smtp_password)
        if s is not None
    ]


async def import_cli(settings: Settings, path: Path, *, dry_run: bool, assume_yes: bool) -> int:
    """`fof-bot import FILE [--dry-run] [--yes]`: 0 when everything asked for was imported."""
    from bot.importer import parse_csv, report, summary
    from bot.ops import imports
    from bot.services import open_services
    from storage.people import Viewer

    try:
        content = path.read_bytes()
    except OSError as exc:
        print(f"cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    plan = parse_csv(content)
    print("\n".join(report(plan)))
    if plan.fatal or not plan.rows:
        return 1
    if dry_run:
        print("Dry run: nothing was changed.")
        return 1 if plan.errors else 0
    if plan.errors and not assume_yes:
        question = f"Import the {len(plan.rows)} valid rows anyway? [y/N] "
        if not (sys.stdin.isatty() and input(question).strip().lower() in ("y", "yes")):
            print(f"Nothing was imported. Fix the file, or run again with --yes to import the "
                  f"{len(plan.rows)} valid rows.")
            return 1
    async with open_services(settings, Clock()) as services:
        result = await imports.apply_plan(services, Viewer.operator(settings.timezone), plan)
    print("\n".join(summary(result)))
    return 1 if result.failed else 0


def _run(settings: Settings, args: argparse.Namespace) -> int:
    """`fof-bot run [--worker] [--no-migrate]`: the runner's exit status."""
    from bot.runner import run
    from storage.startup import NotMigrated

    token = settings.require_token()
    try:
        return asyncio.run(run(settings, token, worker=args.worker,
                               migrate=not args.no_migrate))
    except NotMigrated as error:
        print(f"fof-bot run: {error}", file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            from bot.demo import run_demo

            return asyncio.run(run_demo(args.dir, interactive=args.interactive))
        settings = load_settings()
        setup_logging(settings.log_level, _secrets(settings))
        if args.command == "run":
            return _run(settings, args)
        if args.command == "db":
            from storage.startup import migrate_locked

            asyncio.run(migrate_locked(settings.async_database_url))
            print("database is up to date")
            return 0
        if args.command == "import":
            return asyncio.run(import_cli(settings, args.file, dry_run=args.dry_run,
                                          assume_yes=args.yes))
        if args.command == "digest":
            from bot.mail.operator import digest_cli

            return asyncio.run(digest_cli(settings, dry_run=args.dry_run, to=args.to))
        if args.command == "outbox":
            from bot.mail.operator import outbox_cli

            return asyncio.run(outbox_cli(settings))
    except ConfigError as error:
        exit_on_config_error(error)
    except KeyboardInterrupt:
        return 130
    print(f"unknown command {args.command}", file=sys.stderr)
    return 2
