"""Execution monitoring (预算执行监控): spending progress against time progress, with traffic lights.

For every project and every unit's basic expenditure, at a date ``at``:

- 执行率 = 截至 ``at`` 的实际支出 / 截至 ``at`` 的调整后预算;
- 时间进度 = 预算年度已过天数（含 ``at`` 当天）/ 全年天数;
- 进度比 = 执行率 / 时间进度;
- 灯: 红 when 进度比 < ``red``, 黄 when < ``yellow``, else 绿 (the 预算执行预警 bands
  60% / 80% found in a vendor system; 财预〔2019〕136号 sets no numbers, so they are
  configurable);
- 超支 (spent more than the adjusted budget, or anything without a budget) is 红 whatever
  the progress ratio: a high ratio there is not good progress but money paid without a
  budget behind it. Every red or yellow line says why (``reason``).

Comparisons are exact (integers and ``Decimal``); only the stored ratios are rounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from yusuan.ledger.model import Budget
from yusuan.money import format_wan
from yusuan.performance.execution import Execution, adjusted_budget, executed, original_budget
from yusuan.performance.ratios import percent, year_progress

_RATIO_PLACES = Decimal("0.0001")


class Light(StrEnum):
    RED = "红灯"
    YELLOW = "黄灯"
    GREEN = "绿灯"
    NONE = "无预算"  # adjusted budget 0: no progress to judge


def _decimal(value: object, name: str) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(f"阈值 {name} 应为数值，不是 {value!r}")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int | float | str):
        try:
            d = Decimal(str(value).strip())  # a float threshold is taken as written (0.6 → Decimal('0.6'))
        except InvalidOperation:
            raise ValueError(f"阈值 {name} 不是有效数值：{value!r}") from None
    else:
        raise ValueError(f"阈值 {name} 应为数值，不是 {value!r}")
    if not d.is_finite():
        raise ValueError(f"阈值 {name} 不是有效数值：{value!r}")
    return d


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Light bands on the progress ratio (执行率 / 时间进度): red below ``red``, yellow below ``yellow``.

    Ratios, not percentages: the defaults are 0.60 and 0.80. Accepts ``Decimal``, ``int``,
    ``str`` or a float literal (converted as written); requires 0 < red < yellow.
    """

    red: Decimal = Decimal("0.60")
    yellow: Decimal = Decimal("0.80")

    def __post_init__(self) -> None:
        red = _decimal(self.red, "red")
        yellow = _decimal(self.yellow, "yellow")
        if not 0 < red < yellow:
            raise ValueError(f"预警阈值应满足 0 < 红灯阈值 < 黄灯阈值，实际为 red={red}、yellow={yellow}")
        object.__setattr__(self, "red", red)
        object.__setattr__(self, "yellow", yellow)


@dataclass(frozen=True, slots=True)
class MonitoredLine:
    """One monitored budget line (a project, a unit's basic expenditure, or a total)."""

    unit: str  # '' for the department total
    project: str  # '' for basic expenditure and totals
    name: str
    original: int  # 年初预算, fen
    adjusted: int  # 调整后预算 at ``at``, fen
    executed: int  # 实际支出 up to ``at``, fen
    rate: Decimal | None  # 执行率 %, two decimals; None when ``adjusted`` is 0
    progress: Decimal | None  # 进度比 (执行率 / 时间进度), four decimals
    light: Light
    level: str = "project"  # project / basic / unit / department
    reason: str = ""  # why the light is red or yellow ('' for green and 无预算)

    @property
    def remaining(self) -> int:
        """调整后预算 − 实际支出 (fen); negative when overspent."""
        return self.adjusted - self.executed

    @property
    def over_budget(self) -> bool:
        return self.executed > self.adjusted


@dataclass(frozen=True, slots=True)
class Monitoring:
    """Monitoring of every budget line at ``at``."""

    at: date
    thresholds: Thresholds
    elapsed_days: int
    year_days: int
    lines: tuple[MonitoredLine, ...]  # each unit's basic expenditure, then its projects, in budget order
    units: tuple[MonitoredLine, ...]  # per-unit totals
    total: MonitoredLine  # the department

    @property
    def time_progress(self) -> Decimal:
        """时间进度 %, two decimals."""
        return percent(self.elapsed_days, self.year_days)

    @property
    def attention(self) -> tuple[MonitoredLine, ...]:
        """The red and yellow lines: overspent ones first (largest overspending first), then the
        lagging ones, worst (lowest progress ratio) first and larger shortfalls first on a tie."""
        flagged = [line for line in self.lines if line.light in (Light.RED, Light.YELLOW)]
        overspent = sorted((line for line in flagged if line.over_budget), key=lambda line: line.remaining)
        lagging = sorted(
            (line for line in flagged if not line.over_budget),
            key=lambda line: (line.progress or Decimal(0), -line.remaining),
        )
        return (*overspent, *lagging)

    def count(self, light: Light) -> int:
        return sum(1 for line in self.lines if line.light is light)


def _judge(
    executed_fen: int, adjusted: int, elapsed: int, days: int, thresholds: Thresholds
) -> tuple[Decimal | None, Decimal | None, Light, str]:
    """(执行率 %, 进度比, light, reason).

    进度比 = (executed/adjusted) / (elapsed/days) = executed·days / (adjusted·elapsed).
    """
    if adjusted <= 0:
        if executed_fen > 0:
            return None, None, Light.RED, f"超支：没有预算，已支付 {format_wan(executed_fen)} 万元"
        return None, None, Light.NONE, ""
    rate = percent(executed_fen, adjusted)
    ratio = Decimal(executed_fen * days) / Decimal(adjusted * elapsed)
    shown = ratio.quantize(_RATIO_PLACES, rounding=ROUND_HALF_UP)
    if executed_fen > adjusted:
        over = format_wan(executed_fen - adjusted)
        reason = f"超支：已支付 {format_wan(executed_fen)} 万元（预算的 {rate}%），超出预算 {over} 万元"
        return rate, shown, Light.RED, reason
    if ratio < thresholds.red:
        return rate, shown, Light.RED, f"执行滞后：进度比 {shown} 低于红灯阈值 {thresholds.red}"
    if ratio < thresholds.yellow:
        return rate, shown, Light.YELLOW, f"执行偏慢：进度比 {shown} 低于黄灯阈值 {thresholds.yellow}"
    return rate, shown, Light.GREEN, ""


def monitor(
    budget: Budget,
    execution: Execution,
    at: date,
    thresholds: Thresholds | None = None,
) -> Monitoring:
    """Monitor every project and each unit's basic expenditure at ``at`` (a day of the budget year)."""
    thresholds = thresholds or Thresholds()
    elapsed, days = year_progress(budget.year, at)

    def line(unit: str, project: str | None, name: str, level: str) -> MonitoredLine:
        adjusted = adjusted_budget(budget, execution, project, unit or None, until=at)
        done = executed(execution, project, unit or None, until=at)
        rate, progress, light, reason = _judge(done, adjusted, elapsed, days, thresholds)
        original = original_budget(budget, project, unit or None)
        return MonitoredLine(unit, project or "", name, original, adjusted, done, rate, progress, light, level, reason)

    lines: list[MonitoredLine] = []
    units: list[MonitoredLine] = []
    for unit in budget.units:
        basic = line(unit.code, "", f"{unit.name}基本支出", "basic")
        if basic.original or basic.adjusted or basic.executed:
            lines.append(basic)
        lines += [line(unit.code, p.code, p.name, "project") for p in budget.projects if p.unit == unit.code]
        units.append(line(unit.code, None, f"{unit.name}合计", "unit"))
    total = line("", None, f"{budget.department.name}合计", "department")
    return Monitoring(at, thresholds, elapsed, days, tuple(lines), tuple(units), total)
