"""The ledger generator: valid, reproducible, and shaped like real departments."""

from __future__ import annotations

from typer.testing import CliRunner

from yusuan.cli import app
from yusuan.ledger.synth import generate_budget
from yusuan.ledger.validate import check_budget
from yusuan.tables import build_tables


def test_generated_budgets_pass_validation_and_build():
    for seed in range(25):
        budget = generate_budget(seed)
        checked, problems = check_budget(budget)
        assert problems == [], (seed, problems[:3])
        assert checked == budget
        tables = build_tables(budget)
        summary = tables.get("summary")
        totals = [r for r in summary.rows if r.value("in.label") == "收入总计"]
        assert totals[0].amount("in.amount") == totals[0].amount("out.amount") > 0


def test_same_seed_same_budget():
    assert generate_budget(7) == generate_budget(7)
    assert generate_budget(7) != generate_budget(8)


def test_generated_mix_looks_like_real_departments():
    budgets = [generate_budget(seed) for seed in range(60)]
    units = [len(b.units) for b in budgets]
    projects = [len(b.projects) for b in budgets]
    assert min(units) == 1 and max(units) >= 4
    assert max(projects) >= 20 and min(projects) <= 5
    assert any(u.kind == "事业" for b in budgets for u in b.units)


def test_template_command_writes_a_workbook(tmp_path):
    path = tmp_path / "blank.xlsx"
    result = CliRunner().invoke(app, ["template", str(path)])
    assert result.exit_code == 0, result.output
    from openpyxl import load_workbook

    sheets = load_workbook(path).sheetnames
    assert {"单位", "基本支出", "项目", "项目经济分类"} <= set(sheets)


def test_closed_loop_generated_pdfs_read_back_without_false_alarms(tmp_path):
    """Closed loop: our own PDFs of generated departments audit without a single error or warning.

    Generated amounts carry fen, so printed 万元 values have rounding tails, and many rows fit
    several columns: the extractor must settle them by the sums (within the tail), a 合计 row
    that fits two columns must follow the other tables, and every empty table carries its note.
    """
    from yusuan.audit.engine import audit_path
    from yusuan.outputs import RENDERERS, build_disclosure

    seen_empty = 0
    for seed in range(8):
        disclosure = build_disclosure(generate_budget(seed))
        seen_empty += sum(1 for t in disclosure.tables.tables if t.is_empty)
        path = tmp_path / f"{seed}.pdf"
        path.write_bytes(RENDERERS["pdf"][1](disclosure))
        report = audit_path(path)
        alarms = [f for f in report.findings if f.severity in ("error", "warning")]
        assert alarms == [], (seed, [f.message for f in alarms[:3]])
    assert seen_empty > 0  # the loop covered empty tables too
