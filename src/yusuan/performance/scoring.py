"""Self-evaluation (绩效自评) following 财预〔2020〕10号.

Weights (configurable): 预算执行率 10, 产出 50, 效益 30, 满意度 10; a project with no
satisfaction indicator gives that weight to 效益; 成本 indicators count under 产出 (the
older form, and 10号 has no separate 成本 weight). Inside a group the weight is shared
equally. Each indicator scores by its direction:

- '≥' / '>': weight × min(actual / target, 1)
- '≤' / '<': full weight when met, else weight × target / actual (target 0: met or nothing)
- '=': full weight when equal, else weight × min / max
- qualitative: weight × the band's fraction (达成 / 部分达成 / 未达成)

Indicators marked not applicable are left out and the applicable ones rescaled to the
indicator part's full weight; 预算执行率 scores 10 × min(rate, 1); grades 优 ≥ 90,
良 ≥ 80, 中 ≥ 60, else 差.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from yusuan.ledger.limits import LONG_TEXT_CHARS, MAX_CHARS, shown
from yusuan.ledger.model import NO_ORIGIN, Budget, Indicator, Origin, Project
from yusuan.ledger.problems import BudgetInputError, Problem
from yusuan.ledger.schema import FieldType
from yusuan.performance.execution import Execution, adjusted_budget, executed, read_csv_table
from yusuan.performance.indicators import is_execution_rate, level1_for_scoring, parse_target
from yusuan.performance.targets import Direction, Target

_CENT = Decimal("0.01")
_NUMBER = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?")
NOT_APPLICABLE = ("不适用", "N/A", "n/a", "NA", "-")
_MAX_ACTUAL_CHARS = MAX_CHARS[FieldType.TEXT]  # an actual value is as short as the 指标值 it answers
GROUPS = ("output", "benefit", "satisfaction")
GROUP_NAMES = {"output": "产出指标", "benefit": "效益指标", "satisfaction": "满意度指标"}


@dataclass(frozen=True, slots=True)
class Weights:
    """财预〔2020〕10号 weights, and the fractions of the qualitative bands (configurable)."""

    execution: Decimal = Decimal(10)
    output: Decimal = Decimal(50)
    benefit: Decimal = Decimal(30)
    satisfaction: Decimal = Decimal(10)
    bands: tuple[tuple[str, Decimal], ...] = (
        ("部分达成", Decimal("0.7")),
        ("未达成", Decimal("0.3")),
        ("达成", Decimal("0.9")),
    )
    overachievement: Decimal = Decimal("1.2")  # actual/target above this asks for a reason

    def __post_init__(self) -> None:
        parts = (self.execution, self.output, self.benefit, self.satisfaction)
        if any(p < 0 for p in parts) or sum(parts) != 100:
            raise ValueError(f"权重之和应为 100，且不能为负：{parts}")

    def group(self, name: str) -> Decimal:
        return getattr(self, name)  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class Actual:
    """A project's actual value for one indicator (实际完成值), with its explanation."""

    project: str
    indicator: str  # the level-3 name
    actual: str
    note: str = ""
    origin: Origin = NO_ORIGIN


@dataclass(slots=True)
class IndicatorScore:
    name: str
    level1: str
    target: str
    actual: str
    weight: Decimal
    score: Decimal
    applicable: bool
    note: str = ""
    deviation: str = ""  # why it fell short or overshot, for the deviations list


@dataclass(slots=True)
class ProjectScore:
    code: str
    name: str
    unit: str
    budget: int  # 调整后预算 (fen)
    executed: int
    execution_rate: Decimal  # percent
    execution_score: Decimal
    indicators: list[IndicatorScore]
    score: Decimal
    grade: str
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class DepartmentScore:
    projects: int
    budget: int
    executed: int
    execution_rate: Decimal
    score: Decimal  # amount-weighted average of the project scores
    grade: str
    grades: dict[str, int]
    below_60: list[str]


def grade(score: Decimal) -> str:
    """优 ≥ 90, 良 ≥ 80, 中 ≥ 60, else 差."""
    if score >= 90:
        return "优"
    if score >= 80:
        return "良"
    if score >= 60:
        return "中"
    return "差"


def _q(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _number(text: str) -> Decimal | None:
    m = _NUMBER.search(text.replace("，", ","))
    return Decimal(m.group().replace(",", "")) if m else None


def indicator_fraction(target: Target, actual: str, weights: Weights) -> tuple[Decimal, str]:
    """The share of its weight an indicator earns (0–1), and a deviation text when short or over."""
    text = actual.strip()
    if target.direction is Direction.QUALITATIVE or target.value is None:
        for band, fraction in weights.bands:
            if text.startswith(band):
                return fraction, "" if band == "达成" else f"{band}年度指标"
        if text and text == target.text.strip():
            return dict(weights.bands)["达成"], ""
        return Decimal(0), f"实际值“{text}”不是 达成/部分达成/未达成"
    value = _number(text)
    if value is None:
        return Decimal(0), f"实际值“{text}”不是数值"
    t = target.value
    if target.direction in (Direction.AT_LEAST, Direction.GREATER):
        if t <= 0:
            return (Decimal(1) if value >= t else Decimal(0)), ""
        ratio = value / t
        if ratio < 1:
            return ratio, f"未完成：实际 {text}，目标 {target.text}"
        if ratio > weights.overachievement:
            return Decimal(1), f"超额完成较多：实际 {text}，目标 {target.text}，请说明是否年初目标偏低"
        return Decimal(1), ""
    if target.direction in (Direction.AT_MOST, Direction.LESS):
        if value <= t:
            return Decimal(1), ""
        if t <= 0 or value <= 0:
            return Decimal(0), f"未完成：实际 {text}，目标 {target.text}"
        return t / value, f"未完成：实际 {text}，目标 {target.text}"
    if value == t:
        return Decimal(1), ""
    low, high = sorted((abs(value), abs(t)))
    return (low / high if high else Decimal(0)), f"与目标不符：实际 {text}，目标 {target.text}"


def _group_weights(groups_present: set[str], weights: Weights) -> dict[str, Decimal]:
    """Each group's weight; no satisfaction → its weight to 效益; absent groups → shared by the rest."""
    out = {g: weights.group(g) for g in GROUPS}
    if "satisfaction" not in groups_present:
        out["benefit"] += out.pop("satisfaction")
    total = sum(out.values(), Decimal(0))
    present = {g: w for g, w in out.items() if g in groups_present}
    if not present:
        return {}
    scale = total / sum(present.values(), Decimal(0))
    return {g: w * scale for g, w in present.items()}


def score_project(
    project: Project,
    budget: Budget,
    execution: Execution,
    actuals: dict[tuple[str, str], Actual],
    weights: Weights = Weights(),
) -> ProjectScore:
    """One project's self-evaluation score."""
    warnings: list[str] = []
    adjusted = adjusted_budget(budget, execution, project=project.code)
    spent = executed(execution, project=project.code)
    rate = Decimal(spent) / Decimal(adjusted) if adjusted else Decimal(0)
    execution_score = _q(weights.execution * min(rate, Decimal(1)))
    scorable: list[tuple[Indicator, str]] = []
    rows: list[IndicatorScore] = []
    for ind in project.indicators:
        group = level1_for_scoring(ind)
        if is_execution_rate(ind) or group not in GROUPS:
            why = "预算执行率单独计分，不作为绩效指标" if is_execution_rate(ind) else "不属于产出、效益、满意度指标"
            zero = Decimal(0)
            rows.append(IndicatorScore(ind.name, str(ind.level1), ind.value, "", zero, zero, False, why))
            continue
        scorable.append((ind, group))
    group_weight = _group_weights({g for _i, g in scorable}, weights)
    counts = {g: sum(1 for _i, gg in scorable if gg == g) for g in group_weight}
    applicable_weight = Decimal(0)
    earned = Decimal(0)
    for ind, group in scorable:
        weight = group_weight[group] / counts[group]
        actual = actuals.get((project.code, ind.name))
        target = parse_target(ind.value)
        if actual is None:
            warnings.append(f"指标“{ind.name}”没有实际值，按 0 分计")
            rows.append(
                IndicatorScore(ind.name, str(ind.level1), ind.value, "", _q(weight), Decimal(0), True, "", "缺少实际值")
            )
            applicable_weight += weight
            continue
        if actual.actual.strip() in NOT_APPLICABLE:
            rows.append(
                IndicatorScore(
                    ind.name, str(ind.level1), ind.value, actual.actual, _q(weight), Decimal(0), False, actual.note
                )
            )
            continue
        fraction, deviation = indicator_fraction(target, actual.actual, weights)
        if deviation and not actual.note:
            warnings.append(f"指标“{ind.name}”{deviation}，但没有说明原因")
        rows.append(
            IndicatorScore(
                ind.name,
                str(ind.level1),
                ind.value,
                actual.actual,
                weight,
                weight * fraction,
                True,
                actual.note,
                deviation,
            )
        )
        applicable_weight += weight
        earned += weight * fraction
    indicator_part = sum(group_weight.values(), Decimal(0))
    # not-applicable indicators drop out; the applicable ones are rescaled to the full indicator part
    indicator_total = earned / applicable_weight * indicator_part if applicable_weight else Decimal(0)
    if applicable_weight and applicable_weight != indicator_part:
        scale = indicator_part / applicable_weight
        for row in rows:
            if row.applicable:
                row.weight, row.score = row.weight * scale, row.score * scale
    for row in rows:
        row.weight, row.score = _q(row.weight), _q(row.score)
    total = _q(execution_score + indicator_total)
    if not scorable:
        warnings.append("项目没有可评分的绩效指标")
    return ProjectScore(
        code=project.code,
        name=project.name,
        unit=project.unit,
        budget=adjusted,
        executed=spent,
        execution_rate=_q(rate * 100),
        execution_score=execution_score,
        indicators=rows,
        score=total,
        grade=grade(total),
        warnings=warnings,
    )


def score_budget(
    budget: Budget, execution: Execution, actuals: dict[tuple[str, str], Actual], weights: Weights = Weights()
) -> tuple[list[ProjectScore], DepartmentScore]:
    """Every project's score and the department summary (scores weighted by adjusted budget)."""
    projects = [score_project(p, budget, execution, actuals, weights) for p in budget.projects]
    total_budget = sum(p.budget for p in projects)
    total_spent = sum(p.executed for p in projects)
    weighted = sum((p.score * p.budget for p in projects), Decimal(0))
    average = weighted / total_budget if total_budget else Decimal(0)
    grades = {g: sum(1 for p in projects if p.grade == g) for g in ("优", "良", "中", "差")}
    department = DepartmentScore(
        projects=len(projects),
        budget=total_budget,
        executed=total_spent,
        execution_rate=_q(Decimal(total_spent) * 100 / total_budget) if total_budget else Decimal(0),
        score=_q(average),
        grade=grade(_q(average)),
        grades=grades,
        below_60=[p.code for p in projects if p.score < 60],
    )
    return projects, department


def read_actuals(path: Path, budget: Budget) -> dict[tuple[str, str], Actual]:
    """Actual values: CSV `project_code,indicator,actual,note`; every problem reported at once.

    Read as execution data are (one reader: encodings, bounds, CSV errors).
    """
    file = str(path)
    problems: list[Problem] = []
    table = read_csv_table(path, problems)
    if table is None:
        raise BudgetInputError(problems)
    header = [str(h).strip() for h in table.header]
    required = ("project_code", "indicator", "actual")
    missing = [c for c in required if c not in header]
    if missing:
        raise BudgetInputError([Problem(f"缺少列：{'、'.join(missing)}", Origin(file, row=table.header_row))])
    column = {name: header.index(name) for name in (*required, "note") if name in header}

    def cell(record: Sequence[object], name: str) -> str:
        index = column.get(name)
        return str(record[index]).strip() if index is not None and index < len(record) else ""

    projects = {p.code: p for p in budget.projects}
    out: dict[tuple[str, str], Actual] = {}
    for number, record in table.rows:
        if not any(str(v).strip() for v in record):
            continue
        code, name, actual, note = (cell(record, c) for c in ("project_code", "indicator", "actual", "note"))
        origin = Origin(file, "", number)
        project = projects.get(code)
        if project is None:
            problems.append(Problem(f"未知的项目编码 {shown(code)}", origin.at("project_code")))
            continue
        if name not in {i.name for i in project.indicators}:
            problems.append(Problem(f"项目 {code} 没有指标“{shown(name)}”", origin.at("indicator")))
            continue
        if (code, name) in out:
            problems.append(Problem(f"项目 {code} 的指标“{name}”重复", origin.at("indicator")))
            continue
        if len(actual) > _MAX_ACTUAL_CHARS or len(note) > LONG_TEXT_CHARS:
            longest, limit = (
                ("actual", _MAX_ACTUAL_CHARS) if len(actual) > _MAX_ACTUAL_CHARS else ("note", LONG_TEXT_CHARS)
            )
            problems.append(Problem(f"内容过长：最多 {limit} 个字符", origin.at(longest)))
            continue
        out[code, name] = Actual(code, name, actual, note, origin)
    if problems:
        raise BudgetInputError(problems)
    return out
