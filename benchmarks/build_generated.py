"""Benchmark: generate and build N random departments on 2 worker processes.

Each department: generate a valid ledger, build its TableSet and render XLSX,
HTML and JSON into a scratch directory. Prints departments per second and peak
memory (largest resident set of any process). Target (issue 2): 1,000
departments in ≤ 60 s with peak memory ≤ 300 MB.
Usage: python benchmarks/build_generated.py [N] [WORKERS]
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from yusuan.ledger.synth import generate_budget
from yusuan.outputs import write_outputs


def _build_one(args: tuple[int, str]) -> tuple[int, int]:
    seed, root = args
    budget = generate_budget(seed)
    written, _ = write_outputs(budget, Path(root) / f"d{seed:05d}", ["xlsx", "html", "json"])
    return len(budget.projects), sum(p.stat().st_size for p in written)


def main(n: int = 1000, workers: int = 2) -> None:
    with tempfile.TemporaryDirectory() as root:
        start = time.perf_counter()
        with ProcessPoolExecutor(workers) as pool:
            results = list(pool.map(_build_one, ((i, root) for i in range(n)), chunksize=8))
        elapsed = time.perf_counter() - start
    projects = sum(r[0] for r in results)
    size = sum(r[1] for r in results)
    peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak = max(peak_children, peak_self)
    print(f"{n} departments ({projects} projects, {size / 1e6:.1f} MB written) on {workers} processes")
    print(
        f"elapsed {elapsed:.1f} s — {n / elapsed:.1f} departments/s — target ≤ 60 s: "
        + ("met" if elapsed <= 60 else "NOT met")
    )
    print(
        f"peak RSS: worker {peak_children:.0f} MB, parent {peak_self:.0f} MB — target ≤ 300 MB: "
        f"{'met' if peak <= 300 else 'NOT met'}"
    )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
