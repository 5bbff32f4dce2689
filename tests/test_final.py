"""部门决算 (issue 13 §2): the nine 决算 tables and their 情况说明 from the ledger and execution data.

决算数 are the payments (spread over the ledger's lines), 年初预算数 the ledger's; the summary
tables balance by construction (总计 = 本年支出合计 + 年末结转和结余); the wording 大于/小于/等于
follows the numbers; `yusuan final` writes every format or nothing; the generated PDF audits
with 0 errors and is recognised as a 决算.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLE_ACTUALS, EXAMPLE_ADJUSTMENTS, EXAMPLE_EXECUTION, EXAMPLE_YAML
from yusuan import outputs
from yusuan.audit.engine import audit_path
from yusuan.cli import app
from yusuan.ledger.model import FinalReason
from yusuan.narrative.figures import FigureBook
from yusuan.narrative.final import FinalReasons, compare
from yusuan.outputs import build_final_disclosure, write_disclosures
from yusuan.performance.execution import CarryOver, Execution, executed
from yusuan.tables.facts import apportion, final_facts
from yusuan.tables.profile import load_profile

EXECUTION, ADJUSTMENTS, ACTUALS = EXAMPLE_EXECUTION, EXAMPLE_ADJUSTMENTS, EXAMPLE_ACTUALS


@pytest.fixture(scope="module")
def execution(example_execution) -> Execution:
    return example_execution


@pytest.fixture(scope="module")
def disclosure(example_budget, execution):
    return build_final_disclosure(example_budget, execution)


def _in(table, label: str) -> int:
    return next(r.amount("in.amount") for r in table.rows if r.value("in.label") == label)


def _out(table, label: str, column: str) -> int:
    return next(r.amount(column) for r in table.rows if r.value("out.label") == label)


def test_the_nine_tables_of_the_template(disclosure):
    tables = disclosure.tables
    assert [t.number for t in tables.tables] == [f"公开0{i}表" for i in range(1, 10)]
    titles = [t.title for t in tables.tables]
    for name in (
        "收入支出决算总表",
        "收入决算表",
        "支出决算表",
        "财政拨款收入支出决算总表",
        "一般公共预算财政拨款支出决算表",
        "一般公共预算财政拨款基本支出决算表",
        "政府性基金预算财政拨款收入支出决算表",
        "国有资本经营预算财政拨款支出决算表",
        "“三公”经费支出决算表",
    ):
        assert any(name in t for t in titles), name
    three = tables.get("three_public")
    assert {c.headers[0] for c in three.columns} == {"预算数", "决算数"}


def test_summary_balances_by_construction(disclosure):
    summary = disclosure.tables.get("summary")
    spent = _out(summary, "本年支出合计", "out.amount")
    carry_out = _out(summary, "年末结转和结余", "out.amount")
    income_total = _in(summary, "总计")
    assert income_total == _in(summary, "本年收入合计") + _in(summary, "年初结转和结余")
    assert income_total == spent + carry_out == _out(summary, "总计", "out.amount")
    classes = [r.amount("out.amount") for r in summary.rows if r.kind == "item" and r.value("out.label")]
    assert sum(classes) == spent + carry_out  # the 类 lines and 年末结转和结余
    fiscal = disclosure.tables.get("fiscal_summary")
    for column in ("total", "gpb", "gov_fund", "soe"):
        assert _out(fiscal, "总计", column) == _out(fiscal, "本年支出合计", column) + _out(
            fiscal, "年末财政拨款结转和结余", column
        )
    assert _in(fiscal, "总计") == _out(fiscal, "总计", "total")


def test_final_amounts_are_the_execution_sums(disclosure, execution):
    paid = executed(execution)
    assert paid > 0
    assert disclosure.tables.get("expenditure").row("合计").amount("total") == paid
    assert _out(disclosure.tables.get("summary"), "本年支出合计", "out.amount") == paid
    for unit in disclosure.budget.units:
        assert disclosure.tables.get("expenditure").row(unit.code).amount("total") == executed(
            execution, unit=unit.code
        )
    basic = sum(p.amount for p in execution.payments if not p.project)
    assert disclosure.tables.get("expenditure").row("合计").amount("basic") == basic


def test_budget_columns_are_the_ledger(disclosure, example_budget):
    gpb = disclosure.tables.get("gpb_expenditure").row("合计")
    ledger = sum(line.amount for line in example_budget.basic if str(line.fund) == "一般公共预算") + sum(
        s.amount for p in example_budget.projects for s in p.spending if str(s.fund) == "一般公共预算"
    )
    assert gpb.amount("budget.total") == ledger
    assert gpb.amount("total") < gpb.amount("budget.total")  # the example spent less than planned


def test_income_received_follows_the_adjustments(example_budget, execution):
    facts = final_facts(example_budget, execution)
    added = sum(a.amount if a.kind == "追加" else -a.amount for a in execution.adjustments)
    income = facts["income"]
    assert sum(f.executed for f in income) - sum(f.amount for f in income) == added


def test_a_payment_on_a_code_the_ledger_lacks_keeps_its_code(example_budget, execution):
    payment = next(p for p in execution.payments if not p.project)
    odd = replace(payment, econ="30299", amount=12_345)
    facts = final_facts(example_budget, Execution(payments=(odd,)))
    spent = [f for f in facts["expenditure"] if f.executed]
    assert sum(f.executed for f in spent) == 12_345
    assert {f.econ for f in spent} == {"30299"} and {f.cost for f in spent} == {"public"}


@pytest.mark.parametrize(
    ("total", "weights", "parts"),
    [(100, [1, 1, 1], [34, 33, 33]), (7, [0, 0], [4, 3]), (10, [3, 0, 7], [3, 0, 7]), (0, [5], [0])],
)
def test_apportion_adds_up(total, weights, parts):
    assert apportion(total, weights) == parts
    assert sum(apportion(total, weights)) == total


@pytest.mark.parametrize(
    ("budget", "final", "word", "warned"),
    [
        (10_000_000, 8_000_000, "小于", True),  # 10.00 万元 → 8.00 万元
        (10_000_000, 9_500_000, "小于", False),
        (10_000_000, 12_500_000, "大于", True),
        (10_000_000, 10_000_000, "等于", False),
        (0, 500_000, "大于", True),
        (10_000_000, 11_000_000, "大于", False),  # exactly 10%: no reason needed
        (263_000, 262_900, "等于", False),  # 0.26 against 0.26 万元 as printed
    ],
)
def test_wording_follows_the_numbers(budget, final, word, warned):
    book = FigureBook()
    versus = compare(book, "gpb", "一般公共预算财政拨款支出", budget, final, FinalReasons(), Decimal("0.10"))
    assert versus.word == word
    assert bool(book.warnings) is warned
    if warned:
        assert "比较=年初预算，项目=一般公共预算财政拨款支出" in book.warnings[0] and "10%" in book.warnings[0]
    given = FinalReasons({("budget", "gpb"): FinalReason("budget", "gpb", "年中追加")})
    explained = compare(FigureBook(), "gpb", "x", budget, final, given, Decimal("0.10"))
    assert explained.reason == "年中追加"


def test_narrative_words_every_comparison_from_its_numbers(disclosure):
    text = "\n".join(b.text for b in disclosure.narrative.blocks)
    pairs = re.findall(r"年初预算为([\d.]+)万元，决算为([\d.]+)万元.*?决算数(大于|小于|等于)年初预算数", text)
    assert len(pairs) > 10
    for planned, spent, word in pairs:
        a, b = Decimal(planned), Decimal(spent)
        assert word == ("大于" if b > a else "小于" if b < a else "等于"), (planned, spent, word)
    assert "国有资产占用" in text and "暂无数据" in text  # the example ledger has no asset figures
    assert "未提供项目绩效自评结果" in text  # no --actuals
    assert any("超过 10%" in w for w in disclosure.narrative.warnings)


def test_performance_scores_when_actuals_are_given(example_budget, execution):
    from yusuan.performance.scoring import read_actuals, score_budget

    actuals = read_actuals(ACTUALS, example_budget)
    scores = score_budget(example_budget, execution, actuals)[1]
    disclosure = build_final_disclosure(example_budget, execution, actuals=actuals)
    text = "\n".join(b.text for b in disclosure.narrative.blocks)
    assert f"平均得分{scores.score:.2f}分" in text and f"“{scores.grade}”" in text


def test_threshold_is_configurable(example_budget, execution):
    loose = build_final_disclosure(example_budget, execution, threshold=Decimal("0.99"))
    assert not any("超过" in w for w in loose.narrative.warnings)


def test_budget_profile_untouched_by_the_amount_selector():
    spec = load_profile("henan-2025").table("summary")
    assert {c.amount for c in spec.columns} == {"budget"}


# --- the command ------------------------------------------------------------------------------


def _final(*args: str):
    return CliRunner().invoke(
        app, ["final", str(EXAMPLE_YAML), str(EXECUTION), "--adjustments", str(ADJUSTMENTS), *args]
    )


def test_cli_writes_every_format(tmp_path):
    out = tmp_path / "out"
    result = _final("-o", str(out), "--format", "xlsx,html,json")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "disclosure.html",
        "disclosure.json",
        "tables.xlsx",
    ]
    assert "决算" in (out / "disclosure.html").read_text(encoding="utf-8")
    said = result.stderr.replace("\n", "")  # as wrapped for the terminal
    assert "超过 10%：请在账本「决算变动原因」中填写：比较=年初预算，项目=公务接待费" in said  # the reasons asked for


def test_cli_writes_nothing_when_a_format_fails(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "disclosure.json").write_text("old", encoding="utf-8")

    def broken(_d):
        raise RuntimeError("渲染器故障")

    monkeypatch.setitem(outputs.RENDERERS, "html", ("disclosure.html", broken))
    result = _final("-o", str(out), "--format", "json,html")
    assert result.exit_code == 1
    assert "生成失败，未写出任何文件" in result.stderr
    assert [p.name for p in out.iterdir()] == ["disclosure.json"]
    assert (out / "disclosure.json").read_text(encoding="utf-8") == "old"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "pdf,doc"], "不支持的格式：doc"),
        (["--threshold", "abc"], "--threshold 应为 0 到 1 之间的比例"),
        (["--unit", "503001", "--units"], "--unit 与 --units 只能选一个"),
    ],
)
def test_cli_usage_errors_are_chinese(tmp_path, args, message):
    result = _final("-o", str(tmp_path / "out"), *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert not (tmp_path / "out").exists()


def test_cli_bad_execution_file_is_named(tmp_path):
    bad = tmp_path / "execution.csv"
    bad.write_text("unit_code,project_code,date,amount_yuan\n999999,,2025-01-01,abc\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["final", str(EXAMPLE_YAML), str(bad), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "execution.csv" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


# --- the closed loop ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def final_out(disclosure, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("final")
    try:
        write_disclosures({"": disclosure}, out, ["pdf", "xlsx"])
    except RuntimeError as exc:  # no CJK font on this machine
        pytest.skip(str(exc))
    return out


@pytest.mark.parametrize("name", ["disclosure.pdf", "tables.xlsx"])
def test_generated_final_audits_clean_as_a_final_account(final_out, name):
    report = audit_path(final_out / name)
    problems = [f.message for f in report.findings if f.severity in ("error", "warning")]
    assert problems == []
    assert report.document["kind"] == "final"
    assert report.document["template"] == "final-2025"
    assert report.stats["tables_found"] == report.stats["tables_recognised"] == 9
    # every identity holds but for the display rounding of 万元 (尾差, reported as info)
    held, checked = report.stats["identities_held"], report.stats["identities_checked"]
    tails = [f for f in report.findings if f.rule == "rounding.tail_difference"]
    assert checked > 150 and held + len(tails) >= checked


def test_the_final_profile_is_not_a_budget_template(tmp_path):
    """A ledger naming the 决算's profile as its template is refused (it would pass check, then crash build)."""
    ledger = tmp_path / "budget.yaml"
    text = EXAMPLE_YAML.read_text(encoding="utf-8")
    ledger.write_text(re.sub(r"(?m)^template: .*$", "template: final-2025", text, count=1), encoding="utf-8")
    assert "template: final-2025" in ledger.read_text(encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(ledger)])
    assert result.exit_code == 1
    assert "未知的模板「final-2025」" in result.stderr


def test_declared_carry_over_is_checked_against_the_balance(example_budget, execution):
    disclosure = build_final_disclosure(example_budget, execution)
    summary = disclosure.tables.get("summary")
    balance = _out(summary, "年末结转和结余", "out.amount")
    unit = example_budget.units[0].code

    def warned(declared: int) -> bool:
        data = replace(execution, carryovers=(CarryOver(unit=unit, project="", amount=declared),))
        return any("结转结余" in w for w in build_final_disclosure(example_budget, data).narrative.warnings)

    assert not warned(balance)
    assert warned(balance + 1)
