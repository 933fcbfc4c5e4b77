"""Run the real python-telegram-bot Application without the network.

`OfflineRequest` is the transport: every Bot API call the bot makes is recorded and answered
locally as the Bot API would answer it. `UpdateFactory` builds real `Update` objects to feed in.
The demo and the tests both use these.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram.request import BaseRequest, RequestData

NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current message content and reply markup of "
                "the message")
BOT_USER = {"id": 777000111, "is_bot": True, "first_name": "FoF Assistant", "username": "fof_bot"}


@dataclass
class ApiCall:
    """One Bot API request the bot made."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # field -> (name, bytes)
    result: Any = None  # what the Bot API answered (a sent message: its message_id)

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback data or url) of every inline button in the reply markup."""
        markup = self.params.get("reply_markup") or {}
        if isinstance(markup, str):
            markup = json.loads(markup)
        return [
            (b.get("text", ""), b.get("callback_data") or b.get("url") or "")
            for row in markup.get("inline_keyboard", [])
            for b in row
        ]


@dataclass
class Fault:
    """An error the fake Bot API answers with, e.g. 403 'bot was blocked by the user'."""

    status: int
    description: str
    retry_after: int | None = None


class OfflineRequest(BaseRequest):
    """A Bot API that lives in memory: records requests, answers like Telegram."""

    def __init__(self) -> None:
        self.calls: list[ApiCall] = []
        self.files: dict[str, bytes] = {}  # file_path -> content, for downloads
        self.faults: dict[str, list[Fault]] = {}  # method -> faults to answer, in order
        self._ids = itertools.count(1)
        # (chat id, message id) -> (text, reply markup) of the messages as they are now, so an
        # edit that changes nothing is refused as Telegram refuses it.
        self.shown: dict[tuple[int, int], tuple[str, Any]] = {}

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float:
        return 1.0

    def fail(self, method: str, fault: Fault) -> None:
        self.faults.setdefault(method, []).append(fault)

    def sent(self, method: str | None = None, chat_id: int | None = None) -> list[ApiCall]:
        return [
            c
            for c in self.calls
            if (method is None or c.method == method) and (chat_id is None or c.chat_id == chat_id)
        ]

    def replies(self, chat_id: int | None = None) -> list[str]:
        """The texts of messages sent and edited, in order."""
        return [
            c.text
            for c in self.calls
            if c.method in ("sendMessage", "editMessageText", "sendDocument")
            and (chat_id is None or c.chat_id == chat_id)
        ]

    def clear(self) -> None:
        self.calls.clear()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout=DEFAULT_NONE,
        write_timeout=DEFAULT_NONE,
        connect_timeout=DEFAULT_NONE,
        pool_timeout=DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if "/file/bot" in url:
            path = url.split("/file/bot", 1)[1].split("/", 1)[1]
            if path not in self.files:
                return 404, b'{"ok": false, "error_code": 404, "description": "Not Found"}'
            return 200, self.files[path]
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        files: dict[str, tuple[str, bytes]] = {}
        if request_data is not None and request_data.contains_files:
            for name, value in (request_data.multipart_data or {}).items():
                files[name] = (value[0], value[1])
        self.calls.append(ApiCall(api_method, params, files))
        pending = self.faults.get(api_method)
        if pending:
            fault = pending.pop(0)
            body: dict[str, Any] = {
                "ok": False,
                "error_code": fault.status,
                "description": fault.description,
            }
            if fault.retry_after is not None:
                body["parameters"] = {"retry_after": fault.retry_after}
            return fault.status, json.dumps(body).encode()
        if self._unchanged(api_method, params):
            return 400, json.dumps({"ok": False, "error_code": 400, "description": NOT_MODIFIED})\
                .encode()
        result = self._answer(api_method, params)
        self._remember(api_method, params, result)
        self.calls[-1].result = result
        return 200, json.dumps({"ok": True, "result": result}).encode()

    @staticmethod
    def _markup(params: dict[str, Any]) -> Any:
        markup = params.get("reply_markup") or {}
        return json.loads(markup) if isinstance(markup, str) else markup

    def _unchanged(self, method: str, params: dict[str, Any]) -> bool:
        """An edit that would leave the message exactly as it is ("message is not modified")."""
        if method not in ("editMessageText", "editMessageReplyMarkup") \
                or "message_id" not in params:
            return False
        now = self.shown.get((int(params.get("chat_id", 0)), int(params["message_id"])))
        if now is None:
            return False
        text = params.get("text", "") if method == "editMessageText" else now[0]
        return (str(text), self._markup(params)) == now

    def _remember(self, method: str, params: dict[str, Any], result: Any) -> None:
        if method in ("sendMessage", "editMessageText", "editMessageReplyMarkup") \
                and isinstance(result, dict):
            key = (int(result["chat"]["id"]), int(result["message_id"]))
            text = params.get("text", "") if method != "editMessageReplyMarkup" \
                else self.shown.get(key, ("", None))[0]
            self.shown[key] = (str(text), self._markup(params))

    def _message(self, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        chat_id = params.get("chat_id", 0)
        return {
            "message_id": params.get("message_id") or next(self._ids),
            "date": int(time.time()),
            "chat": {"id": int(chat_id), "type": "private" if int(chat_id) > 0 else "group"},
            "from": BOT_USER,
            **extra,
        }

    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {**BOT_USER, "can_join_groups": True, "can_read_all_group_messages": False,
                    "supports_inline_queries": False}
        if method in ("sendMessage", "editMessageText"):
            return self._message(params, text=params.get("text", ""))
        if method == "sendDocument":
            n = next(self._ids)
            document = {"file_id": f"doc{n}", "file_unique_id": f"udoc{n}"}
            return self._message(params, document=document, caption=params.get("caption"))
        if method == "editMessageReplyMarkup":
            return self._message(params)
        if method == "getFile":
            file_id = str(params["file_id"])
            return {"file_id": file_id, "file_unique_id": f"u{file_id}",
                    "file_path": f"documents/{file_id}"}
        if method == "getUpdates":
            return []
        return True  # answerCallbackQuery, setMyCommands, deleteWebhook, ...


def user(telegram_id: int, first_name: str = "Delegate", language: str = "en") -> dict:
    return {"id": telegram_id, "is_bot": False, "first_name": first_name,
            "language_code": language}


class UpdateFactory:
    """Builds the updates Telegram would deliver, for the real Application to process."""

    def __init__(self, request: OfflineRequest) -> None:
        self.request = request
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(100_000)

    def _chat(self, who: dict, chat_id: int | None) -> dict:
        if chat_id is None or chat_id == who["id"]:
            return {"id": who["id"], "type": "private", "first_name": who["first_name"]}
        return {"id": chat_id, "type": "group", "title": "GFMD delegates"}

    def _message(self, who: dict, chat_id: int | None, **content: Any) -> dict:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(who, chat_id),
            "from": who,
            **content,
        }

    def text(self, who: dict, text: str, chat_id: int | None = None) -> dict:
        message = self._message(who, chat_id, text=text)
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"update_id": next(self._update_ids), "message": message}

    def document(self, who: dict, file_name: str, content: bytes, caption: str = "") -> dict:
        n = next(self._update_ids)
        file_id = f"upload{n}"
        self.request.files[f"documents/{file_id}"] = content
        document = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": file_name,
                    "mime_type": "text/csv", "file_size": len(content)}
        message = self._message(who, None, document=document)
        if caption:
            message["caption"] = caption
        return {"update_id": n, "message": message}

    def callback(self, who: dict, data: str, message_id: int = 1,
                 chat_id: int | None = None) -> dict:
        bot_message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat(who, chat_id),
            "from": BOT_USER,
            "text": "…",
        }
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": str(next(self._update_ids)),
                "from": who,
                "chat_instance": "ci",
                "message": bot_message,
                "data": data,
            },
        }

    @staticmethod
    def parse(payload: dict, bot) -> Update:
        return Update.de_json(payload, bot)


class OfflineBot:
    """The real Application with an offline transport: send text, click buttons, upload files."""

    def __init__(self, application, request: OfflineRequest) -> None:
        self.app = application
        self.request = request
        self.updates = UpdateFactory(request)

    async def _process(self, payload: dict) -> list[ApiCall]:
        start = len(self.request.calls)
        await self.app.process_update(Update.de_json(payload, self.app.bot))
        return self.request.calls[start:]

    async def send(self, who: dict, text: str, chat_id: int | None = None) -> list[ApiCall]:
        return await self._process(self.updates.text(who, text, chat_id))

    async def click(self, who: dict, data: str, message_id: int = 1,
                    chat_id: int | None = None) -> list[ApiCall]:
        return await self._process(self.updates.callback(who, data, message_id, chat_id))

    async def upload(self, who: dict, file_name: str, content: bytes,
                     caption: str = "") -> list[ApiCall]:
        return await self._process(self.updates.document(who, file_name, content, caption))

    @staticmethod
    def texts(calls: list[ApiCall]) -> list[str]:
        return [c.text for c in calls if c.method in ("sendMessage", "editMessageText",
                                                       "sendDocument", "answerCallbackQuery")]
