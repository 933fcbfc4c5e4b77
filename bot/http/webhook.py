"""Webhook mode: Telegram posts each update to the front, which checks Telegram's secret token
header and puts the update on the Application's queue (as python-telegram-bot's custom webhook
example does)."""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlparse

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.error import BadRequest
from telegram.ext import Application

from bot.config import ENV_PREFIX, ConfigError, Settings

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_PORT = 8443
RESERVED = ("/healthz", "/calendar")  # paths the front's other routes own


@dataclass(frozen=True)
class Webhook:
    url: str  # the public https URL given to setWebhook
    path: str  # its path, served by the front
    listen: str
    port: int
    secret: str = field(repr=False)  # Telegram's secret_token: never logged


def _check_url(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme != "https" or not parsed.netloc or parsed.query or parsed.fragment:
        raise ConfigError("--webhook must be the public https URL Telegram posts to, such as "
                          "https://bot.example.org/telegram")
    path = parsed.path or "/"
    if any(path == p or path.startswith(p + "/") or path.startswith(p + ".") for p in RESERVED):
        raise ConfigError(f"--webhook cannot use the path {path}: the HTTP front serves "
                          "/healthz and /calendar there; choose another, such as /telegram")
    return path


def webhook_options(settings: Settings, url: str | None, listen: str | None,
                    port: int | None) -> Webhook | None:
    """The webhook from `fof-bot run --webhook URL [--listen HOST] [--port N]`; None without
    --webhook. The secret is FOF_WEBHOOK_SECRET, or a new random one for this run."""
    if url is None:
        if listen is not None or port is not None:
            raise ConfigError(f"--listen and --port go with --webhook; for the HTTP front in "
                              f"polling mode set {ENV_PREFIX}HTTP_HOST and {ENV_PREFIX}HTTP_PORT")
        return None
    path = _check_url(url)
    if port is not None and not 1 <= port <= 65535:
        raise ConfigError("--port must be a port number from 1 to 65535")
    secret = (settings.webhook_secret.get_secret_value() if settings.webhook_secret
              else secrets.token_urlsafe(32))
    return Webhook(url=url, path=path, listen=listen or settings.http_host,
                   port=port or settings.http_port or DEFAULT_PORT, secret=secret)


async def register(application: Application, webhook: Webhook) -> None:
    """Tell Telegram where to post updates, with the secret it must send back."""
    try:
        await application.bot.set_webhook(webhook.url, secret_token=webhook.secret)
    except BadRequest as exc:  # e.g. "bad webhook: Failed to resolve host"
        raise ConfigError(f"Telegram refused the webhook URL {webhook.url}: {exc.message}"
                          ) from None
    log.info("webhook set: Telegram posts updates to %s", webhook.url)


def routes(application: Application, webhook: Webhook) -> list[Route]:
    expected = webhook.secret.encode()

    async def receive(request: Request) -> Response:
        """Queue one update from Telegram; 403 without the right secret token."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return PlainTextResponse("Forbidden", status_code=403)
        try:
            payload = await request.json()
            update = Update.de_json(payload, application.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            return PlainTextResponse("Not a Telegram update", status_code=400)
        await application.update_queue.put(update)
        return Response(status_code=200)

    return [Route(webhook.path, receive, methods=["POST"])]
