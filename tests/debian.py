"""What the test servers (PostgreSQL, Dovecot) share: installing Debian's package when it is
missing and we may, and a free port on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess


def apt_install(package: str, label: str, missing: str, error: type[Exception]) -> None:
    """apt-get install `package`, non-interactive, when we may (root or sudo); else `error`,
    its message starting with `missing` ("dovecot is not installed")."""
    if shutil.which("apt-get") is None:
        raise error(f"{missing} and there is no apt-get")
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    if prefix and shutil.which("sudo") is None:
        raise error(f"{missing} and installing needs root")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    print(f"{label} is not installed: installing Debian's {package} package", flush=True)
    command = [*prefix, "apt-get", "install", "-y", "-q", "--no-install-recommends", package]
    if subprocess.run(command, env=env, stdout=subprocess.DEVNULL).returncode != 0:
        subprocess.run([*prefix, "apt-get", "update", "-q"], env=env, stdout=subprocess.DEVNULL)
        if subprocess.run(command, env=env, stdout=subprocess.DEVNULL).returncode != 0:
            raise error(f"apt-get install {package} failed")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
