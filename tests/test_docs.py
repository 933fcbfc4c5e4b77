"""The README's command reference matches /help (handlers.basic.COMMANDS)."""

from pathlib import Path

from handlers.basic import COMMANDS, USAGE

REFERENCE = Path(__file__).parent.parent / "README.md"


def test_reference_lists_every_command_of_help_with_its_example():
    text = REFERENCE.read_text(encoding="utf-8")
    for entry in COMMANDS:
        example = entry.example.replace("|", "\\|")
        form = USAGE.get((entry.command, entry.role), f"/{entry.command}").replace("|", "\\|")
        row = f"| /{entry.command} | `{form}` | {entry.summary} | `{example}` |"
        assert row in text, row


def test_reference_lists_nothing_that_help_does_not():
    import re

    listed = set(re.findall(r"^\| /(\w+) \|", REFERENCE.read_text(encoding="utf-8"), re.M))
    assert listed == {entry.command for entry in COMMANDS}
