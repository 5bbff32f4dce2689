"""Stage 3 of the generic reader (``generic.py``): rows → Table.

Value columns by the amounts' positions (or their order), their headers, labels side by side
split, bare numbers accounted for, codes inferred from the catalog for tables that print names
only; ``generic_tables`` reads a whole document, ``apply_family`` adds what a template knows.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from functools import cache
from typing import Any

from yusuan.catalog import load_catalog
from yusuan.extract.amounts import (
    EXPLAINED,
    UNPLACED,
    amount_header,
    bare_columns,
    number_columns,
    place_number,
)
from yusuan.extract.codes import (
    child_named,
    counts,
    label_header,
    rows_above,
    settle_short_codes,
    settle_unit_codes,
    unit_name,
)
from yusuan.extract.columns import header_paths
from yusuan.extract.document import Document, Line
from yusuan.extract.generic_bands import _LABEL_PREFIX
from yusuan.extract.generic_cells import _TOTAL, GenericRow, _amount_fen, _Cell, _family, _reading, _value
from yusuan.extract.generic_regions import TITLE_YEAR, GenericRegion, find_tables, generic_vocabulary, text_kinds
from yusuan.extract.generic_rows import parse_rows
from yusuan.extract.panels import Panels
from yusuan.extract.tables import normal
from yusuan.tables.family import FamilyMatch
from yusuan.tables.model import Cell, Column, Row, Table, TableSet


def _columns_by_position(rows: list[GenericRow]) -> list[tuple[float, float]] | None:
    """The value columns as x ranges: amounts that overlap horizontally stand in one column.
    None when two amounts of one row would share a column (the layout is not a grid)."""
    spans = sorted((v.x0, v.x1) for row in rows for v in row.values if v.x1 > v.x0)
    if not spans or len(spans) < sum(len(r.values) for r in rows):
        return None
    columns: list[list[float]] = []
    for x0, x1 in spans:
        if columns and x0 < columns[-1][1] - 0.5:
            columns[-1][1] = max(columns[-1][1], x1)
        else:
            columns.append([x0, x1])
    ranges = [(c[0], c[1]) for c in columns]
    for row in rows:
        seen: set[int] = set()
        for value in row.values:
            centre = (value.x0 + value.x1) / 2
            k = next((n for n, (a, b) in enumerate(ranges) if a - 0.5 <= centre <= b + 0.5), -1)
            if k < 0 or k in seen:
                return None
            seen.add(k)
            value.column = k
    return ranges


def _split_labels(rows: list[GenericRow], ranges: list[tuple[float, float]]) -> list[GenericRow]:
    """Labels side by side with a value column between them are two rows (a two-sided table's
    left label with a blank amount, and the right label with its own)."""
    out: list[GenericRow] = []
    for row in rows:
        if row.codes or len(row.parts) < 2:
            out.append(row)
            continue
        groups: list[list[_Cell]] = [[row.parts[0]]]
        for before, cell in itertools.pairwise(row.parts):
            if any(before.x1 <= a and b <= cell.x0 for a, b in ranges):
                groups.append([])
            groups[-1].append(cell)
        if len(groups) == 1:
            out.append(row)
            continue
        for k, group in enumerate(groups):
            label = _reading(group)
            total = _TOTAL.match(label.rstrip("：:"))
            last = k == len(groups) - 1
            out.append(
                GenericRow(
                    "total" if total else "label",
                    (),
                    label.rstrip("：:") if total else label,
                    row.values if last else [],
                    group[0].tokens[0],
                    parts=group,
                    stray=row.stray if last else [],
                )
            )
    return out


def _headers(header: list[Line], ranges: list[tuple[float, float]] | None, count: int) -> list[tuple[str, ...]]:
    """Each value column's header path, from the header words standing over it."""
    if ranges is None:
        return [(f"第{k + 1}列",) for k in range(count)]
    return [h or (f"第{k + 1}列",) for k, h in enumerate(header_paths(header, ranges))]


INFER_SHARE = 0.6  # codes are inferred when the catalog places this share of the rows with amounts


@cache
def _catalog_names() -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """Classification names: 类 name → code, and (parent code, name) → code, 功能 and 部门经济 alike."""
    catalog = load_catalog()
    tops: dict[str, str] = {}
    children: dict[tuple[str, str], str] = {}
    for name in ("function", "dept_econ"):
        for entry in catalog.entries(name):
            for key in map(normal, (entry.name, *entry.other_names)):
                if entry.parent:
                    children.setdefault((entry.parent, key), entry.code)
                else:
                    tops.setdefault(key, entry.code)
    return tops, children


_INCOME_LABEL = re.compile(r"收入|拨款$|预算$|资金$|结转|结余")


def is_income_line(name: str) -> bool:
    """A two-sided table's income line (一、财政拨款, 一般公共预算, 上年结转), standing between the
    expenditure lines: no classification name."""
    return bool(_LABEL_PREFIX.match(name) or _INCOME_LABEL.search(name))


def _infer_codes(rows: list[GenericRow]) -> bool:
    """Codes for a table that prints names only (杭州: 科学技术支出 / 技术研究与开发 / …): each name
    looked up under the 类 or 款 above it. Kept when the catalog places most rows with amounts."""
    if any(r.codes for r in rows):
        return False
    tops, children = _catalog_names()
    klass = kuan = ""
    found: dict[int, str] = {}
    for k, row in enumerate(rows):
        if row.kind != "label":
            continue
        name = _LABEL_PREFIX.sub("", normal(row.name))
        code = children.get((kuan, name), "") if kuan else ""
        code = code or (children.get((klass, name), "") if klass else "")
        code = code or tops.get(name, "")
        code = code or (child_named(kuan, name) if kuan else "") or (child_named(klass, name) if klass else "")
        if not code:
            continue
        found[k] = code
        if len(code) == 3:
            klass, kuan = code, ""
        elif len(code) == 5 and code[0] == "2":
            klass, kuan = code[:3], code
    placed = sum(1 for k in found if rows[k].values)
    with_values = sum(1 for r in rows if r.values and r.kind in ("label", "values"))
    if len(found) < 3 or placed < INFER_SHARE * with_values:
        return False
    for k, code in found.items():
        row = rows[k]
        row.codes, row.inferred = (code,), True
        row.family, row.kind = _family(code)
    return True


def _amid(rows: list[GenericRow], k: int) -> bool:
    """Whether an uncoded row with amounts stands amid one 类's rows, the row below it a 款 or 项 of
    the 类 above it (a classification name the catalog does not know, not a heading between
    units or an income line)."""
    row = rows[k]
    if row.codes or not row.values or is_income_line(row.name) or unit_name(row.name):
        return False
    before = next((r.code for r in reversed(rows[:k]) if r.codes), "")
    after = next((r.code for r in rows[k + 1 :] if r.codes), "")
    return bool(before) and len(after) > 3 and after[:3] == before[:3]


def is_code_table(coded: int, with_values: int) -> bool:
    """A code table: its rows are mostly headed by 功能分类 or 经济分类 codes."""
    return coded >= 2 and coded * 10 >= with_values * 3


def _decimals(rows: list[GenericRow]) -> int:
    most = 0
    for row in rows:
        for value in row.values:
            _, dot, frac = value.token.text.partition(".")
            if dot:
                most = max(most, len(frac))
    return most


def _table(regions: list[GenericRegion], rows: list[GenericRow], header: list[Line]) -> tuple[Table, dict[str, Any]]:
    """One Table from a table's regions (the first and its continuations) and their rows."""
    first = regions[0]
    positional = first.layout != "plain"
    ranges = _columns_by_position(rows) if positional else None
    if ranges is None:
        positional = False
        for row in rows:
            for k, value in enumerate(row.values):
                value.column = k
    if ranges is not None:
        rows = _split_labels(rows, ranges)
    if first.kind not in generic_vocabulary().text_tables:  # 绩效目标: numbers there are targets and weights
        if ranges is None and first.layout != "plain" and not any(r.values for r in rows):
            ranges = []  # every amount printed bare: the columns come from the numbers' positions
        _account_numbers(rows, ranges, header, first.unit)
        if ranges == []:
            ranges = None
        positional = ranges is not None
    count = len(ranges) if ranges is not None else max((len(r.values) for r in rows), default=0)
    value_headers = _headers(header, ranges, count)
    columns = [
        Column("code", ("编码",), "code", 10),
        Column("name", label_header(header, ranges) or ("名称",), "text", 30),
        *(Column(f"v{k + 1}", h, "count" if counts(h) else "amount") for k, h in enumerate(value_headers)),
    ]
    unsure = set(settle_short_codes(rows, _family))
    settle_unit_codes(rows)
    inferred = _infer_codes(rows)
    if inferred:  # a name the catalog does not know amid a 类's or 款's rows: its level is unknown
        unsure.update(k for k in range(len(rows)) if _amid(rows, k))
    for k in sorted(unsure):
        rows[k].uncertain = True
        for parent in rows_above(rows, k):  # the sums a guessed level enters
            parent.uncertain = True
    coded = not inferred and is_code_table(
        sum(1 for r in rows if r.family in ("function", "econ")), sum(1 for r in rows if r.values)
    )
    out: list[Row] = []
    seen: Counter[tuple[str, ...]] = Counter()
    data_rows = [r for r in rows if r.values]
    for row in rows:
        kind = row.kind
        if kind == "values" and data_rows and (row is data_rows[0] or row is data_rows[-1]):
            kind = "total"
        elif kind == "label":
            kind = "unit" if (coded or (inferred and unit_name(row.name))) and row.values else "item"
        elif kind == "values":
            kind = "item"
        key: tuple[str, ...] = row.codes if row.codes else ((row.name or "合计") if kind == "total" else row.name,)
        seen[key] += 1
        if seen[key] > 1:
            key = (*key, f"#{seen[key]}")
        where = row.location()
        cells: dict[str, Cell] = {}
        sure = not row.uncertain
        if row.code:
            cells["code"] = Cell(row.code, None if row.inferred else where, sure)
        cells["name"] = Cell(row.name, where if not row.code or row.inferred else None, sure)
        if positional:
            for k in range(count):
                cells[f"v{k + 1}"] = Cell(None, None, sure)
        for value in row.values:
            certain = sure and not (row.doubt or value.token.doubt)
            cells[f"v{value.column + 1}"] = Cell(value.fen, value.location(), certain)
        level = {"total": 0, "unit": 1, "class": 1, "kuan": 2, "item": 3}.get(kind, 1)
        out.append(Row(key, kind, cells, level))
    table = Table(
        kind=first.kind,
        number=first.label,
        title=first.title,
        unit=first.unit,
        columns=columns,
        rows=out,
        subtitle=first.subtitle,
    )
    info = {
        "kind": first.kind,
        "number": first.label,
        "title": first.title,
        "unit": first.unit,
        "pages": sorted({p for r in regions for p in r.pages}),
        "regions": len(regions),
        "layout": first.layout,
        "positional": positional,
        "coded": coded or inferred,
        "codes_inferred": inferred,
        "decimals": _decimals(rows),
    }
    return table, info


def _account_numbers(
    rows: list[GenericRow], ranges: list[tuple[float, float]] | None, header: list[Line], unit: str
) -> None:
    """Every number a row printed besides its code and amounts accounted for: a bare integer
    ('2450000', Excel's General format) in an amount column is that column's amount; one under a
    数量/序号/行次 or code header is explained; any other leaves the row's amounts uncertain, as
    does a bare integer whose column is not known (no positions: it is read in printed order)."""
    words = [(normal(w.text), w.x0, w.x1) for line in header for w in line.words]
    spans = number_columns(words)
    unsure: set[int] = set()  # columns of bare integers whose header does not say amounts
    if ranges is not None:
        unplaced = [
            (cell.x0, cell.x1)
            for row in rows
            for _before, cell in row.stray
            if place_number(cell.x0, cell.x1, ranges, spans) == UNPLACED
        ]
        added = bare_columns(unplaced)
        if added:  # a column whose every amount prints bare: one more amount column
            ranges[:] = sorted([*ranges, *added])
            unsure = {k for k, span in enumerate(ranges) if span in added and not amount_header(span, words)}
            for row in rows:
                for value in row.values:
                    centre = (value.x0 + value.x1) / 2
                    value.column = next(k for k, (a, b) in enumerate(ranges) if a - 0.5 <= centre <= b + 0.5)
    for row in rows:
        if not row.stray:
            continue
        taken = {v.column for v in row.values}
        for before, cell in row.stray:
            value = _value(_Cell("amount", cell.tokens, cell.x0, cell.x1, cell.text, _bare_fen(cell, unit)))
            if ranges is None:
                if before == 0:  # a number before the amounts: a code, a 序号 or a quantity?
                    row.doubt = row.doubt or f"未能归属的数字“{cell.text}”"
                    continue
                row.values.insert(min(before, len(row.values)), value)
                row.doubt = row.doubt or f"不带小数的数字“{cell.text}”按金额读取"
                continue
            column = place_number(cell.x0, cell.x1, ranges, spans)
            if column == EXPLAINED:
                continue
            # a number on a line the row only took in (a name's wrapped line, or a tight row of bare
            # integers taken for one) is no amount of this row
            own = any(cell.tokens[0].line is v.token.line for v in row.values) or (
                row.head is not None and cell.tokens[0].line is row.head.line
            )
            if column == UNPLACED or column in taken or not own:
                row.doubt = row.doubt or f"未能归属的数字“{cell.text}”"
                continue
            value.column = column
            taken.add(column)
            row.values.append(value)
            if column in unsure:  # this cell only: the row's other amounts are read as ever
                value.token.doubt = f"不带小数的一列数字“{cell.text}”，表头未表明是金额"
        if ranges is None:
            for k, value in enumerate(row.values):
                value.column = k
        else:
            row.values.sort(key=lambda v: v.column)


def _bare_fen(cell: _Cell, unit: str) -> int:
    return _amount_fen(cell.text, unit, cell.tokens[0])


def _signature(row: GenericRow) -> tuple[str, str, tuple[int, ...]]:
    return (row.kind if row.kind in ("total", "values") else "", row.name, tuple(v.fen for v in row.values))


def apply_family(regions: list[GenericRegion], match: FamilyMatch) -> None:
    """What a recognised template knows about the regions that are its tables: their canonical
    kind, and its unit where a table prints no 单位 line (tables of sentences aside)."""
    for region, spec in zip(regions, match.specs, strict=True):
        if spec is None:
            continue
        region.kind = spec.kind
        if match.family.unit and not region.unit_printed and spec.kind not in text_kinds():
            region.unit = match.family.unit


def _shared_units(regions: list[GenericRegion]) -> None:
    """A table whose 单位 line is printed only on a later page of it: that unit for all its pages."""
    group: list[GenericRegion] = []
    for region in [*regions, None]:
        if region is not None and region.continuation and group:
            group.append(region)
            continue
        printed = next((r for r in group if r.unit_printed), None)
        if printed is not None:
            for other in group:
                if not other.unit_printed:
                    other.unit = printed.unit
        group = [region] if region is not None else []


def generic_tables(doc: Document, regions: list[GenericRegion] | None = None) -> tuple[TableSet, dict[str, Any]]:
    """Every table of a document read without a profile, and what was found about each.

    ``regions``: the tables as ``find_tables`` found them (and a family may have refined),
    when the caller has them already. The dict holds ``regions`` (the GenericRegions found)
    and ``tables`` (per table: kind, number, title, unit, pages, regions, layout, whether
    columns come from positions, whether it is a code table and whether its codes were
    inferred, the decimals printed, and ``body``: the lines below its headings, over all its
    pages) in the TableSet's order. Plain text (pdftotext without
    -layout) often lists a table's cells column by column: its tables are found, but their
    rows are not to be trusted.
    """
    regions = find_tables(doc) if regions is None else regions
    _shared_units(regions)
    groups: list[tuple[list[GenericRegion], list[GenericRow], list[Line], list[Panels]]] = []
    for region in regions:
        if region.continuation and groups:
            group = groups[-1]
            group[0].append(region)
            totals = {_signature(r) for r in group[1] if r.kind in ("total", "values")}
            # the total row printed again atop each page of the table is one row
            more = parse_rows(region, group[1], panels=group[3])
            group[1].extend(r for r in more if _signature(r) not in totals)
            continue
        header: list[Line] = []
        panels: list[Panels] = []
        rows = parse_rows(region, header=header, panels=panels)
        groups.append(([region], rows, header, panels))
    tables: list[Table] = []
    infos: list[dict[str, Any]] = []
    for group_regions, rows, header, _panels in groups:
        rows.sort(key=lambda row: row.panel)  # a panelled table: each panel over all its pages in turn
        table, info = _table(group_regions, rows, header)
        info["body"] = [line for r in group_regions for line in r.lines[r.body :]]  # the lines its rows come from
        tables.append(table)
        infos.append(info)
    years = Counter(int(m.group(1)) for r in regions for m in [TITLE_YEAR.search(r.title)] if m)
    names = Counter(r.subtitle for r in regions if r.subtitle)
    tableset = TableSet(
        year=years.most_common(1)[0][0] if years else 0,
        department=names.most_common(1)[0][0] if names else "",
        template="generic",
        tables=tables,
    )
    return tableset, {"regions": regions, "tables": infos}
