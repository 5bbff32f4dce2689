"""Input problems: collected, never raised one at a time.

A reader gathers every problem in the input and reports them together, each
naming the file, sheet, row and column, so the finance officer can fix them
in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass

from yusuan.ledger.limits import MAX_PROBLEMS
from yusuan.ledger.model import Origin


@dataclass(frozen=True, slots=True)
class Problem:
    message: str
    origin: Origin
    severity: str = "error"  # error / warning

    def __str__(self) -> str:
        return f"{self.origin}：{self.message}"


class BudgetInputError(Exception):
    """The input cannot become a Budget; carries every problem found, up to ``MAX_PROBLEMS``.

    Errors come first; past the bound one last problem says how many more there are, so
    300,000 bad rows make a readable report, not a 40 MB one.
    """

    def __init__(self, problems: list[Problem]) -> None:
        if len(problems) > MAX_PROBLEMS:
            ordered = [p for p in problems if p.severity == "error"] + [p for p in problems if p.severity != "error"]
            message = f"问题过多，仅列出前 {MAX_PROBLEMS} 个，另有 {len(ordered) - MAX_PROBLEMS} 个问题未列出"
            problems = [*ordered[:MAX_PROBLEMS], Problem(message, Origin(ordered[0].origin.file))]
        self.problems = problems
        super().__init__(str(self))

    def __str__(self) -> str:
        errors = [p for p in self.problems if p.severity == "error"]
        lines = [f"输入有 {len(errors)} 处错误，未生成任何文件："]
        lines += [f"  - {p}" for p in errors]
        return "\n".join(lines)
