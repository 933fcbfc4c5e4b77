"""The catalogs: every text has a French and a Spanish translation with the same placeholders."""

from __future__ import annotations

import asyncio

from bot import catalogs, i18n
from bot.i18n import _, n_, using


def test_every_text_is_translated_with_its_placeholders() -> None:
    found = catalogs.problems()
    assert found == [], "\n".join(found[:40])


def test_the_source_has_texts_to_translate() -> None:
    assert len(catalogs.source_messages()) > 0


def test_a_translation_that_renames_a_placeholder_is_caught() -> None:
    assert list(catalogs._placeholder_problems("x", "{member} left", "{membre} est parti"))
    assert list(catalogs._placeholder_problems("x", "%(n)s left", "partis"))
    assert not list(catalogs._placeholder_problems("x", "{member} left", "{member} est parti"))


def test_language_choice() -> None:
    assert i18n.pick(None, "fr-CA") == "fr"
    assert i18n.pick("es_MX") == "es"
    assert i18n.pick("de", "pt-BR") == "en"
    assert i18n.pick("", None) == "en"


def test_the_language_is_per_task() -> None:
    async def read(language: str) -> str:
        i18n.set_language(language)
        await asyncio.sleep(0)
        return i18n.current()

    async def both() -> list[str]:
        return list(await asyncio.gather(read("fr"), read("es")))

    assert asyncio.run(both()) == ["fr", "es"]
    assert i18n.current() == "en"


def test_english_is_the_source_and_fields_are_filled() -> None:
    with using("en"):
        assert _("{member} has no focal point.", member="Chad") == "Chad has no focal point."
        assert n_("{count} member", "{count} members", 2) == "2 members"
