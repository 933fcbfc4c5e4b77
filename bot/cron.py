"""Crontab lines with standard cron meaning, turned into APScheduler triggers.

APScheduler's ``CronTrigger.from_crontab`` counts day-of-week from 0 = Monday, unlike cron
(0 and 7 = Sunday). We expand the day-of-week field ourselves and hand APScheduler names.
"""

from __future__ import annotations

from datetime import tzinfo

from apscheduler.triggers.cron import CronTrigger

_DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]


def _day_number(token: str) -> int:
    token = token.strip().lower()
    if token[:3] in _DAY_NAMES and token.isalpha():
        return _DAY_NAMES.index(token[:3])
    value = int(token)  # ValueError on anything else
    if not 0 <= value <= 7:
        raise ValueError(f"day of week {value} is not between 0 and 7")
    return value % 7


def _expand_day_of_week(field: str) -> str:
    if field == "*":
        return "*"
    days: set[int] = set()
    for part in field.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
            if step < 1:
                raise ValueError("a step must be at least 1")
        if part == "*":
            first, last = 0, 6
        elif "-" in part:
            a, b = part.split("-", 1)
            first, last = _day_number(a), _day_number(b)
            if b.strip() == "7":
                last = 7
            if last < first:
                raise ValueError(f"day range {part} runs backwards")
        else:
            first = last = _day_number(part)
        days.update(d % 7 for d in range(first, last + 1, step))
    return ",".join(_DAY_NAMES[d] for d in sorted(days))


def cron_trigger(line: str, timezone: tzinfo) -> CronTrigger:
    """Build a trigger from a five-field crontab line; raise ValueError if it is not one."""
    fields = line.split()
    if len(fields) != 5:
        raise ValueError("a crontab line has five fields: minute hour day month day-of-week")
    minute, hour, day, month, dow = fields
    return CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=_expand_day_of_week(dow),
        timezone=timezone,
    )
