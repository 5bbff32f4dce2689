"""Target quality checks: what a reviewer flags in a project's 绩效指标 (performance-rules.md §1.3).

Each check looks at a project's list of ledger ``Indicator``s and returns ``TargetIssue``s
with Chinese messages. Codes never change once published:

- ``missing_level1`` (warning): no 产出指标 or no 效益指标.
- ``missing_satisfaction`` (warning): no 满意度指标 (10号 then moves its weight into 效益).
- ``execution_rate_as_indicator`` (warning): 预算执行率 and the like, scored separately.
- ``cost_with_at_least`` (warning): a cost indicator whose target is ≥ or >.
- ``unquantified`` (info; warning for a 数量指标): a 产出/成本 indicator with a qualitative target.
- ``unparseable`` (warning): a value that looked numeric but was kept as qualitative.
- ``rate_over_100`` (warning): a percentage target above 100% (growth rates excepted).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from yusuan.ledger.model import Budget, Indicator, IndicatorLevel1, Project
from yusuan.performance.indicators import (
    is_cost,
    is_execution_rate,
    level1_for_scoring,
    normalize_level2,
    parse_target,
)
from yusuan.performance.targets import Direction, Target


@dataclass(frozen=True, slots=True)
class TargetIssue:
    """One problem with a project's targets; ``indicator_name`` is '' for project-level issues."""

    code: str
    severity: str  # 'warning' or 'info'
    message: str
    indicator_name: str = ""


def check_project(project: Project) -> list[TargetIssue]:
    """The target quality issues of one project."""
    return check_indicators(project.indicators)


def check_budget(budget: Budget) -> dict[str, list[TargetIssue]]:
    """Every project's issues, keyed by project code (an empty list when a project is clean)."""
    return {project.code: check_project(project) for project in budget.projects}


def check_indicators(indicators: Sequence[Indicator]) -> list[TargetIssue]:
    """The issues of one list of indicators: project-level issues first, then indicator by indicator."""
    issues = _missing_levels(indicators)
    for indicator in indicators:
        target = parse_target(indicator.value)
        for check in _INDICATOR_CHECKS:
            issues.extend(check(indicator, target))
    return issues


def _missing_levels(indicators: Sequence[Indicator]) -> list[TargetIssue]:
    """产出 and 效益 are required; 满意度 is expected where there are service recipients."""
    present = {indicator.level1 for indicator in indicators}
    issues = [
        TargetIssue("missing_level1", "warning", f"项目没有{level.value}：每个项目至少应设置产出指标和效益指标")
        for level in (IndicatorLevel1.OUTPUT, IndicatorLevel1.BENEFIT)
        if level not in present
    ]
    if IndicatorLevel1.SATISFACTION not in present:
        issues.append(
            TargetIssue(
                "missing_satisfaction",
                "warning",
                "项目没有满意度指标：有服务对象的项目应设置服务对象满意度指标"
                "（未设置时，自评中满意度的10%权重并入效益指标）",
            )
        )
    return issues


def _execution_rate(indicator: Indicator, target: Target) -> Iterable[TargetIssue]:
    """预算执行率 (资金到位率, 资金拨付率, 支付进度) is scored separately, not as an indicator."""
    if is_execution_rate(indicator) and indicator.level1 is not IndicatorLevel1.INPUT_MANAGEMENT:
        yield TargetIssue(
            "execution_rate_as_indicator",
            "warning",
            f"「{indicator.name}」不应作为{indicator.level1.value}：预算执行情况在自评中单独计分（10分），"
            "作为绩效指标会重复计分；成本指标应写明成本控制数或单位成本（如 ≤ X 万元）",
            indicator.name,
        )


def _cost_with_at_least(indicator: Indicator, target: Target) -> Iterable[TargetIssue]:
    """A cost is a ceiling: '≥7万元' rewards spending more."""
    if is_execution_rate(indicator) or not is_cost(indicator):
        return  # an execution rate is already flagged, once
    if target.direction in (Direction.AT_LEAST, Direction.GREATER):
        money = "元" in target.unit
        yield TargetIssue(
            "cost_with_at_least",
            "warning",
            f"成本指标「{indicator.name}」的指标值「{target.text}」用了「{target.direction.value}」："
            "成本指标应设上限（≤ 成本控制数或单位成本），下限意味着花得越多越好"
            + ("" if money else "；该指标值也不是金额，请确认它是否属于成本指标"),
            indicator.name,
        )


def _unquantified(indicator: Indicator, target: Target) -> Iterable[TargetIssue]:
    """Outputs and costs should be measurable; a 数量指标 must be a number."""
    if target.direction is not Direction.QUALITATIVE or target.warning:
        return  # quantitative, or already reported as unparseable
    if level1_for_scoring(indicator) != "output":
        return
    quantity = normalize_level2(indicator.level2) == "数量指标"
    kind = "数量指标" if quantity else indicator.level1.value
    yield TargetIssue(
        "unquantified",
        "warning" if quantity else "info",
        f"{kind}「{indicator.name}」的指标值「{target.text}」没有量化："
        + ("数量指标必须写明数值和单位" if quantity else "产出和成本指标应尽量定量表述，不能量化的应分级分档"),
        indicator.name,
    )


def _unparseable(indicator: Indicator, target: Target) -> Iterable[TargetIssue]:
    """A value with a number that could not be read safely."""
    if target.warning:
        yield TargetIssue("unparseable", "warning", f"「{indicator.name}」：{target.warning}", indicator.name)


#: names of rates that may legitimately exceed 100%
_GROWTH_WORDS = ("增长", "增幅", "增速", "变动率", "变化率", "同比", "环比", "提高率", "提升率")
_HUNDRED = Decimal(100)


def _rate_over_100(indicator: Indicator, target: Target) -> Iterable[TargetIssue]:
    """A percentage above 100% cannot be reached by a rate (growth rates excepted)."""
    if target.unit != "%" or target.value is None or any(word in indicator.name for word in _GROWTH_WORDS):
        return
    if target.value > _HUNDRED or (target.value == _HUNDRED and target.direction is Direction.GREATER):
        yield TargetIssue(
            "rate_over_100",
            "warning",
            f"「{indicator.name}」的指标值「{target.text}」超过100%：比率类指标不会超过100%，请核对数值或比较符",
            indicator.name,
        )


_INDICATOR_CHECKS: tuple[Callable[[Indicator, Target], Iterable[TargetIssue]], ...] = (
    _execution_rate,
    _cost_with_at_least,
    _unquantified,
    _unparseable,
    _rate_over_100,
)
