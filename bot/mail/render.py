"""Jinja2 templates for mail and Telegram texts, and dates in the reader's zone and language.

HTML templates (`*.html`, Telegram's `*.tg.html` too) are autoescaped: names, titles and notes
typed by users can never inject markup. Plain-text templates (`*.txt`) are not escaped.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from bot import dates, i18n

# Languages the templates are written in (through the catalogs). Dates follow the text's
# language: a French date inside an English sentence reads badly.
TEMPLATE_LANGUAGES = i18n.LANGUAGES


def mail_language(language: str) -> str:
    chosen = i18n.pick(language)
    return chosen if chosen in TEMPLATE_LANGUAGES else "en"


def when(moment: datetime, zone: str, language: str = "en") -> str:
    """'Monday, 9 July 2007, 09:00' in `zone`, in the language the mail is written in."""
    return dates.long_moment(moment, zone, mail_language(language))


def day(value: date, language: str = "en") -> str:
    """'Friday, 6 July 2007' in the language the mail is written in."""
    return dates.long_day(value, mail_language(language))


def when_both(moment: datetime, reader_zone: str, meeting_zone: str, language: str = "en") -> str:
    """The time in the reader's zone, and in the meeting's when that differs, each zone named
    by its city in the mail's language."""
    return dates.long_moment_both(moment, reader_zone, meeting_zone, mail_language(language))


@lru_cache(maxsize=1)
def environment():  # -> jinja2.Environment, imported at the first mail built
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=PackageLoader("bot.mail", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True,
                                     default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
        auto_reload=False,  # templates ship with the package: no stat() per message
    )
    # `{{ _("...") }}` and `{% trans %}` read the language of the moment (`bot.i18n.using`).
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)
    # Jinja's own newstyle callables reach ours through two more `Context.call`s each (a third
    # of a digest's rendering); these do the same (Markup when autoescaping, `%` always).
    gettext, ngettext = _translators()
    env.globals.update(gettext=gettext, ngettext=ngettext, _=gettext)
    # `{% trans %}` blocks are looked up with their whitespace collapsed, as the extractor
    # (bot.catalogs, trimmed=true) wrote them: a block may span lines in the template.
    env.policies["ext.i18n.trimmed"] = True
    env.filters["when"] = when
    env.filters["day"] = day
    env.filters["when_both"] = when_both
    return env


def _translators():
    """`gettext` and `ngettext` as Jinja's newstyle ones behave, calling ours directly."""
    from jinja2 import pass_eval_context
    from markupsafe import Markup

    @pass_eval_context
    def gettext(eval_context, message: str, /, **variables: object) -> str:
        text = i18n.gettext(message)
        return (Markup(text) if eval_context.autoescape else text) % variables

    @pass_eval_context
    def ngettext(eval_context, singular: str, plural: str, number: int, /,
                 **variables: object) -> str:
        variables.setdefault("num", number)
        text = i18n.ngettext(singular, plural, number)
        return (Markup(text) if eval_context.autoescape else text) % variables

    return gettext, ngettext


@lru_cache(maxsize=64)
def template(name: str):  # -> jinja2.Template, looked up once
    return environment().get_template(name)


def render(name: str, **context: object) -> str:
    return template(name).render(**context)


def render_mail(name: str, **context: object) -> tuple[str, str]:
    """(plain text, HTML) of `name`.txt and `name`.html."""
    return render(f"{name}.txt", **context), render(f"{name}.html", **context)
