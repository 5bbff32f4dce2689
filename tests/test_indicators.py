"""Indicator values (指标值): parsing, round trip, classification and target quality checks."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
import yaml

from tests.conftest import EXAMPLE_DIR, with_corrected_targets
from yusuan.ledger.model import Indicator, IndicatorLevel1, Project, ProjectCategory
from yusuan.performance.checks import TargetIssue, check_budget, check_indicators, check_project
from yusuan.performance.indicators import (
    is_execution_rate,
    level1_for_scoring,
    normalize_level1,
    normalize_level2,
    parse_target,
    render_target,
)
from yusuan.performance.targets import Direction

TRANSCRIBED = yaml.safe_load((EXAMPLE_DIR / "performance.yaml").read_text(encoding="utf-8"))


def _indicators(items: list[dict[str, str]]) -> tuple[Indicator, ...]:
    return tuple(
        Indicator(normalize_level1(i["level1"]), i["name"], i["value"], i.get("level2", ""), i.get("explanation", ""))
        for i in items
    )


PROJECTS = {p["code"]: _indicators(p["indicators"]) for p in TRANSCRIBED["projects"]}
UNITS = {u["unit"]: _indicators(u["indicators"]) for u in TRANSCRIBED["unit_performance"]}
SEED_VALUES = sorted({i.value for group in (*PROJECTS.values(), *UNITS.values()) for i in group})


# --- parse_target ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", SEED_VALUES)
def test_every_seed_value_parses_and_round_trips(text):
    target = parse_target(text)
    assert render_target(target) == text
    assert not target.warning, target.warning
    assert target.quantitative == (target.direction is not Direction.QUALITATIVE)
    assert target.value is None or isinstance(target.value, Decimal)


@pytest.mark.parametrize(
    ("text", "direction", "value", "unit"),
    [
        ("≥90%", Direction.AT_LEAST, "90", "%"),
        ("≥90 %", Direction.AT_LEAST, "90", "%"),
        ("≥90％", Direction.AT_LEAST, "90", "%"),
        ("≥11401人", Direction.AT_LEAST, "11401", "人"),
        ("≤2 小时", Direction.AT_MOST, "2", "小时"),
        ("1330元", Direction.EQUAL, "1330", "元"),
        ("6.1万人以上", Direction.AT_LEAST, "6.1", "万人"),
        ("<4.5%", Direction.LESS, "4.5", "%"),
        ("≥7万元", Direction.AT_LEAST, "7", "万元"),
        ("100%", Direction.EQUAL, "100", "%"),
        ("≤1%", Direction.AT_MOST, "1", "%"),
        ("≤300 个", Direction.AT_MOST, "300", "个"),
        ("35人", Direction.EQUAL, "35", "人"),
        ("1人", Direction.EQUAL, "1", "人"),
        ("≥10次", Direction.AT_LEAST, "10", "次"),
        ("≥400 人", Direction.AT_LEAST, "400", "人"),
        ("≥12条", Direction.AT_LEAST, "12", "条"),
        # operator and word variants
        ("≧95%", Direction.AT_LEAST, "95", "%"),
        ("≦5天", Direction.AT_MOST, "5", "天"),
        (">=95%", Direction.AT_LEAST, "95", "%"),
        ("<=3 小时", Direction.AT_MOST, "3", "小时"),
        ("＞80%", Direction.GREATER, "80", "%"),
        ("＜2%", Direction.LESS, "2", "%"),
        ("＝100％", Direction.EQUAL, "100", "%"),
        ("≥ ９０ ％", Direction.AT_LEAST, "90", "%"),
        ("不超过5天", Direction.AT_MOST, "5", "天"),
        ("不低于95%", Direction.AT_LEAST, "95", "%"),
        ("不少于 20 人次", Direction.AT_LEAST, "20", "人次"),
        ("不高于3%", Direction.AT_MOST, "3", "%"),
        ("不大于10个", Direction.AT_MOST, "10", "个"),
        ("不小于50户", Direction.AT_LEAST, "50", "户"),
        ("500人以下", Direction.AT_MOST, "500", "人"),
        ("≥90%以上", Direction.AT_LEAST, "90", "%"),
        ("≤1,234.5万元", Direction.AT_MOST, "1234.5", "万元"),
        ("12,000套", Direction.EQUAL, "12000", "套"),
        ("≥3台", Direction.AT_LEAST, "3", "台"),
        ("≤2辆", Direction.AT_MOST, "2", "辆"),
        ("≥6项", Direction.AT_LEAST, "6", "项"),
        ("≤720元/人", Direction.AT_MOST, "720", "元/人"),
        ("≥0.5", Direction.AT_LEAST, "0.5", ""),
    ],
)
def test_quantitative_values(text, direction, value, unit):
    target = parse_target(text)
    assert (target.direction, target.value, target.unit, target.warning) == (direction, Decimal(value), unit, "")
    assert str(target.value) == value  # Decimal kept as written, never via float
    assert render_target(target) == text


@pytest.mark.parametrize(
    "text",
    [
        "不发生",
        "按月足额",
        "按月及时",
        "提升",
        "有效提高",
        "相关",
        "科学",
        "合理",
        "完整",
        "真实",
        "合规",
        "健全",
        "公开",
        "规范",
        "达标",
        "明显改善",
        "按规定标准给予补贴",
        "不超过预算",
    ],
)
def test_qualitative_values(text):
    target = parse_target(text)
    assert (target.direction, target.value, target.unit, target.warning) == (Direction.QUALITATIVE, None, "", "")
    assert not target.quantitative
    assert render_target(target) == text


@pytest.mark.parametrize(
    "text",
    ["", "   ", "≥", "≥abc", "约50人", "90%-95%", "≥90%以上左右", ">90以上", "≥1,23人", "3A级", "≥50家企业"],
)
def test_malformed_values_are_kept_as_qualitative_with_a_warning(text):
    target = parse_target(text)
    assert target.direction is Direction.QUALITATIVE and target.value is None
    assert "定性" in target.warning
    assert render_target(target) == text


# --- classification -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("成本指标", IndicatorLevel1.COST),
        ("成本", IndicatorLevel1.COST),
        ("产出指标", IndicatorLevel1.OUTPUT),
        ("产出", IndicatorLevel1.OUTPUT),
        ("效益指标", IndicatorLevel1.BENEFIT),
        ("效益", IndicatorLevel1.BENEFIT),
        ("满意度指标", IndicatorLevel1.SATISFACTION),
        ("满意度", IndicatorLevel1.SATISFACTION),
        ("投入管理指标", IndicatorLevel1.INPUT_MANAGEMENT),
        ("投入管理", IndicatorLevel1.INPUT_MANAGEMENT),
        (" 产出 ", IndicatorLevel1.OUTPUT),
    ],
)
def test_normalize_level1(text, level):
    assert normalize_level1(text) is level


def test_normalize_level1_rejects_unknown_levels():
    with pytest.raises(ValueError, match="一级指标"):
        normalize_level1("过程指标")


def test_level2_vocabulary():
    assert normalize_level2("数量") == normalize_level2("数量指标") == "数量指标"
    assert normalize_level2("生态环境成本") == "生态环境成本指标"
    assert normalize_level2("服务对象满意度") == "服务对象满意度指标"
    assert normalize_level2("绩效管理") is None


@pytest.mark.parametrize(
    ("level1", "level2", "group"),
    [
        (IndicatorLevel1.COST, "经济成本指标", "output"),
        (IndicatorLevel1.OUTPUT, "数量指标", "output"),
        (IndicatorLevel1.OUTPUT, "成本指标", "output"),  # older templates: 成本 under 产出
        (IndicatorLevel1.BENEFIT, "社会效益指标", "benefit"),
        (IndicatorLevel1.BENEFIT, "社会成本", "output"),
        (IndicatorLevel1.SATISFACTION, "", "satisfaction"),
        (IndicatorLevel1.INPUT_MANAGEMENT, "预算和财务管理", "input"),
    ],
)
def test_level1_for_scoring(level1, level2, group):
    assert level1_for_scoring(Indicator(level1, "指标", "≥90%", level2)) == group


def test_execution_rates():
    for name in ("预算执行率", "资金到位率", "资金拨付率", "支付进度", "预算执行率（%）"):
        assert is_execution_rate(Indicator(IndicatorLevel1.COST, name, "≥90%"))
    for name in ("职业年金待遇执行率", "养老金待遇调整完成率", "发放及时率"):
        assert not is_execution_rate(Indicator(IndicatorLevel1.COST, name, "≥90%"))


# --- checks on the seed ---------------------------------------------------------------------


def _codes(issues: list[TargetIssue]) -> set[str]:
    return {issue.code for issue in issues}


SEED_ISSUES = {code: check_indicators(indicators) for code, indicators in PROJECTS.items()}


def test_execution_rate_is_flagged_on_exactly_the_projects_that_use_it():
    using = {p["code"] for p in TRANSCRIBED["projects"] if any(i["name"] == "预算执行率" for i in p["indicators"])}
    flagged = {code for code, issues in SEED_ISSUES.items() if "execution_rate_as_indicator" in _codes(issues)}
    assert len(using) == 9
    assert flagged == using
    for code in using:
        [issue] = [i for i in SEED_ISSUES[code] if i.code == "execution_rate_as_indicator"]
        assert issue.severity == "warning" and issue.indicator_name == "预算执行率"
        assert "cost_with_at_least" not in _codes(SEED_ISSUES[code])  # the same indicator is flagged once


def test_missing_satisfaction_is_flagged_where_the_seed_has_none():
    flagged = {code for code, issues in SEED_ISSUES.items() if "missing_satisfaction" in _codes(issues)}
    assert flagged == {"410802250000000029452", "410802250000000029492"}
    assert not any("missing_level1" in _codes(issues) for issues in SEED_ISSUES.values())


def test_cost_at_least_is_flagged():
    issues = [i for i in SEED_ISSUES["410802250000000029447"] if i.code == "cost_with_at_least"]
    assert [(i.indicator_name, i.severity) for i in issues] == [("系统运行维护成本", "warning")]
    assert "≥7万元" in issues[0].message


def test_qualitative_outputs_are_noted():
    issues = [i for i in SEED_ISSUES["410802250000000029476"] if i.code == "unquantified"]
    assert [(i.indicator_name, i.severity) for i in issues] == [("补贴发放质量", "info"), ("补贴发放时效", "info")]
    assert not any(i.code == "unparseable" for issues in SEED_ISSUES.values() for i in issues)


def test_unit_performance_indicators_raise_no_issue():
    # 预算执行率 is a proper 投入管理指标 in the department-wide table (预算14表)
    for indicators in UNITS.values():
        assert check_indicators(indicators) == []


# --- checks on hand-made projects -----------------------------------------------------------


def _project(*indicators: Indicator) -> Project:
    return Project("503001", "P001", "示例项目", ProjectCategory.SPECIFIC, "2080199", 1_000_000, (), indicators)


CLEAN = _project(
    Indicator(IndicatorLevel1.COST, "项目成本控制数", "≤10万元", "经济成本指标"),
    Indicator(IndicatorLevel1.OUTPUT, "培训人次", "≥500人次", "数量指标"),
    Indicator(IndicatorLevel1.OUTPUT, "培训合格率", "≥90%", "质量指标"),
    Indicator(IndicatorLevel1.OUTPUT, "补贴发放时限", "不超过5天", "时效指标"),
    Indicator(IndicatorLevel1.BENEFIT, "城镇登记失业率", "<4.5%", "社会效益指标"),
    Indicator(IndicatorLevel1.BENEFIT, "信访事件", "不发生", "社会效益指标"),
    Indicator(IndicatorLevel1.SATISFACTION, "服务对象满意度", "≥90%", "服务对象满意度指标"),
)


def test_a_clean_project_has_no_issues():
    assert check_project(CLEAN) == []


def test_each_check_on_a_hand_made_project():
    project = _project(
        Indicator(IndicatorLevel1.OUTPUT, "资金拨付率", "100%", "时效指标"),
        Indicator(IndicatorLevel1.OUTPUT, "培训人数", "较多", "数量指标"),
        Indicator(IndicatorLevel1.OUTPUT, "培训合格率", "≥110%", "质量指标"),
        Indicator(IndicatorLevel1.OUTPUT, "办件数量", "约50件", "数量指标"),
        Indicator(IndicatorLevel1.OUTPUT, "单位成本", "≥20元", ""),
        Indicator(IndicatorLevel1.OUTPUT, "就业人数增长率", "≥120%", "数量指标"),
    )
    issues = [(i.code, i.severity, i.indicator_name) for i in check_project(project)]
    assert issues == [
        ("missing_level1", "warning", ""),
        ("missing_satisfaction", "warning", ""),
        ("execution_rate_as_indicator", "warning", "资金拨付率"),
        ("unquantified", "warning", "培训人数"),
        ("rate_over_100", "warning", "培训合格率"),
        ("unparseable", "warning", "办件数量"),
        ("cost_with_at_least", "warning", "单位成本"),
    ]
    assert "效益指标" in check_project(project)[0].message


def test_check_budget_covers_every_project(example_budget):
    results = check_budget(example_budget)
    assert set(results) == {p.code for p in example_budget.projects}
    # the example keeps the seed's published targets, flaws included: the check names each of them
    found = Counter(issue.code for issues in results.values() for issue in issues)
    assert found["execution_rate_as_indicator"] == 9 and found["missing_satisfaction"] == 2
    assert found["cost_with_at_least"] >= 1
    # the illustrative corrected targets have none of them
    corrected = check_budget(with_corrected_targets(example_budget))
    fixed = {issue.code for issues in corrected.values() for issue in issues}
    assert not fixed & {"execution_rate_as_indicator", "missing_satisfaction", "missing_level1", "cost_with_at_least"}
