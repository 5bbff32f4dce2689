"""Roll-up: many departments' budgets added up by department, 功能分类, 经济分类 and year."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from yusuan.cli import app
from yusuan.ledger.read import write_budget
from yusuan.ledger.synth import generate_budget
from yusuan.tables import build_tables

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "jiefang-hrss-2025" / "budget.yaml"


def _rows(sheet) -> list[tuple]:
    return [r for r in sheet.iter_rows(min_row=4, values_only=True) if any(v is not None for v in r)]


def _wan(fen: int) -> Decimal:
    return (Decimal(fen) / 1_000_000).quantize(Decimal("0.01"))


def test_rollup_adds_up_departments_and_years(tmp_path):
    folder = tmp_path / "region"
    folder.mkdir()
    budgets = [generate_budget(seed, year=year) for seed, year in ((1, 2024), (2, 2024), (1, 2025), (3, 2025))]
    for k, budget in enumerate(budgets):
        write_budget(budget, folder / f"dept-{k}.yaml")
    (folder / "broken.yaml").write_text("units: [", encoding="utf-8")
    out = tmp_path / "rollup.xlsx"

    result = CliRunner().invoke(app, ["rollup", str(folder), "-o", str(out)])

    assert result.exit_code == 1  # one input failed, and says which
    assert "broken.yaml" in result.output and "已汇总 4 个部门" in result.output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["按部门", "按功能分类", "按经济分类", "年度对比"]
    # each department's expenditure equals its own 预算01表 支出总计 (built independently)
    by_department = {(r[0], r[1]): r for r in _rows(book["按部门"])}
    for budget in budgets:
        summary = build_tables(budget).get("summary")
        total = next(r for r in summary.rows if r.value("in.label") == "收入总计").amount("out.amount")
        row = by_department[(budget.year, budget.department.code)]
        assert Decimal(str(row[5])) == _wan(total)
    # the 功能分类 sheet adds up to the same grand total per year, and 年度对比 repeats it
    for year in (2024, 2025):
        fen = sum(
            next(r for r in build_tables(b).get("summary").rows if r.value("in.label") == "收入总计").amount(
                "out.amount"
            )
            for b in budgets
            if b.year == year
        )
        by_function = [r for r in _rows(book["按功能分类"]) if r[0] == year]
        assert abs(sum(Decimal(str(r[3])) for r in by_function) - _wan(fen)) <= Decimal("0.01") * len(by_function)
        assert all(r[2] for r in by_function)  # every 类 named from the catalog
    growth = _rows(book["年度对比"])
    assert growth and all(len(r) == 5 for r in growth)


def test_rollup_without_any_readable_budget_writes_nothing(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "bad.xlsx").write_bytes(b"not a workbook")
    out = tmp_path / "rollup.xlsx"
    result = CliRunner().invoke(app, ["rollup", str(folder), "-o", str(out)])
    assert result.exit_code == 1
    assert "没有可汇总" in result.output and "bad.xlsx" in result.output
    assert not out.exists()


def test_rollup_is_deterministic(tmp_path):
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "jiefang.yaml").write_bytes(EXAMPLE.read_bytes())
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    for out in (a, b):
        assert CliRunner().invoke(app, ["rollup", str(folder), "-o", str(out)]).exit_code == 0
    assert a.read_bytes() == b.read_bytes()


def _values(path: Path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path)
    return {sheet.title: _rows(sheet) for sheet in book.worksheets}


def _flat(output: str) -> str:
    """Terminal output without the line wrapping Rich adds."""
    import re

    return re.sub(r"\s+", " ", output)


def test_rollup_into_the_database_then_from_it(tmp_path):
    folder = tmp_path / "region"
    folder.mkdir()
    for k, (seed, year) in enumerate(((4, 2024), (5, 2024), (4, 2025))):
        write_budget(generate_budget(seed, year=year), folder / f"dept-{k}.yaml")
    database = tmp_path / "region.db"
    runner = CliRunner()

    first = runner.invoke(
        app, ["rollup", str(folder), "-o", str(tmp_path / "a.xlsx"), "--into", str(database), "--region", "样例区"]
    )
    assert first.exit_code == 0, first.output
    assert "新版本 3 个" in _flat(first.output)
    again = runner.invoke(app, ["rollup", str(folder), "-o", str(tmp_path / "a.xlsx"), "--into", str(database)])
    assert "新版本 0 个，未变化 3 个" in _flat(again.output)  # importing the same folder again stores nothing

    from_db = runner.invoke(app, ["rollup", str(database), "-o", str(tmp_path / "b.xlsx"), "--region", "样例区"])
    assert from_db.exit_code == 0, from_db.output
    assert _values(tmp_path / "b.xlsx") == _values(tmp_path / "a.xlsx")

    other_region = runner.invoke(app, ["rollup", str(database), "-o", str(tmp_path / "c.xlsx"), "--region", "别处"])
    assert other_region.exit_code == 1 and not (tmp_path / "c.xlsx").exists()


def test_rollup_of_something_that_is_neither_folder_nor_database(tmp_path):
    result = CliRunner().invoke(app, ["rollup", str(tmp_path / "missing"), "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2 and "既不是目录也不是数据库" in _flat(result.output)
