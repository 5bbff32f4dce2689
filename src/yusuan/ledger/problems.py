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


def unlisted_note(count: int) -> str:
    """What a report says of the problems past the bound it lists."""
    return f"另有 {count} 个问题未列出（请先改正以上问题）" if count else ""


class BudgetInputError(Exception):
    """The input cannot become a Budget; carries every problem found, up to ``MAX_PROBLEMS``.

    Errors come first; past the bound the rest are only counted (``unlisted``), so 300,000 bad
    rows make a readable report, not a 40 MB one.
    """

    def __init__(self, problems: list[Problem], unlisted: int = 0) -> None:
        if len(problems) > MAX_PROBLEMS:
            ordered = [p for p in problems if p.severity == "error"] + [p for p in problems if p.severity != "error"]
            problems, unlisted = ordered[:MAX_PROBLEMS], unlisted + len(ordered) - MAX_PROBLEMS
        self.problems = problems
        self.unlisted = unlisted
        super().__init__(str(self))

    def __reduce__(self) -> tuple[object, ...]:  # travels back from worker processes whole
        return (type(self), (self.problems, self.unlisted))

    def __str__(self) -> str:
        errors = [p for p in self.problems if p.severity == "error"]
        lines = [f"输入有 {len(errors) + self.unlisted} 处错误，未生成任何文件："]
        lines += [f"  - {p}" for p in errors]
        if self.unlisted:
            lines.append(f"  {unlisted_note(self.unlisted)}")
        return "\n".join(lines)
