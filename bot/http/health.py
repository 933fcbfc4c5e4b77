"""GET /healthz for a load balancer: 200 when the database answers and the scheduler runs,
else 503; JSON either way."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.ops import health


def routes(scheduler_running: Callable[[], bool]) -> list[Route]:
    async def healthz(request: Request) -> JSONResponse:
        """Report the database, the scheduler and the mail backlog."""
        result = await health.check(request.app.state.services,
                                    scheduler_running=scheduler_running())
        return JSONResponse(result.as_dict(), status_code=200 if result.healthy else 503,
                            headers={"Cache-Control": "no-store"})

    return [Route("/healthz", healthz, methods=["GET"])]
