"""Placeholder until the fan-out figure is written."""

from tests.bench.common import not_measured


async def measure(folder):
    return [not_measured("fan-out", ">= 25 msg/s", "not written yet")]
