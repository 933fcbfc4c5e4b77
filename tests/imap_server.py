"""A throwaway Dovecot IMAP server for the inbox tests (Debian's `dovecot-imapd`).

- `python -m tests.imap_server install` (what `make test` calls): installs `dovecot-imapd` with
  apt-get when it is missing and this runs as root or with sudo, non-interactively;
- the session fixture `imap_server` starts Dovecot on 127.0.0.1 on a free port, with a
  throwaway configuration, a passdb file (plain passwords) and its mail in a temporary folder,
  and stops it at the end; `imap_mailbox` gives each test a user (a mailbox) of its own;
- where Dovecot cannot be had (not installed, not root) the inbox tests are skipped with one
  loud line, once.

Messages are put in with IMAP APPEND (`append`), as a mail server would deliver them.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from imapclient import IMAPClient

from bot.config import Mailbox
from tests.debian import apt_install, free_port

DOVECOT = "/usr/sbin/dovecot"
SETPRIV = "/usr/bin/setpriv"  # util-linux: --pdeathsig
START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0


class Unavailable(Exception):
    """Dovecot cannot be had here; the message says why."""


def install() -> None:
    """apt-get install dovecot-imapd when missing and we may (root or sudo)."""
    if shutil.which("dovecot") or Path(DOVECOT).exists():
        return
    apt_install("dovecot-imapd", "Dovecot", "dovecot is not installed", Unavailable)


CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {folder}/run
state_dir = {folder}/state
instance_name = fof-test-{port}
log_path = {folder}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {folder}/passwd
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={folder}/mail/%u
}}
mail_location = maildir:{folder}/mail/%u
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


@dataclass
class ImapServer:
    folder: Path
    port: int
    counter: itertools.count
    process: subprocess.Popen | None = None  # Dovecot's master, in the foreground

    @property
    def config(self) -> Path:
        return self.folder / "dovecot.conf"

    def new_mailbox(self) -> Mailbox:
        """A user (a mailbox) of its own, from those the passdb file lists."""
        number = next(self.counter)
        if number > USERS:
            raise RuntimeError(f"more than {USERS} IMAP mailboxes in one session")
        user, password = _user(number)
        return Mailbox(host="127.0.0.1", port=self.port, tls=False, user=user,
                       password=password)


USERS = 1000  # written at start: Dovecot rereads a passdb file only when its mtime (seconds) moves


def _user(number: int) -> tuple[str, str]:
    return f"secretariat{number}@gfmd.example", f"pw-{number}-secret"


def start() -> ImapServer:
    if not Path(DOVECOT).exists():
        raise Unavailable("dovecot is not installed (make test installs dovecot-imapd)")
    if os.geteuid() != 0:
        raise Unavailable("a throwaway dovecot needs root to switch to its users")
    folder = Path(tempfile.mkdtemp(prefix="fof-imap-"))
    os.chmod(folder, 0o755)
    port = free_port()
    for name in ("run", "state", "mail"):
        (folder / name).mkdir()
    shutil.chown(folder / "mail", "nobody", "nogroup")
    (folder / "passwd").write_text("".join(
        "{}:{{PLAIN}}{}\n".format(*_user(number)) for number in range(1, USERS + 1)))
    (folder / "dovecot.conf").write_text(CONFIG.format(folder=folder, port=port))
    server = ImapServer(folder, port, itertools.count(1))
    # In the foreground, as this process's child; the kernel sends it SIGTERM when this process
    # ends, however it ends (a test run stopped with SIGTERM or SIGKILL leaves no Dovecot).
    # Its output goes to a file: a pipe would never see the end of the daemon's streams.
    command = [DOVECOT, "-F", "-c", str(server.config)]
    if Path(SETPRIV).exists():
        command = [SETPRIV, "--pdeathsig", "TERM", "--", *command]
    with (folder / "start.log").open("w") as output:
        server.process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and server.process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.05)
    said = (folder / "start.log").read_text(errors="replace")
    stop(server)
    raise Unavailable(f"dovecot did not start or does not answer on its port: "
                      f"{' '.join(said.split())[-300:]}")


def stop(server: ImapServer) -> None:
    process = server.process
    if process is not None and process.poll() is None:
        process.terminate()  # the master stops its own processes
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    shutil.rmtree(server.folder, ignore_errors=True)


def append(mailbox: Mailbox, raw: bytes, *, flags: tuple[str, ...] = ()) -> None:
    """Deliver one message into the mailbox (IMAP APPEND)."""
    with IMAPClient(mailbox.host, port=mailbox.port, ssl=False, timeout=10) as client:
        client.login(mailbox.user, mailbox.password)
        client.append(mailbox.folder, raw, flags=list(flags))


def flags_of(mailbox: Mailbox) -> dict[int, set[str]]:
    """Each message's flags (to check what the reader marked, and that nothing was deleted)."""
    with IMAPClient(mailbox.host, port=mailbox.port, ssl=False, timeout=10) as client:
        client.login(mailbox.user, mailbox.password)
        client.select_folder(mailbox.folder, readonly=True)
        found = client.get_flags(client.search(["ALL"]))
    return {uid: {flag.decode() for flag in flags} for uid, flags in found.items()}


@pytest.fixture(scope="session", name="imap_server")
def imap_server_fixture(request: pytest.FixtureRequest) -> Iterator[ImapServer]:
    try:
        server = start()
    except Unavailable as why:
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")
        line = f"!!!!! IMAP tests skipped: Dovecot not available: {why} !!!!!"
        if reporter is not None:
            reporter.write_line(line, red=True, bold=True)
        else:
            print(line, file=sys.stderr)
        if os.environ.get("FOF_TEST_REQUIRE_IMAP"):  # CI: the inbox tests must run
            pytest.fail(f"FOF_TEST_REQUIRE_IMAP is set and Dovecot is not available: {why}")
        pytest.skip(f"Dovecot not available: {why}")
    try:
        yield server
    finally:
        stop(server)


@pytest.fixture(name="imap_mailbox")
def imap_mailbox_fixture(imap_server: ImapServer) -> Mailbox:
    return imap_server.new_mailbox()


if __name__ == "__main__":
    if sys.argv[1:] == ["install"]:
        try:
            install()
        except Unavailable as reason:
            print(f"!!!!! Dovecot not installed: {reason}; the inbox tests will be skipped !!!!!")
        sys.exit(0)
    sys.exit("usage: python -m tests.imap_server install")
