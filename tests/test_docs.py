"""The README's command reference matches /help (handlers.registry.COMMANDS)."""

from pathlib import Path

from handlers.registry import COMMANDS

REFERENCE = Path(__file__).parent.parent / "README.md"


def test_reference_lists_every_command_of_help_with_its_example():
    text = REFERENCE.read_text(encoding="utf-8")
    for entry in COMMANDS:
        example = entry.example.replace("|", "\\|")
        form = entry.usage_line.replace("|", "\\|")
        row = f"| /{entry.name} | `{form}` | {entry.summary} | `{example}` |"
        assert row in text, row


def test_reference_lists_nothing_that_help_does_not():
    import re

    listed = set(re.findall(r"^\| /(\w+) \|", REFERENCE.read_text(encoding="utf-8"), re.M))
    assert listed == {entry.name for entry in COMMANDS}
