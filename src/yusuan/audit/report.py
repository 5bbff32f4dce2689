"""Audit reports: a Rich terminal summary, JSON lines, CSV and an HTML page."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import jinja2
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from yusuan.audit.engine import AuditReport
from yusuan.audit.finding import Place
from yusuan.money import format_amount

SEVERITY_NAMES = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}
#: how reports name the reason a document could not be read (the code stays in JSON and CSV)
UNREADABLE_TITLES = {
    "too_large": "文件过大",
    "empty": "空文件",
    "encrypted": "已加密",
    "scanned": "扫描件",
    "not_pdf": "不是 PDF",
    "not_text": "不是文本",
    "unknown_layout": "无法识别的版式",
    "unreadable": "文件损坏或格式不对",
    "crashed": "审核出错",
}


@dataclass(slots=True)
class Unreadable:
    """A file the audit could not read at all (exit code 2)."""

    path: str
    reason: str
    detail: str

    def to_data(self) -> dict[str, Any]:
        return {
            "schema": "yusuan.audit/1",
            "source": {"path": self.path},
            "error": {"reason": self.reason, "message": self.detail},
        }


Result = AuditReport | Unreadable


def json_line(result: Result) -> str:
    return json.dumps(result.to_data(), ensure_ascii=False)


def print_text(results: Iterable[Result], console: Console, *, show_info: bool = False) -> None:
    """Findings grouped by severity, per document, for a person at a terminal."""
    for result in results:
        if isinstance(result, Unreadable):
            console.print(
                f"[bold red]✗ {escape(result.path)}：无法读取（{_reason_title(result.reason)}）："
                f"{escape(result.detail)}[/]",
                highlight=False,
            )
            continue
        doc, stats = result.document, result.stats
        console.print(
            f"[bold]{escape(str(result.source['path']))}[/]  {escape(str(doc['department'] or '（未识别部门）'))} "
            f"{escape(str(doc['year'] or ''))}年 "
            f"模板 {doc['template']}：表格 {stats['tables_found']} 张"
            f"（应有 {stats['tables_expected']} 张，找到 {stats.get('tables_recognised', '—')} 张），"
            f"恒等关系 {stats['identities_held']}/{stats['identities_checked']} 成立，{stats['seconds']:.3f} 秒",
            highlight=False,
        )
        counts = {s: sum(1 for f in result.findings if f.severity == s) for s in SEVERITY_NAMES}
        console.print(
            "  " + "，".join(f"[{SEVERITY_STYLE[s]}]{SEVERITY_NAMES[s]} {n}[/]" for s, n in counts.items()),
            highlight=False,
        )
        note = second_reading_note(stats)
        if note:
            console.print(f"  [yellow]{escape(note)}[/]", highlight=False)
        for finding in result.findings:
            if finding.severity == "info" and not show_info:
                continue
            where = "；".join(p.label() for p in finding.locations[:3] if p.label())
            if finding.related:
                where += f"；相关位置 {len(finding.related)} 处：" + "；".join(p.label() for p in finding.related[:3])
            console.print(
                f"  [{SEVERITY_STYLE[finding.severity]}]{SEVERITY_NAMES[finding.severity]}[/] {escape(finding.message)}"
                + (
                    f"\n      [dim]{finding.rule}  位置：{escape(where)}[/]"
                    if where
                    else f"\n      [dim]{finding.rule}[/]"
                ),
                highlight=False,
            )
        console.print()


def second_reading_note(stats: Mapping[str, Any]) -> str:
    """What every report says when the amounts its errors rest on could not be read a second time
    (``stats["second_reading"]`` of a report, or of its stored data); "" when they were, or none were asked."""
    second = stats.get("second_reading") or {}
    if not second.get("cells") or second.get("available") is not False:
        return ""
    # Poppler missing, refusing the file or past its timeout: the errors rest on one reading only
    return (
        f"错误所依据的 {second['cells']} 个金额未能用第二种读法（Poppler）复核："
        "pdftotext 不可用或无法读取此文件，以下错误仅依据第一种读法"
    )


def _reason_title(reason: str) -> str:
    return UNREADABLE_TITLES.get(reason, reason)


@dataclass(frozen=True, slots=True)
class Brief:
    """What a batch's summary needs of one document: kept instead of its report when reports stream out."""

    path: str
    template: str = ""
    department: str = ""
    year: object = ""
    stats: dict[str, Any] = field(default_factory=dict)
    errors: int = 0
    warnings: int = 0
    infos: int = 0
    unreadable: str = ""  # reason：detail, for a document that could not be read
    reason: str = ""

    @classmethod
    def of(cls, result: Result) -> Brief:
        if isinstance(result, Unreadable):
            return cls(result.path, unreadable=f"{result.reason}：{result.detail}", reason=result.reason)
        d = result.document
        infos = sum(1 for f in result.findings if f.severity == "info")
        return cls(
            result.source["path"],
            d["template"],
            d["department"],
            d["year"],
            result.stats,
            result.errors,
            result.warnings,
            infos,
        )


def summary_table(briefs: list[Brief]) -> RichTable:
    table = RichTable(title="审核汇总")
    for header in ("文件", "模板", "表格", "恒等关系", "错误", "警告", "提示"):
        table.add_column(header)
    for b in briefs:
        if b.unreadable:
            table.add_row(escape(b.path), "—", "—", "—", f"无法读取：{escape(_reason_title(b.reason))}", "", "")
            continue
        s = b.stats
        table.add_row(
            escape(b.path),
            escape(b.template),
            f"{s.get('tables_recognised', '—')}/{s['tables_expected']}（共 {s['tables_found']}）",
            f"{s['identities_held']}/{s['identities_checked']}",
            str(b.errors),
            str(b.warnings),
            str(b.infos),
        )
    return table


CSV_COLUMNS = (
    "path",
    "rule",
    "severity",
    "message",
    "expected",
    "actual",
    "table",
    "row",
    "column",
    "page",
    "line",
    "text",
    "related",  # the places of the other inconsistencies the same printed defect caused
)


def _data_label(place: dict[str, Any]) -> str:
    """A place as stored (``Place.to_data``) for a person, as ``Place.label`` says it."""
    return Place(**{k: v for k, v in place.items() if k in ("table", "row", "column", "page", "line")}).label()


def csv_lines(rows: Iterable[Iterable[Any]]) -> str:
    """Rows as CSV text."""
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def csv_header() -> str:
    return csv_lines([CSV_COLUMNS])


def csv_text(result: Result) -> str:
    """One document's CSV lines (no header), to stream a batch's report."""
    return csv_lines(csv_rows(result))


def csv_rows(r: Result) -> list[list[Any]]:
    """One document's rows of the CSV report: one per finding (or one for an unreadable file)."""
    return data_csv_rows(r.to_data())


def data_csv_rows(data: dict[str, Any]) -> list[list[Any]]:
    """The CSV rows of a ``yusuan.audit/1`` object (a result as stored, e.g. by the web app)."""
    path = data["source"]["path"]
    if "error" in data:
        error = data["error"]
        return [
            [path, "document.unreadable", "error", error["message"], "", error["reason"], "", "", "", "", "", "", ""]
        ]
    rows = []
    for f in data["findings"]:
        first = f["locations"][0] if f["locations"] else {}  # a place's data leaves out its empty fields
        where = [first.get(key, "") for key in ("table", "row", "column", "page", "line", "text")]
        related = "；".join(_data_label(p) for p in f.get("related", []))
        rows.append([path, f["rule"], f["severity"], f["message"], f["expected"], f["actual"], *where, related])
    return rows


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("yusuan.audit", "templates"), autoescape=True, trim_blocks=True, lstrip_blocks=True
    )


def finding_excerpt(report: AuditReport, finding: Any) -> list[dict[str, Any]]:
    """The table rows a finding points at, as header + cells, for the HTML report."""
    if report.tableset is None:
        return []
    out = []
    seen = set()
    for place in finding.locations:
        if not place.table or not place.row:
            continue
        table = next((t for t in report.tableset.tables if t.number == place.table), None)
        if table is None:
            continue
        row = next((r for r in table.rows if "/".join(r.key) == place.row), None)
        if row is None or (table.number, row.key) in seen:
            continue
        seen.add((table.number, row.key))
        cells = []
        for col in table.columns:
            cell = row.cells.get(col.key)
            value = cell.value if cell else None
            text = format_amount(value, table.unit, blank_zero=True) if isinstance(value, int) else (value or "")
            marked = any(
                p.table == table.number and p.row == place.row and p.column == col.key for p in finding.locations
            )
            cells.append({"header": " / ".join(h for h in col.headers if h), "text": text, "marked": marked})
        out.append({"table": f"{table.number} {table.title}", "cells": [c for c in cells if c["text"] or c["marked"]]})
    return out[:4]


def render_html(results: list[Result]) -> str:
    documents: list[dict[str, Any]] = []
    for r in results:
        if isinstance(r, Unreadable):
            documents.append({"path": r.path, "unreadable": f"{r.reason}：{r.detail}"})
            continue
        documents.append(
            {
                "path": r.source["path"],
                "document": r.document,
                "stats": r.stats,
                "second_reading_note": second_reading_note(r.stats),
                "tables": r.tables,
                "findings": [
                    {
                        "finding": f,
                        "severity_name": SEVERITY_NAMES[f.severity],
                        "places": [p for p in f.locations if p.label()],
                        "related": [p for p in f.related if p.label()],
                        "sentences": [p.text for p in f.locations if not p.table and p.text],
                        "excerpt": finding_excerpt(r, f),
                    }
                    for f in r.findings
                ],
            }
        )
    return _environment().get_template("audit.html.j2").render(documents=documents)
