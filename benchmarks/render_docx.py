"""Benchmark: render the example disclosure as DOCX, against the PDF in the same run (median, in process).

Target (issue 13 §3): DOCX ≤ 0.3 s. The PDF's first (cold) compilation is left out of its median,
as in benchmarks/render.py.
Usage: python benchmarks/render_docx.py [RUNS]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "jiefang-hrss-2025" / "budget.yaml"
TARGET_SECONDS = 0.3


def main(runs: int = 7) -> None:
    from yusuan.ledger import read_budget
    from yusuan.outputs import build_disclosure
    from yusuan.render.docx import render_docx
    from yusuan.render.pdf import render_pdf

    disclosure = build_disclosure(read_budget(EXAMPLE))
    render_pdf(disclosure.narrative, disclosure.tables)  # warm Typst's caches
    docx_times, pdf_times = [], []
    for _ in range(runs):
        start = time.perf_counter()
        docx = render_docx(disclosure.narrative, disclosure.tables)
        docx_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        pdf = render_pdf(disclosure.narrative, disclosure.tables)
        pdf_times.append(time.perf_counter() - start)
    docx_median, pdf_median = statistics.median(docx_times), statistics.median(pdf_times)
    print(
        f"DOCX ({len(docx) / 1024:.0f} KB): median {docx_median:.3f} s over {runs} runs — target ≤ {TARGET_SECONDS} s: "
        + ("met" if docx_median <= TARGET_SECONDS else "NOT met")
    )
    print(f"PDF  ({len(pdf) / 1024:.0f} KB): median {pdf_median:.3f} s — DOCX/PDF = {docx_median / pdf_median:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
