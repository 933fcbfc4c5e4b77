"""A throwaway PostgreSQL server for the tests (`make test`), and the two test runs.

`python -m tests.pg_server` (what `make test` calls):
1. finds PostgreSQL's server programs (Debian's `postgresql` package; installed with apt-get
   when missing and this runs as root or with sudo, non-interactively);
2. `initdb` into a folder in /dev/shm (else under `.build/pg`), as the `postgres` user when
   running as root (initdb refuses root), starts it on 127.0.0.1 on a free port with its
   socket in that folder;
3. runs the suite on SQLite, then on PostgreSQL (`FOF_TEST_PG_URL`), and stops the server.

Where PostgreSQL cannot be had it prints one loud line and runs SQLite only (and fails
afterwards when FOF_TEST_REQUIRE_PG is set, as in CI). Arguments are passed to pytest.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.debian import apt_install, free_port

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / ".build" / "pg"
PYTEST = [sys.executable, "-m", "pytest", "-x", "-p", "no:cacheprovider"]  # -q: addopts


class Unavailable(Exception):
    """PostgreSQL cannot be had here; the message says why."""


def _bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def _install() -> None:
    """apt-get install postgresql, non-interactive, when we may (root or sudo)."""
    apt_install("postgresql", "PostgreSQL", "its server programs are not installed", Unavailable)


def _as_server_user(command: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as `postgres` then."""
    if os.geteuid() != 0:
        return command
    if shutil.which("runuser") is None:
        raise Unavailable("running as root without runuser to switch to the postgres user")
    return ["runuser", "-u", "postgres", "--", *command]


def _data_folder() -> Path:
    """A fresh folder the server's user owns: in memory (/dev/shm) when there is room, since
    creating a database per test on a slow disk takes a second and in memory 30 ms; else under
    .build/pg, else under /tmp."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > 2 * 2**30:
        parent = shm
    else:
        BUILD.mkdir(parents=True, exist_ok=True)
        parent = BUILD
    folder = Path(tempfile.mkdtemp(prefix="fof-pg-", dir=parent))
    if os.geteuid() == 0:
        import pwd

        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            raise Unavailable("running as root and there is no postgres user") from None
        os.chown(folder, user.pw_uid, user.pw_gid)
        reachable = subprocess.run(["runuser", "-u", "postgres", "--", "test", "-w", folder])
        if reachable.returncode != 0:  # a parent folder the postgres user cannot enter
            shutil.rmtree(folder)
            folder = Path(tempfile.mkdtemp(prefix="fof-pg-"))
            os.chown(folder, user.pw_uid, user.pw_gid)
    return folder


def start() -> tuple[str, Path, Path]:
    """Start a server; (URL, data folder, bin folder)."""
    bindir = _bindir()
    if bindir is None:
        _install()
        bindir = _bindir()
        if bindir is None:
            raise Unavailable("installed, but initdb was not found")
    folder = _data_folder()
    data = folder / "data"
    init = _as_server_user([str(bindir / "initdb"), "-D", str(data), "-U", "postgres",
                            "-A", "trust", "--no-sync", "-E", "UTF8"])
    done = subprocess.run(init, capture_output=True, text=True)
    if done.returncode != 0:
        raise Unavailable(f"initdb failed: {(done.stderr or done.stdout).strip()[-300:]}")
    port = free_port()
    options = f"-h 127.0.0.1 -p {port} -k {folder} -F -c max_connections=200"
    started = subprocess.run(
        _as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"),
                         "-w", "-t", "60", "-o", options, "start"]),
        capture_output=True, text=True)
    if started.returncode != 0:
        log = (folder / "log").read_text(errors="replace")[-300:] if (folder / "log").exists() \
            else started.stderr
        raise Unavailable(f"the server did not start: {log.strip()}")
    return f"postgresql://postgres@127.0.0.1:{port}/postgres", folder, bindir


def stop(folder: Path, bindir: Path) -> None:
    subprocess.run(_as_server_user([str(bindir / "pg_ctl"), "-D", str(folder / "data"),
                                    "-m", "immediate", "-w", "stop"]),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(folder, ignore_errors=True)


def _suite(name: str, env: dict[str, str], args: list[str]) -> int:
    print(f"\n===== the test suite on {name} =====", flush=True)
    return subprocess.run([*PYTEST, *args], cwd=ROOT, env=env).returncode


def main(args: list[str]) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOF_TEST_")}
    try:
        url, folder, bindir = start()
    except Unavailable as why:
        print(f"\n!!!!! PostgreSQL not available: {why}; running SQLite only !!!!!\n",
              flush=True)
        status = _suite("SQLite", env, args)
        print(f"\nSQLite: {'passed' if status == 0 else 'FAILED'}; PostgreSQL: not run")
        if os.environ.get("FOF_TEST_REQUIRE_PG"):  # CI: both must run
            print("FOF_TEST_REQUIRE_PG is set: failing because PostgreSQL did not run")
            return status or 1
        return status
    try:
        sqlite = _suite("SQLite", env, args)
        version = bindir.parent.name
        postgres = 1 if sqlite else _suite(f"PostgreSQL {version} ({url})",
                                           dict(env, FOF_TEST_PG_URL=url), args)
    finally:
        stop(folder, bindir)
    outcome = {0: "passed"}
    print(f"\nSQLite: {outcome.get(sqlite, 'FAILED')}; "
          f"PostgreSQL: {outcome.get(postgres, 'FAILED') if not sqlite else 'not run'}")
    return sqlite or postgres


def _by_hand(args: list[str]) -> int:
    """`start` prints the URL and the folder (for a developer); `stop FOLDER` ends it."""
    if args[0] == "start":
        url, folder, bindir = start()
        print(url, folder)
        return 0
    stop(Path(args[1]), _bindir() or Path("/usr/bin"))
    return 0


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if arguments[:1] in (["start"], ["stop"]):
        sys.exit(_by_hand(arguments))
    sys.exit(main(arguments))
