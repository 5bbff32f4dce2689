"""`yusuan perf monitor` and `yusuan perf score` on the example's illustrative execution data."""

from __future__ import annotations

import json

from openpyxl import load_workbook
from typer.testing import CliRunner

from tests.conftest import EXAMPLE_DIR, EXAMPLE_YAML
from yusuan.cli import app

EXECUTION = str(EXAMPLE_DIR / "execution.csv")
ADJUSTMENTS = str(EXAMPLE_DIR / "adjustments.csv")
ACTUALS = str(EXAMPLE_DIR / "actuals.csv")


def _run(*args: str):
    return CliRunner().invoke(app, ["perf", *args])


def test_monitor_json_lights_and_ratios():
    result = _run(
        "monitor", str(EXAMPLE_YAML), EXECUTION, "--adjustments", ADJUSTMENTS, "--at", "2025-07-31", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["time_progress"] == 58.08
    lights = [line["light"] for line in data["attention"]]
    assert lights and lights[0] == "红灯" and set(lights) <= {"红灯", "黄灯"}
    assert data["ratios"]["预算执行率"]["value"] is not None
    assert data["ratios"]["政府采购执行率"]["value"] is None  # the seed budgets no 政府采购
    assert len(data["monthly"]) == 12


def test_score_json_has_the_contract_fields():
    result = _run("score", str(EXAMPLE_YAML), EXECUTION, ACTUALS, "--adjustments", ADJUSTMENTS, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["projects"]) == 26
    for project in data["projects"]:
        assert {"code", "name", "score", "grade", "execution_rate", "indicators"} <= set(project)
        for ind in project["indicators"]:
            assert {"name", "level1", "target", "actual", "weight", "score", "applicable"} <= set(ind)
        assert 0 <= project["score"] <= 100
    assert {"score", "grade", "execution_rate", "projects"} <= set(data["department"])
    na = [i for p in data["projects"] for i in p["indicators"] if i["actual"] == "不适用"]
    assert na and not na[0]["applicable"]


def test_html_and_xlsx_reports(tmp_path):
    html = tmp_path / "score.html"
    assert _run("score", str(EXAMPLE_YAML), EXECUTION, ACTUALS, "--format", "html", "-o", str(html)).exit_code == 0
    assert "项目绩效自评" in html.read_text(encoding="utf-8")
    xlsx = tmp_path / "monitor.xlsx"
    args = ("monitor", str(EXAMPLE_YAML), EXECUTION, "--at", "2025-07-31", "--format", "xlsx", "-o", str(xlsx))
    assert _run(*args).exit_code == 0
    assert load_workbook(xlsx).sheetnames == ["监控", "部门比率", "月度执行"]
    scores = tmp_path / "score.xlsx"
    assert _run("score", str(EXAMPLE_YAML), EXECUTION, ACTUALS, "--format", "xlsx", "-o", str(scores)).exit_code == 0
    assert load_workbook(scores).sheetnames == ["部门汇总", "项目得分"]


def test_xlsx_needs_an_output_file():
    result = _run("score", str(EXAMPLE_YAML), EXECUTION, ACTUALS, "--format", "xlsx")
    assert result.exit_code == 2


def test_bad_actuals_are_reported_with_row_and_column(tmp_path):
    bad = tmp_path / "actuals.csv"
    bad.write_text(
        "project_code,indicator,actual,note\n999,人数,10人,\n410802250000000018801,不存在的指标,1,\n", encoding="utf-8"
    )
    result = _run("score", str(EXAMPLE_YAML), EXECUTION, str(bad))
    assert result.exit_code == 1
    assert "999" in result.output and "不存在的指标" in result.output and "第2行" in result.output


def test_bad_date_is_refused():
    result = _run("monitor", str(EXAMPLE_YAML), EXECUTION, "--at", "2025-13-40")
    assert result.exit_code == 2


OVERSPENT = "410802250000000029447"  # 2025年人事工资软件升级服务费: 7.10 万元, 6.61 paid by July


def _overspent_execution(tmp_path):
    """The example's payments plus one that brings the project to 318% of its budget."""
    execution = tmp_path / "execution.csv"
    rows = (EXAMPLE_DIR / "execution.csv").read_text(encoding="utf-8")
    execution.write_text(rows + f"503001,{OVERSPENT},2025-07-15,159678.00,30299,否\n", encoding="utf-8")
    return str(execution)


def test_overspending_is_red_with_its_own_reason(tmp_path):
    execution = _overspent_execution(tmp_path)
    args = ("monitor", str(EXAMPLE_YAML), execution, "--at", "2025-07-31")
    data = json.loads(_run(*args, "--format", "json").stdout)
    line = next(line for line in data["lines"] if line["project"] == OVERSPENT)
    assert (line["light"], line["over_budget"], line["rate"]) == ("红灯", True, 318.0)
    assert line["reason"] == "超支：已支付 22.58 万元（预算的 318.00%），超出预算 15.48 万元"
    assert data["attention"][0]["project"] == OVERSPENT  # overspending first
    lagging = [line for line in data["attention"] if not line["over_budget"]]
    assert lagging and all(line["reason"].startswith(("执行滞后", "执行偏慢")) for line in lagging)

    text = _run(*args)
    assert text.exit_code == 0 and "超支" in text.stdout  # the table wraps the reason over lines
    html = tmp_path / "monitor.html"
    assert _run(*args, "--format", "html", "-o", str(html)).exit_code == 0
    assert "超支：已支付 22.58 万元（预算的 318.00%），超出预算 15.48 万元" in html.read_text(encoding="utf-8")
    xlsx = tmp_path / "monitor.xlsx"
    assert _run(*args, "--format", "xlsx", "-o", str(xlsx)).exit_code == 0
    rows = list(load_workbook(xlsx)["监控"].iter_rows(values_only=True))
    assert rows[0][-1] == "原因"
    row = next(row for row in rows if row[2] == OVERSPENT)
    assert row[0] == "红灯" and row[-1].startswith("超支：已支付 22.58 万元")
