"""Whose disclosure: the department's 汇总 or one unit's own (单位预算公开).

A unit's disclosure is the department's document restricted to that unit's records, so the
units add up to the 汇总 by construction. The restriction happens here, once: tables and
narrative are built from the restricted ledger as they are from the whole one. The words
that differ (部门/单位, 本部门/本单位) and which unit kinds report 机关（机构）运行经费 are
the profile's data (``scopes``, ``unit_kinds``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from yusuan.ledger.model import Assets, Budget, Department, PriorYear, Unit
from yusuan.tables.profile import Profile

if TYPE_CHECKING:
    from yusuan.performance.execution import Execution

DEPARTMENT = "department"
UNIT = "unit"


class UnknownUnitError(LookupError):
    """A unit code the ledger does not have; ``str()`` is the Chinese message listing the codes it has."""

    def __init__(self, code: str, budget: Budget) -> None:
        self.code = code
        known = "、".join(f"{u.code}（{u.name}）" for u in budget.units) or "（无）"
        super().__init__(f"预算账本中没有单位代码 {code}；账本中的单位：{known}")


@dataclass(frozen=True, slots=True)
class Scope:
    """The department's 汇总 (``unit`` None) or one unit of ``department``."""

    department: Department
    unit: Unit | None = None

    @property
    def kind(self) -> str:
        return UNIT if self.unit is not None else DEPARTMENT

    def words(self, profile: Profile) -> dict[str, str]:
        """The scope's words (noun 部门/单位, self 本部门/本单位 …) as the profile gives them."""
        return dict(profile.raw["scopes"][self.kind])

    def unit_kind(self, profile: Profile) -> dict[str, Any]:
        """The profile's entry for the unit's kind (its name, what it reports); {} for the 汇总."""
        if self.unit is None:
            return {}
        return dict(profile.raw["unit_kinds"][str(self.unit.kind)])

    def reports(self, topic: str, profile: Profile) -> bool:
        """Whether this disclosure reports ``topic`` (e.g. operating_costs): the 汇总 reports every
        topic (for the units that have it, see :func:`reporting_units`); a unit only those it has."""
        return self.unit is None or unit_reports(self.unit, topic, profile)


def unit_reports(unit: Unit, topic: str, profile: Profile) -> bool:
    """Whether ``unit`` reports ``topic``: as the ledger says for the unit, else as its kind does."""
    stated = {"operating_costs": unit.operating_costs}.get(topic)
    if stated is not None:
        return stated
    return topic in profile.raw["unit_kinds"][str(unit.kind)].get("reports", ())


def reporting_units(budget: Budget, topic: str, profile: Profile) -> frozenset[str]:
    """The codes of the units whose spending a ``topic`` figure adds up. The 汇总's 机关运行经费 is the
    sum of its 行政 and 参公 units' own, so that the units' documents add up to it."""
    return frozenset(u.code for u in budget.units if unit_reports(u, topic, profile))


def scoped(budget: Budget, unit_code: str | None) -> tuple[Budget, Scope]:
    """The budget restricted to ``unit_code`` (unchanged when None) and its scope.

    A unit's ledger keeps only its own income, spending, projects, targets and procurement. The
    department-wide figures the ledger holds only for the whole department (last year's figures,
    assets, transfers it manages, duties, 机构设置) are not the unit's and are left out.
    """
    if unit_code is None:
        return budget, Scope(budget.department)
    units = [u for u in budget.units if u.code == unit_code]
    if not units:
        raise UnknownUnitError(unit_code, budget)
    unit = units[0]

    def own(records: tuple[Any, ...]) -> tuple[Any, ...]:
        return _of_unit(records, unit_code)

    department = budget.department
    restricted = dataclasses.replace(
        budget,
        department=Department(
            code=unit.code,
            name=unit.name,
            consolidated=False,
            staffing=unit.staffing,
            fiscal_level=department.fiscal_level,
        ),
        units=(unit,),
        income=own(budget.income),
        basic=own(budget.basic),
        projects=own(budget.projects),
        unit_performance=own(budget.unit_performance),
        procurement=own(budget.procurement),
        prior_year=PriorYear(),
        assets=Assets(),
        transfers=(),
        # the department's reasons for the 决算 (no unit) stand for the unit's part too, unless it has its own
        final_reasons=tuple(r for r in budget.final_reasons if r.unit in ("", unit_code)),
    )
    return restricted, Scope(department, unit)


def scoped_execution(execution: Execution, unit_code: str | None) -> Execution:
    """The execution data restricted to ``unit_code`` (unchanged when None): its own payments,
    adjustments and declared carry-over, so a unit's 决算 is built from them as the 汇总 is from all."""
    if unit_code is None:
        return execution
    return dataclasses.replace(
        execution,
        payments=_of_unit(execution.payments, unit_code),
        adjustments=_of_unit(execution.adjustments, unit_code),
        carryovers=_of_unit(execution.carryovers, unit_code),
    )


def _of_unit(records: tuple[Any, ...], unit_code: str) -> tuple[Any, ...]:
    """The records (ledger lines, payments …) that belong to unit ``unit_code``."""
    return tuple(r for r in records if r.unit == unit_code)
