"""Benchmark: batch-build N generated departments, audit their PDFs, then the same build on Dask.

1. ``yusuan synth``-style inputs: N generated departments written as YAML (seed series 1).
2. Build them (xlsx + json + pdf) on 2 local worker processes (``LocalExecutor(2)``).
3. Audit every generated PDF on 2 local worker processes.
4. Build them again on a Dask ``LocalCluster`` of 2 single-threaded worker processes,
   check the output tree is byte-identical, and report its time as a ratio to the local pool.

Prints departments per second for each stage and peak memory: ``resource.getrusage`` of this
process and of its reaped children, and — because local-pool workers are started by a fork
server, so they are grandchildren that ``RUSAGE_CHILDREN`` never sees — the largest resident
set of any descendant process sampled every 0.1 s during the stage (with psutil, which Dask
installs).
The memory of a local worker is bounded by recycling it (``TASKS_PER_WORKER`` documents each):
the "sampled worker" figure of the local build is the bound to watch (target ≤ 300 MB).

Usage: python benchmarks/batch.py [N]   (default 1000)
"""

from __future__ import annotations

import contextlib
import hashlib
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

from yusuan.audit.batch import run_batch
from yusuan.audit.report import Unreadable
from yusuan.batch_build import build_batch
from yusuan.executors import TASKS_PER_WORKER, DaskExecutor, LocalExecutor
from yusuan.ledger import write_budget
from yusuan.ledger.synth import department_seed, generate_budget

FORMATS = ["xlsx", "json", "pdf"]
WORKERS = 2


def _peaks() -> tuple[float, float]:
    """Peak RSS in MB: (this process, largest child process)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


class _Sampler:
    """Largest RSS (MB) of any descendant process while the block runs, sampled every 0.1 s."""

    def __enter__(self) -> _Sampler:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            import psutil
        except ImportError:  # pragma: no cover
            return
        me = psutil.Process()
        while not self._stop.wait(0.1):
            for child in me.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    self.peak = max(self.peak, child.memory_info().rss / 2**20)

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def main(n: int = 1000) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        inputs = root / "in"
        inputs.mkdir()
        start = time.perf_counter()
        for i in range(1, n + 1):
            write_budget(generate_budget(department_seed(1, i)), inputs / f"dept-{i:05d}.yaml")
        synth_s = time.perf_counter() - start
        print(f"synth: {n} departments in {synth_s:.1f} s — {n / synth_s:.1f} departments/s (1 process)")

        print(
            f"worker memory: bounded by recycling worker processes — each local worker is replaced after "
            f"{TASKS_PER_WORKER} documents (the typst binding offers no cache eviction; its compiler cache "
            f"grows ~50-80 MB per PDF); Dask workers are not recycled"
        )
        local_out = root / "local"
        with _Sampler() as sampled:
            summary = build_batch(inputs, local_out, FORMATS, LocalExecutor(WORKERS))
        local_s = summary.seconds
        assert summary.built == n and summary.failed == 0, summary.failures[:3]
        own, children = _peaks()
        print(
            f"build ({'+'.join(FORMATS)}), local pool of {WORKERS}: {local_s:.1f} s — {n / local_s:.1f} departments/s"
            f" — peak RSS parent {own:.0f} MB, reaped children {children:.0f} MB, sampled worker {sampled.peak:.0f} MB"
        )

        pdfs = [str(p) for p in sorted(local_out.glob("*/disclosure.pdf"))]
        start = time.perf_counter()
        with _Sampler() as sampled_audit:
            # stream the reports, as the CLI does: keeping 1,000 of them would measure the list
            unreadable = errors = 0
            for r in run_batch(pdfs, executor=LocalExecutor(WORKERS)):
                if isinstance(r, Unreadable):
                    unreadable += 1
                else:
                    errors += r.errors
        audit_s = time.perf_counter() - start
        own, children = _peaks()
        print(
            f"audit of {len(pdfs)} PDFs, local pool of {WORKERS}: {audit_s:.1f} s — "
            f"{len(pdfs) / audit_s:.1f} departments/s ({unreadable} unreadable, {errors} errors) — "
            f"peak RSS parent {own:.0f} MB, reaped children {children:.0f} MB, "
            f"sampled worker {sampled_audit.peak:.0f} MB"
        )

        dask_out = root / "dask"
        with _Sampler() as sampled_dask, DaskExecutor(local_workers=WORKERS) as executor:
            start = time.perf_counter()
            executor.workers()  # the cluster's start-up, reported apart
            startup_s = time.perf_counter() - start
            summary = build_batch(inputs, dask_out, FORMATS, executor)
        dask_s = summary.seconds
        assert summary.built == n and summary.failed == 0, summary.failures[:3]
        same = _tree(dask_out) == _tree(local_out)
        own, children = _peaks()
        print(
            f"build on Dask LocalCluster({WORKERS}): {dask_s:.1f} s (+{startup_s:.1f} s cluster start-up) — "
            f"{n / dask_s:.1f} departments/s — {dask_s / local_s:.2f}× the local pool's time — "
            f"output tree {'byte-identical' if same else 'DIFFERENT'} — peak RSS parent {own:.0f} MB, "
            f"reaped children {children:.0f} MB, sampled worker {sampled_dask.peak:.0f} MB"
        )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
