"""Execution data, department ratios and monitoring, on a tiny hand-made budget.

The budget (amounts in 元):

    单位 901001（行政）  基本支出 30101 100,000   30217 公务接待费 10,000
                         P001 200,000 (30299)     P003 50,000 (30231 公务用车运行维护费 5,000 + 30299 45,000)
    单位 901002（事业）  基本支出 30201 40,000
                         P002 150,000 (30399)
    年初预算 550,000；政府采购预算 60,000（901001 服务器）；“三公”预算 10,000 + 5,000 = 15,000

Adjustments: 追加 P001 20,000 (2025-03-15), 追减 P002 30,000 (2025-09-01) → 调整后预算 540,000.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_DIR
from yusuan.ledger.model import (
    BasicLine,
    Budget,
    Department,
    Fund,
    Procurement,
    Project,
    ProjectCategory,
    ProjectSpending,
    Unit,
    UnitKind,
)
from yusuan.ledger.problems import BudgetInputError
from yusuan.performance.execution import (
    Execution,
    adjusted_budget,
    executed,
    original_budget,
    read_execution,
)
from yusuan.performance.monitoring import Light, Thresholds, monitor
from yusuan.performance.ratios import (
    ADJUSTMENT_RATE,
    CARRYOVER_RATE,
    EXECUTION_RATE,
    EXECUTION_RATE_ORIGINAL,
    GROSS_ADJUSTMENT_RATE,
    PROCUREMENT_RATE,
    THREE_PUBLIC_CONTROL_RATE,
    department_ratios,
    monthly_series,
)

Y = 100  # fen per 元

U1, U2 = "901001", "901002"


def _basic(unit: str, econ: str, yuan: int) -> BasicLine:
    return BasicLine(unit, "2080101", econ, "50101", Fund.GPB, "测试", yuan * Y)


def _project(unit: str, code: str, *spending: tuple[str, int]) -> Project:
    parts = tuple(ProjectSpending(econ, "50201", Fund.GPB, yuan * Y) for econ, yuan in spending)
    return Project(unit, code, f"项目{code}", ProjectCategory.OPERATING, "2080199", sum(s.amount for s in parts), parts)


@pytest.fixture(scope="module")
def budget() -> Budget:
    return Budget(
        year=2025,
        template="henan-2025",
        department=Department("901", "测试局"),
        units=(Unit(U1, "测试局机关", UnitKind.ADMINISTRATIVE), Unit(U2, "测试中心", UnitKind.INSTITUTION)),
        basic=(_basic(U1, "30101", 100_000), _basic(U1, "30217", 10_000), _basic(U2, "30201", 40_000)),
        projects=(
            _project(U1, "P001", ("30299", 200_000)),
            _project(U2, "P002", ("30399", 150_000)),
            _project(U1, "P003", ("30231", 5_000), ("30299", 45_000)),
        ),
        procurement=(Procurement(U1, "服务器", "货物", 60_000 * Y),),
    )


PAYMENTS = """\
unit_code,project_code,date,amount_yuan,econ_code,procurement
901001,,2025-03-10,"24,000.00",30101,否
901001,,2025-06-10,24000,30101,
901001,,2025/09/10,24000.00,30101,0
901001,,2025-12-10,24000.00,30101,false
901001,,2025-04-20,3000.00,30217,
901001,,2025-10-20,4500.00,30217,
901002,,2025-02-15,10000.00,30201,
901002,,2025-05-15,10000.00,30201,
901002,,2025-08-15,10000.00,30201,
901002,,2025-11-15,8000.00,30201,
901001,P001,2025-03-20,50000.00,30299,是
901001,P001,2025-07-20,100000.00,30299,否
901001,P001,2025-11-20,60000.00,30299,否
901002,P002,2025-06-30,60000.00,30399,
901002,P002,2025-12-20,60000.00,30399,
901001,P003,2025-05-05,2000.00,30231,
901001,P003,2025-08-08,40000.00,30299,
"""
# executed (元): 901001 basic 96,000 + 7,500; 901002 basic 38,000; P001 210,000; P002 120,000; P003 42,000
# total 513,500

ADJUSTMENTS = """\
unit_code,project_code,date,kind,amount_yuan,reason
901001,P001,2025-03-15,追加,20000.00,新增任务
901002,P002,2025-09-01,追减,30000.00,需求减少
"""

CARRYOVER = """\
unit_code,project_code,amount_yuan
901001,,6500.00
901001,P001,10000.00
901001,P003,8000.00
"""


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture()
def execution(budget: Budget, tmp_path: Path) -> Execution:
    return read_execution(budget, _write(tmp_path, "pay.csv", PAYMENTS), _write(tmp_path, "adj.csv", ADJUSTMENTS))


# ---------------------------------------------------------------- reading and helpers


def test_read_payments_and_adjustments(execution: Execution) -> None:
    assert len(execution.payments) == 17
    assert len(execution.adjustments) == 2
    first = execution.payments[0]
    assert (first.unit, first.project, first.date, first.amount, first.econ) == (
        U1,
        "",
        date(2025, 3, 10),
        2_400_000,
        "30101",
    )
    assert first.origin.row == 2 and first.origin.file.endswith("pay.csv")
    assert execution.payments[2].date == date(2025, 9, 10)  # 'YYYY/MM/DD'
    assert [p.procurement for p in execution.payments if p.project == "P001"] == [True, False, False]
    cut = execution.adjustments[1]
    assert (cut.kind, cut.amount, cut.signed, cut.reason) == ("追减", 3_000_000, -3_000_000, "需求减少")


def test_helpers(budget: Budget, execution: Execution) -> None:
    assert original_budget(budget) == 550_000 * Y
    assert original_budget(budget, unit=U1) == 360_000 * Y
    assert original_budget(budget, project="", unit=U1) == 110_000 * Y  # basic expenditure only
    assert adjusted_budget(budget, execution) == 540_000 * Y
    assert adjusted_budget(budget, execution, project="P001") == 220_000 * Y
    assert adjusted_budget(budget, execution, project="P002", until=date(2025, 8, 31)) == 150_000 * Y
    assert adjusted_budget(budget, execution, project="P002") == 120_000 * Y
    assert executed(execution) == 513_500 * Y
    assert executed(execution, project="P001", until=date(2025, 7, 20)) == 150_000 * Y
    assert executed(execution, project="", unit=U1) == 103_500 * Y
    assert executed(execution, unit=U2) == 158_000 * Y


# ---------------------------------------------------------------- ratios, by hand


def test_department_ratios_year(budget: Budget, execution: Execution) -> None:
    r = department_ratios(budget, execution)
    # 预算执行率 = 513,500 / 540,000 = 95.0925… → 95.09
    assert r[EXECUTION_RATE].value == Decimal("95.09")
    assert (r[EXECUTION_RATE].numerator, r[EXECUTION_RATE].denominator) == (513_500 * Y, 540_000 * Y)
    # 对年初预算: 513,500 / 550,000 = 93.3636… → 93.36
    assert r[EXECUTION_RATE_ORIGINAL].value == Decimal("93.36")
    # 预算调整率 = (540,000 − 550,000) / 550,000 = −1.8181… → −1.82
    assert r[ADJUSTMENT_RATE].value == Decimal("-1.82")
    # 总额口径 = (20,000 + 30,000) / 550,000 = 9.0909… → 9.09
    assert r[GROSS_ADJUSTMENT_RATE].value == Decimal("9.09")
    # 结转结余 (estimated per line): 6,500 + 2,000 + 10,000 + 0 + 8,000 = 26,500; / 540,000 = 4.9074… → 4.91
    assert r[CARRYOVER_RATE].value == Decimal("4.91")
    assert r[CARRYOVER_RATE].numerator == 26_500 * Y
    assert "估算" in r[CARRYOVER_RATE].note
    # 三公 = (3,000 + 4,500 reception + 2,000 vehicle operation) / (10,000 + 5,000) = 63.333… → 63.33
    assert r[THREE_PUBLIC_CONTROL_RATE].value == Decimal("63.33")
    assert r[THREE_PUBLIC_CONTROL_RATE].denominator == 15_000 * Y
    # 政府采购 = 50,000 / 60,000 = 83.333… → 83.33
    assert r[PROCUREMENT_RATE].value == Decimal("83.33")


def test_ratios_at_a_date(budget: Budget, execution: Execution) -> None:
    r = department_ratios(budget, execution, at=date(2025, 6, 30))
    # paid to 6-30: 48,000 + 3,000 + 20,000 + 50,000 + 60,000 + 2,000 = 183,000; budget 550,000 + 20,000 = 570,000
    # 183,000 / 570,000 = 32.1052… → 32.11
    assert r[EXECUTION_RATE].value == Decimal("32.11")
    # 调整率 at 6-30 = 20,000 / 550,000 = 3.6363… → 3.64
    assert r[ADJUSTMENT_RATE].value == Decimal("3.64")
    # mid-year without declared carry-over: not computable
    assert r[CARRYOVER_RATE].value is None
    assert "年度尚未结束" in r[CARRYOVER_RATE].reason
    # 三公 to 6-30 = (3,000 + 2,000) / 15,000 = 33.333… → 33.33
    assert r[THREE_PUBLIC_CONTROL_RATE].value == Decimal("33.33")


def test_declared_carryover(budget: Budget, tmp_path: Path) -> None:
    execution = read_execution(
        budget,
        _write(tmp_path, "pay.csv", PAYMENTS),
        _write(tmp_path, "adj.csv", ADJUSTMENTS),
        _write(tmp_path, "carry.csv", CARRYOVER),
    )
    r = department_ratios(budget, execution)[CARRYOVER_RATE]
    # (6,500 + 10,000 + 8,000) / 540,000 = 4.5370… → 4.54
    assert r.value == Decimal("4.54")
    assert "填报" in r.note


def test_ratios_not_computable(budget: Budget, tmp_path: Path) -> None:
    no_econ = "unit_code,project_code,date,amount_yuan\n901001,P001,2025-03-20,100.00\n"
    no_procurement = dataclasses.replace(budget, procurement=())
    execution = read_execution(no_procurement, _write(tmp_path, "p.csv", no_econ))
    r = department_ratios(no_procurement, execution)
    assert r[THREE_PUBLIC_CONTROL_RATE].value is None
    assert "经济分类" in r[THREE_PUBLIC_CONTROL_RATE].reason
    assert r[PROCUREMENT_RATE].value is None
    assert "政府采购预算" in r[PROCUREMENT_RATE].reason
    assert "无法计算" in str(r[PROCUREMENT_RATE])
    empty = Budget(2025, "henan-2025", Department("9", "空"), (Unit(U1, "机关", UnitKind.ADMINISTRATIVE),))
    zero = department_ratios(empty, Execution())
    assert zero[EXECUTION_RATE].value is None and zero[EXECUTION_RATE].reason == "调整后预算为 0"
    assert zero[THREE_PUBLIC_CONTROL_RATE].value is None


def test_monthly_series(budget: Budget, execution: Execution) -> None:
    series = monthly_series(budget, execution)
    assert [s["month"] for s in series] == list(range(1, 13))
    assert series[0]["executed"] == 0 and series[0]["rate"] == Decimal("0.00")
    # to 3-31: 24,000 + 10,000 + 50,000 = 84,000; budget 570,000 → 14.7368… → 14.74; time 90/365 → 24.66
    assert series[2]["executed"] == 84_000 * Y
    assert series[2]["paid"] == 74_000 * Y  # March: 24,000 + 50,000
    assert series[2]["rate"] == Decimal("14.74")
    assert series[2]["time_progress"] == Decimal("24.66")
    assert series[8]["adjusted_budget"] == 540_000 * Y  # after the 9-01 追减
    assert series[11]["executed"] == 513_500 * Y and series[11]["rate"] == Decimal("95.09")
    assert series[11]["time_progress"] == Decimal("100.00")
    assert sum(s["paid"] for s in series) == 513_500 * Y


# ---------------------------------------------------------------- monitoring


def test_monitoring_lights_custom_thresholds(budget: Budget, execution: Execution) -> None:
    at = date(2025, 6, 30)  # 181 of 365 days → 49.59%
    m = monitor(budget, execution, at, Thresholds(red=Decimal("0.5"), yellow=Decimal("0.9")))
    assert (m.elapsed_days, m.year_days, m.time_progress) == (181, 365, Decimal("49.59"))
    by = {(line.unit, line.project): line for line in m.lines}
    assert list(by) == [(U1, ""), (U1, "P001"), (U1, "P003"), (U2, ""), (U2, "P002")]
    # 901001 basic: 51,000 / 110,000 = 46.36%; ratio 51,000·365 / (110,000·181) = 0.93496 → green
    assert (by[U1, ""].rate, by[U1, ""].progress, by[U1, ""].light) == (
        Decimal("46.36"),
        Decimal("0.9350"),
        Light.GREEN,
    )
    # 901002 basic: 20,000 / 40,000 = 50%; ratio 1.00829 → green
    assert by[U2, ""].light is Light.GREEN
    # P001: 50,000 / 220,000 = 22.73%; ratio 0.45831 → red (< 0.5)
    assert (by[U1, "P001"].rate, by[U1, "P001"].progress, by[U1, "P001"].light) == (
        Decimal("22.73"),
        Decimal("0.4583"),
        Light.RED,
    )
    # P002: 60,000 / 150,000 = 40%; ratio 0.80663 → yellow (0.5 ≤ r < 0.9)
    assert (by[U2, "P002"].rate, by[U2, "P002"].light) == (Decimal("40.00"), Light.YELLOW)
    # P003: 2,000 / 50,000 = 4%; ratio 0.08066 → red
    assert by[U1, "P003"].light is Light.RED
    assert [(line.project, line.light) for line in m.attention] == [
        ("P003", Light.RED),
        ("P001", Light.RED),
        ("P002", Light.YELLOW),
    ]
    # department: 183,000 / 570,000 = 32.11%; ratio 0.64743 → yellow
    assert (m.total.rate, m.total.progress, m.total.light) == (Decimal("32.11"), Decimal("0.6474"), Light.YELLOW)
    assert m.total.adjusted == 570_000 * Y and m.total.executed == 183_000 * Y
    # units: 901001 51,000 + 50,000 + 2,000; 901002 20,000 + 60,000
    assert [u.executed for u in m.units] == [103_000 * Y, 80_000 * Y]
    # default bands (0.6 / 0.8): P002 (0.8066) turns green
    default = monitor(budget, execution, at)
    assert {line.project for line in default.attention} == {"P001", "P003"}


def test_spending_beyond_the_budget_is_red_with_its_reason(budget: Budget, tmp_path: Path) -> None:
    # P002 cut to nothing on 1 June, yet 60,000 paid on 30 June; P001 paid 210,000 of 220,000 by 30 June
    adjustments = ADJUSTMENTS.replace("2025-09-01,追减,30000.00", "2025-06-01,追减,150000.00")
    payments = PAYMENTS.replace("2025-07-20,100000.00", "2025-06-20,260000.00")
    execution = read_execution(budget, _write(tmp_path, "pay.csv", payments), _write(tmp_path, "adj.csv", adjustments))
    m = monitor(budget, execution, date(2025, 6, 30))
    by = {line.project: line for line in m.lines if line.project}
    assert (by["P002"].adjusted, by["P002"].light, by["P002"].over_budget) == (0, Light.RED, True)
    assert by["P002"].reason == "超支：没有预算，已支付 6.00 万元"
    assert (by["P001"].rate, by["P001"].light) == (Decimal("140.91"), Light.RED)
    assert by["P001"].reason == "超支：已支付 31.00 万元（预算的 140.91%），超出预算 9.00 万元"
    assert by["P003"].reason == "执行滞后：进度比 0.0807 低于红灯阈值 0.60"
    # overspending first, the larger first; then the lagging
    assert [line.project for line in m.attention] == ["P001", "P002", "P003"]


def test_thresholds_validated(budget: Budget, execution: Execution) -> None:
    assert Thresholds(red=0.6, yellow=0.8) == Thresholds()  # type: ignore[arg-type]  # float literals taken as written
    for red, yellow in (
        (Decimal("0.8"), Decimal("0.6")),
        (Decimal(0), Decimal("0.5")),
        (Decimal("0.5"), Decimal("0.5")),
    ):
        with pytest.raises(ValueError, match="阈值"):
            Thresholds(red=red, yellow=yellow)
    with pytest.raises(ValueError, match="2025"):
        monitor(budget, execution, date(2026, 1, 1))


# ---------------------------------------------------------------- bad input


def _problems(excinfo: pytest.ExceptionInfo[BudgetInputError]) -> list[tuple[int | None, str, str]]:
    return [(p.origin.row, p.origin.column, p.message) for p in excinfo.value.problems]


def test_bad_rows_all_reported(budget: Budget, tmp_path: Path) -> None:
    text = (
        "unit_code,project_code,date,amount_yuan,econ_code\n"
        "901001,P999,2025-01-05,100.00,30201\n"  # 2: unknown project
        "901002,P001,2025-01-05,100.00,30201\n"  # 3: project of the other unit
        "901001,P001,2025-01-05,-100.00,30201\n"  # 4: negative
        "901001,P001,2025-01-05,一百元,30201\n"  # 5: non-numeric
        "901001,P001,2024-12-31,100.00,30201\n"  # 6: previous year
        "901001,P001,2025-02-30,100.00,30201\n"  # 7: not a date
        "999999,,2025-01-05,100.00,30201\n"  # 8: unknown unit
        "901001,P001,2025-01-05,100.001,3021\n"  # 9: finer than a fen; econ not 5 digits
    )
    path = _write(tmp_path, "bad.csv", text)
    with pytest.raises(BudgetInputError) as excinfo:
        read_execution(budget, path)
    problems = _problems(excinfo)
    assert all(p.origin.file == str(path) and p.origin.sheet == "" for p in excinfo.value.problems)
    found = {(row, column) for row, column, _ in problems}
    assert found == {
        (2, "project_code"),
        (3, "project_code"),
        (4, "amount_yuan"),
        (5, "amount_yuan"),
        (6, "date"),
        (7, "date"),
        (8, "unit_code"),
        (9, "amount_yuan"),
        (9, "econ_code"),
    }
    messages = dict(((row, column), message) for row, column, message in problems)
    assert "不在预算中" in messages[2, "project_code"]
    assert "属于单位 901001" in messages[3, "project_code"]
    assert "负数" in messages[4, "amount_yuan"]
    assert "2025" in messages[6, "date"]
    assert "第4行" in str(excinfo.value) and "字段「amount_yuan」" in str(excinfo.value)


def test_bad_adjustments(budget: Budget, tmp_path: Path) -> None:
    pay = _write(tmp_path, "pay.csv", PAYMENTS)
    adj = _write(
        tmp_path,
        "adj.csv",
        "unit_code,project_code,date,kind,amount_yuan,reason\n"
        "901001,P001,2025-03-15,增加,100.00,x\n"
        "901001,P001,2025-03-15,追加,0,x\n",
    )
    with pytest.raises(BudgetInputError) as excinfo:
        read_execution(budget, pay, adj)
    assert {(row, column) for row, column, _ in _problems(excinfo)} == {(2, "kind"), (3, "amount_yuan")}


def test_missing_column(budget: Budget, tmp_path: Path) -> None:
    path = _write(tmp_path, "p.csv", "unit_code,project_code,date\n901001,P001,2025-01-05\n")
    with pytest.raises(BudgetInputError) as excinfo:
        read_execution(budget, path)
    (problem,) = excinfo.value.problems
    assert (problem.origin.file, problem.origin.row, problem.origin.column) == (str(path), 1, "amount_yuan")
    assert "缺少必填列" in problem.message


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf\n\n", b"unit_code,project_code,date,amount_yuan\n"])
def test_empty_file(budget: Budget, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(content)
    with pytest.raises(BudgetInputError) as excinfo:
        read_execution(budget, path)
    (problem,) = excinfo.value.problems
    assert problem.origin.file == str(path)
    assert "空" in problem.message or "没有" in problem.message


def test_missing_file(budget: Budget, tmp_path: Path) -> None:
    with pytest.raises(BudgetInputError, match="文件不存在"):
        read_execution(budget, tmp_path / "none.csv")


def test_gb18030_and_chinese_headers(budget: Budget, tmp_path: Path) -> None:
    text = '单位代码,项目编码,日期,金额（元）,经济分类,政府采购\n901001,P001,2025-03-20,"1,234.56",30299,是\n'
    path = _write(tmp_path, "p.csv", text, encoding="gb18030")
    (payment,) = read_execution(budget, path).payments
    assert (payment.amount, payment.econ, payment.procurement) == (123_456, "30299", True)


def test_bom_tolerated(budget: Budget, tmp_path: Path) -> None:
    path = _write(tmp_path, "p.csv", "\ufeff" + PAYMENTS)
    assert len(read_execution(budget, path).payments) == 17


def test_xlsx(budget: Budget, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    from datetime import datetime

    def workbook(bad: bool) -> Path:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "支付"
        ws.append(["单位代码", "项目编码", "日期", "金额（元）", "经济分类", "政府采购"])
        ws.append([U1, "P001", datetime(2025, 3, 20), 50000.5, "30299", "是"])  # an Excel date cell and number
        ws.append([U1 if not bad else "999", "P001", "2025-04-01", "100.00", 30299, "否"])
        adj = wb.create_sheet("调整")
        adj.append(["unit_code", "project_code", "date", "kind", "amount_yuan", "reason"])
        adj.append([U1, "P001", "2025-03-15", "追加" if not bad else "加", 20000, "新增任务"])
        path = tmp_path / ("bad.xlsx" if bad else "good.xlsx")
        wb.save(path)
        return path

    good = read_execution(budget, workbook(bad=False))
    assert [p.amount for p in good.payments] == [5_000_050, 10_000]
    assert good.payments[0].date == date(2025, 3, 20) and good.payments[1].econ == "30299"
    assert good.payments[0].origin.sheet == "支付"
    assert adjusted_budget(budget, good, project="P001") == 220_000 * Y  # 调整 sheet of the same workbook

    path = workbook(bad=True)
    with pytest.raises(BudgetInputError) as excinfo:
        read_execution(budget, path)
    origins = {(p.origin.file, p.origin.sheet, p.origin.row, p.origin.column) for p in excinfo.value.problems}
    assert origins == {(str(path), "支付", 3, "A列（单位代码）"), (str(path), "调整", 2, "D列（kind）")}
    assert "工作表「支付」 第3行 列「A列（单位代码）」" in str(excinfo.value)


# ---------------------------------------------------------------- the example


def test_example_execution_reads_cleanly(example_budget: Budget) -> None:
    execution = read_execution(example_budget, EXAMPLE_DIR / "execution.csv", EXAMPLE_DIR / "adjustments.csv")
    assert 300 < len(execution.payments) < 1500
    assert 2 <= len(execution.adjustments) <= 3
    assert all(p.econ for p in execution.payments)
    assert not any(p.procurement for p in execution.payments)  # the seed budgets no 政府采购
    # every project and both units' basic expenditure have payments
    paid = {(p.unit, p.project) for p in execution.payments}
    assert {(p.unit, p.code) for p in example_budget.projects} <= paid
    assert {(u.code, "") for u in example_budget.units} <= paid
    # never over the adjusted budget
    year_end = monitor(example_budget, execution, date(2025, 12, 31))
    assert not any(line.over_budget for line in year_end.lines)
    rates = sorted(line.rate for line in year_end.lines if line.rate is not None)
    assert sum(1 for rate in rates if rate < 70) in (2, 3) and sum(1 for rate in rates if rate >= 90) >= 20

    ratios = department_ratios(example_budget, execution)
    assert ratios[EXECUTION_RATE].value is not None and Decimal(90) < ratios[EXECUTION_RATE].value < Decimal(100)
    three = ratios[THREE_PUBLIC_CONTROL_RATE].value
    assert three is not None and three <= 100
    july = monitor(example_budget, execution, date(2025, 7, 31))
    assert {Light.RED, Light.YELLOW} <= {line.light for line in july.attention}
