"""Where batch work runs: in this process, on local worker processes, or on a Dask cluster.

Batch building and batch auditing both go through one ``Executor``: ``map(fn, items)``
yields ``fn(item)`` for every item **in input order**, whatever order the workers finish
in, so everything written from the results is deterministic. Work is submitted in a
bounded window (a few tasks per worker) rather than all at once, so memory stays flat
however many items there are. ``fn`` must be a module-level function (it is pickled by
reference) and should catch its own errors: one failing item should come back as a
result, not as an exception that ends the map.

Dask is optional (``pip install 'yusuan[dask]'``) and imported only by ``DaskExecutor``.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, wait
from typing import Any, Protocol, TypeVar

from yusuan.termination import exit_on_sigterm

T = TypeVar("T")
R = TypeVar("R")

#: tasks in flight per worker
WINDOW_PER_WORKER = 4


class Executor(Protocol):
    """Runs ``fn`` over ``items``; results in input order."""

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]: ...

    def close(self) -> None: ...


class LocalExecutor:
    """``jobs`` local worker processes (a ``ProcessPoolExecutor``); ``jobs <= 1`` runs in this process.

    With ``tasks_per_worker``, each worker runs at most that many tasks and is then replaced; with
    ``worker_memory_mb``, a worker whose resident set after a task exceeds it is replaced before its
    next one. Both are for work whose memory a process cannot give back (see
    ``yusuan.render.typst_cache``).

    Workers are started by a fork server, not forked from this process: a process that
    has already typeset a PDF holds the Typst runtime's threads, and a child forked from it
    can hang for ever. If the map is interrupted (SIGTERM, Ctrl+C, an error, or the caller
    stops reading), queued work is cancelled and the workers are sent SIGTERM, on which they
    stop their item and clean up (see ``yusuan.termination``) before the pool shuts down.
    """

    def __init__(self, jobs: int = 1, tasks_per_worker: int | None = None, worker_memory_mb: int | None = None) -> None:
        self.jobs = max(1, min(jobs, os.cpu_count() or jobs))
        self.tasks_per_worker = tasks_per_worker  # None: a worker lives as long as the pool
        self.worker_memory_mb = worker_memory_mb  # None: however large it grows

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        if self.jobs <= 1:
            for item in items:
                yield fn(item)
            return
        window = WINDOW_PER_WORKER * self.jobs
        context = multiprocessing.get_context("forkserver")
        # One single-process pool per worker slot, replaced after ``tasks_per_worker`` tasks: a strict
        # bound per process. (``max_tasks_per_child`` would do it, but on Python 3.11 a pool using it
        # can hang when a worker retires.)
        slots = [_Slot(context) for _ in range(self.jobs)]
        pending: deque[Future[tuple[R, int]]] = deque()
        try:
            for item in items:
                slot = min(slots, key=_Slot.busy)
                if (self.tasks_per_worker and slot.submitted >= self.tasks_per_worker) or (
                    self.worker_memory_mb and slot.resident_mb > self.worker_memory_mb
                ):
                    slot.renew()
                pending.append(slot.submit(fn, item))
                if len(pending) >= window:
                    yield pending.popleft().result()[0]
            while pending:
                yield pending.popleft().result()[0]
        except BaseException:
            for slot in slots:
                _stop_workers(slot.pool, pending)
            raise
        finally:
            for slot in slots:
                slot.pool.shutdown(wait=True)

    def close(self) -> None:
        pass

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"LocalExecutor(jobs={self.jobs}, tasks_per_worker={self.tasks_per_worker}, "
            f"worker_memory_mb={self.worker_memory_mb})"
        )


class _Slot:
    """One worker process (a pool of one), counting the tasks given to it and knowing its size
    after the last task it finished."""

    def __init__(self, context: Any) -> None:
        self.context = context
        self.pool = self._start()
        self.submitted = 0
        self.resident_mb = 0
        self.futures: list[Future[Any]] = []

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=1, mp_context=self.context, initializer=exit_on_sigterm)

    def busy(self) -> int:
        """Tasks given and not finished."""
        for future in self.futures:
            if future.done() and not future.cancelled() and future.exception() is None:
                self.resident_mb = future.result()[1]
        self.futures = [f for f in self.futures if not f.done()]
        return len(self.futures)

    def submit(self, fn: Callable[[T], R], item: T) -> Future[tuple[R, int]]:
        future = self.pool.submit(_measured, fn, item)
        self.futures.append(future)
        self.submitted += 1
        return future

    def renew(self) -> None:
        """Replace the process once its tasks are done: never more than one process per slot."""
        wait(self.futures)
        self.pool.shutdown(wait=True)
        self.pool, self.submitted, self.resident_mb, self.futures = self._start(), 0, 0, []


def _measured(fn: Callable[[T], R], item: T) -> tuple[R, int]:
    """``fn(item)`` in a worker, and the worker's resident set afterwards (MB)."""
    return fn(item), resident_mb()


def resident_mb() -> int:
    """This process's resident set in MB (0 where ``/proc`` does not say)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE") // 2**20


def _stop_workers(pool: ProcessPoolExecutor, pending: deque[Future[Any]]) -> None:
    """Cancel the queued work and ask the running workers to stop (SIGTERM: they clean up first)."""
    for future in pending:
        future.cancel()
    workers = getattr(pool, "_processes", None) or {}  # private, but the only handle on the worker processes
    for process in list(workers.values()):
        if process.is_alive():
            process.terminate()


class DaskExecutor:
    """A ``dask.distributed`` client: to a running scheduler at ``address``, or to a new local cluster.

    Without ``address`` a ``LocalCluster`` of ``local_workers`` single-threaded worker
    processes is started (on first use) and stopped by ``close()``. Workers of a remote
    cluster need yusuan installed (and the CJK fonts to typeset PDFs) and must see the
    same file paths as this process (a shared file system).
    """

    def __init__(self, address: str | None = None, local_workers: int | None = None) -> None:
        self.address = address
        self.local_workers = local_workers
        self._client: Any = None
        self._cluster: Any = None

    def _connect(self) -> Any:
        if self._client is not None:
            return self._client
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise RuntimeError("需要安装 dask：pip install 'yusuan[dask]'") from exc
        if self.address:
            self._client = Client(self.address)
        else:
            self._cluster = LocalCluster(
                n_workers=self.local_workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self._client = Client(self._cluster)
        return self._client

    def workers(self) -> int:
        """How many worker threads the cluster has now (at least 1)."""
        client = self._connect()
        info = client.scheduler_info(n_workers=-1) if _takes_n_workers(client) else client.scheduler_info()
        return max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        from dask.distributed import as_completed

        client = self._connect()
        window = WINDOW_PER_WORKER * self.workers()
        source = iter(enumerate(items))
        index_of: dict[Any, int] = {}  # future key → input position
        ready: dict[int, R] = {}  # finished, waiting for an earlier item
        next_out = 0
        completed = as_completed()

        def refill() -> None:
            room = window - len(index_of) - len(ready)
            batch: list[tuple[int, T]] = []
            for _ in range(max(0, room)):
                try:
                    batch.append(next(source))
                except StopIteration:
                    break
            if not batch:
                return
            futures = client.map(fn, [item for _, item in batch], pure=False)
            for (position, _), future in zip(batch, futures, strict=True):
                index_of[future.key] = position
                completed.add(future)

        refill()
        for future in completed:
            position = index_of.pop(future.key)
            ready[position] = future.result()
            future.release()
            while next_out in ready:
                yield ready.pop(next_out)
                next_out += 1
            refill()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = self.address or f"LocalCluster({self.local_workers or os.cpu_count()})"
        return f"DaskExecutor({where})"


def _takes_n_workers(client: Any) -> bool:
    import inspect

    try:
        return "n_workers" in inspect.signature(client.scheduler_info).parameters
    except (TypeError, ValueError):  # pragma: no cover
        return False


def make_executor(
    jobs: int = 1,
    scheduler: str | None = None,
    dask_local: int | None = None,
    tasks_per_worker: int | None = None,
    worker_memory_mb: int | None = None,
) -> Executor:
    """The executor the command line asks for: ``--scheduler`` / ``--dask-local N`` / ``-j N`` (local
    workers replaced after ``tasks_per_worker`` tasks, or once larger than ``worker_memory_mb``,
    when given; Dask's are the cluster's)."""
    if scheduler and dask_local:
        raise ValueError("--scheduler 与 --dask-local 只能选一个")
    if scheduler:
        return DaskExecutor(address=scheduler)
    if dask_local:
        return DaskExecutor(local_workers=dask_local)
    return LocalExecutor(jobs, tasks_per_worker, worker_memory_mb)
