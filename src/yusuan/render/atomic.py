"""Atomic output: write to a temporary name, then rename, so a failure leaves nothing half-written.

Every file yusuan writes goes through here, so this is also the one place where an
``OSError`` while writing becomes an :class:`OutputError` that names the output and the
cause in Chinese (the command line prints it and exits 1). Files are created with mode
0666 and directories 0777, less the umask, as ``open`` and ``mkdir`` would.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any, cast

from yusuan.termination import uninterrupted

#: why a write failed, by errno, as a person would say it
_CAUSES = {
    errno.ENOSPC: "磁盘已满",
    errno.EDQUOT: "超出磁盘配额",
    errno.EFBIG: "文件超过允许的大小（文件大小限制）",
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.EROFS: "文件系统是只读的",
    errno.ENOTDIR: "这是一个文件，不是目录",
    errno.EEXIST: "这是一个文件，不是目录",  # what mkdir says when a file has the name
    errno.EISDIR: "这是一个目录，不是文件",
    errno.ENAMETOOLONG: "文件名太长",
    errno.ENOENT: "目录不存在",
    errno.EIO: "读写设备出错",
}


class OutputError(Exception):
    """An output could not be written: ``str()`` is the Chinese message naming the path and the cause."""

    def __init__(self, path: Path, cause: OSError) -> None:
        self.path = path
        self.cause = cause
        super().__init__(f"无法写入 {path}：{describe_os_error(cause, path)}")


def describe_os_error(exc: OSError, path: Path) -> str:
    """The cause of ``exc`` in Chinese; names the part of the path at fault when it is not ``path`` itself."""
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        in_the_way = next((p for p in reversed(path.parents) if p.exists() and not p.is_dir()), None)
        if in_the_way is not None:
            return f"{in_the_way} 是一个文件，不是目录"
    return _CAUSES.get(exc.errno or 0) or exc.strerror or str(exc)


@contextmanager
def naming(path: Path) -> Iterator[None]:
    """Turn an ``OSError`` raised in the block into an :class:`OutputError` about ``path``."""
    try:
        yield
    except OSError as exc:
        raise OutputError(path, exc) from exc


def ensure_directory(path: Path, output: Path | None = None) -> None:
    """``mkdir -p path``; an :class:`OutputError` about ``output`` (default: ``path``) when it cannot
    be made (a file in the way, no permission…)."""
    output = output or path
    if path.exists() and not path.is_dir():
        raise OutputError(output, NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR)))
    with naming(output):
        path.mkdir(parents=True, exist_ok=True)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one."""
    with atomic_writer(path, "wb") as fh:
        fh.write(data)


class _NamedOutput:
    """The temporary file of an atomic write: its write errors name the output, not the temporary name."""

    def __init__(self, fh: IO[Any], path: Path) -> None:
        self._fh = fh
        self._path = path

    def write(self, data: Any) -> int:
        with naming(self._path):
            return self._fh.write(data)

    def flush(self) -> None:
        with naming(self._path):
            self._fh.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fh, name)


def _new_file(directory: Path, name: str) -> tuple[int, Path]:
    """A new empty file in ``directory`` for the output ``name``: mode 0666 less the umask (``mkstemp``
    would make every output 0600), a random name so two writers never share it."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = directory / f".{name[:200]}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "没有可用的临时文件名", str(directory))


@contextmanager
def atomic_writer(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """A file to write ``path`` piece by piece (a streamed report); it replaces ``path`` only if the
    block succeeds, and on any error nothing is left behind."""
    if path.is_dir():
        raise OutputError(path, IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR)))
    ensure_directory(path.parent, path)
    text = "b" not in mode
    tmp: Path | None = None
    try:
        with uninterrupted(), naming(path):  # no SIGTERM between creating the file and knowing its name
            fd, tmp = _new_file(path.parent, path.name)
            fh = os.fdopen(fd, mode, encoding="utf-8" if text else None, newline="" if text else None)
        try:
            output = _NamedOutput(fh, path)
            yield cast(IO[Any], output)
            with naming(path):
                fh.close()  # the last of the data is written here: a full disk may show only now
        finally:
            if not fh.closed:  # an error: close without letting a second one hide the first
                with suppress(OSError):
                    fh.close()
        with naming(path):
            os.replace(tmp, path)
    except BaseException:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise


class Staging:
    """The scratch directory of :func:`staged_directory`: files written here move into the output together."""

    def __init__(self, scratch: Path, outdir: Path) -> None:
        self.path = scratch
        self.outdir = outdir

    def write(self, name: str, data: bytes) -> Path:
        """Stage ``data`` as ``name`` (``汇总/disclosure.pdf``: a file in a subdirectory, which then
        replaces that subdirectory whole); returns where it will be once the set is in place."""
        with naming(self.outdir / name):
            (self.path / name).parent.mkdir(parents=True, exist_ok=True)
            (self.path / name).write_bytes(data)
        return self.outdir / name


@contextmanager
def staged_directory(outdir: Path) -> Iterator[Staging]:
    """A scratch directory whose files move into ``outdir`` only if the block succeeds, all together.

    On any error (or an interruption) the scratch directory is removed and ``outdir`` is as it
    was: the files it already had are all the old ones, byte for byte.
    """
    if outdir.exists() and not outdir.is_dir():
        raise OutputError(outdir, NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR)))
    ensure_directory(outdir.parent, outdir)
    keep: list[Path] = []
    scratch: Path | None = None
    try:
        with uninterrupted(), naming(outdir):  # no SIGTERM between creating it and knowing its name
            scratch = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.", dir=outdir.parent))
        yield Staging(scratch, outdir)
        ensure_directory(outdir)
        with uninterrupted(), naming(outdir):  # a SIGTERM now waits for the whole set (or its rollback)
            _replace_all(scratch, outdir, keep)
    finally:
        if scratch is not None and not keep:
            shutil.rmtree(scratch, ignore_errors=True)


def _replace_all(staged: Path, outdir: Path, keep: list[Path]) -> None:
    """Move every file of ``staged`` into ``outdir`` as one change.

    Each file about to be replaced is first kept in ``staged/<backup>`` (a hard link, so the
    old file stays in place until the new one replaces it); if any move fails or the process
    is interrupted, the new files are taken out again and the old ones put back. Should even
    that fail, the backup is left in place (appended to ``keep``) and the error says where.
    """
    names = sorted(p.name for p in staged.iterdir())
    backup = Path(tempfile.mkdtemp(prefix=".replaced.", dir=staged))
    kept: list[str] = []  # names whose old file is in ``backup``
    placed: list[str] = []  # names whose new file is in ``outdir``
    try:
        for name in names:
            target = outdir / name
            if os.path.lexists(target):
                _keep_old(target, backup / name)
                kept.append(name)
            os.replace(staged / name, target)
            placed.append(name)
    except BaseException as failure:
        try:
            for name in placed:
                if name not in kept:
                    (outdir / name).unlink(missing_ok=True)
            for name in kept:
                os.replace(backup / name, outdir / name)
        except OSError:
            keep.append(backup)
            failure.add_note(f"未能恢复原有文件，原有文件保存在 {backup}")
        raise


def _keep_old(target: Path, backup: Path) -> None:
    try:
        os.link(target, backup, follow_symlinks=False)
    except OSError:  # no hard links here (or a directory in the way): move it aside instead
        os.replace(target, backup)
