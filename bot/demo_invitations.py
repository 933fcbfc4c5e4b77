"""The demo's meeting mail: an invitation when a meeting is scheduled, the update when it
moves, the cancellation when it is called off (each delivered as `.eml` files).

The sample meetings were scheduled long before the demo's "now": their invitations are
recorded as sent then (`sample_invitations_sent`), as they would have been, so the demo's
sweep shows reminders and only the story's meeting shows invitations.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

from bot.mail import keys
from bot.mail.reminders import sweep
from bot.offline import OfflineBot
from bot.services import Services
from storage import outbox

STORY_MEETING = ("2007-07-23 10:00 Europe/Brussels | Troika: preparing the Manila handover | "
                 "Brussels, Egmont Palace | troika")


async def sample_invitations_sent(services: Services, at: datetime) -> int:
    """Invite to the sample meetings as of `at`, and record those invitations as sent."""
    queued = await sweep(services, at)
    async with services.sessions.begin() as session:
        pending = await outbox.pending_with_prefixes(session,
                                                     *keys.kind_prefixes(keys.INVITE))
        await outbox.mark_sent_many(session, [row_id for row_id, _key in pending], now=at)
    return queued


async def meeting_story(bot: OfflineBot, services: Services, admin: dict,
                        deliver: Callable[[], Awaitable[list[Path]]]) -> list[Path]:
    """Schedule, move and cancel a troika meeting; the sweep and delivery after each step."""
    written: list[Path] = []
    steps = [("/addmeeting " + STORY_MEETING, "An administrator schedules a troika meeting: "
              "its audience is invited at the next sweep")]
    meeting_id = None
    for index in range(3):
        text, why = steps[index]
        print(f"\n# {why}\n  {admin['first_name']}> {text}")
        calls = await bot.send(admin, text)
        confirm = [(label, data, call) for call in calls for label, data in call.buttons
                   if data == f"cxm:{meeting_id}"]
        for label, data, call in confirm[:1]:  # "Cancel this meeting?" asks first
            print(f"  {admin['first_name']}> [{label}]")
            calls = await bot.click(admin, data,
                                    message_id=int(call.params.get("message_id") or 1))
        reply = " ".join(c.text for c in calls
                         if c.method in ("sendMessage", "editMessageText") and c.text)
        print("  bot> " + re.sub(r"<[^>]+>", "", reply).replace("\n", "\n       "))
        if meeting_id is None:
            found = re.search(r"#(\d+)", re.sub(r"<[^>]+>", "", reply))
            if found is None:
                return written
            meeting_id = found.group(1)
            steps += [(f"/movemeeting {meeting_id} 2007-07-24 10:00",
                       "It moves a day later: those invited get the update, old and new time"),
                      (f"/cancelmeeting {meeting_id}",
                       "It is called off: those invited get the cancellation")]
        await sweep(services, services.clock.now())
        written += await deliver()
    return written
