"""Reports of self-evaluation scores and monitoring: JSON, text (Rich), HTML and XLSX."""

from __future__ import annotations

import io
from decimal import Decimal
from functools import cache
from typing import Any

import jinja2
import xlsxwriter
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from yusuan.money import format_wan
from yusuan.performance.monitoring import Light, MonitoredLine, Monitoring
from yusuan.performance.ratios import RatioResult
from yusuan.performance.scoring import DepartmentScore, IndicatorScore, ProjectScore


def _num(value: Decimal) -> float:
    """A score as a JSON number (scores are 2-decimal Decimals; money stays in fen/text)."""
    return float(value)


def score_data(projects: list[ProjectScore], department: DepartmentScore) -> dict[str, Any]:
    """The JSON of `yusuan perf score`."""
    return {
        "schema": "yusuan.perf-score/1",
        "projects": [
            {
                "code": p.code,
                "name": p.name,
                "unit": p.unit,
                "budget": format_wan(p.budget),
                "executed": format_wan(p.executed),
                "execution_rate": _num(p.execution_rate),
                "execution_score": _num(p.execution_score),
                "score": _num(p.score),
                "grade": p.grade,
                "indicators": [
                    {
                        "name": i.name,
                        "level1": i.level1,
                        "target": i.target,
                        "actual": i.actual,
                        "weight": _num(i.weight),
                        "score": _num(i.score),
                        "applicable": i.applicable,
                        "note": i.note,
                        "deviation": i.deviation,
                    }
                    for i in p.indicators
                ],
                "warnings": p.warnings,
            }
            for p in projects
        ],
        "department": {
            "projects": department.projects,
            "budget": format_wan(department.budget),
            "executed": format_wan(department.executed),
            "execution_rate": _num(department.execution_rate),
            "score": _num(department.score),
            "grade": department.grade,
            "grades": department.grades,
            "below_60": department.below_60,
        },
    }


def print_scores(projects: list[ProjectScore], department: DepartmentScore, console: Console) -> None:
    table = RichTable(title="项目绩效自评得分")
    for header in ("项目编码", "项目名称", "预算执行率", "执行得分", "总分", "等级"):
        table.add_column(header)
    for p in projects:
        table.add_row(p.code, escape(p.name), f"{p.execution_rate}%", str(p.execution_score), str(p.score), p.grade)
    console.print(table)
    console.print(
        f"部门：{department.projects} 个项目，预算执行率 {department.execution_rate}%，"
        f"加权平均得分 {department.score}（{department.grade}）；等级分布 "
        + "，".join(f"{g} {n}" for g, n in department.grades.items()),
        highlight=False,
    )
    deviations = [(p, i) for p in projects for i in p.indicators if i.deviation]
    if deviations:
        console.print("[bold]偏差及原因[/]")
        for p, i in deviations:
            reason = i.note or "[yellow]未说明原因[/]"
            console.print(f"  {p.code} {escape(i.name)}：{escape(i.deviation)}；原因：{reason}", highlight=False)


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("yusuan.performance", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def scores_html(projects: list[ProjectScore], department: DepartmentScore, title: str) -> str:
    return (
        _environment()
        .get_template("scores.html.j2")
        .render(title=title, projects=projects, department=department, format_wan=format_wan)
    )


def scores_xlsx(projects: list[ProjectScore], department: DepartmentScore) -> bytes:
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = wb.add_format({"bold": True, "bg_color": "#D9D9D9", "border": 1})
    cell = wb.add_format({"border": 1})
    number = wb.add_format({"border": 1, "num_format": "0.00"})
    summary = wb.add_worksheet("部门汇总")
    rows = [
        ("项目数", department.projects),
        ("调整后预算（万元）", format_wan(department.budget)),
        ("实际支出（万元）", format_wan(department.executed)),
        ("预算执行率（%）", float(department.execution_rate)),
        ("加权平均得分", float(department.score)),
        ("等级", department.grade),
        *((f"等级“{g}”项目数", n) for g, n in department.grades.items()),
    ]
    summary.set_column(0, 0, 22)
    summary.set_column(1, 1, 18)
    for r, (label, value) in enumerate(rows):
        summary.write_string(r, 0, label, bold)
        if isinstance(value, float):
            summary.write_number(r, 1, value, number)
        else:
            summary.write(r, 1, value, cell)
    sheet = wb.add_worksheet("项目得分")
    headers = [
        "项目编码",
        "项目名称",
        "预算执行率（%）",
        "执行得分",
        "一级指标",
        "三级指标",
        "指标值",
        "实际值",
        "权重",
        "得分",
        "适用",
        "偏差",
        "原因说明",
        "项目总分",
        "等级",
    ]
    widths = [22, 30, 12, 9, 10, 26, 12, 12, 8, 8, 6, 30, 30, 9, 6]
    for c, (h, w) in enumerate(zip(headers, widths, strict=True)):
        sheet.write_string(0, c, h, bold)
        sheet.set_column(c, c, w)
    sheet.freeze_panes(1, 0)
    r = 1
    for p in projects:
        indicator_rows: list[IndicatorScore | None] = list(p.indicators) or [None]
        for i in indicator_rows:
            sheet.write_string(r, 0, p.code, cell)
            sheet.write_string(r, 1, p.name, cell)
            sheet.write_number(r, 2, float(p.execution_rate), number)
            sheet.write_number(r, 3, float(p.execution_score), number)
            if i is not None:
                sheet.write_string(r, 4, i.level1, cell)
                sheet.write_string(r, 5, i.name, cell)
                sheet.write_string(r, 6, i.target, cell)
                sheet.write_string(r, 7, i.actual, cell)
                sheet.write_number(r, 8, float(i.weight), number)
                sheet.write_number(r, 9, float(i.score), number)
                sheet.write_string(r, 10, "是" if i.applicable else "否", cell)
                sheet.write_string(r, 11, i.deviation, cell)
                sheet.write_string(r, 12, i.note, cell)
            sheet.write_number(r, 13, float(p.score), number)
            sheet.write_string(r, 14, p.grade, cell)
            r += 1
    wb.close()
    return buffer.getvalue()


# --- monitoring ---------------------------------------------------------------------------------


def _pct(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def monitoring_data(
    monitoring: Monitoring, ratios: dict[str, RatioResult], series: list[dict[str, Any]]
) -> dict[str, Any]:
    """The JSON of `yusuan perf monitor`."""

    def line(m: MonitoredLine) -> dict[str, Any]:
        return {
            "unit": m.unit,
            "project": m.project,
            "name": m.name,
            "level": m.level,
            "original": format_wan(m.original),
            "adjusted": format_wan(m.adjusted),
            "executed": format_wan(m.executed),
            "rate": _pct(m.rate),
            "progress": _pct(m.progress),
            "light": str(m.light),
            "over_budget": m.over_budget,
            "reason": m.reason,
        }

    return {
        "schema": "yusuan.perf-monitor/1",
        "at": monitoring.at.isoformat(),
        "time_progress": float(monitoring.time_progress),
        "thresholds": {"red": float(monitoring.thresholds.red), "yellow": float(monitoring.thresholds.yellow)},
        "lines": [line(m) for m in monitoring.lines],
        "units": [line(m) for m in monitoring.units],
        "department": line(monitoring.total),
        "attention": [line(m) for m in monitoring.attention],
        "ratios": {
            name: {"value": _pct(r.value), "formula": r.formula, "reason": r.reason, "note": r.note}
            for name, r in ratios.items()
        },
        "monthly": [
            {
                "month": s["month"],
                "executed": format_wan(s["executed"]),
                "adjusted_budget": format_wan(s["adjusted_budget"]),
                "rate": _pct(s["rate"]),
                "time_progress": float(s["time_progress"]),
            }
            for s in series
        ],
    }


ATTENTION_TITLE = "需要关注的项目（超支，或执行进度落后于时间进度）"

_LIGHT_STYLE = {Light.RED: "bold red", Light.YELLOW: "yellow", Light.GREEN: "green", Light.NONE: "dim"}


def print_monitoring(monitoring: Monitoring, ratios: dict[str, RatioResult], console: Console) -> None:
    console.print(
        f"[bold]绩效监控[/]：截至 {monitoring.at.isoformat()}，时间进度 {monitoring.time_progress}%；"
        + "，".join(f"{light} {monitoring.count(light)}" for light in (Light.RED, Light.YELLOW, Light.GREEN)),
        highlight=False,
    )
    table = RichTable(title=ATTENTION_TITLE)
    for header in ("预警", "项目", "调整后预算（万元）", "已支出（万元）", "执行率", "进度比", "原因"):
        table.add_column(header)
    for m in monitoring.attention:
        table.add_row(
            f"[{_LIGHT_STYLE[m.light]}]{m.light}[/]",
            escape(m.name),
            format_wan(m.adjusted),
            format_wan(m.executed),
            "—" if m.rate is None else f"{m.rate}%",
            "—" if m.progress is None else str(m.progress),
            escape(m.reason),
        )
    console.print(table)
    total = monitoring.total
    console.print(
        f"部门合计：执行率 {total.rate}%，进度比 {total.progress}（{total.light}）"
        + (f"：{total.reason}" if total.reason else ""),
        highlight=False,
    )
    for result in ratios.values():
        console.print(f"  {result}", highlight=False)


def monitoring_html(
    monitoring: Monitoring, ratios: dict[str, RatioResult], series: list[dict[str, Any]], title: str
) -> str:
    return (
        _environment()
        .get_template("monitoring.html.j2")
        .render(
            title=title,
            m=monitoring,
            ratios=ratios,
            series=series,
            format_wan=format_wan,
            Light=Light,
            attention_title=ATTENTION_TITLE,
        )
    )


def monitoring_xlsx(monitoring: Monitoring, ratios: dict[str, RatioResult], series: list[dict[str, Any]]) -> bytes:
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = wb.add_format({"bold": True, "bg_color": "#D9D9D9", "border": 1})
    cell = wb.add_format({"border": 1})
    colours = {
        Light.RED: wb.add_format({"border": 1, "bg_color": "#F4CCCC"}),
        Light.YELLOW: wb.add_format({"border": 1, "bg_color": "#FFF2CC"}),
        Light.GREEN: wb.add_format({"border": 1, "bg_color": "#D9EAD3"}),
        Light.NONE: cell,
    }
    sheet = wb.add_worksheet("监控")
    headers = [
        "预警",
        "单位",
        "项目编码",
        "名称",
        "年初预算（万元）",
        "调整后预算（万元）",
        "已支出（万元）",
        "执行率（%）",
        "进度比",
        "原因",
    ]
    for c, h in enumerate(headers):
        sheet.write_string(0, c, h, bold)
    sheet.set_column(0, 2, 14)
    sheet.set_column(3, 3, 40)
    sheet.set_column(4, 8, 16)
    sheet.set_column(9, 9, 60)
    sheet.freeze_panes(1, 0)
    for r, m in enumerate([*monitoring.lines, *monitoring.units, monitoring.total], start=1):
        fmt = colours[m.light]
        sheet.write_string(r, 0, str(m.light), fmt)
        sheet.write_string(r, 1, m.unit, cell)
        sheet.write_string(r, 2, m.project, cell)
        sheet.write_string(r, 3, m.name, cell)
        for c, fen in ((4, m.original), (5, m.adjusted), (6, m.executed)):
            sheet.write_string(r, c, format_wan(fen), cell)
        sheet.write_string(r, 7, "" if m.rate is None else str(m.rate), cell)
        sheet.write_string(r, 8, "" if m.progress is None else str(m.progress), cell)
        sheet.write_string(r, 9, m.reason, cell)
    ratio_sheet = wb.add_worksheet("部门比率")
    for c, h in enumerate(("指标", "值（%）", "公式", "说明")):
        ratio_sheet.write_string(0, c, h, bold)
    ratio_sheet.set_column(0, 0, 26)
    ratio_sheet.set_column(2, 3, 60)
    for r, result in enumerate(ratios.values(), start=1):
        ratio_sheet.write_string(r, 0, result.name, cell)
        ratio_sheet.write_string(r, 1, "" if result.value is None else str(result.value), cell)
        ratio_sheet.write_string(r, 2, result.formula, cell)
        ratio_sheet.write_string(r, 3, result.reason or result.note, cell)
    monthly = wb.add_worksheet("月度执行")
    for c, h in enumerate(("月份", "累计支出（万元）", "调整后预算（万元）", "执行率（%）", "时间进度（%）")):
        monthly.write_string(0, c, h, bold)
    monthly.set_column(0, 4, 18)
    for r, s in enumerate(series, start=1):
        monthly.write_number(r, 0, s["month"], cell)
        monthly.write_string(r, 1, format_wan(s["executed"]), cell)
        monthly.write_string(r, 2, format_wan(s["adjusted_budget"]), cell)
        monthly.write_string(r, 3, "" if s["rate"] is None else str(s["rate"]), cell)
        monthly.write_string(r, 4, str(s["time_progress"]), cell)
    wb.close()
    return buffer.getvalue()
