"""``yusuan serve`` as a child process on a fresh SQLite file: for the browser tests, the
screenshots and the web benchmark, which all drive the real server over loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

#: Debian's Chromium, and the flags it needs headless as root on a machine without outside network
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class ServerFailed(RuntimeError):
    """The server exited or did not answer in time; the message ends with its log."""


@dataclass(frozen=True, slots=True)
class LocalServer:
    process: subprocess.Popen[bytes]
    base: str  # http://127.0.0.1:PORT
    log: Path

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def yusuan_command() -> list[str]:
    """The ``yusuan`` command of the running interpreter's environment."""
    script = Path(sys.executable).parent / "yusuan"
    return [str(script)] if script.exists() else [sys.executable, "-m", "yusuan"]


@contextmanager
def local_server(
    folder: Path, admin_password: str, *, port: int | None = None, timeout: float = 60, options: tuple[str, ...] = ()
) -> Iterator[LocalServer]:
    """Start ``yusuan serve [options]`` on ``folder``/yusuan.db (admin and example department created), wait
    until it answers, yield it, and stop it."""
    port = port or free_port()
    env = {**os.environ, "YUSUAN_ADMIN_PASSWORD": admin_password, "XDG_DATA_HOME": str(folder)}
    env.pop("YUSUAN_DATABASE_URL", None)
    log = folder / "server.log"
    command = [*yusuan_command(), "serve", "--db", str(folder / "yusuan.db"), "--port", str(port), *options]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
    server = LocalServer(process, f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + timeout
        while not _answers(server.base + "/login"):
            if process.poll() is not None:
                raise ServerFailed(f"yusuan serve exited ({process.returncode}):\n{server.log_tail()}")
            if time.monotonic() > deadline:
                raise ServerFailed(f"yusuan serve did not answer within {timeout:.0f} s:\n{server.log_tail()}")
            time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False
