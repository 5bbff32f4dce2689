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
A worker's memory is bounded by emptying Typst's memo cache after each PDF, by typesetting with
the cut fonts, and by replacing a worker whose resident set after a document exceeds
``WORKER_MEMORY_MB`` (``yusuan.render.typst_cache``, ``yusuan.render.fonts``); where eviction is
unavailable, local workers are replaced after each document instead. The output says which.
The "sampled worker" figure of the local build is the bound to watch (target ≤ 300 MB).
``--baseline`` builds the same departments the old way first (full fonts, no eviction, a worker
replaced after 2 documents) so the two are compared in the same run.

Usage: python benchmarks/batch.py [N] [--no-dask] [--baseline]   (default N = 1000)
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
from yusuan.executors import DaskExecutor, LocalExecutor
from yusuan.ledger import write_budget
from yusuan.ledger.synth import department_seed, generate_budget
from yusuan.render.fonts import cut_fonts, find_fonts
from yusuan.render.typst_cache import WORKER_MEMORY_MB, eviction_available, worker_document_limit

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


def _old_build(task: object) -> object:
    """One department built as before this change: the full fonts, nothing evicted (in a worker)."""
    import os

    from yusuan.batch_build import build_one
    from yusuan.render import fonts, typst_cache

    os.environ["YUSUAN_TYPST_EVICT"] = "0"
    typst_cache._evictor.cache_clear()
    fonts.cut_fonts = lambda full: None  # type: ignore[assignment]
    return build_one(task)  # type: ignore[arg-type]


def _old_way(inputs: Path, out: Path, n: int) -> float:
    summary = build_batch(inputs, out, FORMATS, LocalExecutor(WORKERS, 2), build=_old_build)
    assert summary.built == n and summary.failed == 0, summary.failures[:3]
    return summary.seconds


def main(n: int = 1000, dask: bool = True, baseline: bool = False) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        inputs = root / "in"
        inputs.mkdir()
        start = time.perf_counter()
        for i in range(1, n + 1):
            write_budget(generate_budget(department_seed(1, i)), inputs / f"dept-{i:05d}.yaml")
        synth_s = time.perf_counter() - start
        print(f"synth: {n} departments in {synth_s:.1f} s — {n / synth_s:.1f} departments/s (1 process)")

        limit = worker_document_limit()
        cut = cut_fonts(find_fonts())
        print(
            "worker memory: "
            + (
                "Typst's memo cache emptied after each PDF (comemo::evict), a worker kept until its "
                f"resident set after a document exceeds {WORKER_MEMORY_MB} MB"
                if eviction_available()
                else f"no cache eviction here: each worker replaced after {limit} document(s)"
            )
            + "; fonts: "
            + ("the GB 2312 cut of the Noto CJK faces (16 MB)" if cut else "the full Noto CJK collections (93 MB)")
            + "; Dask workers are not replaced"
        )
        if baseline:
            with _Sampler() as sampled_old:
                old = _old_way(inputs, root / "old", n)
            print(
                f"baseline (full fonts, no eviction, worker replaced after 2 documents): {old:.1f} s — "
                f"{n / old:.1f} departments/s — sampled worker {sampled_old.peak:.0f} MB"
            )
        local_out = root / "local"
        with _Sampler() as sampled:
            summary = build_batch(inputs, local_out, FORMATS, LocalExecutor(WORKERS, limit, WORKER_MEMORY_MB))
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

        if not dask:
            return
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
    numbers = [int(a) for a in sys.argv[1:] if a.isdigit()]
    main(numbers[0] if numbers else 1000, dask="--no-dask" not in sys.argv, baseline="--baseline" in sys.argv)
