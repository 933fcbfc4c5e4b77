"""The HTTP front's routes, put together: one Starlette app holding the services.

A new route group is a module beside this one with a `routes()` function, added below.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette
from telegram.ext import Application

from bot.http import feeds, health, rsvp, unsubscribe, webhook
from bot.services import Services


def build_front(
    services: Services,
    *,
    scheduler_running: Callable[[], bool],
    application: Application | None = None,
    hook: webhook.Webhook | None = None,
) -> Starlette:
    """The ASGI app: /healthz, the calendar feeds, the RSVP and unsubscribe links, and the
    webhook when one is given."""
    routes = [*health.routes(scheduler_running), *feeds.routes()]
    routes += rsvp.routes()
    routes += unsubscribe.routes()
    if hook is not None:
        if application is None:
            raise ValueError("the webhook needs the Application to hand updates to")
        routes += webhook.routes(application, hook)
    web = Starlette(routes=routes)
    web.state.services = services
    return web
