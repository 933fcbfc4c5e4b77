"""The translation catalogs, for the people who keep them (not used by the running bot).

    python -m bot.catalogs check            what is untranslated or has wrong placeholders
    python -m bot.catalogs add DOMAIN       append every untranslated text to DOMAIN.po (fr, es)
    python -m bot.catalogs prune            remove the entries the source no longer has
    python -m bot.catalogs compile          write the .mo files (the Makefile's set-up runs it)

Texts are found in the source by Babel's extractor: `_`, `n_`, `N_` in Python and `{% trans %}`
or `_()` in the mail templates. A translation must keep the source's placeholders exactly
(`{name}` in Python, `%(name)s` in templates).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from bot.i18n import LANGUAGES, LOCALE_DIR

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("bot", "handlers", "storage")
KEYWORDS = {"_": None, "n_": (1, 2), "N_": None, "gettext": None, "ngettext": (1, 2)}
METHODS = [
    ("**/templates/**", "jinja2.ext:babel_extract"),
    ("**.py", "python"),
]
OPTIONS = {"**/templates/**": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
TRANSLATED = tuple(language for language in LANGUAGES if language != "en")
PLACEHOLDER = re.compile(r"\{(\w+)[^{}]*\}|%\((\w+)\)[sd]")

MessageId = str | tuple[str, str]


def source_messages() -> dict[MessageId, list[str]]:
    """Every text marked for translation in the source, with where it is."""
    found: dict[MessageId, list[str]] = {}
    for folder in SOURCES:
        for filename, line, message, _comments, _context in extract_from_dir(
            ROOT / folder, METHODS, keywords=KEYWORDS, options_map=OPTIONS,
            comment_tags=(), strip_comment_tags=True,
        ):
            key: MessageId = message if isinstance(message, str) else (message[0], message[1])
            found.setdefault(key, []).append(f"{folder}/{filename}:{line}")
    return found


def po_files(language: str) -> list[Path]:
    return sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po"))


def catalog(language: str) -> Catalog:
    """All domains of a language in one catalog."""
    merged = Catalog(locale=language)
    for po in po_files(language):
        with po.open("rb") as source:
            for message in read_po(source, locale=language):
                if message.id and (message.string or message.id not in merged):
                    merged[message.id] = message
    return merged


def disagreements(language: str) -> list[str]:
    """Texts translated differently in two domains (at run time the later domain would win,
    so one of the two translations would never be seen)."""
    seen: dict[str, tuple[str, object]] = {}
    lines = []
    for po in po_files(language):
        with po.open("rb") as source:
            for message in read_po(source, locale=language):
                if not message.id or not message.string:
                    continue
                key = message.id if isinstance(message.id, str) else message.id[0]
                if key in seen and seen[key][1] != message.string:
                    lines.append(f"{language}: {key!r} is translated differently in "
                                 f"{seen[key][0]}.po and {po.stem}.po")
                seen.setdefault(key, (po.stem, message.string))
    return lines


def placeholders(text: str) -> set[str]:
    return {a or b for a, b in PLACEHOLDER.findall(text)}


def _strings(value: str | tuple | list) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def problems() -> list[str]:
    """One line per untranslated text or placeholder mismatch, in every language."""
    found = source_messages()
    lines: list[str] = []
    for language in TRANSLATED:
        lines.extend(disagreements(language))
        known = catalog(language)
        for message_id, where in found.items():
            lookup = message_id if isinstance(message_id, str) else message_id[0]
            entry = known.get(lookup)
            label = f"{language}: {lookup!r} ({where[0]})"
            if entry is None or not any(_strings(entry.string)) or entry.fuzzy:
                lines.append(f"{label} has no translation")
                continue
            lines.extend(_placeholder_problems(label, message_id, entry.string))
    return lines


def _placeholder_problems(label: str, message_id: MessageId, string) -> Iterator[str]:
    wanted = set().union(*(placeholders(s) for s in _strings(message_id)))
    for translated in _strings(string):
        if not translated:
            yield f"{label} has an empty plural form"
        elif placeholders(translated) - wanted or (
            isinstance(message_id, str) and placeholders(translated) != wanted
        ):
            yield (f"{label}: the translation's placeholders {sorted(placeholders(translated))}"
                   f" differ from {sorted(wanted)}")


def add_missing(domain: str) -> int:
    """Append every text no catalog of a language has yet to that language's DOMAIN.po."""
    found = source_messages()
    added = 0
    for language in TRANSLATED:
        known = catalog(language)
        path = LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.po"
        target = Catalog(locale=language, domain=domain, project="fof-bot")
        if path.exists():
            with path.open("rb") as source:
                target = read_po(source, locale=language, domain=domain)
        for message_id, where in found.items():
            lookup = message_id if isinstance(message_id, str) else message_id[0]
            if lookup in known or lookup in target:
                continue
            target.add(message_id, string="" if isinstance(message_id, str) else ("", ""),
                       locations=[(w.rsplit(":", 1)[0], int(w.rsplit(":", 1)[1])) for w in where])
            added += 1
        target.fuzzy = False  # a fuzzy header would be left out of the .mo, plural rules too
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            write_po(out, target, width=100, sort_output=False, omit_header=False)
    return added


def prune() -> int:
    """Remove the entries whose text the source no longer has (every domain, both languages)."""
    found = {m if isinstance(m, str) else m[0] for m in source_messages()}
    removed = 0
    for language in TRANSLATED:
        for po in po_files(language):
            with po.open("rb") as source:
                catalog_ = read_po(source, locale=language, domain=po.stem)
            stale = [m.id for m in catalog_ if m.id and
                     (m.id if isinstance(m.id, str) else m.id[0]) not in found]
            for message_id in stale:
                del catalog_[message_id]
            removed += len(stale)
            catalog_.fuzzy = False
            with po.open("wb") as out:
                write_po(out, catalog_, width=100, sort_output=False, omit_header=False)
    return removed


def compile_all() -> int:
    count = 0
    for language in TRANSLATED:
        for po in po_files(language):
            with po.open("rb") as source:
                parsed = read_po(source, locale=language)
            with po.with_suffix(".mo").open("wb") as out:
                write_mo(out, parsed)
            count += 1
    return count


def main(argv: list[str]) -> int:
    if argv[:1] == ["compile"]:
        print(f"compiled {compile_all()} catalogs")
        return 0
    if argv[:1] == ["add"] and len(argv) == 2:
        print(f"added {add_missing(argv[1])} entries to {argv[1]}.po; translate them")
        return 0
    if argv[:1] == ["prune"]:
        print(f"removed {prune()} entries the source no longer has")
        return 0
    if argv[:1] == ["check"]:
        found = problems()
        print("\n".join(found) or "every text is translated")
        return 1 if found else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
