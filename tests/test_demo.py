"""`fof-bot demo` runs to completion and leaves mail that any mail program reads."""

from email import message_from_bytes, policy

from icalendar import Calendar

from bot.demo import run_demo

MEETING_MAIL = [("Invitation:", "invitation", "REQUEST"), ("Changed:", "update", "REQUEST"),
                ("Cancelled:", "cancellation", "CANCEL")]


async def test_demo_runs_and_writes_parseable_mail(tmp_path, capsys):
    folder = tmp_path / "demo"
    assert await run_demo(folder) == 0
    output = capsys.readouterr().out
    assert "Summary" in output and "0 failed" in output

    files = sorted((folder / "mail").glob("*.eml"))
    assert len(files) >= 2
    kinds, languages = set(), set()
    for path in files:
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        for header in ("From", "To", "Subject", "Date", "Message-ID"):
            assert message[header], f"{path.name} has no {header}"
        assert message.get_body(("plain",)).get_content().strip()
        subject = str(message["Subject"])
        for prefix, language in (("Friends of the Forum digest", "en"),
                                 ("Bulletin des Amis du Forum", "fr"),
                                 ("Boletín de los Amigos del Foro", "es")):
            if subject.startswith(prefix):
                assert message["Content-Language"] == language
                kinds.add("digest")
                languages.add(language)
        if subject.startswith("Reminder:"):
            kinds.add("reminder")
            calendars = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
            assert calendars, f"{path.name}: a reminder carries the meeting"
            calendar = Calendar.from_ical(calendars[0].get_content())
            assert str(calendar["METHOD"]) == "REQUEST"
            assert calendar.walk("VEVENT")[0]["UID"].endswith("@gfmd.example")
        for prefix, kind, method in MEETING_MAIL:
            if subject.startswith(prefix):
                kinds.add(kind)
                [alternative, _attachment] = [p for p in message.walk()
                                              if p.get_content_type() == "text/calendar"]
                assert str(Calendar.from_ical(alternative.get_content())["METHOD"]) == method
    # the story's troika meeting: invited when scheduled, updated when moved, then cancelled
    assert kinds == {"digest", "reminder", "invitation", "update", "cancellation"}
    assert "a meeting update:" in output
    assert languages == {"en", "fr", "es"}  # a digest in each of the Forum's languages
    assert "a digest in French:" in output and "a digest in Spanish:" in output
    # one exchange in Spanish (Ana's setting) and one in French (Amadou's Telegram)
    assert "Punto focal de Finland (FI)" in output
    assert "Prochaine réunion : #2 Steering group" in output
    assert (folder / "demo.db").exists()
