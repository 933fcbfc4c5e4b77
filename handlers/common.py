"""What every handler needs: who is asking, refusals, replies."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from html import escape

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.i18n import N_, _
from handlers.context import BotContext
from storage.people import Viewer

log = logging.getLogger(__name__)

Handler = Callable[[Update, BotContext], Awaitable[object]]


async def reply(update: Update, text: str, **kwargs) -> None:
    """Reply in HTML (the Application's Defaults); callers escape what came from users (`esc`)."""
    message = update.effective_message
    if message is not None:
        await message.reply_text(text, **kwargs)


def esc(value: object) -> str:
    return escape(str(value), quote=False)


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure first, then tell the user something useful."""
    log.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await update.effective_message.reply_text(_(FAILED))
        except Exception:  # the error may be that we cannot reach Telegram at all
            log.warning("could not tell the user about the error", exc_info=True)


FAILED = N_(
    "Sorry, something went wrong on our side and nothing was changed. "
    "Please try again in a moment; if it keeps failing, tell the support structure."
)

# Telegram refuses messages over 4096 characters; leave room for the page footer and markup.
PAGE_LIMIT = 3500
KEPT_LISTS = 20


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == "private"


def paginate(lines: list[str], limit: int = PAGE_LIMIT) -> list[str]:
    """Join lines into pages under the limit; a single overlong line is cut."""
    pages: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        line = line if len(line) <= limit else line[: limit - 1] + "…"
        if current and size + len(line) + 1 > limit:
            pages.append("\n".join(current))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        pages.append("\n".join(current))
    return pages or [""]


def card_owner(update: Update) -> int | None:
    """Whose card a message with buttons is: in a group, the person who asked (their id goes
    into the callback data, and the registry refuses anyone else); in a private chat nobody
    else can press, so None."""
    if is_private(update) or update.effective_user is None:
        return None
    return update.effective_user.id


def owned(data: str, owner: int | str | None) -> str:
    """Callback data with the card's owner appended when there is one."""
    return data if owner is None else f"{data}:{owner}"


def page_buttons(token: str, page: int, total: int,
                 owner: int | str | None = None) -> InlineKeyboardMarkup | None:
    if total <= 1:
        return None
    row = []
    if page > 0:
        row.append(InlineKeyboardButton(_("◀ Previous"),
                                        callback_data=owned(f"pg:{token}:{page - 1}", owner)))
    row.append(InlineKeyboardButton(f"{page + 1} / {total}",
                                    callback_data=owned(f"pg:{token}:{page}", owner)))
    if page < total - 1:
        row.append(InlineKeyboardButton(_("Next ▶"),
                                        callback_data=owned(f"pg:{token}:{page + 1}", owner)))
    return InlineKeyboardMarkup([row])


def _keep(context: BotContext, entry: object) -> str:
    """Remember a list in chat_data under a new token (the latest KEPT_LISTS are kept)."""
    kept: dict[str, object] = context.chat_data.setdefault("pages", {})
    token = str(context.chat_data.get("pages_next", 1))
    context.chat_data["pages_next"] = int(token) + 1
    kept[token] = entry
    for old in list(kept)[:-KEPT_LISTS]:
        del kept[old]
    return token


async def reply_long(update: Update, context: BotContext, lines: list[str]) -> None:
    """Reply with a list, paged with buttons when it does not fit in one message."""
    pages = paginate(lines)
    if len(pages) == 1:
        await reply(update, pages[0])
        return
    # Pages live in chat_data (memory): after a restart the buttons say to ask again.
    token = _keep(context, pages)
    await reply(update, pages[0],
                reply_markup=page_buttons(token, 0, len(pages), card_owner(update)))


@dataclass(frozen=True)
class Page:
    """One page of a list read from the database: its lines, and how many pages there are."""

    lines: list[str]
    count: int


# A loader reads page `n` of a list of its kind from the database: (context, viewer, query, n).
PageLoader = Callable[[BotContext, Viewer, dict, int], Awaitable[Page]]
LOADERS: dict[str, PageLoader] = {}


def page_loader(kind: str) -> Callable[[PageLoader], PageLoader]:
    """Register the loader of a kind of list whose pages are read from the database."""
    def register(loader: PageLoader) -> PageLoader:
        LOADERS[kind] = loader
        return loader
    return register


def page_text(lines: list[str], limit: int = PAGE_LIMIT) -> str:
    """The lines of one page; overlong lines are shortened so the page fits in one message."""
    text = "\n".join(lines)
    if len(text) <= limit:
        return text
    budget = max(limit // max(len(lines), 1) - 1, 40)
    return "\n".join(fit_line(line, budget) for line in lines)[:limit]


def fit_line(line: str, limit: int) -> str:
    """Cut an HTML line to `limit` characters without leaving half a tag or entity open."""
    if len(line) <= limit:
        return line
    cut = HALF_MARKUP.sub("", line[: limit - 1])
    for tag in ("b", "i", "code"):
        if cut.count(f"<{tag}>") > cut.count(f"</{tag}>"):
            cut += f"</{tag}>"
    return cut + "…"


HALF_MARKUP = re.compile(r"(<[^>]*|&[#a-zA-Z0-9]*)$")


async def reply_paged(update: Update, context: BotContext, viewer: Viewer, kind: str,
                      query: dict) -> None:
    """Reply with the first page of a list read page by page from the database; the buttons
    keep only the list's `query` (chat_data) and read the page asked for when pressed."""
    first = await LOADERS[kind](context, viewer, query, 0)
    if first.count <= 1:
        await reply(update, page_text(first.lines))
        return
    token = _keep(context, (kind, query))
    await reply(update, page_text(first.lines),
                reply_markup=page_buttons(token, 0, first.count, card_owner(update)))


async def turn_page(update: Update, context: BotContext, viewer: Viewer) -> None:
    """Show another page of a long list (pg:<list>:<page>[:<owner>])."""
    query = update.callback_query
    token, number, owner = context.match.groups()
    kept = context.chat_data.get("pages", {}).get(token)
    page = int(number)
    if isinstance(kept, tuple):
        kind, asked = kept
        shown = await LOADERS[kind](context, viewer, asked, page)
        text, count = page_text(shown.lines), shown.count
    elif kept and page < len(kept):
        text, count = kept[page], len(kept)
    else:
        text, count = "", 0
    if page >= count or not text:
        await query.answer(_(EXPIRED))
        return
    await query.answer()
    await edit(query, text, page_buttons(token, page, count, owner))


EXPIRED = N_("This list has expired; please send the command again.")


async def edit(query: CallbackQuery, text: str | None, markup: InlineKeyboardMarkup | None
               ) -> None:
    """Edit the message a button sits on (its buttons only when `text` is None). Pressing the
    option already shown asks for an identical edit, which Telegram refuses ("message is not
    modified"): the message already says what it should, so that is no error."""
    try:
        if text is None:
            await query.edit_message_reply_markup(reply_markup=markup)
        else:
            await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as error:
        if "not modified" not in error.message:
            raise


def argument_text(update: Update) -> str:
    """Everything after the command, as typed (multi-field commands split it on `|`)."""
    message = update.effective_message
    parts = ((message.text or "") if message else "").split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""
