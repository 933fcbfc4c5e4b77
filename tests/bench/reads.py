"""Read commands at UN scale through the real Application and the offline request object,
against a bare python-telegram-bot echo handler through the same kind of Application and the
same offline request; and recording action items through the operation."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from telegram.ext import ApplicationBuilder, MessageHandler, filters

from bot.app import build_application
from bot.clock import FixedClock
from bot.offline import OfflineBot, OfflineRequest, user
from bot.ops import actions as action_ops
from bot.ops import imports
from bot.services import Services, open_services
from storage.models import ActionItem
from storage.people import Viewer
from tests.bench.common import (
    FIRST_TELEGRAM_ID,
    NOW,
    Figure,
    action_due,
    add_meetings,
    bench_settings,
    import_contacts,
    not_measured,
)

MEMBERS, MEETINGS, ACTIONS = 200, 500, 10_000
BY_OPERATION, OPERATION_CAP = 1_000, 8.0  # items recorded through the operation: count, s
# per command: at most this many runs, at most this many seconds; each run of the command is
# paired with a run of the echo handler just before it, so both see the same load of the
# machine (other jobs share it), and the figures are the medians
REPEATS, TIME_CAP = 200, 6.0
DELEGATE = user(FIRST_TELEGRAM_ID + 5, "Delegate")


async def build_un_scale(services: Services) -> Figure:
    """200 members with focal points (import), 500 meetings, 10,000 action items; returns the
    figure for recording action items (through an action import file where the product has
    one, else through the operation)."""
    await import_contacts(services, MEMBERS)
    await add_meetings(services, MEETINGS)
    codes = await _codes(services)
    if hasattr(imports, "apply_checked"):  # the action import file of issue 10
        return await _by_file(services, codes)
    return await _by_operation(services, codes)


async def _by_file(services: Services, codes: list[str]) -> Figure:
    lines = ["member,due,title"] + [
        f"{codes[n % len(codes)]},{action_due(n).isoformat()},Bench action item {n}"
        for n in range(ACTIONS)]
    content = ("\n".join(lines) + "\n").encode()
    start = time.perf_counter()
    checked = await imports.check_file(services, Viewer.operator(), content)
    result = await imports.apply_checked(services, Viewer.operator(), checked,
                                         source="actions.csv")
    seconds = time.perf_counter() - start
    added = getattr(result, "added", None)
    return Figure(f"recording {ACTIONS:,} action items", seconds, "s", "< 10 s",
                  met=seconds < 10 and added == ACTIONS,
                  note=f"through the action import (check and apply), {added} added")


async def _by_operation(services: Services, codes: list[str]) -> Figure:
    start = time.perf_counter()
    done = 0
    while done < BY_OPERATION and time.perf_counter() - start < OPERATION_CAP:
        await action_ops.add_action(services, Viewer.operator(), code=codes[done % len(codes)],
                                    due_date=action_due(done), title=f"Bench action item {done}")
        done += 1
    per_item = (time.perf_counter() - start) / done
    # The rest as the rows the operation writes, added in one transaction (only to build the
    # database quickly, without their audit entries; not measured).
    ids = await _member_ids(services)
    async with services.sessions.begin() as session:
        session.add_all([
            ActionItem(title=f"Bench action item {n}", member_id=ids[codes[n % len(codes)]],
                       due_date=action_due(n), created_at=NOW, updated_at=NOW)
            for n in range(done, ACTIONS)])
    estimate = per_item * ACTIONS
    return Figure(f"recording {ACTIONS:,} action items", estimate, "s", "< 10 s",
                  met=estimate < 10,
                  note=f"no action import on this code: {done:,} recorded through "
                       f"bot.ops.actions.add_action ({per_item * 1000:.1f} ms each), "
                       "extrapolated")


async def _member_ids(services: Services) -> dict[str, int]:
    from bot.ops import membership

    return {m.code: m.id for m in await membership.list_members(services, Viewer.operator())}


async def _codes(services: Services) -> list[str]:
    from bot.ops import membership

    listed = await membership.list_members(services, Viewer.operator())
    return [m.code for m in listed]


async def _cpu_per_call(bot: OfflineBot, who: dict, text: str,
                        echo: OfflineBot) -> tuple[float, float, float, str]:
    """(median CPU ms per command, median CPU ms of the echo handler run beside it, median
    wall ms per command, the last reply) over bounded repeats."""
    reply = "".join(OfflineBot.texts(await bot.send(who, text)))  # warm-up
    await echo.send(who, text)
    cpu: list[float] = []
    base: list[float] = []
    wall: list[float] = []
    deadline = time.perf_counter() + TIME_CAP
    while len(cpu) < REPEATS and time.perf_counter() < deadline:
        c0 = time.process_time()
        await echo.send(who, text)
        c1, w1 = time.process_time(), time.perf_counter()
        await bot.send(who, text)
        cpu.append(time.process_time() - c1)
        wall.append(time.perf_counter() - w1)
        base.append(c1 - c0)
    return (statistics.median(cpu) * 1000, statistics.median(base) * 1000,
            statistics.median(wall) * 1000, reply)


async def _echo_bot() -> tuple[OfflineBot, object]:
    request = OfflineRequest()
    app = (ApplicationBuilder().token("123456:offline").request(request)
           .get_updates_request(request).updater(None).build())

    async def echo(update, context) -> None:
        await update.effective_message.reply_text(update.effective_message.text)

    app.add_handler(MessageHandler(filters.TEXT, echo))
    await app.initialize()
    return OfflineBot(app, request), app


async def measure(folder: Path) -> list[Figure]:
    settings = bench_settings(folder, 2525, "reads")  # no mail is sent here
    async with open_services(settings, FixedClock(NOW)) as services:
        recording = await build_un_scale(services)
        echo, echo_app = await _echo_bot()
        request = OfflineRequest()
        app = build_application(services, request=request, rate_limit=False)
        figures = []
        try:
            async with app:
                bot = OfflineBot(app, request)
                walls = {}
                for command in ("/next", "/actions", "/meetings"):
                    cpu, base_cpu, wall, reply = await _cpu_per_call(bot, DELEGATE, command,
                                                                     echo)
                    walls[command] = (wall, reply)
                    figures.append(Figure(
                        f"CPU per {command} at UN scale vs bare echo handler", cpu, "ms CPU",
                        "<= 3x", baseline=base_cpu, ratio=cpu / base_cpu,
                        met=cpu / base_cpu <= 3,
                        note="medians, each run beside an echo run"))
        finally:
            await echo_app.shutdown()
        for command, what in (("/actions", f"{ACTIONS:,} action items"),
                              ("/meetings", f"{MEETINGS} meetings")):
            wall, reply = walls[command]
            if not reply.strip():
                figures.append(not_measured(f"one {command} with {what}", "< 15 ms",
                                            "the command gave no answer"))
                continue
            figures.append(Figure(f"one {command} with {what} (median wall time)", wall, "ms",
                                  "< 15 ms", met=wall < 15))
        figures.append(recording)
    return figures
