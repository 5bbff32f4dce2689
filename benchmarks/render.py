"""Benchmark: render the example disclosure as PDF and HTML (median, in process).

Targets (issue 3): PDF ≤ 2 s, HTML ≤ 0.2 s. Typst caches between compilations in one
process, so the first (cold) PDF is reported apart from the median of the later ones.
Usage: python benchmarks/render.py [RUNS]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from yusuan.ledger import read_budget
from yusuan.outputs import build_disclosure
from yusuan.render.html import render_html
from yusuan.render.pdf import render_pdf

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "jiefang-hrss-2025" / "budget.yaml"


def main(runs: int = 7) -> None:
    budget = read_budget(EXAMPLE)
    start = time.perf_counter()
    disclosure = build_disclosure(budget)
    print(f"tables + narrative: {(time.perf_counter() - start) * 1000:.1f} ms")
    start = time.perf_counter()
    pdf = render_pdf(disclosure.narrative, disclosure.tables)
    cold = time.perf_counter() - start
    pdf_times, html_times = [], []
    for _ in range(runs):
        start = time.perf_counter()
        render_pdf(disclosure.narrative, disclosure.tables)
        pdf_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        render_html(disclosure.tables, disclosure.narrative)
        html_times.append(time.perf_counter() - start)
    pdf_median, html_median = statistics.median(pdf_times), statistics.median(html_times)
    print(
        f"PDF ({len(pdf) / 1024:.0f} KB): first {cold:.3f} s, median {pdf_median:.3f} s — target ≤ 2 s: "
        + ("met" if max(cold, pdf_median) <= 2 else "NOT met")
    )
    print(
        f"HTML: median {html_median * 1000:.1f} ms — target ≤ 200 ms: " + ("met" if html_median <= 0.2 else "NOT met")
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
