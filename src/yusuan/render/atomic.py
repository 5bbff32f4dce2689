"""Atomic output: write to a temporary name, then rename, so a failure leaves nothing half-written."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one."""
    with atomic_writer(path, "wb") as fh:
        fh.write(data)


@contextmanager
def atomic_writer(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """A file to write ``path`` piece by piece (a streamed report); it replaces ``path`` only if the
    block succeeds, and on any error nothing is left behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        text = "b" not in mode
        with os.fdopen(fd, mode, encoding="utf-8" if text else None, newline="" if text else None) as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def staged_directory(outdir: Path) -> Iterator[Path]:
    """A scratch directory whose files move into ``outdir`` only if the block succeeds.

    On any error the scratch directory is removed and ``outdir`` is untouched.
    """
    outdir.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.", dir=outdir.parent))
    try:
        yield scratch
        outdir.mkdir(parents=True, exist_ok=True)
        for item in sorted(scratch.iterdir()):
            os.replace(item, outdir / item.name)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
