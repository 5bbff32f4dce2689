"""Worker processes for the heavy work of requests on untrusted files: audits and reading uploaded budgets.

Pages never wait behind that work (it runs in other processes), and no file can stop the server:
each job has a time limit, each worker a memory limit (RLIMIT_AS), and a pool whose worker died
(the OOM killer, a crash, or a job killed at its time limit) is replaced by a new one.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from yusuan.web.services import UploadRejected

log = logging.getLogger("yusuan.web")
T = TypeVar("T")
MB = 1024 * 1024
#: jobs that may wait for a busy worker; each holds one of the server's threads (40), so pages keep the rest
MAX_WAITING = 20
#: how long a job waits for new workers to start (not counted in its time limit)
STARTUP_SECONDS = 60


class WorkerFailed(UploadRejected):
    """A job ran out of time or memory, or its worker died twice; the server goes on (HTTP status attached)."""


def default_worker_count() -> int:
    """One worker per core beyond the first (which serves the pages), at least 1 and at most 2."""
    return max(1, min(2, (os.cpu_count() or 1) - 1))


def _prepare_worker(memory_bytes: int | None) -> None:
    """In each new worker: cap its address space, so an upload bomb fails there and not in the machine;
    and import what the jobs use, so that a job's time limit counts the job only."""
    if memory_bytes:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    import yusuan.audit.batch
    import yusuan.ledger.read  # noqa: F401


def _started() -> None:
    """A no-op job: submitting it starts a worker before the first real job needs one."""


class Workers:
    """A pool of worker processes that runs one job per worker at a time, each within a time limit.

    Jobs wait for a free worker here rather than in the pool, so a job's time limit counts its
    own run only. A job over its time limit is stopped by killing the pool's processes (a process
    cannot be interrupted otherwise); the other jobs in flight then run again on the new pool.
    """

    def __init__(
        self, count: int, memory_bytes: int | None = None, *, audit_seconds: float = 120, read_seconds: float = 60
    ) -> None:
        self.count = max(1, count)
        self.memory_bytes = memory_bytes
        #: time limits of an audit and of reading an uploaded budget
        self.audit_seconds = audit_seconds
        self.read_seconds = read_seconds
        self._free = threading.BoundedSemaphore(self.count)
        self._admitted = threading.BoundedSemaphore(self.count + MAX_WAITING)
        self._lock = threading.Lock()
        self._pool, self._ready = self._start()

    def _start(self) -> tuple[ProcessPoolExecutor, list[Future[None]]]:
        # forkserver, not fork: the server is multi-threaded
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        pool = ProcessPoolExecutor(
            self.count,
            mp_context=multiprocessing.get_context(method),
            initializer=_prepare_worker,
            initargs=(self.memory_bytes,),
        )
        return pool, [pool.submit(_started) for _ in range(self.count)]

    def pids(self) -> list[int]:
        """The worker processes now running."""
        return [p.pid for p in list((self._pool._processes or {}).values()) if p.pid is not None]

    def run(self, what: str, seconds: float, job: Callable[..., T], *args: Any) -> T:
        """``job(*args)`` in a worker, within ``seconds``; ``what`` names the job in errors (审核 x.pdf).

        A worker that died is replaced and the job run once more; a job over its time or memory
        limit is stopped and its worker replaced. Both raise ``WorkerFailed`` with a Chinese message.
        """
        if not self._admitted.acquire(blocking=False):
            raise WorkerFailed(f"{what}：排队处理的文件过多，请稍后重试", 503)
        try:
            if not self._free.acquire(timeout=seconds):
                raise WorkerFailed(f"{what}：处理进程繁忙，请稍后重试", 503)
            try:
                return self._run(what, seconds, job, args)
            finally:
                self._free.release()
        finally:
            self._admitted.release()

    def _run(self, what: str, seconds: float, job: Callable[..., T], args: tuple[Any, ...]) -> T:
        for attempt in (1, 2):
            wait(self._ready, timeout=STARTUP_SECONDS)
            pool, future = self._submit(job, args)
            try:
                return future.result(timeout=seconds)
            except BrokenProcessPool:
                self._replace(pool)
                if attempt == 2:
                    raise WorkerFailed(f"{what}：处理进程意外退出（可能内存不足），请稍后重试", 503) from None
                log.warning("%s：处理进程意外退出，已换用新的处理进程重试", what)
            except TimeoutError:
                self._replace(pool)
                raise WorkerFailed(
                    f"{what}：超过 {seconds:g} 秒仍未完成，已停止（文件可能过大或结构异常）", 422
                ) from None
            except MemoryError:
                self._replace(pool)  # a fresh process rather than one whose heap is fragmented
                limit = f" {self.memory_bytes // MB} MB" if self.memory_bytes else ""
                raise WorkerFailed(f"{what}：所需内存超过上限{limit}，已停止（文件可能过大或结构异常）", 422) from None
        raise AssertionError("unreachable: the second failure raises")

    def _submit(self, job: Callable[..., T], args: tuple[Any, ...]) -> tuple[ProcessPoolExecutor, Future[T]]:
        pool = self._pool
        try:
            return pool, pool.submit(job, *args)
        except BrokenProcessPool:
            pool = self._replace(pool)
        except RuntimeError:  # shut down since read: another thread has just replaced it
            pool = self._pool
        return pool, pool.submit(job, *args)

    def _replace(self, broken: ProcessPoolExecutor) -> ProcessPoolExecutor:
        """Kill ``broken``'s processes and start a new pool, unless another thread already did; the new pool."""
        with self._lock:
            if self._pool is broken:
                _kill(broken)
                self._pool, self._ready = self._start()
            return self._pool

    def close(self) -> None:
        """Stop the workers now (a job still running is abandoned, as at its time limit)."""
        with self._lock:
            _kill(self._pool)


def _kill(pool: ProcessPoolExecutor) -> None:
    for process in list((pool._processes or {}).values()):
        process.kill()
    pool.shutdown(wait=False, cancel_futures=True)
