"""Department-level execution ratios (部门整体绩效 投入管理指标, 预算14表).

Each ratio follows the formula printed in the seed's 预算14表 and is a percentage
``Decimal`` rounded to two decimals (ROUND_HALF_UP). Amounts stay integer fen until
the one division. A ratio that cannot be computed (zero denominator, no economic
codes on the payments, no 政府采购 budget …) has ``value=None`` and a ``reason``.

``at`` limits the data to payments and adjustments dated on or before that day
(None: the whole year as read).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from yusuan.ledger.model import Budget
from yusuan.performance.execution import (
    ADD,
    CUT,
    Execution,
    adjusted_budget,
    adjustments_total,
    executed,
    original_budget,
)

_CENT = Decimal("0.01")

EXECUTION_RATE = "预算执行率"
EXECUTION_RATE_ORIGINAL = "预算执行率（对年初预算）"
ADJUSTMENT_RATE = "预算调整率"
GROSS_ADJUSTMENT_RATE = "预算调整率（追加追减总额）"
CARRYOVER_RATE = "结转结余率"
THREE_PUBLIC_CONTROL_RATE = "“三公经费”控制率"
PROCUREMENT_RATE = "政府采购执行率"

#: the profile's econ sets that make up “三公”经费
THREE_PUBLIC_SETS = (
    "three_public.abroad",
    "three_public.vehicle_purchase",
    "three_public.vehicle_operation",
    "three_public.reception",
)


@dataclass(frozen=True, slots=True)
class RatioResult:
    """A ratio as a percentage, with the fen amounts it was computed from."""

    name: str
    formula: str
    value: Decimal | None  # percent, two decimals; None when not computable
    numerator: int | None = None  # fen
    denominator: int | None = None  # fen
    reason: str = ""  # why ``value`` is None
    note: str = ""  # how a figure was obtained (an estimate, a basis)

    @property
    def computable(self) -> bool:
        return self.value is not None

    def __str__(self) -> str:
        if self.value is None:
            return f"{self.name}：无法计算（{self.reason}）"
        return f"{self.name}：{self.value}%"


def percent(numerator: int, denominator: int) -> Decimal:
    """numerator / denominator × 100, rounded to two decimals ROUND_HALF_UP (denominator ≠ 0)."""
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(_CENT, rounding=ROUND_HALF_UP)


def _ratio(name: str, formula: str, numerator: int, denominator: int, zero: str, note: str = "") -> RatioResult:
    if denominator == 0:
        return RatioResult(name, formula, None, numerator, denominator, reason=zero, note=note)
    return RatioResult(name, formula, percent(numerator, denominator), numerator, denominator, note=note)


def year_end(year: int) -> date:
    return date(year, 12, 31)


def year_progress(year: int, at: date) -> tuple[int, int]:
    """(days elapsed in ``year`` up to and including ``at``, days in ``year``); ``at`` must be in ``year``."""
    if at.year != year:
        raise ValueError(f"日期 {at.isoformat()} 不在预算年度 {year} 年内")
    days = 366 if calendar.isleap(year) else 365
    return (at - date(year, 1, 1)).days + 1, days


# ---------------------------------------------------------------- the ratios


def execution_rate(budget: Budget, execution: Execution, at: date | None = None) -> RatioResult:
    """预算执行率 = 实际支出 / 调整后预算 × 100%.

    预算执行率=（预算完成数/预算数）×100%，预算数为财政部门批复的本年度（调整）预算数
    (预算14表; 财预〔2020〕10号 自评表 uses 全年预算数, i.e. the adjusted budget).
    """
    return _ratio(
        EXECUTION_RATE,
        "实际支出 / 调整后预算 × 100%",
        executed(execution, until=at),
        adjusted_budget(budget, execution, until=at),
        "调整后预算为 0",
    )


def execution_rate_original(budget: Budget, execution: Execution, at: date | None = None) -> RatioResult:
    """预算执行率（对年初预算） = 实际支出 / 年初预算 × 100%.

    The PEFA PI-1 (aggregate expenditure outturn) view: outturn against the originally
    approved budget, in-year adjustments not counted.
    """
    return _ratio(
        EXECUTION_RATE_ORIGINAL,
        "实际支出 / 年初预算 × 100%",
        executed(execution, until=at),
        original_budget(budget),
        "年初预算为 0",
    )


def adjustment_rate(budget: Budget, execution: Execution, at: date | None = None) -> RatioResult:
    """预算调整率 = (调整后预算 − 年初预算) / 年初预算 × 100%.

    预算调整率=（预算调整数-年初预算数）/年初预算数×100% (预算14表), 预算调整数 being the
    budget after this year's 追加 and 追减; a net cut gives a negative rate.
    """
    original = original_budget(budget)
    return _ratio(
        ADJUSTMENT_RATE,
        "(调整后预算 − 年初预算) / 年初预算 × 100%",
        adjusted_budget(budget, execution, until=at) - original,
        original,
        "年初预算为 0",
    )


def gross_adjustment_rate(budget: Budget, execution: Execution, at: date | None = None) -> RatioResult:
    """预算调整率（追加追减总额） = (追加 + 追减) / 年初预算 × 100%.

    The 财预〔2013〕53号 reading, 调整数 = 追加 + 追减 in absolute terms, so that a 追加
    offset by a 追减 still counts as adjustment.
    """
    gross = adjustments_total(execution, ADD, until=at) + adjustments_total(execution, CUT, until=at)
    return _ratio(
        GROSS_ADJUSTMENT_RATE,
        "(追加 + 追减) / 年初预算 × 100%",
        gross,
        original_budget(budget),
        "年初预算为 0",
    )


def _budget_lines(budget: Budget, execution: Execution) -> list[tuple[str, str]]:
    """(unit, project) of every line of the budget: each unit's basic expenditure, then each project."""
    lines = [(u.code, "") for u in budget.units]
    lines += [(p.unit, p.code) for p in budget.projects]
    known = set(lines)
    lines += sorted({(a.unit, a.project) for a in execution.adjustments} - known)
    return lines


def carryover_rate(budget: Budget, execution: Execution, at: date | None = None) -> RatioResult:
    """结转结余率 = 结转结余总额 / 调整后预算 × 100%.

    结转结余率=结转结余总额/预算数×100% (预算14表), 预算数 being the (adjusted) budget.
    结转结余总额 is the declared carry-over when the execution data has any; otherwise it is
    estimated at year end as Σ max(调整后预算 − 实际支出, 0) over the budget lines (each
    unit's basic expenditure and each project), so one line's overspending does not hide
    another's balance. Before year end without declared carry-over it is not known.
    """
    name, formula = CARRYOVER_RATE, "结转结余总额 / 调整后预算 × 100%"
    denominator = adjusted_budget(budget, execution, until=at)
    if execution.carryovers:
        total = sum(c.amount for c in execution.carryovers)
        return _ratio(name, formula, total, denominator, "调整后预算为 0", note="结转结余总额为填报的结转数")
    if at is not None and at < year_end(budget.year):
        return RatioResult(
            name,
            formula,
            None,
            denominator=denominator,
            reason=f"年度尚未结束（截至 {at.isoformat()}），且未提供结转结余数",
        )
    total = 0
    for unit, project in _budget_lines(budget, execution):
        left = adjusted_budget(budget, execution, project, unit, until=at) - executed(execution, project, unit, at)
        total += max(left, 0)
    return _ratio(name, formula, total, denominator, "调整后预算为 0", note="结转结余总额按调整后预算减实际支出估算")


def three_public_codes(profile: Any) -> frozenset[str]:
    """The 部门经济分类 codes of “三公”经费 in a template profile."""
    return frozenset().union(*(profile.econ_sets.get(name, frozenset()) for name in THREE_PUBLIC_SETS))


def three_public_budget(budget: Budget, profile: Any) -> int:
    """“三公”经费预算数 (fen): 一般公共预算 basic and project spending on the profile's 三公 codes."""
    codes = three_public_codes(profile)
    funds = set(profile.fund_groups.get("gpb", ()))
    total = sum(line.amount for line in budget.basic if line.econ in codes and line.fund in funds)
    total += sum(s.amount for p in budget.projects for s in p.spending if s.econ in codes and s.fund in funds)
    return total


def three_public_control_rate(
    budget: Budget, execution: Execution, at: date | None = None, profile: Any = None
) -> RatioResult:
    """“三公经费”控制率 = 三公实际支出 / 三公预算数 × 100%.

    “三公经费”控制率=本年度“三公经费”实际支出数/“三公经费”预算数×100% (预算14表).
    三公预算数: the ledger's 一般公共预算 spending whose 经济分类 is in the profile's
    ``three_public.*`` econ sets (as published in 预算12表); 实际支出: payments whose
    ``econ`` is in those sets. Needs economic codes on the payments.
    """
    name, formula = THREE_PUBLIC_CONTROL_RATE, "“三公”经费实际支出 / “三公”经费预算数 × 100%"
    if profile is None:
        try:
            from yusuan.tables.profile import load_profile

            profile = load_profile(budget.template)
        except Exception as exc:
            return RatioResult(name, formula, None, reason=f"无法读取模板「{budget.template}」的“三公”经费科目：{exc}")
    codes = three_public_codes(profile)
    planned = three_public_budget(budget, profile)
    payments = [p for p in execution.payments if at is None or p.date <= at]
    if not any(p.econ for p in payments):
        return RatioResult(
            name, formula, None, denominator=planned, reason="支付记录没有填写经济分类，无法识别“三公”经费支出"
        )
    actual = sum(p.amount for p in payments if p.econ in codes)
    return _ratio(name, formula, actual, planned, "预算未安排“三公”经费")


def procurement_execution_rate(budget: Budget, execution: Execution, at: date | None = None) -> RatioResult:
    """政府采购执行率 = 实际政府采购金额 / 政府采购预算数 × 100%.

    政府采购执行率=（实际政府采购金额/政府采购预算数）×100% (预算14表). 预算数: the sum
    of the ledger's 政府采购预算 items; 实际: payments flagged as 政府采购.
    """
    planned = sum(p.amount for p in budget.procurement)
    actual = sum(p.amount for p in execution.payments if p.procurement and (at is None or p.date <= at))
    return _ratio(
        PROCUREMENT_RATE,
        "实际政府采购金额 / 政府采购预算数 × 100%",
        actual,
        planned,
        "预算未编列政府采购预算",
    )


def department_ratios(budget: Budget, execution: Execution, at: date | None = None) -> dict[str, RatioResult]:
    """Every department ratio, by its Chinese name, as of ``at`` (None: all data)."""
    results = [
        execution_rate(budget, execution, at),
        execution_rate_original(budget, execution, at),
        adjustment_rate(budget, execution, at),
        gross_adjustment_rate(budget, execution, at),
        carryover_rate(budget, execution, at),
        three_public_control_rate(budget, execution, at),
        procurement_execution_rate(budget, execution, at),
    ]
    return {r.name: r for r in results}


def monthly_series(budget: Budget, execution: Execution) -> list[dict[str, Any]]:
    """One entry per month 1…12: payments in the month, cumulative executed and the rate at month end.

    Keys: ``month``, ``end`` (last day), ``paid`` (fen in the month), ``executed``
    (cumulative fen), ``adjusted_budget`` (fen, adjustments to month end), ``rate``
    (执行率 %, None when the budget is 0) and ``time_progress`` (% of the year elapsed).
    """
    series: list[dict[str, Any]] = []
    previous = 0
    for month in range(1, 13):
        end = date(budget.year, month, calendar.monthrange(budget.year, month)[1])
        done = executed(execution, until=end)
        planned = adjusted_budget(budget, execution, until=end)
        elapsed, days = year_progress(budget.year, end)
        series.append(
            {
                "month": month,
                "end": end,
                "paid": done - previous,
                "executed": done,
                "adjusted_budget": planned,
                "rate": percent(done, planned) if planned else None,
                "time_progress": percent(elapsed, days),
            }
        )
        previous = done
    return series
