"""Benchmark: build the reference example (TableSet + XLSX + HTML + JSON), in process.

Prints the median and other figures; target (issue 2): median ≤ 0.3 s.
Usage: python benchmarks/build_example.py [REPEATS]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from yusuan.ledger import read_budget
from yusuan.render.html import render_html
from yusuan.render.json_out import render_json
from yusuan.render.xlsx import render_xlsx
from yusuan.tables import build_tables

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "jiefang-hrss-2025" / "budget.yaml"


def main(repeats: int = 30) -> None:
    t0 = time.perf_counter()
    budget = read_budget(EXAMPLE)
    read_s = time.perf_counter() - t0
    stages: dict[str, list[float]] = {"tables": [], "xlsx": [], "html": [], "json": [], "total": []}
    for _ in range(repeats):
        start = time.perf_counter()
        tables = build_tables(budget)
        t1 = time.perf_counter()
        render_xlsx(tables)
        t2 = time.perf_counter()
        render_html(tables)
        t3 = time.perf_counter()
        render_json(tables)
        t4 = time.perf_counter()
        for key, value in zip(stages, (t1 - start, t2 - t1, t3 - t2, t4 - t3, t4 - start), strict=True):
            stages[key].append(value)
    print(f"example: {EXAMPLE.name}, {len(budget.basic)} basic lines, {len(budget.projects)} projects")
    print(f"read + validate YAML (first, incl. catalog load): {read_s * 1000:.1f} ms")
    for key, values in stages.items():
        print(f"{key:>7}: median {statistics.median(values) * 1000:7.1f} ms   min {min(values) * 1000:7.1f} ms")
    median = statistics.median(stages["total"])
    print(
        f"build (TableSet+XLSX+HTML+JSON) median {median:.3f} s — target ≤ 0.300 s: "
        + ("met" if median <= 0.3 else "NOT met")
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
