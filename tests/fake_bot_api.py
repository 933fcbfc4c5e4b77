"""A fake Telegram Bot API server on 127.0.0.1, for running `fof-bot run` as a real process."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bot.offline import BOT_USER


class FakeBotApi:
    """`reject_token=True` answers every call as Telegram answers a revoked token (401);
    `not_an_api=True` answers as a web server that is no Bot API (a 404 page in HTML);
    `conflict=True` answers getUpdates as when another poller holds the token (409)."""

    def __init__(self, *, reject_token: bool = False, not_an_api: bool = False,
                 conflict: bool = False) -> None:
        self.paths: list[str] = []
        self.conflict = conflict  # getUpdates answers 409, as when another poller has the token
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                api.paths.append(self.path)
                method = self.path.rsplit("/", 1)[-1]
                if not_an_api:
                    page = b"<!DOCTYPE html>\n<html><body><h1>Not Found</h1></body></html>\n"
                    self.send_response(404)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(page)))
                    self.end_headers()
                    self.wfile.write(page)
                    return
                if reject_token:
                    self._answer(401, {"ok": False, "error_code": 401,
                                       "description": "Unauthorized"})
                    return
                if method == "getMe":
                    result: object = BOT_USER
                elif method == "getUpdates" and api.conflict:
                    self._answer(409, {"ok": False, "error_code": 409, "description":
                                       "Conflict: terminated by other getUpdates request; make "
                                       "sure that only one bot instance is running"})
                    return
                elif method == "getUpdates":
                    time.sleep(0.05)  # a short long-poll
                    result = []
                else:
                    result = True
                self._answer(200, {"ok": True, "result": result})

            def _answer(self, status: int, answer: dict) -> None:
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def methods(self) -> list[str]:
        return [p.rsplit("/", 1)[-1] for p in self.paths]

    def __enter__(self) -> FakeBotApi:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
