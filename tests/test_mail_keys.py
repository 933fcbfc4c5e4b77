"""Outbox keys: the spelling stored today, and every key reads back as what it was built from."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.mail import keys
from bot.mail.keys import ActionKey, DigestKey, LinkKey, MeetingKey, PreviewKey

AT = datetime(2007, 7, 2, 9, 30, tzinfo=UTC)

CASES = [
    (MeetingKey("reminder", 4, 1, 9, days=7), "reminder:4:7:1:9"),
    (MeetingKey("update", 4, 2, 9), "update:4:2:9"),
    (MeetingKey("cancel", 4, 3, 9), "cancel:4:3:9"),
    (MeetingKey("invite", 4, 0, 9), "invite:4:0:9"),
    (MeetingKey("invite", 4, 1, 9, round=2), "invite:4:1:9:2"),  # invited a third time
    (MeetingKey("cancel", 4, 1, 9, round=1), "cancel:4:1:9:1"),
    (ActionKey(5, "soon", date(2007, 7, 6), 9), "action:5:soon:2007-07-06:9"),
    (ActionKey(5, "overdue", date(2007, 7, 6), 9), "action:5:overdue:2007-07-06:9"),
    (DigestKey(date(2007, 7, 2), 9), "digest:2007-07-02:9"),
    (PreviewKey(AT, 9, "admin@example.org"),
     "preview:2007-07-02T09:30:00+00:00:9:admin@example.org"),
    (LinkKey(9, AT), "link:9:2007-07-02T09:30:00+00:00"),
]


@pytest.mark.parametrize(("key", "text"), CASES)
def test_keys_are_spelled_as_stored_and_read_back(key, text):
    assert str(key) == text
    assert keys.parse(text) == key
    twin = keys.telegram(key)
    assert str(twin) == f"telegram:{text}"
    assert keys.parse(str(twin)) == twin


@pytest.mark.parametrize("text", [
    "test:x", "reminder:4:1:9", "update:a:1:9", "action:5:later:2007-07-06:9",
    "telegram:telegram:update:4:2:9", "digest:yesterday:9", "",
    "invite:4:0:9:0", "update:4:1:9:1", "reminder:4:7:1:9:1",  # a round only after the first
])
def test_foreign_or_malformed_keys_read_as_none(text):
    assert keys.parse(text) is None


def test_prefixes_match_the_keys_they_look_up():
    assert str(MeetingKey("update", 4, 2, 9)).startswith(keys.meeting_prefix("update", 4))
    assert str(ActionKey(5, "soon", date(2007, 7, 6), 9)).startswith(keys.action_prefix(5))
    email, tg = keys.kind_prefixes("cancel")
    assert str(MeetingKey("cancel", 4, 3, 9)).startswith(email)
    assert str(keys.telegram(MeetingKey("cancel", 4, 3, 9))).startswith(tg)
