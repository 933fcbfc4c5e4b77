"""The composition root: builds the python-telegram-bot Application."""

from __future__ import annotations

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest

from bot.ratelimit import ChatRateLimiter
from bot.services import Services
from bot.updates import ChatOrderedProcessor, FloodThrottle
from handlers.context import BotContext
from handlers.registry import register_handlers


def build_application(
    services: Services,
    *,
    token: str | None = None,
    request: BaseRequest | None = None,
    rate_limit: bool = True,
) -> Application:
    """Build the Application; with `request` (an OfflineRequest) it never touches the network."""
    settings = services.settings
    root = settings.telegram_api_url
    builder = (
        ApplicationBuilder()
        .token(token or "123456:offline")
        .base_url(f"{root}/bot{{token}}")
        .base_file_url(f"{root}/file/bot{{token}}")
        .context_types(ContextTypes(context=BotContext))
        # Every text we send is HTML with user values escaped; no link previews.
        .defaults(Defaults(parse_mode=ParseMode.HTML,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        # Chats side by side, each chat in order (the guided forms need one user's updates in
        # order), and a flooding user throttled: a slow group never makes a private chat wait.
        .concurrent_updates(ChatOrderedProcessor(FloodThrottle(services.clock)))
    )
    if rate_limit:
        # Under Telegram's flood limits (30/s overall, 20/min per group); a RetryAfter is
        # retried once and pauses only its own chat. With chats processed side by side, a
        # paused group delays only its own replies.
        builder = builder.rate_limiter(ChatRateLimiter(max_retries=1))
    if request is not None:
        builder = builder.request(request).get_updates_request(request).updater(None)
    else:
        builder = _network_requests(builder)
    application = builder.build()
    application.bot_data["services"] = services
    register_handlers(application)
    return application


def _network_requests(builder: ApplicationBuilder) -> ApplicationBuilder:
    """PTB's two default HTTPX requests (sending, and long polling with one connection), but
    sharing one TLS context (`bot.tls`): each request would load the CA bundle again."""
    from telegram.request import HTTPXRequest

    from bot import tls

    shared = {"verify": tls.context()}
    return (builder.request(HTTPXRequest(connection_pool_size=256, httpx_kwargs=shared))
            .get_updates_request(HTTPXRequest(connection_pool_size=1, httpx_kwargs=shared)))
