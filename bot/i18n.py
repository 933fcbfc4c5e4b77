"""The Forum's three languages: which one a text is written in, and its translation.

Every user-facing sentence goes through `_` (or `n_` for counts, `N_` to mark a text kept at
module level and translated where it is shown). The language is the reader's, held in a
context variable: the guard sets it once per update (each update runs in its own task, so one
reader's language never leaks into another's), and mail builders wrap each recipient's message
in `using(language)`.

Placeholders are named and written `{name}` (`str.format`), so a translation may move them:
`_("{member} has no focal point.", member=name)`. Jinja templates use `%(name)s` (Jinja's own
convention). `tests/test_i18n.py` fails when a text has no French or Spanish translation or a
translation drops or renames a placeholder.

Catalogs: `bot/locale/<fr|es>/LC_MESSAGES/<domain>.po`, one domain per area so that people
working on different areas do not edit the same file; all domains of a language are merged.
`python -m bot.catalogs` extracts, lists what is missing and compiles (the Makefile compiles at
set-up); a missing or stale `.mo` is compiled in memory from its `.po`, so a fresh clone works.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from gettext import NullTranslations
from pathlib import Path

from babel.support import Translations

LANGUAGES = ("en", "fr", "es")
DEFAULT = "en"
LOCALE_DIR = Path(__file__).parent / "locale"

_language: ContextVar[str] = ContextVar("fof_language", default=DEFAULT)


def supported(code: str | None) -> str | None:
    """'fr', 'fr-CA', 'fr_FR' -> 'fr'; a language we do not speak -> None."""
    if not code:
        return None
    base = code.replace("_", "-").split("-", 1)[0].strip().lower()
    return base if base in LANGUAGES else None


def pick(*candidates: str | None) -> str:
    """The first candidate we speak (a person's setting, Telegram's language_code, ...)."""
    for candidate in candidates:
        found = supported(candidate)
        if found:
            return found
    return DEFAULT


def current() -> str:
    return _language.get()


def set_language(language: str | None) -> None:
    """For the rest of this task (one update): texts in `language`."""
    _language.set(pick(language))


@contextmanager
def using(language: str | None) -> Iterator[str]:
    """Texts in `language` inside the block (a mail builder, per recipient)."""
    chosen = pick(language)
    token = _language.set(chosen)
    try:
        yield chosen
    finally:
        _language.reset(token)


def _(message: str, /, **fields: object) -> str:
    """`message` in the current language, its `{placeholders}` filled from `fields`."""
    text = translations(_language.get()).gettext(message)
    return text.format(**fields) if fields else text


def n_(singular: str, plural: str, count: int, /, **fields: object) -> str:
    """The singular or plural form for `count` (also available as `{count}`)."""
    text = translations(_language.get()).ngettext(singular, plural, count)
    return text.format(count=count, **fields)


def N_(message: str) -> str:
    """Mark a text for translation without translating it now (module-level constants);
    pass it through `_` where it is shown."""
    return message


def gettext(message: str) -> str:
    """For Jinja's i18n extension (`%(name)s` placeholders, filled by Jinja)."""
    return translations(_language.get()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return translations(_language.get()).ngettext(singular, plural, count)


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> NullTranslations:
    """All domains of one language merged; English is the source text itself."""
    if language == DEFAULT or language not in LANGUAGES:
        return NullTranslations()
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    merged: Translations | None = None
    for po in sorted(folder.glob("*.po")):
        loaded = Translations(_compiled(po), domain=po.stem)
        if merged is None:
            merged = loaded
        else:
            merged.merge(loaded)
    return merged or NullTranslations()


def _compiled(po: Path) -> io.BytesIO:
    """The `.mo` beside `po` when it is up to date, else `po` compiled in memory."""
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        return io.BytesIO(mo.read_bytes())
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as source:
        catalog = read_po(source)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return buffer
