"""Input problems: collected, never raised one at a time.

A reader gathers every problem in the input and reports them together, each
naming the file, sheet, row and column, so the finance officer can fix them
in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass

from yusuan.ledger.model import Origin


@dataclass(frozen=True, slots=True)
class Problem:
    message: str
    origin: Origin
    severity: str = "error"  # error / warning

    def __str__(self) -> str:
        return f"{self.origin}：{self.message}"


class BudgetInputError(Exception):
    """The input cannot become a Budget; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(str(self))

    def __str__(self) -> str:
        errors = [p for p in self.problems if p.severity == "error"]
        lines = [f"输入有 {len(errors)} 处错误，未生成任何文件："]
        lines += [f"  - {p}" for p in errors]
        return "\n".join(lines)
