"""Answers in one click: GET /rsvp/<token>?answer=yes|no|maybe shows a confirmation page in
the person's language; its button POSTs to the same address, which records the answer as the
Telegram buttons do. A GET never changes anything (mail scanners follow links). Forged, altered
and expired links get 403, an unknown answer 400; neither changes anything.

No cookies: the signed token in the address is what a POST needs, so another site cannot
answer for anyone (it would need the token)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from babel.dates import format_date
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot import dates
from bot.http import pages
from bot.i18n import N_
from bot.ops import rsvp
from bot.services import Services

LABELS = {
    "yes": N_("Yes, I will attend"),
    "no": N_("No, I will not attend"),
    "maybe": N_("Maybe, I am not sure yet"),
}
REFUSED = {
    rsvp.FORGED: N_("This link is not valid. Please use the link in the most recent mail about "
                    "the meeting, or answer in the Telegram bot with /meetings."),
    rsvp.STARTED: N_("This meeting has already started, so answers are closed."),
    rsvp.CANCELLED: N_("This meeting was cancelled, so there is nothing to answer."),
    rsvp.NOT_INVITED: N_("This meeting is no longer open to the members you represent, so this "
                         "link does not work any more."),
}
BAD_ANSWER = N_("This link asks for an answer I do not know. The answer must be yes, no or "
                "maybe; please use the links in the mail.")
TOO_LONG = N_("This request is too long.")


def _refused(request: Request, refused: rsvp.LinkRefused) -> Response:
    language = refused.language or pages.browser_language(request)
    return pages.page("message.html", language, status=403, heading=N_("Will you attend?"),
                      message=REFUSED[refused.reason])


def _day(value: date, language: str) -> str:
    """'Monday, 9 July 2007' (the house style in English), 'lundi 9 juillet 2007', 'lunes, 9
    de julio de 2007' (each language's own full form)."""
    if language == "en":
        return dates.long_day(value, language)
    return format_date(value, "full", locale=dates.locale_for(language))


def _details(invitation: rsvp.Invitation) -> dict[str, object]:
    meeting = invitation.meeting
    local = meeting.starts_at.astimezone(ZoneInfo(invitation.timezone))
    return {"invitation": invitation, "meeting": meeting, "labels": LABELS,
            "day": _day(local.date(), invitation.language), "time": f"{local:%H:%M}",
            "zone": invitation.timezone}


async def confirm(request: Request) -> Response:
    """GET: the meeting and a button that confirms the answer (or three, without one)."""
    services: Services = request.app.state.services
    asked = request.query_params.get("answer")
    try:
        invitation = await rsvp.read_link(services, request.path_params["token"])
    except rsvp.LinkRefused as refused:
        return _refused(request, refused)
    if asked is not None and asked not in rsvp.ANSWERS:
        return pages.page("message.html", invitation.language, status=400,
                          heading=N_("Will you attend?"), message=BAD_ANSWER)
    return pages.page("rsvp.html", invitation.language, asked=asked, **_details(invitation))


async def record(request: Request) -> Response:
    """POST: the answer (from the form, else from the address) is recorded."""
    services: Services = request.app.state.services
    fields = await pages.form_fields(request)
    if fields is None:
        return pages.page("message.html", pages.browser_language(request), status=413,
                          heading=N_("Will you attend?"), message=TOO_LONG)
    answer = fields.get("answer") or request.query_params.get("answer") or ""
    try:
        invitation = await rsvp.answer_by_link(services, request.path_params["token"], answer)
    except rsvp.LinkRefused as refused:
        return _refused(request, refused)
    except rsvp.BadAnswer as bad:
        return pages.page("message.html", bad.language, status=400,
                          heading=N_("Will you attend?"), message=BAD_ANSWER)
    return pages.page("rsvp_done.html", invitation.language, **_details(invitation))


def routes() -> list[Route]:
    return [
        Route("/rsvp/{token}", confirm, methods=["GET"]),
        Route("/rsvp/{token}", record, methods=["POST"]),
    ]
