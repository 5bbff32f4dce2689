"""Atomic output: write to a temporary name, then rename, so a failure leaves nothing half-written."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
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
