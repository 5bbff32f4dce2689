"""Unit disclosures (单位预算公开, issue 13 §1): each unit's own document from the department ledger.

The units add up to the 汇总 in every table and every amount (the example and 20 generated
departments); each unit's PDF audits with 0 errors; the wording follows the scope (单位概况,
本单位, no 所属单位 claim, 机关运行经费 only for the unit kinds that have it); the command line
builds one unit (``--unit``) or the 汇总 and every unit (``--units``), all or nothing.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLE_YAML
from yusuan.audit.engine import audit_path
from yusuan.cli import app
from yusuan.ledger.model import Budget, UnitKind
from yusuan.ledger.synth import department_seed, generate_budget
from yusuan.outputs import CONSOLIDATED_DIR, build_disclosure, write_outputs, write_unit_outputs
from yusuan.tables import build_tables
from yusuan.tables.model import TableSet
from yusuan.tables.scope import UnknownUnitError

ADMINISTRATIVE, INSTITUTION = "503001", "704001"  # the example's bureau (行政) and its centre (事业)


def _amounts(tables: TableSet) -> dict[tuple[str, tuple[str, ...], str], int]:
    """Every amount cell: (table number, row key, column) → fen."""
    return {
        (t.number, r.key, col): cell.value
        for t in tables.tables
        for r in t.rows
        for col, cell in r.cells.items()
        if isinstance(cell.value, int)
    }


def _assert_units_add_up(budget: Budget) -> None:
    consolidated = _amounts(build_tables(budget))
    added: dict[tuple[str, tuple[str, ...], str], int] = defaultdict(int)
    for unit in budget.units:
        for key, fen in _amounts(build_tables(budget, unit=unit.code)).items():
            added[key] += fen
    differences = {
        k: (consolidated.get(k, 0), added.get(k, 0))
        for k in set(consolidated) | set(added)
        if consolidated.get(k, 0) != added.get(k, 0)
    }
    assert differences == {}, sorted(differences.items())[:10]
    assert sum(consolidated.values()) > 0


def test_example_units_add_up_to_the_consolidated_tables(example_budget):
    _assert_units_add_up(example_budget)


def test_generated_departments_units_add_up_to_their_consolidated_tables():
    budgets = [generate_budget(department_seed(13, i)) for i in range(1, 21)]
    assert sum(len(b.units) for b in budgets) > 40  # many multi-unit departments, all kinds
    assert {k for b in budgets for k in (u.kind for u in b.units)} == set(UnitKind)
    for budget in budgets:
        _assert_units_add_up(budget)


def test_a_unit_table_holds_only_that_units_rows(example_budget):
    tables = build_tables(example_budget, unit=INSTITUTION)
    detail = tables.by_number("预算03表")
    assert {r.key[0] for r in detail.rows if r.kind != "total"} == {INSTITUTION}
    assert tables.department == "焦作市解放区就业创业服务中心"
    # a unit's tables name it as a 单位 (单位名称：…), the 汇总's as a 部门
    assert all(t.subtitle.strip() == "单位名称：焦作市解放区就业创业服务中心" for t in tables.tables)


def test_unknown_unit_is_a_chinese_error_naming_the_units(example_budget):
    with pytest.raises(UnknownUnitError) as caught:
        build_tables(example_budget, unit="999999")
    assert "999999" in str(caught.value) and "704001（焦作市解放区就业创业服务中心）" in str(caught.value)


# --- wording ---------------------------------------------------------------------------------------


def _text(disclosure) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(b.text for b in disclosure.narrative.blocks)


def test_a_unit_document_speaks_as_the_unit(example_budget):
    disclosure = build_disclosure(example_budget, INSTITUTION)
    text = _text(disclosure)
    assert disclosure.narrative.title == "焦作市解放区就业创业服务中心2025年单位预算公开"
    assert disclosure.narrative.attachment_title == "附件：焦作市解放区就业创业服务中心2025年度单位预算表"
    assert "焦作市解放区就业创业服务中心单位概况" in text
    assert "焦作市解放区就业创业服务中心单位2025年度预算情况说明" in text
    assert "本单位2025年没有使用政府性基金预算拨款安排的支出" in text
    for department_word in ("部门概况", "本部门", "我部门", "所属单位", "预算部门构成", "（汇总）2025"):
        assert department_word not in text, department_word
    # nothing the ledger holds only for the whole department is claimed for the unit
    assert "固定资产总额" not in text and "专项转移支付项目共有" not in text
    assert "是焦作市解放区人力资源和社会保障局的预算单位" in text


def test_the_consolidated_document_keeps_its_department_wording(example_budget):
    text = _text(build_disclosure(example_budget))
    assert "部门概况" in text and "所属单位" in text and "单位概况" not in text


def _centre(budget: Budget, **changes: object) -> Budget:
    """The example with its 就业创业服务中心 (事业) changed."""
    units = tuple(dataclasses.replace(u, **changes) if u.code == INSTITUTION else u for u in budget.units)
    return dataclasses.replace(budget, units=units)


def test_operating_costs_follow_the_unit_kind(example_budget):
    administrative = build_disclosure(example_budget, ADMINISTRATIVE)
    assert "焦作市解放区人力资源和社会保障局2025年机关（机构）运行经费支出预算8.45万元" in _text(administrative)
    assert not administrative.tables.by_number("预算13表").is_empty

    # a 事业单位 has none of its own, and the 汇总 counts only the units that report them
    by_kind = _centre(example_budget, operating_costs=None)
    institution = build_disclosure(by_kind, INSTITUTION)
    assert "焦作市解放区就业创业服务中心为事业单位，不涉及机关（机构）运行经费。" in _text(institution)
    assert "运行经费支出预算" not in _text(institution)
    table = institution.tables.by_number("预算13表")
    assert table.is_empty and "为事业单位，不涉及机关（机构）运行经费" in table.note
    consolidated = build_disclosure(by_kind)
    assert consolidated.tables.by_number("预算13表").rows[0].cells["total"].value == 8_450_000
    assert "运行经费支出预算8.45万元" in _text(consolidated)
    _assert_units_add_up(by_kind)

    # a 参照公务员法管理的事业单位 reports them like a 行政单位
    managed = build_disclosure(_centre(by_kind, kind=UnitKind.CIVIL_SERVICE_MANAGED), INSTITUTION)
    assert "焦作市解放区就业创业服务中心2025年机关（机构）运行经费支出预算3.79万元" in _text(managed)
    assert not managed.tables.by_number("预算13表").is_empty
    # and a 行政单位 the ledger says does not report them, does not
    silent = build_disclosure(_centre(by_kind, kind=UnitKind.ADMINISTRATIVE, operating_costs=False), INSTITUTION)
    assert silent.tables.by_number("预算13表").is_empty


def test_the_example_reports_its_centres_operating_costs_as_the_published_consolidated_table_does(example_budget):
    """The seed's 汇总 预算13表 (12.24) counts the 事业单位's 3.79: the example's ledger says the centre
    reports them, so its own 13表 holds them and the units add up to the 汇总."""
    centre = build_disclosure(example_budget, INSTITUTION)
    assert "焦作市解放区就业创业服务中心2025年机关（机构）运行经费支出预算3.79万元" in _text(centre)
    assert build_disclosure(example_budget).tables.by_number("预算13表").rows[0].cells["total"].value == 12_240_000


# --- the closed loop for units -------------------------------------------------------------------


@pytest.fixture(scope="module")
def units_built(example_budget, tmp_path_factory):
    out = tmp_path_factory.mktemp("units")
    try:
        write_unit_outputs(example_budget, out, ["pdf", "html", "json", "xlsx"])
    except RuntimeError as exc:  # no CJK font on this machine
        pytest.skip(str(exc))
    return out


@pytest.mark.parametrize("unit", [ADMINISTRATIVE, INSTITUTION])
def test_each_unit_pdf_audits_without_errors(example_budget, units_built, unit):
    report = audit_path(units_built / unit / "disclosure.pdf")
    errors = [f.message for f in report.findings if f.severity == "error"]
    assert errors == []
    assert report.stats["tables_found"] == 15
    assert report.stats["identities_held"] == report.stats["identities_checked"] > 300
    assert report.document["department"] == build_tables(example_budget, unit=unit).department


def test_units_layout_keeps_the_consolidated_files_byte_identical(example_budget, units_built, tmp_path):
    assert sorted(p.name for p in units_built.iterdir()) == sorted([CONSOLIDATED_DIR, ADMINISTRATIVE, INSTITUTION])
    write_outputs(example_budget, tmp_path, ["html", "json", "xlsx"])
    for name in ("disclosure.html", "disclosure.json", "tables.xlsx"):
        assert (units_built / CONSOLIDATED_DIR / name).read_bytes() == (tmp_path / name).read_bytes(), name
        for unit in (ADMINISTRATIVE, INSTITUTION):
            assert (units_built / unit / name).stat().st_size > 0


# --- command line ----------------------------------------------------------------------------------


def _invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args))


def test_cli_unit_writes_that_units_disclosure(tmp_path):
    out = tmp_path / "out"
    result = _invoke("build", str(EXAMPLE_YAML), "-o", str(out), "--unit", INSTITUTION, "--format", "json")
    assert result.exit_code == 0, result.output
    assert "焦作市解放区就业创业服务中心 2025年单位预算公开文件" in result.output
    assert [p.name for p in out.iterdir()] == ["disclosure.json"]
    assert "焦作市解放区就业创业服务中心2025年单位预算公开" in (out / "disclosure.json").read_text(encoding="utf-8")


def test_cli_units_writes_the_consolidated_and_every_unit(tmp_path):
    out = tmp_path / "out"
    result = _invoke("build", str(EXAMPLE_YAML), "-o", str(out), "--units", "--format", "html,json")
    assert result.exit_code == 0, result.output
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert written == sorted(
        f"{folder}/{name}"
        for folder in (CONSOLIDATED_DIR, ADMINISTRATIVE, INSTITUTION)
        for name in ("disclosure.html", "disclosure.json")
    )


def test_cli_unknown_unit_writes_nothing(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "disclosure.json").write_text("old", encoding="utf-8")
    result = _invoke("build", str(EXAMPLE_YAML), "-o", str(out), "--unit", "999999", "--format", "json")
    assert result.exit_code == 1
    assert "预算账本中没有单位代码 999999" in result.output and "704001" in result.output
    assert "Traceback" not in result.output
    assert [p.name for p in out.iterdir()] == ["disclosure.json"]
    assert (out / "disclosure.json").read_text(encoding="utf-8") == "old"


def test_cli_unit_and_units_together_is_a_usage_error(tmp_path):
    out = tmp_path / "out"
    result = _invoke("build", str(EXAMPLE_YAML), "-o", str(out), "--unit", INSTITUTION, "--units")
    assert result.exit_code == 2
    assert "--unit 与 --units 只能选一个" in result.output
    assert not out.exists()


def test_cli_units_failing_midway_writes_nothing(tmp_path, monkeypatch):
    """All or nothing: a renderer failing on the last unit leaves the 汇总 and the first unit unwritten."""
    from yusuan import outputs

    name, render = outputs.RENDERERS["json"]

    def failing(disclosure):  # type: ignore[no-untyped-def]
        if disclosure.tables.department == "焦作市解放区就业创业服务中心":
            raise RuntimeError("模拟的渲染失败")
        return render(disclosure)

    monkeypatch.setitem(outputs.RENDERERS, "json", (name, failing))
    out = tmp_path / "out"
    result = _invoke("build", str(EXAMPLE_YAML), "-o", str(out), "--units", "--format", "json")
    assert result.exit_code == 1
    assert "生成失败，未写出任何文件" in result.output
    assert not out.exists() or list(out.rglob("*")) == []


def test_the_audit_holds_operating_costs_within_their_codes_spending(example_budget, tmp_path):
    """预算13表 counts the 行政 and 参公 units' running costs only, so it may be less than 06表's 一般公共预算
    基本支出 on 机关运行经费 codes (a 汇总 with 事业单位, or a 事业单位's empty table), never more."""
    from yusuan.render.xlsx import render_xlsx

    tables = build_tables(_centre(example_budget, operating_costs=None))
    table = tables.by_number("预算13表")
    assert table.rows[0].cells["total"].value == 8_450_000  # less than 06表's 12.24: no error
    for extra, errors in ((0, 0), (5_000_000, 2)):  # more than 06表 shows: the 合计 and its 30201 row
        for row in table.rows:
            if row.key in (("合计",), ("30201",)):
                row.cells["total"] = dataclasses.replace(row.cells["total"], value=row.cells["total"].value + extra)
        path = tmp_path / f"{extra}.xlsx"
        path.write_bytes(render_xlsx(tables))
        found = [f for f in audit_path(path).findings if f.rule == "cross.table_agreement"]
        assert len(found) == errors, [f.message for f in found]


def test_a_units_operating_costs_flag_must_be_yes_or_no(tmp_path):
    from yusuan.ledger.problems import BudgetInputError
    from yusuan.ledger.read import read_budget

    text = EXAMPLE_YAML.read_text(encoding="utf-8")
    assert "  operating_costs: true\n" in text
    bad = tmp_path / "budget.yaml"
    bad.write_text(text.replace("  operating_costs: true\n", "  operating_costs: 可能\n"), encoding="utf-8")
    with pytest.raises(BudgetInputError) as caught:
        read_budget(bad)
    [problem] = caught.value.problems
    assert "报告机关运行经费" in problem.message and "应为 是 或 否" in problem.message
    assert problem.origin.sheet == "units"
