"""The bench's SMTP sink: aiosmtpd on 127.0.0.1 in a process of its own, as a mail relay is.

In the bench's own process the sink would compete with the product for the interpreter lock,
and a figure would measure the sharing of that lock rather than the product. The counts live in
shared memory (read without asking the sink); the raw messages kept for the bare-client
baseline come back over a pipe when asked for.
"""

from __future__ import annotations

import multiprocessing
import time
from multiprocessing.connection import Connection

from bot.mailsink import free_port

START_CAP = 20.0  # seconds for the sink process to listen


class _Counts:
    """The shared numbers: messages, bytes, and when the last message arrived (perf_counter,
    which on Linux is the system's monotonic clock, the same in every process)."""

    def __init__(self, context) -> None:
        self.lock = context.Lock()
        self.count = context.RawValue("q", 0)
        self.bytes = context.RawValue("q", 0)
        self.last_at = context.RawValue("d", 0.0)


class _Handler:
    def __init__(self, counts: _Counts, keep_bytes: int) -> None:
        self.counts = counts
        self.keep_bytes = keep_bytes
        self.kept: list[bytes] = []
        self.kept_bytes = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd)
        raw = envelope.original_content or envelope.content
        counts = self.counts
        with counts.lock:
            counts.count.value += 1
            counts.bytes.value += len(raw)
            counts.last_at.value = time.perf_counter()
        if self.kept_bytes + len(raw) <= self.keep_bytes:
            self.kept.append(raw)
            self.kept_bytes += len(raw)
        return "250 Message accepted for delivery"


def _serve(port: int, counts: _Counts, keep_bytes: int, pipe: Connection) -> None:
    from aiosmtpd.controller import Controller

    handler = _Handler(counts, keep_bytes)
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    pipe.send("ready")
    try:
        while True:
            command, argument = pipe.recv()
            if command == "stop":
                break
            if command == "kept":
                pipe.send(list(handler.kept))
            elif command == "reset":
                # between measurements only: no message is in flight
                with counts.lock:
                    counts.count.value = counts.bytes.value = 0
                    counts.last_at.value = 0.0
                handler.kept, handler.kept_bytes, handler.keep_bytes = [], 0, argument
                pipe.send("done")
    finally:
        controller.stop()


class CountingSink:
    """Counts messages and bytes and keeps the raw messages only up to `keep_bytes` (so that
    neither the sink's memory nor its CPU counts as the bot's)."""

    def __init__(self, keep_bytes: int = 0) -> None:
        context = multiprocessing.get_context("spawn")
        self.port = free_port()
        self._counts = _Counts(context)
        self._pipe, child_end = context.Pipe()
        self._process = context.Process(target=_serve, daemon=True, name="bench-sink",
                                        args=(self.port, self._counts, keep_bytes, child_end))

    @property
    def count(self) -> int:
        return self._counts.count.value

    @property
    def bytes(self) -> int:
        return self._counts.bytes.value

    @property
    def last_at(self) -> float:
        return self._counts.last_at.value

    @property
    def kept(self) -> list[bytes]:
        self._pipe.send(("kept", None))
        return self._pipe.recv()

    def reset(self, keep_bytes: int = 0) -> None:
        self._pipe.send(("reset", keep_bytes))
        self._pipe.recv()

    def __enter__(self) -> CountingSink:
        self._process.start()
        if not self._pipe.poll(START_CAP) or self._pipe.recv() != "ready":
            self._process.kill()
            raise RuntimeError(f"the bench's SMTP sink did not start within {START_CAP:.0f} s")
        return self

    def __exit__(self, *exc) -> None:
        try:
            self._pipe.send(("stop", None))
        except OSError:
            pass
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
