"""The composition root: builds the python-telegram-bot Application."""

from __future__ import annotations

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest

from bot.services import Services
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
        # Conversations (guided forms) need updates of one user processed in order.
        .concurrent_updates(False)
    )
    if rate_limit:
        # Sent one by one under Telegram's flood limits; RetryAfter is retried once.
        builder = builder.rate_limiter(AIORateLimiter(max_retries=1))
    if request is not None:
        builder = builder.request(request).get_updates_request(request).updater(None)
    application = builder.build()
    application.bot_data["services"] = services
    register_handlers(application)
    return application
