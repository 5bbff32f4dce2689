"""Benchmark: audit the seed text and a 25-page PDF, in process (median of N runs).

Targets (issue 4): seed text ≤ 50 ms, 25-page PDF ≤ 0.15 s. Two figures each: 'cold' clears
the placement cache before every run (a first document), 'warm' keeps it (a batch, where
rows of the same shape recur). The floor, measured here too: reading the PDF alone.
Usage: python benchmarks/audit.py [PDF] [RUNS]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from yusuan.audit.engine import audit_path
from yusuan.extract.assign import _place_nonzero
from yusuan.extract.pdf import read_pdf

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seeds" / "000_b36b569784039dee.txt"


def _median(fn, runs: int, cold: bool) -> float:
    times = []
    for _ in range(runs):
        if cold:
            _place_nonzero.cache_clear()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _example_pdf() -> Path:
    from yusuan.ledger import read_budget
    from yusuan.outputs import write_outputs

    out = ROOT / "out" / "bench"
    write_outputs(read_budget(ROOT / "examples" / "jiefang-hrss-2025" / "budget.yaml"), out, ["pdf"])
    return out / "disclosure.pdf"


def main(pdf: str | None = None, runs: int = 9) -> None:
    if SEED.exists():
        audit_path(SEED)
        for cold in (True, False):
            m = _median(lambda: audit_path(SEED), runs, cold)
            label = "cold" if cold else "warm"
            print(
                f"seed text audit ({label}): median {m * 1000:.1f} ms — target ≤ 50 ms: "
                + ("met" if m <= 0.05 else "NOT met")
            )
    else:
        print(f"seed not found ({SEED}); skipping the seed figure")
    path = Path(pdf) if pdf else _example_pdf()
    pages = read_pdf(path).pages
    read = _median(lambda: read_pdf(path), runs, False)
    print(f"PDF: {path.name}, {pages} pages; reading alone: median {read * 1000:.1f} ms")
    for cold in (True, False):
        m = _median(lambda: audit_path(path), runs, cold)
        per25 = m * 25 / pages
        label = "cold" if cold else "warm"
        print(
            f"PDF audit ({label}): median {m * 1000:.1f} ms = {per25 * 1000:.1f} ms per 25 pages "
            f"— target ≤ 150 ms: {'met' if per25 <= 0.15 else 'NOT met'}; ratio to reading alone {m / read:.1f}×"
        )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None, int(sys.argv[2]) if len(sys.argv) > 2 else 9)
