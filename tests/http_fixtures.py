"""Fixtures for the HTTP front: settings with public links, and an ASGI client (no socket)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from urllib.parse import urlparse

import httpx
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette

from bot.config import Settings
from bot.http.app import build_front
from bot.services import Services

PUBLIC_URL = "https://fof.example.org/forum"
SECRET_KEY = "a-test-secret-key-of-some-length-0123456789"


@pytest.fixture(name="linked_settings")
def linked_settings_fixture(settings: Settings) -> Settings:
    """The test settings with FOF_PUBLIC_URL and FOF_SECRET_KEY set."""
    return settings.model_copy(update={"public_url": PUBLIC_URL,
                                       "secret_key": SecretStr(SECRET_KEY)})


def front(services: Services, scheduler_running: Callable[[], bool] = lambda: True,
          **kwargs) -> Starlette:
    return build_front(services, scheduler_running=scheduler_running, **kwargs)


@pytest.fixture(name="client")
async def client_fixture(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """The front's routes through httpx's ASGI transport: no socket, no lifespan."""
    transport = httpx.ASGITransport(app=front(services))
    async with httpx.AsyncClient(transport=transport, base_url="http://front") as client:
        yield client


def feed_paths(text: str) -> list[str]:
    """The paths (under PUBLIC_URL) of the calendar links in a /settings reply."""
    prefix = urlparse(PUBLIC_URL).path
    return [urlparse(url).path.removeprefix(prefix)
            for url in re.findall(r"https://\S+\.ics", text)]
