"""Self-evaluation scores, computed by hand (财预〔2020〕10号)."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from yusuan.ledger.model import Fund, Indicator, IndicatorLevel1, Project, ProjectCategory, ProjectSpending
from yusuan.performance.execution import Execution, Payment
from yusuan.performance.indicators import parse_target
from yusuan.performance.scoring import Actual, Weights, grade, indicator_fraction, score_project

OUT, B, S, C = IndicatorLevel1.OUTPUT, IndicatorLevel1.BENEFIT, IndicatorLevel1.SATISFACTION, IndicatorLevel1.COST


def _project(*indicators: Indicator, amount: int = 100_000_000) -> Project:
    return Project(
        unit="503001",
        code="P1",
        name="测试项目",
        category=ProjectCategory.OPERATING,
        function="2080101",
        amount=amount,
        spending=(ProjectSpending("30299", "50299", Fund.GPB, amount),),
        indicators=indicators,
    )


def _budget(example_budget, project: Project):
    return dataclasses.replace(example_budget, projects=(project,))


def _execution(spent: int) -> Execution:
    return Execution((Payment("503001", "P1", date(2025, 6, 30), spent),), (), ())


def _actuals(**values: str) -> dict[tuple[str, str], Actual]:
    return {("P1", name): Actual("P1", name, value, "说明") for name, value in values.items()}


@pytest.mark.parametrize(
    ("target", "actual", "fraction"),
    [
        ("≥90%", "95%", "1"),  # met
        ("≥90%", "72%", "0.8"),  # partly met: 72/90
        ("≥11401人", "10000人", str(Decimal(10000) / Decimal(11401))),
        ("≤2 小时", "1.5小时", "1"),  # reverse indicator met
        ("≤2 小时", "4小时", "0.5"),  # reverse not met: 2/4
        ("<4.5%", "5%", "0.9"),  # 4.5/5
        ("1330元", "1330元", "1"),  # exact
        ("1330元", "1064元", "0.8"),  # 1064/1330
        ("不发生", "达成", "0.9"),  # qualitative bands
        ("提升", "部分达成", "0.7"),
        ("按月足额", "未达成", "0.3"),
    ],
)
def test_indicator_fractions(target, actual, fraction):
    got, _deviation = indicator_fraction(parse_target(target), actual, Weights())
    assert got == Decimal(fraction)


def test_full_marks(example_budget):
    project = _project(Indicator(OUT, "人数", "≥100人"), Indicator(B, "效果", "提升"), Indicator(S, "满意度", "≥90%"))
    budget = _budget(example_budget, project)
    score = score_project(project, budget, _execution(100_000_000), _actuals(人数="100人", 效果="达成", 满意度="95%"))
    # 10 (execution) + 50 + 30 × 0.9 (达成 band) + 10 = 97
    assert score.score == Decimal("97.00") and score.grade == "优"


def test_partly_met_and_execution(example_budget):
    project = _project(
        Indicator(OUT, "数量", "≥100人"),
        Indicator(OUT, "质量", "≥90%"),
        Indicator(B, "效益", "≥80%"),
        Indicator(S, "满意度", "≥90%"),
    )
    budget = _budget(example_budget, project)
    score = score_project(
        project, budget, _execution(80_000_000), _actuals(数量="80人", 质量="90%", 效益="40%", 满意度="90%")
    )
    # execution 10 × 0.8 = 8; 产出 25 × 0.8 + 25 × 1 = 45; 效益 30 × 0.5 = 15; 满意度 10 → 78
    assert score.execution_score == Decimal("8.00")
    assert score.score == Decimal("78.00") and score.grade == "中"


def test_no_satisfaction_moves_its_weight_to_benefit(example_budget):
    project = _project(Indicator(OUT, "数量", "≥10次"), Indicator(B, "效益", "≥50%"))
    budget = _budget(example_budget, project)
    score = score_project(project, budget, _execution(100_000_000), _actuals(数量="10次", 效益="25%"))
    weights = {i.name: i.weight for i in score.indicators}
    assert weights == {"数量": Decimal("50.00"), "效益": Decimal("40.00")}
    assert score.score == Decimal("80.00")  # 10 + 50 + 40 × 0.5


def test_not_applicable_indicators_are_left_out_and_the_rest_rescaled(example_budget):
    project = _project(
        Indicator(OUT, "数量", "≥10次"),
        Indicator(OUT, "时效", "≥90%"),
        Indicator(B, "效益", "≥50%"),
        Indicator(S, "满意度", "≥90%"),
    )
    budget = _budget(example_budget, project)
    score = score_project(
        project, budget, _execution(100_000_000), _actuals(数量="5次", 时效="不适用", 效益="50%", 满意度="90%")
    )
    # applicable: 数量 25 (×0.5 = 12.5), 效益 30, 满意度 10 → 52.5 of 65, rescaled to 90: 72.69; + 10
    assert score.score == Decimal("82.69")
    na = next(i for i in score.indicators if i.name == "时效")
    assert not na.applicable


def test_execution_rate_indicator_is_not_scored_again(example_budget):
    project = _project(
        Indicator(C, "预算执行率", "≥90%"),
        Indicator(OUT, "数量", "≥10次"),
        Indicator(B, "效益", "提升"),
        Indicator(S, "满意度", "≥90%"),
    )
    budget = _budget(example_budget, project)
    score = score_project(project, budget, _execution(50_000_000), _actuals(数量="10次", 效益="达成", 满意度="90%"))
    rate = next(i for i in score.indicators if i.name == "预算执行率")
    assert not rate.applicable and rate.score == 0
    assert score.execution_score == Decimal("5.00")


def test_missing_actual_scores_zero_with_a_warning(example_budget):
    project = _project(Indicator(OUT, "数量", "≥10次"), Indicator(B, "效益", "提升"), Indicator(S, "满意度", "≥90%"))
    budget = _budget(example_budget, project)
    score = score_project(project, budget, _execution(100_000_000), _actuals(效益="达成", 满意度="90%"))
    assert any("数量" in w for w in score.warnings)
    assert next(i for i in score.indicators if i.name == "数量").score == 0


def test_grades():
    assert [grade(Decimal(x)) for x in ("90", "89.99", "80", "60", "59.99")] == ["优", "良", "良", "中", "差"]


def test_weights_must_add_up():
    with pytest.raises(ValueError):
        Weights(execution=Decimal(20))
