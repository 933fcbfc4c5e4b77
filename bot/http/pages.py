"""Small HTML pages of the HTTP front (RSVP, unsubscribe): Jinja templates in the reader's
language, autoescaped, with no external resources, and headers that keep the secret link in
the address bar to itself (no referrer, no caching, no framing, no indexing)."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import parse_qs

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from bot import i18n

MAX_BODY = 16 * 1024  # bytes of a form body we read; the pages' forms send a few dozen

HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the address holds a signed token
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "X-Robots-Tag": "noindex, nofollow",
    "Content-Security-Policy": ("default-src 'none'; style-src 'unsafe-inline'; "
                                "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
}


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("bot.http", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.policies["ext.i18n.trimmed"] = True  # as the catalogs extract them (bot.catalogs)
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)
    return env


def page(name: str, language: str, *, status: int = 200, **context: object) -> HTMLResponse:
    """Template `name` rendered in `language`."""
    with i18n.using(language) as chosen:
        body = environment().get_template(name).render(language=chosen, **context)
    return HTMLResponse(body, status_code=status, headers=HEADERS)


def browser_language(request: Request) -> str:
    """The reader's language from Accept-Language (for pages whose link names no one)."""
    weighted: list[tuple[float, str]] = []
    for part in request.headers.get("accept-language", "").split(",")[:20]:
        tag, _sep, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        weighted.append((weight, tag))
    weighted.sort(key=lambda pair: -pair[0])
    return i18n.pick(*(tag for weight, tag in weighted if weight > 0))


async def form_fields(request: Request) -> dict[str, str] | None:
    """The fields of a url-encoded form body (first value of each); None when it is too long.
    Other bodies (RFC 8058 allows multipart) give {}: the link's token is what counts."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return None
    if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
        return {}
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {key: values[0] for key, values in fields.items()}
