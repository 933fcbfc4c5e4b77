"""Calendar feeds: GET /calendar.ics (the meetings for everyone) and GET /calendar/<token>.ics
(one person's meetings with their answers, behind a signed link; 403 when it is old or
forged)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot import ics
from bot.ops import feeds
from bot.services import Services

CONTENT_TYPE = "text/calendar; charset=utf-8"
PUBLIC_NAME = "GFMD Friends of the Forum"
DENIED = ("This calendar link is not valid any more (it may have been renewed). "
          "Get the current one with /settings in the bot.")


def _calendar(body: bytes, filename: str) -> Response:
    return Response(body, media_type=CONTENT_TYPE, headers={
        "Content-Disposition": f'inline; filename="{filename}"',
        "Cache-Control": "private, max-age=300",
    })


async def public_feed(request: Request) -> Response:
    """The meetings whose audience is everyone."""
    services: Services = request.app.state.services
    meetings = await feeds.public_feed(services)
    organizer = ics.organizer(services.settings)
    return _calendar(ics.feed_calendar(meetings, name=PUBLIC_NAME, organizer_email=organizer),
                     "gfmd.ics")


async def personal_feed(request: Request) -> Response:
    """One person's meetings, with their attendance as PARTSTAT."""
    services: Services = request.app.state.services
    try:
        feed = await feeds.personal_feed(services, request.path_params["token"])
    except feeds.FeedDenied:
        return PlainTextResponse(DENIED, status_code=403)
    body = ics.feed_calendar(feed.meetings, name=f"{PUBLIC_NAME}: {feed.name}",
                             organizer_email=ics.organizer(services.settings),
                             attendee_email=feed.email, attendee_name=feed.name,
                             answers=feed.answers)
    return _calendar(body, "gfmd-mine.ics")


def routes() -> list[Route]:
    return [
        Route(feeds.PUBLIC_PATH, public_feed, methods=["GET"]),
        Route(feeds.personal_path("{token}"), personal_feed, methods=["GET"]),
    ]
