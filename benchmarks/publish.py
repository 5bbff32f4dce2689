"""Benchmark: everything the example department publishes in a year, in process.

The 汇总 budget disclosure, each unit's own disclosure (单位预算公开) and the 部门决算, each built
from the ledger (and the execution data) and rendered in every format (PDF, HTML, XLSX, JSON,
DOCX). The first run (Typst's cold start, catalog and template loading) is shown apart and left
out of the median. Target (issue 13): 汇总 + 2 units + 决算 in all formats, median ≤ 1.5 s.
Usage: python benchmarks/publish.py [RUNS]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "jiefang-hrss-2025"
TARGET_SECONDS = 1.5


def main(runs: int = 7) -> None:
    from yusuan.ledger import read_budget
    from yusuan.outputs import RENDERERS, build_disclosure, build_final_disclosure
    from yusuan.performance.execution import read_execution

    budget = read_budget(EXAMPLE / "budget.yaml")
    execution = read_execution(budget, EXAMPLE / "execution.csv", EXAMPLE / "adjustments.csv")
    units = [u.code for u in budget.units]
    parts: dict[str, list[float]] = {"汇总": [], **{u: [] for u in units}, "决算": [], "total": []}
    formats: dict[str, list[float]] = {fmt: [] for fmt in RENDERERS}
    first = 0.0
    for run in range(runs + 1):
        started = time.perf_counter()
        timed: dict[str, float] = {}
        disclosures = {"汇总": lambda: build_disclosure(budget)}
        disclosures.update({u: (lambda u=u: build_disclosure(budget, u)) for u in units})
        disclosures["决算"] = lambda: build_final_disclosure(budget, execution)
        for part, build in disclosures.items():
            begun = time.perf_counter()
            disclosure = build()
            for fmt, (_name, render) in RENDERERS.items():
                t = time.perf_counter()
                render(disclosure)
                timed[fmt] = timed.get(fmt, 0.0) + time.perf_counter() - t
            timed[part] = time.perf_counter() - begun
        total = time.perf_counter() - started
        if run == 0:
            first = total
            continue
        for part in parts:
            parts[part].append(total if part == "total" else timed[part])
        for fmt in formats:
            formats[fmt].append(timed[fmt])
    print(f"example: {budget.department.name}, units {'、'.join(units)}; formats {'、'.join(RENDERERS)}")
    print(f"first run (cold): {first:.3f} s")
    for part, values in parts.items():
        print(f"  {part:>8}: median {statistics.median(values):.3f} s")
    print("by format (all documents of a run together):")
    for fmt, values in formats.items():
        print(f"  {fmt:>8}: median {statistics.median(values):.3f} s")
    median = statistics.median(parts["total"])
    print(
        f"汇总 + {len(units)} units + 决算 in all formats: median {median:.3f} s over {runs} runs "
        f"— target ≤ {TARGET_SECONDS} s: " + ("met" if median <= TARGET_SECONDS else "NOT met")
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
