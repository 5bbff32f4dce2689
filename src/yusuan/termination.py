"""SIGTERM ends a yusuan process as Ctrl+C does: ``finally`` blocks run, so no staged output is left behind.

Python's default for SIGTERM is to die on the spot, which leaves the ``.out.XXXX`` staging
directories and ``.name.XXXX.tmp`` files of :mod:`yusuan.render.atomic` on disk. With the
handler installed, SIGTERM raises ``SystemExit(143)`` (128 + SIGTERM, what a shell reports
for a process ended by SIGTERM) in the main thread; cleanup runs while the exception
unwinds, and a second SIGTERM is ignored so that it cannot cut the cleanup short.

A few steps must not be cut in two: creating a temporary file and remembering its name (or
the cleanup would not know it), replacing a set of files. They run inside
:func:`uninterrupted`, which makes SIGTERM wait until the step is done.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

#: the exit status of a process ended by SIGTERM
TERMINATED = 128 + signal.SIGTERM

# Python runs signal handlers in the main thread only, so these need no lock.
_steps_running = 0
_pending = False


def _terminate(_signum: int, _frame: FrameType | None) -> None:
    global _pending
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the cleanup that follows must run to its end
    if _steps_running:
        _pending = True  # raised when the step is done
        return
    raise SystemExit(TERMINATED)


@contextmanager
def uninterrupted() -> Iterator[None]:
    """A step that SIGTERM must not cut in two: a SIGTERM that comes meanwhile ends the process after it."""
    global _steps_running, _pending
    _steps_running += 1
    try:
        yield
    finally:
        _steps_running -= 1
        if _pending and not _steps_running:
            _pending = False
            raise SystemExit(TERMINATED)


def exit_on_sigterm() -> None:
    """Install the handler for good (a worker process's initializer); only the main thread can."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)


@contextmanager
def sigterm_exits() -> Iterator[None]:
    """The handler while the block runs (a command), the previous one afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
