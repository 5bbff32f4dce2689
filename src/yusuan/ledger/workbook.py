"""The budget workbook: a fill-in template, a writer and a reader.

One sheet per ``SectionSpec`` (in ``SECTIONS`` order), the Chinese headers in
row 1 and one record per row below; the one-record sections (预算信息,
国有资产) use the same layout with their record in row 2. Columns are found
by header text, so users may reorder or drop optional columns. The reader
only turns cells into ``RawRecord``s; ``records.assemble`` converts the values,
exactly as it does for YAML. It opens the workbook and reads its rows through
``xlsx_reading``, within the bounds every .xlsx input has (zip bombs, rows, columns).

Amounts that are whole 0.01 万元 are written as numbers; anything finer is
written as exact text with its unit ('1234567.89元'), so a workbook written
from a Budget reads back as the same Budget.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time
from decimal import Context, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from yusuan.ledger.limits import shown
from yusuan.ledger.model import FINAL_COMPARISONS, FINAL_SUBJECTS, PRIOR_YEAR_KEYS, Budget, Origin
from yusuan.ledger.problems import Problem
from yusuan.ledger.records import RawBudget, RawRecord, budget_records
from yusuan.ledger.schema import SECTION_BY_KEY, SECTIONS, FieldSpec, FieldType, SectionSpec
from yusuan.ledger.xlsx_reading import WorkbookError, blank_cell, open_workbook, sheet_rows
from yusuan.render.atomic import atomic_write_bytes

HELP_SHEET = "填写说明"
CODES_SHEET = "编码表"
#: sections whose sheet must be present; the others may be deleted when empty
REQUIRED_SECTIONS = ("budget", "units")

_LAST_ROW = 1_048_575  # last 0-based row of an .xlsx sheet
_INLINE_LIST_MAX = 100  # longer choice lists go to 编码表 (Excel's hard limit is 255 characters)
EXCEL_DIGITS = 15  # Excel keeps 15 significant digits of a number

#: catalog → (code length listed in 编码表, title)
_CATALOG_LISTS = {
    "function": (7, "支出功能分类（项）"),
    "dept_econ": (5, "部门预算支出经济分类（款）"),
    "gov_econ": (5, "政府预算支出经济分类（款）"),
}

#: field key → the section and field it must match
_REFERENCES = {"unit": ("units", "code"), "project": ("projects", "code")}

_SECTION_NOTES = {
    "budget": "预算年度、模板、部门编码和名称、机构设置和编制（只填第2行一行）",
    "functions": "部门主要职责，每条职责一行",
    "units": "部门所属的预算单位，每个单位一行",
    "income": "各单位按资金来源的收入，每个单位每种资金来源一行",
    "basic": "基本支出明细：单位 × 功能分类科目 × 经济分类 × 资金来源",
    "projects": "项目支出，每个项目一行",
    "project_spending": "各项目按经济分类、资金来源的支出明细",
    "project_indicators": "各项目的绩效指标，每个指标一行",
    "unit_performance": "各单位的年度履职目标（部门整体绩效目标）",
    "unit_tasks": "各单位的年度主要任务",
    "unit_indicators": "各单位的部门整体绩效指标，每个指标一行",
    "prior_year": "上年预算数和变动原因，用于编写说明中的对比（每个项目一行）",
    "procurement": "政府采购预算",
    "assets": "上年末国有资产占用情况（只填第2行一行）",
    "transfers": "部门管理的专项转移支付",
    "reasons": "各功能分类科目（类、款、项）或项目比上年变动的原因，写入说明中的对比（每个编码一行）",
    "final_reasons": "决算数与年初预算数、与上年决算数不同的原因，写入决算说明中的比较（每个单位、比较、项目一行；"
    "单位代码空白为全部门：部门汇总和未另填原因的各单位）",
    "paragraphs": "加在说明某一部分末尾的段落（所在部分从下拉列表选择）",
    "terms": "加在模板名词解释之后的名词解释",
}

_TYPE_HINTS = {
    FieldType.TEXT: "文字",
    FieldType.CODE: "编码，按文本填写（保留前导零）",
    FieldType.AMOUNT: "金额，单位万元；也可写带单位的文本，如 1234567.89元",
    FieldType.COUNT: "非负整数",
    FieldType.BOOL: "是 或 否",
    FieldType.CHOICE: "从下拉列表中选择",
}


# ---------------------------------------------------------------- writing


def write_template(path: Path) -> None:
    """Write a blank budget workbook with instructions and drop-down lists."""
    atomic_write_bytes(Path(path), _workbook_bytes({}))


def write_workbook(budget: Budget, path: Path) -> None:
    """Write a budget as a workbook in the template layout (the inverse of the reader)."""
    atomic_write_bytes(Path(path), _workbook_bytes(budget_records(budget)))


def amount_cell(fen: int) -> float | str:
    """How an amount is written: a 万元 number when exact to 0.01 万元, else exact text in 元."""
    if fen % 10_000 == 0 and len(str(abs(fen) // 10_000)) <= EXCEL_DIGITS:
        return float(Decimal(fen) / 1_000_000)  # ≤15 significant digits: round-trips through the file
    return f"{Decimal(fen).scaleb(-2):f}元"


def _catalog_codes() -> dict[str, list[tuple[str, str]]]:
    """Catalog → [(code, name)] for the drop-downs; empty when the catalog cannot be loaded."""
    try:
        from yusuan.catalog import load_catalog

        catalog = load_catalog()
        out = {}
        for name, (length, _title) in _CATALOG_LISTS.items():
            entries = [(e.code, e.name) for e in catalog.entries(name) if len(e.code) == length]
            out[name] = sorted(entries)
        return out
    except Exception:  # the template is still usable without drop-down codes
        return {}


class _Writer:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        self.wb = wb
        base = {"font_name": "宋体", "font_size": 11}
        self.header = {
            True: wb.add_format(
                {
                    **base,
                    "bold": True,
                    "bg_color": "#FCE4D6",
                    "border": 1,
                    "align": "center",
                    "valign": "vcenter",
                    "text_wrap": True,
                }
            ),
            False: wb.add_format(
                {
                    **base,
                    "bold": True,
                    "bg_color": "#DDEBF7",
                    "border": 1,
                    "align": "center",
                    "valign": "vcenter",
                    "text_wrap": True,
                }
            ),
        }
        self.text = wb.add_format({**base, "num_format": "@"})
        self.wrapped = wb.add_format({**base, "num_format": "@", "text_wrap": True, "valign": "top"})
        self.amount = wb.add_format({**base, "num_format": "0.00"})
        self.amount_text = wb.add_format({**base, "num_format": "@", "align": "right"})
        self.count = wb.add_format({**base, "num_format": "0"})
        self.title = wb.add_format({**base, "bold": True, "font_size": 16})
        self.bold = wb.add_format({**base, "bold": True, "text_wrap": True, "valign": "top"})
        self.plain = wb.add_format({**base, "text_wrap": True, "valign": "top"})
        self.lists: dict[str, str] = {}  # list id → validation source formula
        self.list_columns: list[tuple[int, str, list[str], list[str] | None]] = []  # 编码表 columns

    def column_format(self, spec: FieldSpec) -> Any:
        if spec.type is FieldType.AMOUNT:
            return self.amount
        if spec.type is FieldType.COUNT:
            return self.count
        return self.wrapped if spec.type is FieldType.TEXT and spec.width >= 40 else self.text

    # -- 编码表 (hidden): catalog codes and long choice lists the drop-downs refer to
    def plan_lists(self) -> None:
        """Decide the 编码表 columns, so section sheets can refer to them before it is written."""
        col = 0
        for catalog, entries in _catalog_codes().items():
            if entries:
                codes = [code for code, _ in entries]
                names = [name for _, name in entries]
                self.list_columns.append((col, _CATALOG_LISTS[catalog][1], codes, names))
                self.lists[f"catalog:{catalog}"] = _range(col, len(codes))
                col += 2
        for spec in _fields():
            list_id = _choice_id(spec)
            if spec.type is FieldType.CHOICE and not _inline(spec.choices) and list_id not in self.lists:
                self.list_columns.append((col, spec.header, list(spec.choices), None))
                self.lists[list_id] = _range(col, len(spec.choices))
                col += 1

    def codes_sheet(self) -> None:
        ws = self.wb.add_worksheet(CODES_SHEET)
        for col, title, values, names in self.list_columns:
            ws.write_string(0, col, title, self.header[False])
            ws.set_column(col, col, 16, self.text)
            for row, value in enumerate(values, start=1):
                ws.write_string(row, col, value, self.text)
            if names is not None:
                ws.write_string(0, col + 1, "名称", self.header[False])
                ws.set_column(col + 1, col + 1, 40, self.text)
                for row, value in enumerate(names, start=1):
                    ws.write_string(row, col + 1, value, self.text)
        ws.freeze_panes(1, 0)
        ws.hide()

    def validation(self, spec: FieldSpec) -> dict[str, Any] | None:
        """The data-validation options for a column, if any."""
        title = spec.header[:32]
        if spec.type is FieldType.CHOICE:
            source: str | list[str] = list(spec.choices) if _inline(spec.choices) else self.lists[_choice_id(spec)]
            return {"validate": "list", "source": source, "error_title": title, "error_message": "请从下拉列表中选择"}
        if spec.type is FieldType.BOOL:
            return {
                "validate": "list",
                "source": ["是", "否"],
                "error_title": title,
                "error_message": "请填写 是 或 否",
            }
        if spec.type is FieldType.COUNT:
            return {
                "validate": "integer",
                "criteria": ">=",
                "value": 0,
                "error_title": title,
                "error_message": "请填写非负整数",
            }
        if spec.catalog and f"catalog:{spec.catalog}" in self.lists:
            return {
                "validate": "list",
                "source": self.lists[f"catalog:{spec.catalog}"],
                "error_type": "warning",
                "error_title": title,
                "error_message": "编码不在「编码表」中，请核对",
            }
        return None

    def section_sheet(self, section: SectionSpec, rows: Iterable[Mapping[str, object]]) -> None:
        ws = self.wb.add_worksheet(section.sheet)
        ws.freeze_panes(1, 0)
        ws.set_row(0, 32)
        last_row = 1 if section.single else _LAST_ROW
        for col, spec in enumerate(section.fields):
            ws.set_column(col, col, spec.width, self.column_format(spec))
            ws.write_string(0, col, spec.header, self.header[spec.required])
            ws.write_comment(0, col, _header_note(spec), {"x_scale": 2, "y_scale": 1.2, "author": "yusuan"})
            options = self.validation(spec)
            if options is not None:
                ws.data_validation(1, col, last_row, col, options)
        for r, record in enumerate(rows, start=1):
            for col, spec in enumerate(section.fields):
                self.cell(ws, r, col, spec, record.get(spec.key))

    def cell(self, ws: Any, row: int, col: int, spec: FieldSpec, value: object) -> None:
        if value is None or value == "":
            return
        if spec.type is FieldType.AMOUNT and isinstance(value, int):
            written = amount_cell(value)
            if isinstance(written, float):
                ws.write_number(row, col, written, self.amount)
            else:
                ws.write_string(row, col, written, self.amount_text)
        elif spec.type is FieldType.COUNT and isinstance(value, int):
            ws.write_number(row, col, value, self.count)
        elif isinstance(value, bool):
            ws.write_string(row, col, "是" if value else "否", self.text)
        else:
            ws.write_string(row, col, str(value), self.column_format(spec))

    # -- 填写说明
    def listing(self, ws: Any, row: int, headers: tuple[str, str], lines: Iterable[tuple[str, str]]) -> int:
        """A two-column list under its headers from ``row`` on; the row after it."""
        for col, header in enumerate(headers):
            ws.write_string(row, col, header, self.header[False])
        listed = list(lines)
        for offset, (name, meaning) in enumerate(listed, start=1):
            ws.write_string(row + offset, 0, name, self.text)
            ws.write_string(row + offset, 1, meaning, self.plain)
        return row + len(listed) + 1

    def help_sheet(self) -> None:
        ws = self.wb.add_worksheet(HELP_SHEET)
        ws.set_column(0, 0, 24)
        ws.set_column(1, 1, 110)
        ws.write_string(0, 0, "部门预算填写说明", self.title)
        row = 2
        for i, line in enumerate(_GENERAL_RULES, start=1):
            ws.write_string(row, 0, f"{i}.", self.bold)
            ws.write_string(row, 1, line, self.plain)
            row += 1
        row += 1
        ws.write_string(row, 0, "引用关系", self.bold)
        row += 1
        for line in _reference_lines():
            ws.write_string(row, 1, line, self.plain)
            row += 1
        row += 1
        ws.write_string(row, 0, "工作表", self.header[False])
        ws.write_string(row, 1, "内容和列（* 为必填列）", self.header[False])
        row += 1
        for section in SECTIONS:
            columns = "、".join(f"{'*' if f.required else ''}{f.header}" for f in section.fields)
            note = _SECTION_NOTES.get(section.key, "")
            required = "（必须有此工作表）" if section.key in REQUIRED_SECTIONS else ""
            ws.write_string(row, 0, section.sheet, self.bold)
            ws.write_string(row, 1, f"{note}{required}\n列：{columns}", self.plain)
            row += 1
        row = self.listing(ws, row + 1, ("「上年数」的项目", "含义"), PRIOR_YEAR_KEYS.items())
        final_subjects = [
            *(
                (name, "、".join(FINAL_COMPARISONS[c] for c in comparisons))
                for name, comparisons in FINAL_SUBJECTS.values()
            ),
            ("功能分类科目“项”的7位编码", f"{FINAL_COMPARISONS['budget']}（如 2080101）"),
        ]
        self.listing(ws, row + 1, ("「决算变动原因」的项目", "比较"), final_subjects)
        ws.activate()


_GENERAL_RULES = (
    "每个工作表的第1行是表头，请不要修改表头文字；从第2行起每行填写一条记录。列的顺序可以调整，选填列可以删除，"
    "但不要添加其他列。橙色表头为必填列，蓝色表头为选填列，鼠标停在表头上可查看该列说明。",
    "「预算信息」和「国有资产」只填写第2行一行。没有内容的工作表可以留空或删除，但「预算信息」和「单位」必须保留。",
    "金额默认以万元为单位，填写数字即可（如 12593.11），精确到分（万元后最多6位小数）；"
    "也可填写带单位的文本，如“1234567.89元”或“12593.11万元”。金额不能为负数。",
    "编码（单位代码、项目编码、功能分类科目编码、经济分类编码）按文本填写，保留前导零；这些列已设为文本格式，"
    "请勿改为数值格式，否则超过15位的项目编码会丢失数字。",
    "功能分类科目填到“项”（7位，如 2080101），经济分类填到“款”（5位，如 30101），可从下拉列表选择；"
    "隐藏的「编码表」列出了全部有效编码和名称。政府经济分类编码可以不填，将按单位性质自动对应。",
    "资金来源不填时视为“一般公共预算”。每个单位每种资金来源的收入，应等于该单位该资金来源的基本支出与项目支出之和。",
    "每个项目的“项目金额（万元）”应等于「项目经济分类」中该项目各行金额之和。",
    "是/否 列填写“是”或“否”。",
)


def _reference_lines() -> list[str]:
    lines = []
    for key, (target, target_field) in _REFERENCES.items():
        target_spec = SECTION_BY_KEY[target]
        users = [s.sheet for s in SECTIONS if s.key != target and any(f.key == key for f in s.fields)]
        header = next(s.field(key).header for s in SECTIONS if s.key != target and any(f.key == key for f in s.fields))
        lines.append(
            f"{'、'.join(f'「{u}」' for u in users)}的“{header}”必须是"
            f"「{target_spec.sheet}」中已填写的“{target_spec.field(target_field).header}”。"
        )
    return lines


def _header_note(spec: FieldSpec) -> str:
    parts = ["必填" if spec.required else "选填", _TYPE_HINTS[spec.type]]
    if spec.catalog:
        parts.append(f"有效编码见「{CODES_SHEET}」")
    if spec.key in _REFERENCES:
        target, target_field = _REFERENCES[spec.key]
        t = SECTION_BY_KEY[target]
        parts.append(f"须与「{t.sheet}」的“{t.field(target_field).header}”一致")
    return "；".join(parts)


def _fields() -> list[FieldSpec]:
    return [f for s in SECTIONS for f in s.fields]


def _inline(choices: Sequence[str]) -> bool:
    return len(",".join(choices)) <= _INLINE_LIST_MAX and not any("," in c for c in choices)


def _choice_id(spec: FieldSpec) -> str:
    return "choice:" + "\x1f".join(spec.choices)


def _range(col: int, count: int) -> str:
    name = xl_col_to_name(col)
    return f"='{CODES_SHEET}'!${name}$2:${name}${count + 1}"


def _workbook_bytes(rows: Mapping[str, Sequence[Mapping[str, object]]]) -> bytes:
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    # A fixed creation date (XlsxWriter would stamp the current time) keeps the file reproducible.
    wb.set_properties({"title": "部门预算", "author": "yusuan", "created": datetime(2000, 1, 1, tzinfo=UTC)})
    writer = _Writer(wb)
    writer.plan_lists()
    writer.help_sheet()
    for spec in SECTIONS:
        writer.section_sheet(spec, rows.get(spec.key, []))
    writer.codes_sheet()
    wb.close()
    return buffer.getvalue()


# ---------------------------------------------------------------- reading


def load_workbook_records(path: Path) -> tuple[RawBudget, list[Problem]]:
    """Read a budget workbook into raw records (no field conversion yet); never raises.

    A sheet that is damaged or past the bounds is a problem naming it; the other sheets are still read.
    """
    file = str(path)
    try:
        with open_workbook(Path(path)) as wb:
            return _read_workbook(wb, file)
    except WorkbookError as exc:
        return {}, [Problem(exc.message, Origin(file, exc.sheet))]
    except Exception as exc:  # a damaged part that shows in no single sheet
        message = f"工作簿已损坏，无法读取（{type(exc).__name__}）；请在 Excel 中打开后另存为 .xlsx 再试"
        return {}, [Problem(message, Origin(file))]


def _read_workbook(wb: Any, file: str) -> tuple[RawBudget, list[Problem]]:
    raw: RawBudget = {}
    problems: list[Problem] = []
    sheets = {ws.title.strip(): ws for ws in wb.worksheets}
    known = {s.sheet for s in SECTIONS} | {HELP_SHEET, CODES_SHEET}
    for title, ws in sheets.items():
        if title in known:
            continue
        try:
            if any(not blank_cell(v) for _n, row in sheet_rows(ws) for v in row):
                problems.append(
                    Problem(
                        f"无法识别的工作表「{shown(title)}」，其中的数据不会被读取；请按「{HELP_SHEET}」改为正确的工作表名称或删除该表",
                        Origin(file, shown(title)),
                    )
                )
        except WorkbookError as exc:
            problems.append(Problem(exc.message, Origin(file, shown(title))))
    for section in SECTIONS:
        ws = sheets.get(section.sheet)
        if ws is None:
            if section.key in REQUIRED_SECTIONS:
                problems.append(Problem(f"缺少工作表「{section.sheet}」", Origin(file, section.sheet)))
            continue
        try:
            records = _read_sheet(section, (row for _n, row in sheet_rows(ws)), file, problems)
        except WorkbookError as exc:
            problems.append(Problem(exc.message, Origin(file, section.sheet)))
            continue
        if section.single and len(records) > 1:
            for extra in records[1:]:
                problems.append(Problem(f"「{section.sheet}」只能填写一行（第2行），此行多余", extra.origin))
            records = records[:1]
        if records:
            raw[section.key] = records
    return raw, problems


def _read_sheet(
    section: SectionSpec, rows: Iterable[tuple[object, ...]], file: str, problems: list[Problem]
) -> list[RawRecord]:
    sheet = section.sheet
    by_header = {header_text(f.header): f for f in section.fields}
    iterator = iter(rows)
    header_row = next(iterator, ())
    columns: dict[int, FieldSpec] = {}  # 0-based column → field
    headerless: set[int] = set()
    header_problems: list[Problem] = []
    for i, value in enumerate(header_row):
        letter = xl_col_to_name(i)
        if blank_cell(value):
            headerless.add(i)
            continue
        text = str(value).strip()
        spec = by_header.get(header_text(text))
        if spec is None:
            header_problems.append(
                Problem(
                    f"无法识别的列「{shown(text)}」，应为：{'、'.join(f.header for f in section.fields)}",
                    Origin(file, sheet, 1, f"{letter}列（{shown(text)}）"),
                )
            )
        elif spec in columns.values():
            first = next(xl_col_to_name(c) for c, f in columns.items() if f is spec)
            header_problems.append(
                Problem(
                    f"列「{spec.header}」重复（{first}列和{letter}列）",
                    Origin(file, sheet, 1, f"{letter}列（{shown(text)}）"),
                )
            )
        else:
            columns[i] = spec
    labels = {spec.key: f"{xl_col_to_name(i)}列（{spec.header}）" for i, spec in columns.items()}
    present = set(labels)
    missing = [f for f in section.fields if f.required and f.key not in present]
    for f in section.fields:
        labels.setdefault(f.key, f.header)

    records: list[RawRecord] = []
    reported_headerless: set[int] = set()
    any_data = False
    for row_number, row in enumerate(iterator, start=2):
        if all(blank_cell(v) for v in row):
            continue
        any_data = True
        values: dict[str, object] = {}
        for i, value in enumerate(row):
            if blank_cell(value):
                continue
            spec = columns.get(i)
            if spec is None:
                if (i in headerless or i >= len(header_row)) and i not in reported_headerless:
                    reported_headerless.add(i)
                    problems.append(
                        Problem(
                            "该列有数据但没有表头，无法读取", Origin(file, sheet, row_number, f"{xl_col_to_name(i)}列")
                        )
                    )
                continue
            origin = Origin(file, sheet, row_number, labels[spec.key])
            values[spec.key] = _cell_value(spec, value, origin, problems)
        records.append(RawRecord(values, Origin(file, sheet, row_number, ""), dict(labels)))
    if any_data or any(not blank_cell(v) for v in header_row):
        problems.extend(header_problems)
        problems.extend(Problem(f"缺少必填列「{f.header}」", Origin(file, sheet, 1, f.header)) for f in missing)
    return records


def header_text(text: object) -> str:
    """Header text as compared: no spaces or '*' marks, full-width parentheses."""
    return "".join(str(text).split()).strip("*").replace("(", "（").replace(")", "）")


def _cell_value(spec: FieldSpec, value: object, origin: Origin, problems: list[Problem]) -> object:
    """A cell's value as text for ``assemble`` (numbers without float artefacts)."""
    if isinstance(value, str):
        return _OOXML_ESCAPE.sub(_unescape, value) if "_x" in value else value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float) and spec.type is FieldType.CODE:
        text = cell_number_text(value)
        if len(text.lstrip("-").replace(".", "")) > EXCEL_DIGITS:
            problems.append(
                Problem(
                    f"「{spec.header}」{shown(text)} 被存成了数字，超过15位的部分已经丢失；"
                    "请把该列设为文本格式后重新输入编码",
                    origin,
                )
            )
        return text
    if isinstance(value, int | float):
        return cell_number_text(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


#: how .xlsx stores control characters in text ('\r' → '_x000D_'); openpyxl leaves them escaped
_OOXML_ESCAPE = re.compile(r"_x(00[01][0-9A-Fa-f]|FFF[EF])_")


def _unescape(match: re.Match[str]) -> str:
    return chr(int(match.group(1), 16))


def cell_number_text(value: int | float) -> str:
    """Exact decimal text of a cell number, to Excel's 15 significant digits: 12593.11 → '12593.11'."""
    if isinstance(value, int):
        return str(value)
    try:
        d = Context(prec=EXCEL_DIGITS).create_decimal(repr(value)).normalize()
    except InvalidOperation:  # pragma: no cover - nan/inf never come out of a cell
        return repr(value)
    if not d.is_finite():
        return repr(value)
    return f"{d:f}"
