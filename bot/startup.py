"""What `fof-bot run` checks and says as it starts.

- The bot's first call to the Bot API (`getMe`): a token Telegram rejects or a Bot API that
  cannot be reached stops the start with one line naming the variable (`ConfigError`), never a
  traceback and never the token.
- One log line of the effective settings (passwords masked), so an operator sees at a glance
  which database, mail server, administrators and digest schedule this process uses.
- The mail server is tried once: when it cannot be used that is one WARNING line, the bot
  still starts, mail waits in the outbox, and /outbox says why nothing is sent.

Database failures are found earlier, by `storage.db.check_url` and `first_contact`
(`DatabaseUnusable`, which `bot.cli.main` prints as one line naming FOF_DATABASE_URL).
"""

from __future__ import annotations

import logging
from datetime import datetime
from urllib.parse import urlparse

from telegram.error import InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.ext import Application

from bot.config import ENV_PREFIX, ConfigError, Settings
from bot.cron import cron_trigger
from bot.ops.admin import admin_ids
from bot.services import Services
from storage.db import masked

log = logging.getLogger(__name__)

REASON_LIMIT = 120  # characters of a server's answer quoted in the one-line error


def telegram_error(error: TelegramError, settings: Settings) -> ConfigError:
    """One line naming the variable to look at; Telegram's messages never hold the token."""
    host = urlparse(settings.telegram_api_url).netloc
    if isinstance(error, InvalidToken) and isinstance(error.__cause__, InvalidToken):
        error = error.__cause__  # Bot.initialize re-raises it with the token in its message
    # "Not Implemented (501). Parsing the server response b'<html>...' failed": keep the status
    reason = " ".join(error.message.split(". Parsing the server response")[0].split())
    if len(reason) > REASON_LIMIT:
        reason = reason[:REASON_LIMIT - 1] + "…"
    if isinstance(error.__cause__, TelegramError):  # the answer was not a Bot API's JSON
        return ConfigError(
            f"{ENV_PREFIX}TELEGRAM_API_URL: {host} did not answer as a Bot API server ({reason})"
        )
    if isinstance(error, InvalidToken):
        # 401 (or 404 with a Bot API answer): the server is a Bot API and refused the token
        return ConfigError(
            f"{ENV_PREFIX}TELEGRAM_TOKEN: Telegram rejected this token ({reason} from {host}); "
            "copy it again from @BotFather"
        )
    if isinstance(error, TimedOut):
        return ConfigError(
            f"{ENV_PREFIX}TELEGRAM_API_URL: the Bot API at {host} did not answer in time"
        )
    if isinstance(error, NetworkError):
        return ConfigError(
            f"{ENV_PREFIX}TELEGRAM_API_URL: cannot reach the Bot API at {host} ({reason})"
        )
    return ConfigError(
        f"{ENV_PREFIX}TELEGRAM_API_URL: {host} did not answer as a Bot API server ({reason})"
    )


async def initialize_bot(application: Application, settings: Settings) -> None:
    """Initialise the Application (it calls getMe); ConfigError when that fails.

    Called before `async with application:`, which then finds it initialised already.
    """
    # PTB logs a server's non-JSON answer with a traceback; the one line below says it all.
    request_log = logging.getLogger("telegram.request")
    level = request_log.level
    request_log.setLevel(logging.CRITICAL)
    try:
        await application.initialize()
    except TelegramError as error:
        await application.shutdown()
        raise telegram_error(error, settings) from None
    finally:
        request_log.setLevel(level)


def settings_line(settings: Settings, administrators: int, now: datetime) -> str:
    """The effective settings in one line: no password, no token."""
    mail = f"{settings.smtp_host}:{settings.smtp_port} {settings.smtp_tls}"
    if settings.smtp_username:
        mail += f" as {settings.smtp_username}"
    sender = settings.mail_from or f"nobody ({ENV_PREFIX}MAIL_FROM not set)"
    inbox = f"inbox {settings.mailbox}; " if settings.mailbox else ""  # no password
    trigger = cron_trigger(settings.digest_schedule, settings.tz)
    fire = trigger.get_next_fire_time(None, now.astimezone(settings.tz))
    upcoming = f"{fire:%a %Y-%m-%d %H:%M %Z}" if fire is not None else "never"
    return (
        f"settings: database {masked(settings.database_url)}; mail server {mail}, "
        f"from {sender}; {inbox}{administrators} administrator(s); digest "
        f"'{settings.digest_schedule}' in {settings.timezone}, next {upcoming}"
    )


async def announce(services: Services) -> None:
    """Log the settings line, then try the mail server (a WARNING when it cannot be used)."""
    settings, now = services.settings, services.now()
    log.info("%s", settings_line(settings, len(await admin_ids(services)), now))
    if not settings.mail_from:
        log.warning("%sMAIL_FROM is not set: no email can be sent; mail waits in the outbox",
                    ENV_PREFIX)
    from bot.mail import reachability  # the SMTP client: loaded once updates are taken

    error = await reachability.check(services, now)
    if error is not None:
        log.warning("%s; the bot runs, mail waits in the outbox and is retried "
                    "(check %sSMTP_HOST, %sSMTP_PORT, %sSMTP_TLS and the login)",
                    error, ENV_PREFIX, ENV_PREFIX, ENV_PREFIX)
