"""The command line: `fof-bot` (also `python -m bot`)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from bot.clock import Clock
from bot.collector import started
from bot.config import ENV_PREFIX, ConfigError, Settings, exit_on_config_error, load_settings
from bot.logging_setup import setup_logging
from storage.db import DatabaseUnusable

LONG_IMPORT = 200  # rows from which `fof-bot import` shows its progress


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fof-bot", description="Friends of the Forum assistant (GFMD)."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    running = commands.add_parser("run",
                                  help="run the bot, the scheduler and the delivery worker")
    running.add_argument("--webhook", metavar="URL",
                         help="take updates by webhook at this public https URL, not polling")
    running.add_argument("--listen", metavar="HOST",
                         help="with --webhook: where the HTTP front listens "
                              "(default FOF_HTTP_HOST)")
    running.add_argument("--port", type=int, metavar="N",
                         help="with --webhook: the HTTP front's port (default FOF_HTTP_PORT, "
                              "8443)")
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
    importing = commands.add_parser(
        "import", help="bulk import of members and contacts, or of action items (CSV)")
    importing.add_argument("file", type=Path, help="the CSV file")
    importing.add_argument("--dry-run", action="store_true", help="report only, change nothing")
    importing.add_argument("--yes", action="store_true",
                           help="import the valid rows even when some rows have errors")
    digest = commands.add_parser(
        "digest", help="build (and send) the digest now; exit status 1 when a message failed "
                       "or nothing could be delivered")
    digest.add_argument("--dry-run", action="store_true", help="show what would be sent")
    digest.add_argument("--to", metavar="EMAIL", help="send only to this address")
    commands.add_parser("outbox", help="pending, sent and failed mail, and the failures")
    return parser


def _secrets(settings: Settings) -> list[str]:
    """What must never be printed: the token, the SMTP, database and IMAP passwords."""
    from sqlalchemy.engine import make_url

    found = [
        s.get_secret_value()
        for s in (settings.telegram_token, settings.smtp_password, settings.secret_key,
                  settings.webhook_secret)
        if s is not None
    ]
    inbox = [settings.mailbox.password] if settings.mailbox else []
    return found + [p for p in [make_url(settings.database_url).password, *inbox] if p]


def _webhook(settings: Settings, args: argparse.Namespace):
    """`run --webhook URL [--listen HOST] [--port N]`, checked; None for long polling."""
    if args.webhook is None and args.listen is None and args.port is None:
        return None  # long polling: the HTTP front's modules are not loaded for nothing
    from bot.http.webhook import webhook_options

    if args.worker and args.webhook:
        raise ConfigError("--worker takes no Telegram updates: leave out --webhook, or run the "
                          "webhook in another instance")
    return webhook_options(settings, args.webhook, args.listen, args.port)


async def import_cli(settings: Settings, path: Path, *, dry_run: bool, assume_yes: bool,
                     clock: Clock | None = None) -> int:
    """`fof-bot import FILE [--dry-run] [--yes]`: 0 when everything asked for was imported.

    The file's header says its kind: members and contacts, or action items."""
    from bot.ops import imports
    from bot.services import open_services
    from storage.people import Viewer

    try:
        content = path.read_bytes()
    except OSError as exc:
        print(f"cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    operator = Viewer.operator(settings.timezone)
    async with open_services(settings, clock or Clock()) as services:
        checked = await imports.check_file(services, operator, content)
        plan = checked.plan
        print("\n".join(checked.report))
        if plan.fatal or not plan.rows:
            return 1
        if dry_run:
            print("Dry run: nothing was changed.")
            return 1 if plan.errors else 0
        if plan.errors and not assume_yes and not _confirmed(len(plan.rows)):
            print(f"Nothing was imported. Fix the file, or run again with --yes to import the "
                  f"{len(plan.rows)} valid rows.")
            return 1
        result = await imports.apply_checked(services, operator, checked, source=path.name,
                                             progress=_progress)
    print("\n".join(imports.summary(result)))
    return 1 if result.failed else 0


def _confirmed(rows: int) -> bool:
    question = f"Import the {rows} valid rows anyway? [y/N] "
    return sys.stdin.isatty() and input(question).strip().lower() in ("y", "yes")


def _progress(done: int, total: int) -> None:
    """A progress line on stderr for long imports (stdout keeps the report)."""
    if total >= LONG_IMPORT:
        print(f"import: {done:,} of {total:,} rows done ({done * 100 // total}%)", file=sys.stderr,
              flush=True)


def _reader_gone() -> int:
    """`fof-bot ... | head`: the reader closed the pipe, so stop quietly. Standard output is
    pointed at /dev/null so that Python's last flush at exit cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 0


def _run(settings: Settings, args: argparse.Namespace, hook) -> int:
    """`fof-bot run [--webhook URL ...] [--worker] [--no-migrate]`: the runner's exit status."""
    from bot import tls

    tls.prepare()  # on another CPU while the runner's modules are imported
    from bot.runner import run
    from storage.startup import NotMigrated

    token = settings.require_token()
    try:
        return asyncio.run(run(settings, token, hook, worker=args.worker,
                               migrate=not args.no_migrate))
    except NotMigrated as error:
        print(f"fof-bot run: {error}", file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command != "run":  # `run` says when it is running (bot.runner)
        started()
    secrets: list[str] = []
    try:
        if args.command == "demo":
            from bot.demo import run_demo

            return asyncio.run(run_demo(args.dir, interactive=args.interactive))
        settings = load_settings()
        secrets = _secrets(settings)
        hook = _webhook(settings, args) if args.command == "run" else None
        secrets += [hook.secret] if hook else []
        setup_logging(settings.log_level, secrets)
        if args.command == "run":
            return _run(settings, args, hook)
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
        exit_on_config_error(error, secrets)
    except DatabaseUnusable as error:  # cannot open or write FOF_DATABASE_URL
        exit_on_config_error(ConfigError(f"{ENV_PREFIX}DATABASE_URL: {error}"), secrets)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _reader_gone()
    print(f"unknown command {args.command}", file=sys.stderr)
    return 2
