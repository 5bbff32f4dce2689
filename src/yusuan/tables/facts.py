"""Facts: the ledger flattened into summable records.

Every amount cell of every table is the sum of the facts that match its row
and its column; this module turns a Budget into those facts once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from yusuan.ledger.model import Budget

if TYPE_CHECKING:
    from yusuan.performance.execution import Execution


@dataclass(frozen=True, slots=True)
class Fact:
    """One summable amount with every attribute a table can select on."""

    unit: str
    fund: str
    amount: int
    function: str = ""
    econ: str = ""
    gov_econ: str = ""
    part: str = ""  # basic / project ('' for income)
    cost: str = ""  # personnel / public (basic only)
    category: str = ""  # 其他运转类 / 特定目标类 (projects only)
    item: str = ""  # 预算07表 item (basic only)
    project: str = ""  # project code (projects only)
    executed: int = 0  # 决算数: what was actually received / paid (0 in a budget's facts)

    def value(self, which: str) -> int:
        """The amount a column sums: ``budget`` (年初预算数) or ``executed`` (决算数)."""
        return self.executed if which == "executed" else self.amount


def expenditure_facts(budget: Budget) -> list[Fact]:
    """Basic lines and project spending lines, as facts."""
    facts = [
        Fact(
            unit=line.unit,
            fund=str(line.fund),
            amount=line.amount,
            function=line.function,
            econ=line.econ,
            gov_econ=line.gov_econ,
            part="basic",
            cost="personnel" if line.personnel else "public",
            item=line.item,
        )
        for line in budget.basic
    ]
    facts += [
        Fact(
            unit=project.unit,
            fund=str(s.fund),
            amount=s.amount,
            function=project.function,
            econ=s.econ,
            gov_econ=s.gov_econ,
            part="project",
            category=str(project.category),
            project=project.code,
        )
        for project in budget.projects
        for s in project.spending
    ]
    return facts


def income_facts(budget: Budget) -> list[Fact]:
    return [Fact(unit=i.unit, fund=str(i.fund), amount=i.amount) for i in budget.income]


def apportion(total: int, weights: list[int]) -> list[int]:
    """``total`` fen split in proportion to ``weights`` (largest remainder, so the parts add up
    exactly); equal parts when every weight is 0."""
    if not weights:
        return []
    if not any(weights):
        weights = [1] * len(weights)
    whole = sum(weights)
    parts = [total * w // whole for w in weights]
    order = sorted(range(len(weights)), key=lambda i: -(total * weights[i] % whole))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def final_facts(budget: Budget, execution: Execution) -> dict[str, list[Fact]]:
    """The 决算's facts: the ledger's, each carrying its 决算数 (``executed``) beside its 年初预算数.

    Payments name unit, project and 经济分类 but not the fund or 功能分类: a payment is spread
    over the ledger lines of its unit, project and code in proportion to their budget (over the
    unit's and project's lines, under the payment's own code, when the ledger has no line with it).
    Income received is the budget's income plus the 追加 less the 追减, spread over the funds of
    the adjusted unit's and project's lines the same way.
    """
    spending = expenditure_facts(budget)
    by_line: dict[tuple[str, str, str], list[int]] = {}
    by_owner: dict[tuple[str, str], list[int]] = {}
    for i, f in enumerate(spending):
        by_line.setdefault((f.unit, f.project, f.econ), []).append(i)
        by_owner.setdefault((f.unit, f.project), []).append(i)
    paid: dict[tuple[str, str, str], int] = {}
    for p in execution.payments:
        key = (p.unit, p.project, p.econ)
        paid[key] = paid.get(key, 0) + p.amount
    executed = [0] * len(spending)
    extra: list[Fact] = []
    for (unit, project, econ), amount in paid.items():
        owners = by_line.get((unit, project, econ)) or by_owner.get((unit, project)) or by_owner.get((unit, ""), [])
        if not owners:  # read_execution only admits the ledger's units and projects
            raise ValueError(f"支出数据中的单位 {unit} / 项目 {project or '（基本支出）'} 不在预算中")
        shares = apportion(amount, [spending[i].amount for i in owners])
        if (unit, project, econ) in by_line:
            for i, share in zip(owners, shares, strict=True):
                executed[i] += share
        else:
            personnel = econ[:3] in ("301", "303")
            for i, share in zip(owners, shares, strict=True):
                model = spending[i]
                cost = ("personnel" if personnel else "public") if model.part == "basic" else ""
                extra.append(replace(model, econ=econ, amount=0, executed=share, cost=cost, item=""))
    spending = [replace(f, executed=e) for f, e in zip(spending, executed, strict=True)] + extra
    received: dict[tuple[str, str], int] = {}
    for a in execution.adjustments:
        owners = by_owner.get((a.unit, a.project), [])
        sign = 1 if a.kind == "追加" else -1
        weights = [spending[i].amount for i in owners]
        for i, share in zip(owners, apportion(a.amount, weights), strict=True):
            fund_key = (spending[i].unit, spending[i].fund)
            received[fund_key] = received.get(fund_key, 0) + sign * share
    income: list[Fact] = []
    for f in income_facts(budget):
        income.append(replace(f, executed=f.amount + received.pop((f.unit, f.fund), 0)))
    income += [Fact(unit=u, fund=fund, amount=0, executed=x) for (u, fund), x in received.items() if x]
    return {"expenditure": spending, "income": income}
