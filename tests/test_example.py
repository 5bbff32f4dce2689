"""The reference example: both input forms agree, and the build writes everything or nothing."""

from __future__ import annotations

import yaml
from typer.testing import CliRunner

from tests.conftest import EXAMPLE_DIR, EXAMPLE_XLSX, EXAMPLE_YAML, with_corrected_targets
from yusuan.cli import app
from yusuan.ledger import read_budget


def test_yaml_and_workbook_hold_the_same_budget(example_budget):
    assert read_budget(EXAMPLE_XLSX) == example_budget


#: 质量 indicators the seed printed in its 成本指标 column (see the example README)
MOVED_TO_OUTPUT = {"养老金待遇调整完成率", "职业年金待遇执行率", "信息使用率"}


def test_performance_targets_are_the_published_ones_verbatim(example_budget):
    transcribed = yaml.safe_load((EXAMPLE_DIR / "performance.yaml").read_text(encoding="utf-8"))
    by_code = {p.code: p for p in example_budget.projects}
    assert len(transcribed["projects"]) == len(by_code) == 26
    for project in transcribed["projects"]:
        built = by_code[project["code"]]
        published = [(i["level1"], i.get("level2", ""), i["name"], i["value"]) for i in project["indicators"]]
        assert [(str(i.level1), i.level2, i.name, i.value) for i in built.indicators] == published
    units = {p.unit: p for p in example_budget.unit_performance}
    for perf in transcribed["unit_performance"]:
        assert units[perf["unit"]].goal == perf["goal"]
        assert [(i.name, i.value) for i in units[perf["unit"]].indicators] == [
            (i["name"], i["value"]) for i in perf["indicators"]
        ]


def test_corrected_targets_are_the_readmes_corrections(example_budget):
    transcribed = yaml.safe_load((EXAMPLE_DIR / "performance.yaml").read_text(encoding="utf-8"))
    corrected = {p.code: p for p in with_corrected_targets(example_budget).projects}
    changed = 0
    for project in transcribed["projects"]:
        # the README's documented corrections: 预算执行率 → a cost cap; a satisfaction indicator added
        expected = [
            ("成本指标", "项目成本控制数", f"≤{project['amount']}万元")
            if i["name"] == "预算执行率"
            else (i["level1"], i["name"], i["value"])
            for i in project["indicators"]
        ]
        expected = [(a, n, "≤7.10万元") if n == "系统运行维护成本" else (a, n, v) for a, n, v in expected]
        expected = [(a, n, "720元") if n == "遗属补助平均标准" else (a, n, v) for a, n, v in expected]
        expected = [("产出指标", n, v) if n in MOVED_TO_OUTPUT else (a, n, v) for a, n, v in expected]
        if not any(level1 == "满意度指标" for level1, _n, _v in expected):
            expected.append(("满意度指标", "服务对象满意度", "≥90%"))
        changed += expected != [(i["level1"], i["name"], i["value"]) for i in project["indicators"]]
        assert [(str(i.level1), i.name, i.value) for i in corrected[project["code"]].indicators] == expected
    assert changed == 15  # two of them also gained a satisfaction indicator


def test_unit_performance_amounts_come_from_the_ledger(example_tables):
    table = example_tables.by_number("预算14表")
    assert table.row("503001", "budget.total").amount("amount") == 11_486_240_000
    assert table.row("704001", "budget.basic").amount("amount") == 150_840_000
    assert table.row("704001", "budget.project").amount("amount") == 956_030_000


def test_project_targets_appear_in_table_15(example_tables):
    table = example_tables.by_number("预算15表")
    first = table.row("410802250000000018801")
    assert first.value("satisfaction.name") == "直接服务对象满意度"
    continuation = table.row("410802250000000018801", "2")
    assert continuation.kind == "detail" and continuation.value("output.name")


def test_build_writes_every_format(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["build", str(EXAMPLE_YAML), "-o", str(out), "--format", "xlsx,html,json"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["disclosure.html", "disclosure.json", "tables.xlsx"]
    assert str(out / "tables.xlsx") in result.output.replace("\n", "")


def test_build_failure_leaves_no_partial_output(tmp_path, monkeypatch):
    import yusuan.outputs as outputs

    outputs.output_formats()

    def broken(_tables):
        raise RuntimeError("渲染失败")

    name, _render = outputs.RENDERERS["json"]
    monkeypatch.setitem(outputs.RENDERERS, "json", (name, broken))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["build", str(EXAMPLE_YAML), "-o", str(out), "--format", "xlsx,html,json"])
    assert result.exit_code != 0
    assert not out.exists() or not any(out.iterdir())
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_unknown_format_is_refused_and_nothing_written(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["build", str(EXAMPLE_YAML), "-o", str(out), "--format", "xlsx,odt"])
    assert result.exit_code == 2
    assert "odt" in result.output
    assert not out.exists()
