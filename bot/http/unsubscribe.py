"""One-click unsubscribe (RFC 8058): /unsubscribe/<token> names a person and a kind of mail
(the digest, or reminders).

GET shows a page with a button (and where the person's other preferences are); it never
changes anything. POST turns that kind of mail off: the mailbox provider's one-click POST (body
`List-Unsubscribe=One-Click`, url-encoded or multipart) and the page's own form alike; doing it
twice is harmless. No cookies, no redirect: the signed token in the address is what counts.
Forged or altered links get 403 and change nothing."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.http import pages
from bot.i18n import N_
from bot.ops import subscriptions
from bot.services import Services

HEADING = N_("Unsubscribe")
DENIED = N_("This unsubscribe link is not valid. Please use the link in the most recent mail, "
            "or change your mail preferences with /settings in the Telegram bot.")
TOO_LONG = N_("This request is too long.")


def _denied(request: Request) -> Response:
    return pages.page("message.html", pages.browser_language(request), status=403,
                      heading=HEADING, message=DENIED)


async def show(request: Request) -> Response:
    """GET: what the button would turn off (or that it is off already)."""
    services: Services = request.app.state.services
    try:
        found = await subscriptions.read_link(services, request.path_params["token"])
    except subscriptions.LinkRefused:
        return _denied(request)
    return pages.page("unsubscribe.html", found.language, subscription=found, done=False)


async def unsubscribe(request: Request) -> Response:
    """POST: that kind of mail off for that person (audited, via "link")."""
    services: Services = request.app.state.services
    if await pages.form_fields(request) is None:
        return pages.page("message.html", pages.browser_language(request), status=413,
                          heading=HEADING, message=TOO_LONG)
    try:
        found = await subscriptions.unsubscribe_by_link(services, request.path_params["token"])
    except subscriptions.LinkRefused:
        return _denied(request)
    return pages.page("unsubscribe.html", found.language, subscription=found, done=True)


def routes() -> list[Route]:
    return [
        Route("/unsubscribe/{token}", show, methods=["GET"]),
        Route("/unsubscribe/{token}", unsubscribe, methods=["POST"]),
    ]
