"""Roll-up: a region's consolidated view of many departments' budgets.

Reads every budget ledger in a folder one at a time and keeps only running sums (integer fen)
keyed by year × 功能分类类 / 部门经济分类类 / department, so memory does not grow with the
number of departments. Writes them as one XLSX: by department, by 功能分类, by 经济分类, and
year over year by 功能分类 when the folder holds more than one year.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import xlsxwriter

from yusuan.catalog import load_catalog
from yusuan.ledger.model import Budget
from yusuan.ledger.problems import BudgetInputError
from yusuan.money import round_display
from yusuan.tables.facts import expenditure_facts


@dataclass(slots=True)
class DepartmentTotals:
    year: int
    code: str
    name: str
    units: int
    income: int
    basic: int
    project: int
    personnel: int
    public: int

    @property
    def expenditure(self) -> int:
        return self.basic + self.project


@dataclass(slots=True)
class Rollup:
    """Running sums over the departments read so far (all amounts in fen)."""

    departments: list[DepartmentTotals] = field(default_factory=list)
    #: (year, 功能分类类) → [basic, project]
    by_function: dict[tuple[int, str], list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    #: (year, 部门经济分类类) → [basic, project]
    by_econ: dict[tuple[int, str], list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    failures: list[tuple[str, str]] = field(default_factory=list)

    def add(self, budget: Budget) -> None:
        parts = {"basic": 0, "project": 0, "personnel": 0, "public": 0}
        for fact in expenditure_facts(budget):
            column = 0 if fact.part == "basic" else 1
            self.by_function[(budget.year, fact.function[:3])][column] += fact.amount
            self.by_econ[(budget.year, fact.econ[:3])][column] += fact.amount
            parts[fact.part] += fact.amount
            if fact.cost:
                parts[fact.cost] += fact.amount
        self.departments.append(
            DepartmentTotals(
                budget.year,
                budget.department.code,
                budget.department.name,
                len(budget.units),
                sum(i.amount for i in budget.income),
                **parts,
            )
        )

    @property
    def years(self) -> list[int]:
        return sorted({d.year for d in self.departments})


def rollup_folder(folder: Path, read: Callable[[Path], Budget], done: Callable[[Path], None] | None = None) -> Rollup:
    """Add up every budget ledger in ``folder``; an unreadable one is recorded, never stops the rest."""
    from yusuan.batch_build import find_inputs

    result = Rollup()
    for path in find_inputs(folder):
        try:
            result.add(read(path))
        except BudgetInputError as exc:
            first = next((p for p in exc.problems if p.severity == "error"), None)
            result.failures.append((path.name, str(first) if first else str(exc)))
        except (OSError, ValueError) as exc:
            result.failures.append((path.name, str(exc) or type(exc).__name__))
        if done is not None:
            done(path)
    return result


def _wan(fen: int) -> float:
    # The single float: the displayed (rounded) Decimal, as the cell's number.
    return float(round_display(fen, "万元"))


def _growth(now: int, before: int) -> str:
    if before == 0:
        return ""
    rate = (Decimal(now - before) * 100 / Decimal(before)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return f"{rate}%"


def _sheet(book: xlsxwriter.Workbook, name: str, title: str, header: list[str], rows: Iterable[list[object]]) -> None:
    sheet = book.add_worksheet(name)
    bold = book.add_format({"bold": True, "align": "center", "valign": "vcenter", "border": 1, "text_wrap": True})
    text = book.add_format({"border": 1})
    money = book.add_format({"border": 1, "num_format": "#,##0.00"})
    heading = book.add_format({"bold": True, "font_size": 14, "align": "center"})
    sheet.merge_range(0, 0, 0, len(header) - 1, title, heading)
    sheet.write(1, len(header) - 1, "单位：万元")
    for c, label in enumerate(header):
        sheet.write(2, c, label, bold)
        sheet.set_column(c, c, 30 if "名称" in label else 14)
    r = 3
    for r, row in enumerate(rows, start=3):
        for c, value in enumerate(row):
            if isinstance(value, int) and not isinstance(value, bool) and header[c] not in ("年度", "单位数"):
                sheet.write_number(r, c, _wan(value), money)
            else:
                sheet.write(r, c, value, text)
    sheet.freeze_panes(3, 0)
    sheet.autofilter(2, 0, max(r, 3), len(header) - 1)


_DEPARTMENT_HEADER = ["年度", "部门编码", "部门名称", "单位数", "收入合计", "支出合计"]
_DEPARTMENT_HEADER += ["基本支出", "人员经费", "公用经费", "项目支出"]


def render_rollup_xlsx(rollup: Rollup) -> bytes:
    """The consolidated view as an XLSX workbook (bytes; deterministic for the same inputs)."""
    import io

    catalog = load_catalog()

    def name(kind: str, code: str) -> str:
        return catalog.name(kind, code) if catalog.knows(kind, code) else ""

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    # a creation date from the data, not the clock (XlsxWriter's default): same inputs, same bytes
    first_year = min(rollup.years, default=2000)
    book.set_properties({"title": "部门预算汇总", "created": datetime(first_year, 1, 1, tzinfo=UTC)})
    departments = sorted(rollup.departments, key=lambda d: (d.year, d.code))
    _sheet(
        book,
        "按部门",
        "部门预算汇总（按部门）",
        _DEPARTMENT_HEADER,
        (
            [d.year, d.code, d.name, d.units, d.income, d.expenditure, d.basic, d.personnel, d.public, d.project]
            for d in departments
        ),
    )
    for sheet_name, title, data, kind in (
        ("按功能分类", "部门预算汇总（按支出功能分类科目·类）", rollup.by_function, "function"),
        ("按经济分类", "部门预算汇总（按部门预算支出经济分类科目·类）", rollup.by_econ, "dept_econ"),
    ):
        _sheet(
            book,
            sheet_name,
            title,
            ["年度", "科目编码", "科目名称", "合计", "基本支出", "项目支出"],
            ([y, code, name(kind, code), b + p, b, p] for (y, code), (b, p) in sorted(data.items())),
        )
    years = rollup.years
    if len(years) > 1:
        codes = sorted({code for _y, code in rollup.by_function})
        header = ["科目编码", "科目名称"]
        for y in years:
            header.append(f"{y}年")
        for y in years[1:]:
            header.append(f"{y}年比上年增长")
        rows = []
        for code in codes:
            totals = [sum(rollup.by_function.get((y, code), [0, 0])) for y in years]
            rows.append([code, name("function", code), *totals, *map(_growth, totals[1:], totals[:-1])])
        _sheet(book, "年度对比", "部门预算汇总（按功能分类逐年对比）", header, rows)
    book.close()
    return buffer.getvalue()
