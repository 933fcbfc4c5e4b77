"""Configuration from FOF_ environment variables (and `.env`), built once and passed in."""

from __future__ import annotations

import re
import ssl
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import unquote, urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.addresses import EmailNotValidError, check_address
from bot.cron import cron_trigger

ENV_PREFIX = "FOF_"
MIN_SECRET_KEY = 16
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
TOKEN_SHAPE = re.compile(r"^[0-9]{1,20}:[A-Za-z0-9_-]{1,200}$")
BOT_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
HOSTNAME = re.compile(r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
DKIM_SELECTOR = re.compile(r"(?=.{1,63}$)[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")


class ConfigError(Exception):
    """A configuration value is missing or wrong; the message names the variable."""


def _split_commas(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, int):
        return [value]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    database_url: str = "sqlite:///fof.db"
    smtp_host: str = "localhost"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_tls: Literal["none", "starttls", "tls"] = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    mail_from: str | None = None
    mail_from_name: str = "GFMD Friends of the Forum"
    # What the bot says in EHLO (default: the domain of FOF_MAIL_FROM), and a private
    # certificate authority for the relay's TLS certificate.
    smtp_helo: str | None = None
    smtp_ca_file: Path | None = None
    # DKIM: both or neither (the selector is checked after the key file, in field order).
    dkim_key_file: Path | None = None
    dkim_selector: str | None = Field(default=None, validate_default=True)
    admin_ids: Annotated[list[int], NoDecode] = []
    timezone: str = "UTC"
    digest_schedule: str = "0 7 * * mon"
    reminder_days: Annotated[list[int], NoDecode] = [7, 1]
    digest_catchup_hours: float = Field(default=12, ge=0)
    digest_skip_empty: bool = True
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # The HTTP front (bot/http/): webhook, /healthz, calendar feeds; off without a port.
    http_host: str = "127.0.0.1"
    http_port: int | None = Field(default=None, ge=1, le=65535)
    public_url: str | None = None
    # Declared after public_url: its check reads public_url (validated in field order).
    secret_key: SecretStr | None = Field(default=None, validate_default=True)
    webhook_secret: SecretStr | None = None
    # the bot's @username, for deep links in mail (https://t.me/<bot>?start=action_4)
    bot_username: str | None = None
    # how long a claimed outbox batch stays with its instance unless renewed (several instances)
    delivery_lease_seconds: float = Field(default=60, ge=1, le=3600)
    # The secretariat's inbox (bounces, calendar replies, unsubscribe mails): off when unset.
    imap_url: SecretStr | None = None
    imap_poll_seconds: float = Field(default=60, ge=5, le=86400)
    # The envelope sender, made VERP per message (local+b<token>@domain); FOF_MAIL_FROM if unset.
    bounce_address: str | None = None

    @field_validator("telegram_api_url")
    @classmethod
    def _check_api_url(cls, value: str) -> str:
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("must be an http(s) URL such as https://api.telegram.org") from None
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(
                "is not a database URL; write sqlite:///path.db or postgresql://..."
            ) from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError("must start with sqlite:/// or postgresql://") from None
        return value

    @field_validator("mail_from")
    @classmethod
    def _check_mail_from(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return check_address(value)
        except EmailNotValidError as exc:
            raise ValueError(f"is not an email address ({exc})") from None

    @field_validator("imap_url")
    @classmethod
    def _check_imap_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        mailbox_of(value.get_secret_value().strip())  # raises ValueError naming what is wrong
        return SecretStr(value.get_secret_value().strip())

    @field_validator("bounce_address")
    @classmethod
    def _check_bounce_address(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            return check_address(value.strip())
        except EmailNotValidError as exc:
            raise ValueError(f"is not an email address ({exc})") from None

    @field_validator("mail_from_name")
    @classmethod
    def _check_from_name(cls, value: str) -> str:
        if any(ch in value for ch in "\r\n"):
            raise ValueError("must be one line") from None
        return value

    @field_validator("smtp_helo")
    @classmethod
    def _check_helo(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not HOSTNAME.fullmatch(value.strip()):
            raise ValueError("must be a host name such as mail.gfmd.example") from None
        return value.strip()

    @field_validator("smtp_ca_file")
    @classmethod
    def _check_ca_file(cls, value: Path | None) -> Path | None:
        if value is None or not str(value).strip():
            return None
        try:
            ssl.create_default_context(cafile=str(value))
        except (OSError, ssl.SSLError) as exc:
            raise ValueError(f"cannot be read as PEM certificates ({_reason(exc)}): give the "
                             "path of the relay's certificate authority") from None
        return value

    @field_validator("dkim_key_file")
    @classmethod
    def _check_dkim_key(cls, value: Path | None) -> Path | None:
        if value is None or not str(value).strip():
            return None
        from bot.mail.dkim_key import KeyProblem, check_key_file

        try:
            check_key_file(value)
        except KeyProblem as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("dkim_selector")
    @classmethod
    def _check_dkim_selector(cls, value: str | None, info: ValidationInfo) -> str | None:
        value = value.strip() if value and value.strip() else None
        has_key = info.data.get("dkim_key_file") is not None
        if value is None and has_key:
            raise ValueError(f"is required when {ENV_PREFIX}DKIM_KEY_FILE is set (set both or "
                             "neither), such as fof2026") from None
        if value is not None and not has_key and "dkim_key_file" in info.data:
            raise ValueError(f"is set but {ENV_PREFIX}DKIM_KEY_FILE is not: set both or "
                             "neither") from None
        if value is not None and not DKIM_SELECTOR.fullmatch(value):
            raise ValueError("must be letters, digits, dots, - and _ (a DNS label such as "
                             "fof2026)") from None
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_admin_ids(cls, value: object) -> object:
        parts = _split_commas(value)
        if isinstance(parts, list):
            for part in parts:
                if isinstance(part, str) and not part.lstrip("-").isdigit():
                    raise ValueError(f"{part!r} is not a numeric Telegram user id") from None
        return parts

    @field_validator("reminder_days", mode="before")
    @classmethod
    def _split_reminder_days(cls, value: object) -> object:
        return _split_commas(value)

    @field_validator("reminder_days")
    @classmethod
    def _check_reminder_days(cls, value: list[int]) -> list[int]:
        if any(day < 0 or day > 365 for day in value):
            raise ValueError("each day must be between 0 and 365") from None
        return sorted(set(value), reverse=True)

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not an IANA time zone such as Europe/Brussels"
            ) from None
        return value

    @field_validator("digest_schedule")
    @classmethod
    def _check_schedule(cls, value: str) -> str:
        try:
            cron_trigger(value, ZoneInfo("UTC"))
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a crontab line ({exc})") from None
        return value

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parsed = urlparse(value.strip())
        if parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.query:
            raise ValueError("must be an http(s) URL such as https://fof.example.org") from None
        return value.strip().rstrip("/")

    @field_validator("secret_key")
    @classmethod
    def _check_secret_key(cls, value: SecretStr | None, info: ValidationInfo
                          ) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            value = None
        if value is None and info.data.get("public_url"):
            raise ValueError(f"is required when {ENV_PREFIX}PUBLIC_URL is set: it signs the "
                             "links; generate one with `openssl rand -hex 32`") from None
        if value is not None and len(value.get_secret_value()) < MIN_SECRET_KEY:
            raise ValueError(f"must be at least {MIN_SECRET_KEY} characters; generate one with "
                             "`openssl rand -hex 32`") from None
        return value

    @field_validator("bot_username")
    @classmethod
    def _check_bot_username(cls, value: str | None) -> str | None:
        name = (value or "").strip().removeprefix("@")
        if not name:
            return None
        if not BOT_USERNAME.fullmatch(name):
            raise ValueError("must be the bot's username, such as fof_assistant_bot "
                             "(letters, digits and _)") from None
        return name

    @field_validator("webhook_secret")
    @classmethod
    def _check_webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not WEBHOOK_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("must be 1 to 256 characters A-Z, a-z, 0-9, _ or - "
                             "(Telegram's rule)") from None
        return value

    @cached_property
    def mailbox(self) -> Mailbox | None:
        """The inbound mailbox (FOF_IMAP_URL) read for bounces and replies, if any."""
        return mailbox_of(self.imap_url.get_secret_value()) if self.imap_url else None

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def async_database_url(self) -> str:
        """The configured URL with its async driver (aiosqlite, asyncpg)."""
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite":
            return url.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
        return url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)

    def require_token(self) -> str:
        if self.telegram_token is None or not self.telegram_token.get_secret_value().strip():
            raise ConfigError(
                f"{ENV_PREFIX}TELEGRAM_TOKEN is not set: `fof-bot run` needs the bot token "
                "from @BotFather (in the environment or in .env)"
            )
        token = self.telegram_token.get_secret_value().strip()
        if not TOKEN_SHAPE.match(token):
            raise ConfigError(
                f"{ENV_PREFIX}TELEGRAM_TOKEN does not look like a bot token: @BotFather gives "
                "digits, a colon, then letters, digits, - and _ (such as 123456:ABC-def_1)"
            )
        return token

    @property
    def helo_name(self) -> str | None:
        """The name said in EHLO: FOF_SMTP_HELO, else the domain of FOF_MAIL_FROM."""
        if self.smtp_helo:
            return self.smtp_helo
        return self.mail_from.rsplit("@", 1)[-1] if self.mail_from else None

    def require_mail_from(self) -> str:
        if not self.mail_from:
            raise ConfigError(
                f"{ENV_PREFIX}MAIL_FROM is not set: sending mail needs a sender address"
            )
        return self.mail_from


@dataclass(frozen=True)
class Mailbox:
    """Where FOF_IMAP_URL points: imaps (TLS from the start) or imap (STARTTLS when offered)."""

    host: str
    port: int
    tls: bool
    user: str
    password: str = field(repr=False)
    folder: str = "INBOX"

    def __str__(self) -> str:  # as it may be shown: no password
        scheme = "imaps" if self.tls else "imap"
        return f"{scheme}://{self.user}@{self.host}:{self.port}/{self.folder}"


IMAP_SHAPE = "write imaps://user:password@host[:port]/INBOX (or imap://...)"


def mailbox_of(url: str) -> Mailbox:
    """Read an IMAP URL; ValueError (never quoting the password) when it is not one."""
    parsed = urlparse(url)
    if parsed.scheme not in ("imap", "imaps"):
        raise ValueError(f"must start with imaps:// or imap://; {IMAP_SHAPE}") from None
    try:
        port = parsed.port
    except ValueError:
        raise ValueError(f"has a port that is not a number from 1 to 65535; {IMAP_SHAPE}"
                         ) from None
    if not parsed.hostname or not parsed.username or parsed.password is None:
        raise ValueError(f"needs a user, a password and a host; {IMAP_SHAPE}") from None
    tls = parsed.scheme == "imaps"
    return Mailbox(host=parsed.hostname, port=port or (993 if tls else 143), tls=tls,
                   user=unquote(parsed.username), password=unquote(parsed.password),
                   folder=unquote(parsed.path.strip("/")) or "INBOX")

def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return " ".join(str(exc).split()) or type(exc).__name__


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    name = ENV_PREFIX + ".".join(str(part) for part in first["loc"][:1]).upper()
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] in ("int_parsing", "int_type"):
        message = "must be a whole number"
    elif first["type"] == "literal_error":
        message = message.replace("Input should be", "must be")
    return f"{name} {message}"


def load_settings(**overrides: object) -> Settings:
    """Read the settings; raise ConfigError with one line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None


def exit_on_config_error(error: ConfigError, secrets: list[str] | None = None) -> None:
    """One line on stderr (any secret masked), exit status 2."""
    line = " ".join(str(error).split())
    for secret in secrets or []:
        if secret:
            line = line.replace(secret, "[secret]")
    print(f"configuration error: {line}", file=sys.stderr)
    raise SystemExit(2)
