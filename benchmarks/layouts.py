"""The generated layouts (tests/layouts.py) over many budgets: how each reads back, and whether its
misprint is found.

Prints per layout the count of budgets per read-back outcome (exact / uncertain / silent / error)
and per misprint outcome (found / uncertain / missed / error), the first seed of each bad outcome,
and the seconds spent rendering and auditing. The test (tests/test_layouts.py) runs two seeds; this
shows whether an outcome depends on the budget (a name that wraps onto three lines, a whole amount).
Usage: python benchmarks/layouts.py [SEEDS] [--layout NAME,...]   (SEEDS: 1-20 or 3,42; default 1-20)
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.layouts: test fixtures, not the package

from tests.layouts import (
    LAYOUTS,
    MISPRINT,
    READ_BACK,
    audit_rendered,
    misprint_found,
    misprinted,
    read_back,
    render_layout,
)
from yusuan.ledger.synth import generate_budget


def _seeds(text: str) -> list[int]:
    if "-" in text:
        first, last = text.split("-")
        return list(range(int(first), int(last) + 1))
    return [int(s) for s in text.split(",")]


def main(argv: list[str]) -> int:
    seeds = _seeds(argv[0]) if argv and not argv[0].startswith("--") else list(range(1, 21))
    names = set(argv[argv.index("--layout") + 1].split(",")) if "--layout" in argv else None
    layouts = [layout for layout in LAYOUTS if names is None or layout.name in names]
    budgets = {seed: generate_budget(seed) for seed in seeds}
    render_seconds = audit_seconds = 0.0
    print(f"{len(seeds)} budgets (seeds {seeds[0]}…{seeds[-1]})" if len(seeds) > 5 else f"budgets of seeds {seeds}")
    print(f"{'layout':<16} {'read back':<40} misprint")
    for layout in layouts:
        read: Counter[str] = Counter()
        found: Counter[str] = Counter()
        first_bad: dict[str, int] = {}
        for seed, budget in budgets.items():
            started = time.perf_counter()
            plain, wrong = render_layout(budget, layout), render_layout(budget, misprinted(layout))
            render_seconds += time.perf_counter() - started
            started = time.perf_counter()
            outcome = read_back(plain, audit_rendered(plain))[0]
            misprint = misprint_found(wrong, audit_rendered(wrong))
            audit_seconds += time.perf_counter() - started
            read[outcome] += 1
            found[misprint] += 1
            for bad in (outcome, misprint):
                if bad not in ("exact", "found"):
                    first_bad.setdefault(bad, seed)
        read_text = " ".join(f"{k} {read[k]}" for k in READ_BACK if read[k])
        found_text = " ".join(f"{k} {found[k]}" for k in MISPRINT if found[k])
        seeds_text = " ".join(f"{k}@{s}" for k, s in first_bad.items())
        print(f"{layout.name:<16} {read_text:<40} {found_text:<32} {seeds_text}")
    count = 2 * len(seeds) * len(layouts)
    print(f"{count} PDFs: render {render_seconds / count:.3f} s, audit {audit_seconds / count:.3f} s per PDF")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
