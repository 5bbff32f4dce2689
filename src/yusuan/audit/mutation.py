"""Mutation testing of the audit: change one printed amount, and see whether the audit notices.

Each mutation changes one amount (a number with two decimals, in a table or in
the narrative) of a text document and audits the result; it is *caught* when a
finding that the unchanged document did not have points at the changed line.
Recall = caught / mutations. Used by the tests and by ``benchmarks/mutations.py``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from yusuan.audit.engine import audit_document
from yusuan.audit.finding import Finding
from yusuan.extract.text import parse_text

AMOUNT = re.compile(r"(?<![\d.])\d+\.\d{2}(?![\d])")
DELTAS = (Decimal("0.01"), Decimal("0.10"), Decimal("1.00"), Decimal("10.00"), Decimal("100.00"), Decimal("1000.00"))


@dataclass(frozen=True, slots=True)
class Mutation:
    line: int  # 1-based
    start: int
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class Outcome:
    mutation: Mutation
    caught: bool
    findings: tuple[Finding, ...]  # the new ones


def _signature(f: Finding) -> tuple[str, str, str, str]:
    return (f.rule, f.message, f.expected, f.actual)


def mutations(text: str, count: int, seed: int) -> list[Mutation]:
    """``count`` reproducible single-amount changes of ``text``."""
    sites = [(number, m) for number, line in enumerate(text.split("\n"), 1) for m in AMOUNT.finditer(line)]
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        number, m = rng.choice(sites)
        old = Decimal(m.group())
        delta = rng.choice(DELTAS) * rng.choice((1, -1))
        new = old + delta if old + delta >= 0 and old + delta != old else old + abs(delta)
        out.append(Mutation(number, m.start(), m.group(), f"{new:.2f}"))
    return out


def apply(text: str, mutation: Mutation) -> str:
    lines = text.split("\n")
    line = lines[mutation.line - 1]
    assert line[mutation.start : mutation.start + len(mutation.old)] == mutation.old
    lines[mutation.line - 1] = line[: mutation.start] + mutation.new + line[mutation.start + len(mutation.old) :]
    return "\n".join(lines)


def run(
    path: str | Path, count: int = 200, seed: int = 2025, progress: Callable[[int], None] | None = None
) -> Iterator[Outcome]:
    """Audit ``count`` mutants of a text document; yield whether each was caught."""
    text = Path(path).read_text(encoding="utf-8")
    baseline = {_signature(f) for f in audit_document(parse_text(text, path=str(path))).findings}
    for k, mutation in enumerate(mutations(text, count, seed)):
        mutant = parse_text(apply(text, mutation), path=str(path))
        new = tuple(f for f in audit_document(mutant).findings if _signature(f) not in baseline)
        caught = any(p.line == mutation.line for f in new for p in (*f.locations, *f.related))
        if progress:
            progress(k)
        yield Outcome(mutation, caught, new)
