"""A generated budget's tables printed the ways real disclosures print them, as PDF (test fixtures only).

``yusuan build`` prints one layout, its own. Real documents print the same tables in other ways,
and those ways are where the reading goes wrong: bare integers, amounts in 元, 款 codes printed as
two digits, unit subtotal rows between the 类 rows, two side-by-side panels, names wrapped onto a
second line, a table continued on the next page. Each :class:`Layout` here prints two plain tables
of one budget — ``表5 一般公共预算支出表`` (功能分类 类/款/项 × 合计/基本支出/项目支出) and
``表6 一般公共预算基本支出表`` (经济分类 类/款 × 合计/人员经费/公用经费) — in one such way, with
Typst (``yusuan.render.pdf.compile_typst``), so a test can read the PDF back and compare every amount
with what was printed (:func:`misread`).

Not a publishing feature: the user-facing profiles and templates know nothing of these layouts.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field

from yusuan.audit.engine import AuditReport, audit_document
from yusuan.audit.finding import Finding
from yusuan.catalog import load_catalog
from yusuan.extract.pdf import pdf_document
from yusuan.ledger.model import Budget, Income
from yusuan.render.pdf import compile_typst, find_fonts, typst_str
from yusuan.tables import build_tables
from yusuan.tables.model import Table, TableSet

FEN_PER_WAN = 1_000_000
FEN_PER_YUAN = 100

FUNCTION_TABLE = "表5"
ECONOMIC_TABLE = "表6"


# --------------------------------------------------------------------------- what is printed


@dataclass(frozen=True, slots=True)
class PrintedRow:
    """One printed row: its role, its full code (7-digit 项, 6-digit 单位编码, '' for 合计), its name
    and its amounts in fen, in column order."""

    kind: str  # total / unit / class / kuan / item
    code: str
    name: str
    amounts: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class PrintedTable:
    number: str  # 表5
    title: str  # 一般公共预算支出表
    columns: tuple[str, ...]  # the amount columns' headers
    rows: tuple[PrintedRow, ...]


@dataclass(frozen=True, slots=True)
class Layout:
    """How the tables are printed (each field one way real documents differ)."""

    name: str
    amounts: str = "wan2"  # see AMOUNT_FORMATS
    codes: str = "full"  # full: 208 / 20805 / 2080505; split: 208 | 208 05 | 208 05 05 in three columns;
    # columns: 208 | 05 | 05, each level in its own column; kuan_alone: 208 / 05 / 2080505;
    # in_name: [2080505]机关事业… in the name's cell; none: names only, indented by level
    zeros: str = "blank"  # see ZEROS
    title: str = "inline"  # inline: 表5 一般公共预算支出表; above: 表5 on a line of its own; tail: 2025年…支出表（表5）
    units: bool = False  # a unit subtotal row (6-digit 单位编码) heads each unit's 类/款/项 rows
    items_only: bool = False  # no 类 and 款 rows: the 项 straight under 合计 (or under their unit, as Henan prints)
    panels: bool = False  # 表6: 人员经费 and 公用经费 side by side, each with its own 科目编码|科目名称|金额
    name_width: float = 0  # the name column's width in em (0: wide enough for every name)
    centred: bool = False  # body cells centred vertically (a wrapped name straddles its amounts)
    continued: bool = False  # 表5 split over two pages, the title and the header printed again
    tall_rows: bool = False  # rows so tall that 表5 runs onto a second page by itself: the header repeated, no title
    misprint: bool = False  # one amount printed wrong (a 项's 合计 and 项目支出 alike: its row still adds up)


#: amount format → (display step in fen, 单位)
AMOUNT_FORMATS = {
    "wan2": (10_000, "万元"),  # 1,234.56
    "wan4": (FEN_PER_YUAN, "万元"),  # 1,234.5678 (whole 元 in 万元)
    "wan_general": (10_000, "万元"),  # Excel General: 1234.5, 1234, 0.56
    "wan_integer": (FEN_PER_WAN, "万元"),  # whole 万元, bare: 1234
    "yuan2": (FEN_PER_YUAN, "元"),  # 12,345,600.00
    "yuan_bare": (FEN_PER_YUAN, "元"),  # 12345600
}


#: how a zero amount prints: a blank cell, a dash, the number (0.00, or 0 when the style has no decimals),
#: or a bare 0 among decimals (Henan: 7.60 0 0 7.60)
ZEROS = ("blank", "dash", "printed", "bare")


def amount_text(fen: int, style: str, zeros: str = "blank") -> str:
    """``fen`` printed in ``style`` (a multiple of its step), a zero as ``zeros`` says."""
    if fen == 0:
        if zeros == "dash":
            return "-"
        if zeros == "printed":
            return "0" if style in ("wan_general", "wan_integer", "yuan_bare") else "0.00"
        if zeros == "bare":
            return "0"
        return ""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    if style == "wan2":
        cents = fen // 10_000
        return f"{sign}{cents // 100:,}.{cents % 100:02d}"
    if style == "wan4":
        yuan = fen // FEN_PER_YUAN
        return f"{sign}{yuan // 10_000:,}.{yuan % 10_000:04d}"
    if style == "wan_general":
        cents = fen // 10_000
        text = f"{cents // 100}.{cents % 100:02d}".rstrip("0").rstrip(".")
        return sign + text
    if style == "wan_integer":
        return f"{sign}{fen // FEN_PER_WAN}"
    if style == "yuan2":
        return f"{sign}{fen // 100:,}.00"
    if style == "yuan_bare":
        return f"{sign}{fen // 100}"
    raise ValueError(style)


# --------------------------------------------------------------------------- the tables of a budget


def _rounded(amount: int, step: int) -> int:
    """``amount`` to a multiple of ``step``, half up, and never a positive amount to zero."""
    rounded = (amount + step // 2) // step * step
    return max(rounded, step) if amount > 0 else rounded


def rounded_budget(budget: Budget, step: int) -> Budget:
    """The budget with every amount a multiple of ``step``, so that what a table prints is what it sums
    (each unit's income recomputed: a budget still valid, its tables still consistent). Projects are
    whole 万元, as real ones mostly are (300.00 beside 99.86): a 万元 table then holds both kinds."""
    basic = tuple(dataclasses.replace(b, amount=_rounded(b.amount, step)) for b in budget.basic)
    project_step = max(step, FEN_PER_WAN)
    projects = []
    for p in budget.projects:
        spending = tuple(dataclasses.replace(s, amount=_rounded(s.amount, project_step)) for s in p.spending)
        projects.append(dataclasses.replace(p, spending=spending, amount=sum(s.amount for s in spending)))
    income = tuple(
        Income(
            unit.code,
            budget.income[0].fund,
            sum(b.amount for b in basic if b.unit == unit.code)
            + sum(p.amount for p in projects if p.unit == unit.code),
        )
        for unit in budget.units
    )
    return dataclasses.replace(budget, basic=basic, projects=tuple(projects), income=income)


def _function_rows(built: Table, by_unit: bool, items_only: bool = False) -> list[PrintedRow]:
    """合计, then 类 / 款 / 项 rows (each unit's own under its unit row when ``by_unit``; only the 项 when
    ``items_only``), from 预算05表."""
    catalog = load_catalog()
    leaves: dict[tuple[str, str], tuple[int, int]] = {}
    units: dict[str, str] = {}
    for row in built.rows:
        if row.kind == "unit":
            units[row.key[0]] = str(row.value("name"))
        if row.kind != "item":
            continue
        code = f"{row.value('func.class')}{row.value('func.kuan')}{row.value('func.xiang')}"
        key = (row.key[0] if by_unit else "", code)
        basic, project = leaves.get(key, (0, 0))
        leaves[key] = (basic + row.amount("basic.total"), project + row.amount("project.total"))

    def row(kind: str, code: str, name: str, parts: list[tuple[int, int]]) -> PrintedRow:
        basic = sum(b for b, _ in parts)
        project = sum(p for _, p in parts)
        return PrintedRow(kind, code, name, (basic + project, basic, project))

    rows = [row("total", "", "合计", list(leaves.values()))]
    for unit in sorted({u for u, _ in leaves}):
        mine = {code: v for (u, code), v in leaves.items() if u == unit}
        if by_unit:
            rows.append(row("unit", unit, units[unit], list(mine.values())))
        if items_only:
            rows.extend(row("item", c, catalog.name("function", c), [mine[c]]) for c in sorted(mine))
            continue
        for cls in sorted({c[:3] for c in mine}):
            rows.append(row("class", cls, catalog.name("function", cls), [v for c, v in mine.items() if c[:3] == cls]))
            for kuan in sorted({c[:5] for c in mine if c[:3] == cls}):
                parts = [v for c, v in mine.items() if c[:5] == kuan]
                rows.append(row("kuan", kuan, catalog.name("function", kuan), parts))
                for code in sorted(c for c in mine if c[:5] == kuan):
                    rows.append(row("item", code, catalog.name("function", code), [mine[code]]))
    return rows


def _economic_rows(built: Table) -> list[PrintedRow]:
    """合计, then 类 / 款 rows of 部门预算支出经济分类, from 预算06表."""
    catalog = load_catalog()
    items: dict[str, tuple[int, int]] = {}
    for r in built.rows:
        if r.kind == "item":  # one row per (部门, 政府) code pair: a 部门 code may stand on several
            personnel, public = items.get(str(r.value("dept.code")), (0, 0))
            items[str(r.value("dept.code"))] = (personnel + r.amount("personnel"), public + r.amount("public"))

    def row(kind: str, code: str, name: str, parts: list[tuple[int, int]]) -> PrintedRow:
        personnel = sum(a for a, _ in parts)
        public = sum(b for _, b in parts)
        return PrintedRow(kind, code, name, (personnel + public, personnel, public))

    rows = [row("total", "", "合计", list(items.values()))]
    for cls in sorted({c[:3] for c in items}):
        rows.append(row("class", cls, catalog.name("dept_econ", cls), [v for c, v in items.items() if c[:3] == cls]))
        for code in sorted(c for c in items if c[:3] == cls):
            rows.append(row("kuan", code, catalog.name("dept_econ", code), [items[code]]))
    return rows


def printed_tables(tables: TableSet, layout: Layout) -> list[PrintedTable]:
    """The two tables the layout prints, from a budget's built tables (amounts already at the layout's step)."""
    function = _function_rows(tables.get("gpb_expenditure"), layout.units, layout.items_only)
    if layout.misprint:
        function = _misprinted(function, AMOUNT_FORMATS[layout.amounts][0])
    return [
        PrintedTable(FUNCTION_TABLE, "一般公共预算支出表", ("合计", "基本支出", "项目支出"), tuple(function)),
        PrintedTable(
            ECONOMIC_TABLE,
            "一般公共预算基本支出表",
            ("合计", "人员经费", "公用经费"),
            tuple(_economic_rows(tables.get("gpb_basic_econ"))),
        ),
    ]


#: the misprint: this many display steps added to one 项 (large enough that no rounding explains it)
MISPRINT_STEPS = 1234


def _misprinted(rows: list[PrintedRow], step: int) -> list[PrintedRow]:
    """The rows with the last 项's 合计 and 项目支出 printed ``MISPRINT_STEPS`` steps too high: the row still
    adds up (合计 = 基本支出 + 项目支出), its 款 no longer does."""
    index = max(i for i, r in enumerate(rows) if r.kind == "item")
    total, basic, project = rows[index].amounts
    extra = MISPRINT_STEPS * step
    rows = list(rows)
    rows[index] = dataclasses.replace(rows[index], amounts=(total + extra, basic, project + extra))
    return rows


def misprinted_code(tables: list[PrintedTable]) -> str:
    """The code of the row ``_misprinted`` changed (the last 项 of 表5)."""
    return [r for r in tables[0].rows if r.kind == "item"][-1].code


# --------------------------------------------------------------------------- Typst


def _code_cells(row: PrintedRow, layout: Layout) -> list[str]:
    """The code column(s) of a 表5 row as printed."""
    code = row.code
    if layout.codes in ("in_name", "none"):
        return []
    if row.kind in ("total", "unit"):
        return [code] if layout.codes in ("full", "kuan_alone") else [code, "", ""]
    if layout.codes == "full":
        return [code]
    if layout.codes == "kuan_alone":
        return [code[3:] if row.kind == "kuan" else code]
    parts = [code[:3], code[3:5], code[5:7]]
    if layout.codes == "split":  # Henan: each row prints its code's parts from the 类 on
        return [p if i < len(code) else "" for i, p in zip((0, 3, 5), parts, strict=True)]
    if layout.codes == "columns":  # each row prints only its own level's digits, in that level's column
        level = {"class": 0, "kuan": 1, "item": 2}[row.kind]
        return [parts[i] if i == level else "" for i in range(3)]
    raise ValueError(layout.codes)


def _header(table: PrintedTable, code_columns: int, layout: Layout) -> list[str]:
    """``table.header(...)`` cells: one row, or two when the code is split in 类 | 款 | 项."""
    head = "单位编码/科目编码" if layout.units else "科目编码"
    name = "单位名称/科目名称" if layout.units else "科目名称"
    if code_columns == 0:
        return [typst_str(name), *(typst_str(c) for c in table.columns)]
    if code_columns == 1:
        return [typst_str(head), typst_str(name), *(typst_str(c) for c in table.columns)]
    cells = [
        f"table.cell(colspan: 3, {typst_str(head)})",
        f"table.cell(rowspan: 2, {typst_str(name)})",
        *(f"table.cell(rowspan: 2, {typst_str(c)})" for c in table.columns),
    ]
    return cells + [typst_str(x) for x in ("类", "款", "项")]


def _function_table(table: PrintedTable, rows: tuple[PrintedRow, ...], layout: Layout) -> str:
    code_columns = {"full": 1, "kuan_alone": 1, "split": 3, "columns": 3}.get(layout.codes, 0)
    name_width = f"{layout.name_width}em" if layout.name_width else "1fr"
    widths = ["5.5em"] * code_columns if code_columns == 1 else ["2.6em"] * code_columns
    widths = [("7em" if layout.units and code_columns == 1 else w) for w in widths]
    cells = []
    for row in rows:
        cells.extend(typst_str(c) for c in _code_cells(row, layout))
        cells.append(_name_cell(row, layout))
        cells.extend(typst_str(amount_text(a, layout.amounts, layout.zeros)) for a in row.amounts)
    return _typst_table(
        [*widths, name_width, *(["7.5em"] * len(table.columns))],
        code_columns,
        _header(table, code_columns, layout),
        cells,
        layout,
    )


def _name_cell(row: PrintedRow, layout: Layout) -> str:
    if layout.codes == "in_name" and row.kind in ("class", "kuan", "item"):
        return typst_str(f"[{row.code}]{row.name}")
    if layout.codes == "none":
        indent = {"class": 0, "kuan": 1, "item": 2}.get(row.kind, 0)
        return f"pad(left: {indent}em, {typst_str(row.name)})"
    return typst_str(row.name)


def _typst_table(widths: list[str], code_columns: int, header: list[str], cells: list[str], layout: Layout) -> str:
    aligns = ["left"] * (code_columns + 1) + ["right"] * (len(widths) - code_columns - 1)
    vertical = "horizon" if layout.centred else "top"
    return (
        f"#table(columns: ({', '.join(widths)}), inset: (x: 3pt, y: {12 if layout.tall_rows else 3}pt),\n"
        f"  align: ({', '.join(f'{a} + {vertical}' for a in aligns)}),\n"
        f"  table.header({', '.join(header)}),\n  " + ", ".join(cells) + ")\n"
    )


def _panel_table(table: PrintedTable, layout: Layout) -> str:
    """表6 as two panels: 人员经费 (301, 303 …) on the left, 公用经费 (302, 310 …) on the right, one amount
    column each; the last row gives each panel's 合计."""
    rows = [r for r in table.rows if r.kind != "total"]
    total = next(r for r in table.rows if r.kind == "total")
    left = [r for r in rows if r.amounts[2] == 0]  # 人员经费 only
    right = [r for r in rows if r.amounts[2] != 0]
    cells = []
    for i in range(max(len(left), len(right))):
        for side, column in ((left, 1), (right, 2)):
            if i < len(side):
                r = side[i]
                cells += [
                    typst_str(r.code),
                    typst_str(r.name),
                    typst_str(amount_text(r.amounts[column], layout.amounts, layout.zeros)),
                ]
            else:
                cells += [typst_str("")] * 3
    cells += [
        typst_str(""),
        typst_str("人员经费合计"),
        typst_str(amount_text(total.amounts[1], layout.amounts, layout.zeros)),
        typst_str(""),
        typst_str("公用经费合计"),
        typst_str(amount_text(total.amounts[2], layout.amounts, layout.zeros)),
    ]
    header = [f"table.cell(colspan: 3, {typst_str(t)})" for t in ("人员经费", "公用经费")]
    header += [typst_str(t) for t in ("科目编码", "科目名称", "金额") * 2]
    widths = ["4.5em", "1fr", "7.5em", "4.5em", "1fr", "7.5em"]
    vertical = "horizon" if layout.centred else "top"
    aligns = ", ".join(f"{a} + {vertical}" for a in ("left", "left", "right") * 2)
    return (
        f"#table(columns: ({', '.join(widths)}), inset: (x: 3pt, y: 3pt), align: ({aligns}),\n"
        f"  table.header({', '.join(header)}),\n  " + ", ".join(cells) + ")\n"
    )


def _heading(table: PrintedTable, department: str, unit: str, layout: Layout) -> str:
    if layout.title == "above":  # the number alone at the left, the title centred on the line below
        title = f"#align(left, text(size: 10pt, {typst_str(table.number)}))\n"
        title += f'#align(center, text(size: 14pt, weight: "bold", {typst_str(table.title)}))\n'
    else:
        text = f"{table.number} {table.title}" if layout.title == "inline" else f"2025年{table.title}（{table.number}）"
        title = f'#align(center, text(size: 14pt, weight: "bold", {typst_str(text)}))\n'
    department_line = typst_str(f"部门名称：{department}")
    unit_line = typst_str(f"单位：{unit}")
    return title + f"#grid(columns: (1fr, 1fr), align(left, {department_line}), align(right, {unit_line}))\n"


def typst_source(tables: list[PrintedTable], layout: Layout, department: str) -> str:
    fonts = find_fonts()
    unit = AMOUNT_FORMATS[layout.amounts][1]
    parts = [
        f'#set text(font: ({typst_str(fonts.sans)},), lang: "zh", region: "cn", size: 9pt)\n',
        # page numbers in the footer, as nearly every real document prints them
        '#set page(paper: "a4", flipped: true, margin: (x: 12mm, y: 14mm),\n'
        '  footer: context align(center, text(size: 9pt, "- " + counter(page).display("1") + " -")))\n',
    ]
    function, economic = tables
    pieces = [function.rows]
    if layout.continued:  # the second half on a page of its own, under the same title and header
        half = len(function.rows) // 2
        pieces = [function.rows[:half], function.rows[half:]]
    for k, rows in enumerate(pieces):
        if k:
            parts.append("#pagebreak()\n")
        parts.append(_heading(function, department, unit, layout))
        parts.append(_function_table(function, rows, layout))
    parts.append("#pagebreak()\n")
    parts.append(_heading(economic, department, unit, layout))
    if layout.panels:
        parts.append(_panel_table(economic, layout))
    else:
        flat = dataclasses.replace(layout, codes="full", units=False)
        parts.append(_function_table(economic, economic.rows, flat))
    return "".join(parts)


@dataclass(slots=True)
class Rendered:
    """A layout rendered: what it prints, and the PDF."""

    layout: Layout
    tables: list[PrintedTable]
    pdf: bytes
    source: str = field(default="", repr=False)  # the Typst source, to look at when a layout reads wrong


def render_layout(budget: Budget, layout: Layout) -> Rendered:
    """The budget's 表5 and 表6 printed in ``layout`` (its amounts first rounded to the layout's step)."""
    step = AMOUNT_FORMATS[layout.amounts][0]
    built = build_tables(rounded_budget(budget, step))
    tables = printed_tables(built, layout)
    source = typst_source(tables, layout, budget.department.name)
    return Rendered(layout, tables, compile_typst(source), source)


# --------------------------------------------------------------------------- reading back


def _nonzero(amounts: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(a for a in amounts if a)


def expected_rows(printed: PrintedTable, layout: Layout) -> Counter[tuple[str, tuple[int, ...]]]:
    """(code, nonzero amounts in column order) of every printed row, '合计' for the total row; a panel
    row prints one amount (its 人员经费 or its 公用经费) and the panels' 合计 rows are not compared."""
    if layout.panels and printed.number == ECONOMIC_TABLE:
        return Counter((r.code, (r.amounts[0],)) for r in printed.rows if r.kind != "total")
    return Counter((r.code or "合计", _nonzero(r.amounts)) for r in printed.rows)


def read_rows(table: Table) -> Counter[tuple[str, tuple[int, ...]]]:
    """The same of a table as read."""
    columns = [c.key for c in table.columns if c.type == "amount"]
    found: Counter[tuple[str, tuple[int, ...]]] = Counter()
    for row in table.rows:
        code = "合计" if row.kind == "total" else str(row.value("code") or "")
        found[(code, _nonzero(tuple(row.amount(c) for c in columns)))] += 1
    return found


def misread(printed: PrintedTable, layout: Layout, read: TableSet) -> list[str]:
    """The printed rows of one table whose amounts were not read back as printed (missing or other
    amounts), as (code, amounts); empty when the read-back is exact."""
    table = next((t for t in read.tables if t.number == printed.number), None)
    expected = expected_rows(printed, layout)
    if table is None:
        return [f"{printed.number} 没有读到"]
    return [f"{printed.number} {code} {amounts}" for code, amounts in (expected - read_rows(table)).elements()]


# --------------------------------------------------------------------------- outcomes

#: read-back outcomes, best first:
#: exact — every amount read as printed, no error;
#: uncertain — no error, and each table not read exactly carries a reading.* warning;
#: silent — amounts not read (or read wrong) and nothing says so: no error, no reading warning;
#: error — the reading turns the layout into false errors.
READ_BACK = ("exact", "uncertain", "silent", "error")
#: misprint outcomes, best first: found — the misprint's errors and no other; uncertain — no error, a
#: reading.* warning on 表5; missed — no error, no reading warning; error — the misprint's errors and false ones.
MISPRINT = ("found", "uncertain", "missed", "error")
#: the misprint raises a 项's 合计 and 项目支出 alike (its row still adds up): its 款 ≠ Σ 项 in both columns,
#: one printed defect, so one error (audit/defects.py groups them) naming that row among its places
MISPRINT_ERRORS = 1


def audit_rendered(rendered: Rendered) -> AuditReport:
    return audit_document(pdf_document(rendered.pdf, f"{rendered.layout.name}.pdf"))


def errors(report: AuditReport) -> list[Finding]:
    return [f for f in report.findings if f.severity == "error"]


def reading_warned(report: AuditReport) -> set[str]:
    """The tables a reading.* warning names."""
    return {p.table for f in report.findings if f.rule.startswith("reading.") for p in f.locations if p.table}


def read_back(rendered: Rendered, report: AuditReport) -> tuple[str, list[str]]:
    """The read-back outcome (``READ_BACK``) and the printed rows not read as printed."""
    wrong = {t.number: misread(t, rendered.layout, report.tableset) for t in rendered.tables}
    lines = [line for table_lines in wrong.values() for line in table_lines]
    if errors(report):
        return "error", lines
    if not lines:
        return "exact", []
    unread = {number for number, table_lines in wrong.items() if table_lines}
    return ("uncertain" if unread <= reading_warned(report) else "silent"), lines


def misprint_found(rendered: Rendered, report: AuditReport) -> str:
    """The outcome (``MISPRINT``) of a misprinted layout."""
    found = errors(report)
    code = misprinted_code(rendered.tables)
    ours = [
        f
        for f in found
        if any(p.table == FUNCTION_TABLE and p.row.split("/")[0] == code for p in (*f.locations, *f.related))
    ]
    if found:
        return "found" if len(ours) == len(found) == MISPRINT_ERRORS else "error"
    return "uncertain" if FUNCTION_TABLE in reading_warned(report) else "missed"


#: the layouts, each one way real documents print these tables (the first is yusuan's own way)
LAYOUTS = (
    Layout("plain"),
    Layout("wan_general", amounts="wan_general"),
    Layout("wan_integer", amounts="wan_integer"),
    Layout("wan4", amounts="wan4"),
    Layout("yuan2", amounts="yuan2"),
    Layout("yuan_bare", amounts="yuan_bare"),
    Layout("codes_split", codes="split"),
    Layout("codes_columns", codes="columns"),
    Layout("kuan_alone", codes="kuan_alone"),
    Layout("code_in_name", codes="in_name"),
    Layout("names_only", codes="none"),
    Layout("zeros_dash", zeros="dash"),
    Layout("zeros_printed", zeros="printed"),
    Layout("zeros_bare", zeros="bare"),
    Layout("unit_items", units=True, items_only=True),
    # the seed's own look (a Henan 2025 disclosure): unit rows over their 项, codes split 208 | 05 | 05,
    # bare zeros among decimals, names wrapped and centred
    Layout("henan_like", codes="split", units=True, items_only=True, zeros="bare", name_width=7, centred=True),
    Layout("unit_rows", units=True),
    Layout("panels", panels=True),
    Layout("wrapped", name_width=5),
    Layout("wrapped_centred", name_width=5, centred=True),
    Layout("number_above", title="above"),
    Layout("number_after", title="tail"),
    Layout("continued", continued=True),
    Layout("page_break", tall_rows=True),
)


def misprinted(layout: Layout) -> Layout:
    """The same layout with one amount printed wrong."""
    return dataclasses.replace(layout, name=f"{layout.name}+misprint", misprint=True)
