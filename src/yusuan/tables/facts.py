"""Facts: the ledger flattened into summable records.

Every amount cell of every table is the sum of the facts that match its row
and its column; this module turns a Budget into those facts once.
"""

from __future__ import annotations

from dataclasses import dataclass

from yusuan.ledger.model import Budget


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
