"""Budget execution (预算执行): payments, in-year adjustments and year-end carry-over.

Execution data come from the finance system as three small tables, read here into
immutable records that refer to the budget ledger:

- 支付 (payments): ``unit_code,project_code,date,amount_yuan[,econ_code,procurement]``;
  an empty ``project_code`` is the unit's basic expenditure (基本支出);
- 调整 (adjustments): ``unit_code,project_code,date,kind,amount_yuan,reason`` with
  ``kind`` 追加 or 追减 and a positive amount;
- 结转 (carry-over): ``unit_code,project_code,amount_yuan``, the declared year-end
  结转结余.

Each table is a CSV file (UTF-8, BOM tolerated, GB18030 fallback) or a sheet of an
.xlsx workbook (sheets 支付 / 调整 / 结转). Headers may be the English names above or
Chinese ones (单位代码, 项目编码, 日期, 金额（元）, 经济分类, 政府采购, 调整类型, 调整原因);
unrecognised columns are ignored. Amounts are 元 with at most two decimals and become
integer fen; floats never take part.

As with the budget ledger, every problem is collected and raised together as one
``BudgetInputError``, each naming file, sheet, row and column; nothing is returned on
error.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from xlsxwriter.utility import xl_col_to_name

from yusuan.ledger.limits import (
    LONG_TEXT_CHARS,
    MAX_AMOUNT_FEN,
    MAX_AMOUNT_TEXT,
    MAX_CHARS,
    MAX_COLUMNS,
    MAX_INPUT_BYTES,
    MAX_ROWS,
    MIB,
    shown,
)
from yusuan.ledger.model import NO_ORIGIN, Budget, Origin
from yusuan.ledger.problems import BudgetInputError, Problem
from yusuan.ledger.schema import FieldType
from yusuan.ledger.workbook import EXCEL_DIGITS, cell_number_text, header_text
from yusuan.ledger.xlsx_reading import WorkbookError, blank_cell, open_workbook, sheet_rows
from yusuan.money import AmountError, parse_amount

ADD = "追加"
CUT = "追减"
ADJUSTMENT_KINDS = (ADD, CUT)

PAYMENTS_SHEET = "支付"
ADJUSTMENTS_SHEET = "调整"
CARRYOVER_SHEET = "结转"


# ---------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Payment:
    """One payment (支付) against a project, or against a unit's basic expenditure (``project == ''``)."""

    unit: str
    project: str  # '' = the unit's basic expenditure (基本支出)
    date: date
    amount: int  # fen, ≥ 0
    econ: str = ""  # 部门预算支出经济分类 (5 digits), '' when unknown
    procurement: bool = False  # a 政府采购 payment
    origin: Origin = field(default=NO_ORIGIN, compare=False)


@dataclass(frozen=True, slots=True)
class Adjustment:
    """An in-year budget adjustment (预算调整): 追加 or 追减 of a positive amount."""

    unit: str
    project: str  # '' = the unit's basic expenditure
    date: date
    kind: str  # 追加 / 追减
    amount: int  # fen, > 0
    reason: str = ""
    origin: Origin = field(default=NO_ORIGIN, compare=False)

    @property
    def signed(self) -> int:
        """The change to the budget: positive for 追加, negative for 追减."""
        return self.amount if self.kind == ADD else -self.amount


@dataclass(frozen=True, slots=True)
class CarryOver:
    """Declared year-end carry-over and balance (结转结余) of a project or a unit's basic expenditure."""

    unit: str
    project: str  # '' = the unit's basic expenditure
    amount: int  # fen, ≥ 0
    origin: Origin = field(default=NO_ORIGIN, compare=False)


@dataclass(frozen=True, slots=True)
class Execution:
    """A budget year's execution data."""

    payments: tuple[Payment, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()
    carryovers: tuple[CarryOver, ...] = ()


# ---------------------------------------------------------------- helpers on a budget


def _selects(unit: str, project: str, want_project: str | None, want_unit: str | None) -> bool:
    if want_unit is not None and unit != want_unit:
        return False
    return want_project is None or project == want_project


def _dated(record: Payment | Adjustment, project: str | None, unit: str | None, until: date | None) -> bool:
    """Whether a payment or adjustment is selected (as in ``original_budget``) and dated on or before ``until``."""
    return _selects(record.unit, record.project, project, unit) and (until is None or record.date <= until)


def original_budget(budget: Budget, project: str | None = None, unit: str | None = None) -> int:
    """年初预算 (fen) of the department, a unit, a project, or (``project=''``) basic expenditure.

    ``project=None`` means everything (basic and projects) of ``unit`` or, when ``unit``
    is also None, of the department; ``project=''`` means basic expenditure only.
    """
    total = 0
    if project in (None, ""):
        total += sum(line.amount for line in budget.basic if unit is None or line.unit == unit)
    if project != "":
        total += sum(p.amount for p in budget.projects if _selects(p.unit, p.code, project, unit))
    return total


def adjusted_budget(
    budget: Budget,
    execution: Execution,
    project: str | None = None,
    unit: str | None = None,
    until: date | None = None,
) -> int:
    """调整后预算 (fen) = 年初预算 + 追加 − 追减, counting adjustments dated on or before ``until``.

    ``project`` and ``unit`` select as in ``original_budget``.
    """
    change = sum(a.signed for a in execution.adjustments if _dated(a, project, unit, until))
    return original_budget(budget, project, unit) + change


def adjustments_total(
    execution: Execution,
    kind: str,
    project: str | None = None,
    unit: str | None = None,
    until: date | None = None,
) -> int:
    """Sum (fen, positive) of the 追加 or 追减 adjustments selected."""
    return sum(a.amount for a in execution.adjustments if a.kind == kind and _dated(a, project, unit, until))


def executed(
    execution: Execution,
    project: str | None = None,
    unit: str | None = None,
    until: date | None = None,
) -> int:
    """实际支出 (fen): payments dated on or before ``until`` (all when None), selected as in ``original_budget``."""
    return sum(p.amount for p in execution.payments if _dated(p, project, unit, until))


# ---------------------------------------------------------------- reading

#: field key → accepted headers (compared after ``_norm_header``); the first is the canonical English name
_HEADERS: dict[str, tuple[str, ...]] = {
    "unit": ("unit_code", "单位代码", "单位编码", "预算单位代码", "预算单位编码"),
    "project": ("project_code", "项目编码", "项目代码"),
    "date": ("date", "日期", "支付日期", "调整日期"),
    "amount": ("amount_yuan", "金额（元）", "支付金额（元）", "调整金额（元）", "结转金额（元）", "结转结余金额（元）"),
    "econ": ("econ_code", "经济分类", "经济分类编码", "经济分类代码", "部门经济分类", "部门预算支出经济分类"),
    "procurement": ("procurement", "政府采购", "是否政府采购"),
    "kind": ("kind", "调整类型", "类型"),
    "reason": ("reason", "调整原因", "原因"),
}

#: Chinese header shown in messages next to the English one
_CHINESE = {
    "unit": "单位代码",
    "project": "项目编码",
    "date": "日期",
    "amount": "金额（元）",
    "econ": "经济分类",
    "procurement": "政府采购",
    "kind": "调整类型",
    "reason": "调整原因",
}


@dataclass(frozen=True, slots=True)
class _Kind:
    key: str
    title: str  # 支付 / 调整 / 结转 (also the sheet name)
    required: tuple[str, ...]
    optional: tuple[str, ...]
    need_rows: bool  # an empty table is a problem


_PAYMENTS = _Kind("payments", PAYMENTS_SHEET, ("unit", "project", "date", "amount"), ("econ", "procurement"), True)
_ADJUSTMENTS = _Kind(
    "adjustments", ADJUSTMENTS_SHEET, ("unit", "project", "date", "kind", "amount"), ("reason",), False
)
_CARRYOVERS = _Kind("carryovers", CARRYOVER_SHEET, ("unit", "project", "amount"), (), False)
_KINDS = (_PAYMENTS, _ADJUSTMENTS, _CARRYOVERS)


@dataclass(slots=True)
class InputTable:
    """One table of execution data as read: header cells and data rows with their file row numbers."""

    file: str
    sheet: str  # '' for CSV
    header: list[object]
    rows: list[tuple[int, Sequence[object]]]
    header_row: int = 1

    def label(self, index: int, text: str) -> str:
        """How a column is named in messages: the CSV header, or 'C列（金额（元））' in a workbook."""
        return f"{xl_col_to_name(index)}列（{text}）" if self.sheet else text

    def origin(self, row: int | None = None, column: str = "") -> Origin:
        return Origin(self.file, self.sheet, row, column)


def _norm_header(text: object) -> str:
    """Header as compared: as in the budget workbook, and in lower case (English names too)."""
    return header_text(text).lower()


_HEADER_KEYS = {_norm_header(h): key for key, names in _HEADERS.items() for h in names}


def read_execution(
    budget: Budget,
    payments: Path | str,
    adjustments: Path | str | None = None,
    carryover: Path | str | None = None,
) -> Execution:
    """Read and validate execution data against ``budget``; raise ``BudgetInputError`` with every problem.

    ``payments`` is a CSV file of payments, or an .xlsx workbook whose sheet 支付 holds
    them (and whose sheets 调整 / 结转, when present, hold adjustments and carry-over).
    ``adjustments`` and ``carryover`` are CSV files, or workbooks with a sheet 调整 / 结转.
    """
    problems: list[Problem] = []
    sources: dict[str, list[InputTable]] = {k.key: [] for k in _KINDS}
    given = {"payments": payments, "adjustments": adjustments, "carryovers": carryover}
    opened: dict[Path, dict[str, InputTable] | None] = {}  # a workbook given twice is read once
    for kind in _KINDS:
        raw = given[kind.key]
        if raw is None:
            continue
        path = Path(raw)
        if _is_workbook(path):
            key = path.resolve()
            if key not in opened:
                opened[key] = _read_workbook(path, problems)
            sheets = opened[key]
            if sheets is None:
                continue
            table = _pick_sheet(sheets, kind, path, problems)
            if table is not None:
                sources[kind.key].append(table)
        else:
            table = read_csv_table(path, problems)
            if table is not None:
                sources[kind.key].append(table)
    # the payments workbook may also carry the other two kinds
    pay_path = Path(payments)
    pay_sheets = opened.get(pay_path.resolve()) if _is_workbook(pay_path) else None
    for kind in (_ADJUSTMENTS, _CARRYOVERS):
        if pay_sheets is None or kind.title not in pay_sheets:
            continue
        table = pay_sheets[kind.title]
        if any(t is table for t in sources[kind.key]):
            continue
        if sources[kind.key] and any(any(not blank_cell(v) for v in r) for _, r in table.rows):
            problems.append(
                Problem(
                    f"{kind.title}数据重复提供：工作表「{kind.title}」和文件 {sources[kind.key][0].file} 只能保留一处",
                    table.origin(),
                )
            )
            continue
        sources[kind.key].append(table)

    checker = _Checker(budget, problems)
    pays = [p for t in sources["payments"] for p in checker.payments(t)]
    adjs = [a for t in sources["adjustments"] for a in checker.adjustments(t)]
    carry = [c for t in sources["carryovers"] for c in checker.carryovers(t)]
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise BudgetInputError(problems)
    return Execution(tuple(pays), tuple(adjs), tuple(carry))


def _is_workbook(path: Path) -> bool:
    return path.suffix.lower() in (".xlsx", ".xlsm")


def read_csv_table(path: Path, problems: list[Problem]) -> InputTable | None:
    """A CSV file as a header and numbered rows (UTF-8, BOM tolerated, GB18030 fallback); None with problems.

    At most ``MAX_INPUT_BYTES`` are read (a device or a pipe never stalls it) and at most
    ``MAX_ROWS`` rows kept; a cell past the csv module's field limit is a problem, not a crash.
    """
    file = str(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_INPUT_BYTES + 1)
    except FileNotFoundError:
        problems.append(Problem("文件不存在", Origin(file)))
        return None
    except OSError as exc:
        problems.append(Problem(f"无法读取文件：{exc.strerror or exc}", Origin(file)))
        return None
    if len(data) > MAX_INPUT_BYTES:
        problems.append(Problem(f"文件超过 {MAX_INPUT_BYTES // MIB} MB 的上限，未读取；请拆分后再试", Origin(file)))
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030").lstrip("\ufeff")
        except UnicodeDecodeError:
            problems.append(Problem("无法识别文件编码，请另存为 UTF-8 或 GB18030（GBK）编码的 CSV 文件", Origin(file)))
            return None
    if not text.strip():
        problems.append(Problem("文件是空的，没有表头和数据", Origin(file)))
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, Sequence[object]]] = []
    header: list[object] | None = None
    header_row = 1
    start = 1  # the file line a record starts on (a quoted cell may span lines)
    try:
        for record in reader:
            if header is not None:
                if len(rows) == MAX_ROWS:
                    problems.append(Problem(f"数据超过 {MAX_ROWS} 行，未读取；请拆分后再试", Origin(file, "", start)))
                    return None
                rows.append((start, record[:MAX_COLUMNS]))
            elif any(not blank_cell(v) for v in record):  # leading blank lines: the header is the first non-blank line
                header, header_row = list(record[:MAX_COLUMNS]), start
            start = reader.line_num + 1
    except csv.Error as exc:
        problems.append(Problem(_csv_error(exc), Origin(file, "", reader.line_num)))
        return None
    if header is None:
        problems.append(Problem("文件是空的，没有表头和数据", Origin(file)))
        return None
    return InputTable(file, "", header, rows, header_row)


def _csv_error(exc: csv.Error) -> str:
    """The csv module's error in Chinese."""
    text = str(exc)
    if "field larger than field limit" in text:
        return f"单元格内容过长（超过 {csv.field_size_limit()} 个字符），不是有效的数据"
    if "NUL" in text:
        return "文件含有 NUL 字节（二进制数据），不是 CSV 文本"
    return f"CSV 格式错误：{text}"


def _read_workbook(path: Path, problems: list[Problem]) -> dict[str, InputTable] | None:
    """The workbook's sheets as tables by name; None (with a problem for each sheet that failed) when
    any cannot be read: a missing sheet must not be reported as missing when it is damaged."""
    file = str(path)
    tables: dict[str, InputTable] = {}
    failed = False
    try:
        with open_workbook(path) as wb:
            for ws in wb.worksheets:
                title = shown(str(ws.title).strip())
                try:
                    numbered = iter(sheet_rows(ws))
                    header = list(next(numbered, (1, ()))[1])
                    tables[title] = InputTable(file, title, header, list(numbered))
                except WorkbookError as exc:
                    problems.append(Problem(exc.message, Origin(file, title)))
                    failed = True
    except WorkbookError as exc:
        problems.append(Problem(exc.message, Origin(file, exc.sheet)))
        return None
    return None if failed else tables


def _pick_sheet(sheets: dict[str, InputTable], kind: _Kind, path: Path, problems: list[Problem]) -> InputTable | None:
    """The sheet holding ``kind``: the one named 支付/调整/结转, else the only sheet of the workbook."""
    if kind.title in sheets:
        return sheets[kind.title]
    others = {k.title for k in _KINDS if k is not kind}
    if len(sheets) == 1 and not others & set(sheets):  # a one-sheet workbook, not one named for another kind
        return next(iter(sheets.values()))
    names = "、".join(f"「{shown(s)}」" for s in list(sheets)[:20]) + ("…" if len(sheets) > 20 else "")
    problems.append(Problem(f"缺少工作表「{kind.title}」（工作簿中的工作表：{names}）", Origin(str(path), kind.title)))
    return None


# ---------------------------------------------------------------- checking rows

_DATE_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_TRUE = {"是", "1", "true", "yes", "y", "√"}
_FALSE = {"否", "0", "false", "no", "n", ""}


@dataclass(slots=True)
class _Row:
    """One data row: its values by field key, and how to name each field's cell."""

    table: InputTable
    number: int
    values: dict[str, object]
    labels: dict[str, str]

    def origin(self, key: str = "") -> Origin:
        return self.table.origin(self.number, self.labels.get(key, "") if key else "")


class _Checker:
    """Turns table rows into records, appending a problem for every bad cell."""

    def __init__(self, budget: Budget, problems: list[Problem]) -> None:
        self.budget = budget
        self.problems = problems
        self.units = {u.code: u for u in budget.units}
        self.projects = {p.code: p for p in budget.projects}
        self._catalog: Any = None
        try:
            from yusuan.catalog import load_catalog

            self._catalog = load_catalog()
        except Exception:  # pragma: no cover - the catalog ships with the package
            self._catalog = None

    def problem(self, message: str, origin: Origin) -> None:
        self.problems.append(Problem(message, origin))

    # -- tables

    def rows(self, table: InputTable, kind: _Kind) -> list[_Row]:
        """The data rows of ``table`` with recognised columns; problems for the header and an empty table."""
        columns: dict[int, str] = {}
        labels: dict[str, str] = {}
        wanted = (*kind.required, *kind.optional)
        for i, value in enumerate(table.header):
            if blank_cell(value):
                continue
            text = str(value).strip()
            key = _HEADER_KEYS.get(_norm_header(text))
            if key is None:
                norm = _norm_header(text)
                if norm.startswith("金额") or norm.startswith("amount"):
                    self.problem(
                        f"金额列「{shown(text)}」无法识别：金额以元为单位，列名应为「amount_yuan」或「金额（元）」",
                        table.origin(table.header_row, table.label(i, text)),
                    )
                continue  # other columns (摘要, 凭证号 …) are ignored
            if key not in wanted:
                continue
            if key in labels:
                self.problem(
                    f"列「{shown(text)}」重复（已有「{labels[key]}」）",
                    table.origin(table.header_row, table.label(i, text)),
                )
                continue
            columns[i] = key
            labels[key] = table.label(i, text)
        missing = [k for k in kind.required if k not in labels]
        for key in missing:
            self.problem(
                f"缺少必填列「{_HEADERS[key][0]}」（或「{_CHINESE[key]}」）",
                table.origin(table.header_row, _HEADERS[key][0]),
            )
        data = [(n, r) for n, r in table.rows if any(not blank_cell(v) for v in r)]
        if not data and kind.need_rows:
            where = f"工作表「{table.sheet}」" if table.sheet else "文件"
            self.problem(f"{where}中没有{kind.title}记录（只有表头或为空）", table.origin())
        if missing:
            return []
        out = []
        for number, record in data:
            values = {columns[i]: v for i, v in enumerate(record) if i in columns and not blank_cell(v)}
            out.append(_Row(table, number, values, labels))
        return out

    def payments(self, table: InputTable) -> list[Payment]:
        out = []
        for row in self.rows(table, _PAYMENTS):
            ok, unit, project = self.target(row)
            day = self.date(row)
            amount = self.amount(row, positive=False)
            econ = self.econ(row)
            procurement = self.flag(row)
            if ok and day is not None and amount is not None and econ is not None and procurement is not None:
                out.append(Payment(unit, project, day, amount, econ, procurement, row.origin()))
        return out

    def adjustments(self, table: InputTable) -> list[Adjustment]:
        out = []
        for row in self.rows(table, _ADJUSTMENTS):
            ok, unit, project = self.target(row)
            day = self.date(row)
            kind = self.kind(row)
            amount = self.amount(row, positive=True)
            reason = str(row.values.get("reason", "")).strip()
            if len(reason) > LONG_TEXT_CHARS:
                self.problem(f"调整原因过长：{len(reason)} 个字符，最多 {LONG_TEXT_CHARS} 个", row.origin("reason"))
                continue
            if ok and day is not None and kind is not None and amount is not None:
                out.append(Adjustment(unit, project, day, kind, amount, reason, row.origin()))
        return out

    def carryovers(self, table: InputTable) -> list[CarryOver]:
        out: list[CarryOver] = []
        seen: dict[tuple[str, str], int] = {}
        for row in self.rows(table, _CARRYOVERS):
            ok, unit, project = self.target(row)
            amount = self.amount(row, positive=False)
            if not ok or amount is None:
                continue
            if (unit, project) in seen:
                what = f"项目 {project}" if project else f"单位 {unit} 的基本支出"
                self.problem(f"{what}的结转结余重复填写（第{seen[unit, project]}行已有）", row.origin("project"))
                continue
            seen[unit, project] = row.number
            out.append(CarryOver(unit, project, amount, row.origin()))
        return out

    # -- cells

    def code(self, row: _Row, key: str) -> str | None:
        """A code cell as text ('' when empty); None (with a problem) when a number lost digits."""
        value = row.values.get(key)
        if value is None:
            return ""
        if isinstance(value, bool):
            self.problem(f"应为编码，不是 {shown(value)}", row.origin(key))
            return None
        if isinstance(value, int | float):
            text = cell_number_text(value)
            if len(text.lstrip("-").replace(".", "")) > EXCEL_DIGITS or "." in text:
                self.problem(
                    f"编码 {text} 被存成了数字，超过15位的部分已经丢失；请把该列设为文本格式后重新输入编码",
                    row.origin(key),
                )
                return None
            return text
        text = str(value).strip().lstrip("'").strip()
        if re.fullmatch(r"\d+(\.\d+)?[eE]\+?\d+", text):
            self.problem(
                f"编码「{shown(text)}」是科学计数法，原编码已经丢失；请把该列设为文本格式后重新输入编码",
                row.origin(key),
            )
            return None
        return text

    def target(self, row: _Row) -> tuple[bool, str, str]:
        """(ok, unit, project): the unit must be in the budget, the project in the budget and in that unit."""
        unit = self.code(row, "unit")
        project = self.code(row, "project")
        ok = unit is not None and project is not None
        if unit == "":
            self.problem("缺少单位代码", row.origin("unit"))
            ok = False
        elif unit is not None and unit not in self.units:
            known = "、".join(self.units)
            self.problem(f"单位代码「{shown(unit)}」不在预算中（预算中的单位：{known}）", row.origin("unit"))
            ok = False
        if project:
            owner = self.projects.get(project)
            if owner is None:
                self.problem(f"项目编码「{shown(project)}」不在预算中", row.origin("project"))
                ok = False
            elif unit in self.units and owner.unit != unit:
                self.problem(
                    f"项目「{owner.name}」（{project}）属于单位 {owner.unit}，不属于单位 {unit}", row.origin("project")
                )
                ok = False
        return ok, unit or "", project or ""

    def date(self, row: _Row) -> date | None:
        value = row.values.get("date")
        day: date | None = None
        if value is None:
            self.problem("缺少日期", row.origin("date"))
            return None
        if isinstance(value, datetime):
            day = value.date()
        elif isinstance(value, date):
            day = value
        else:
            m = _DATE_RE.match(str(value).strip())
            if m:
                try:
                    day = date(int(m[1]), int(m[2]), int(m[3]))
                except ValueError:
                    day = None
            if day is None:
                self.problem(f"「{shown(value)}」不是有效日期，应写作 YYYY-MM-DD（如 2025-03-31）", row.origin("date"))
                return None
        if day.year != self.budget.year:
            self.problem(f"日期 {day.isoformat()} 不在预算年度 {self.budget.year} 年内", row.origin("date"))
            return None
        return day

    def amount(self, row: _Row, *, positive: bool) -> int | None:
        value = row.values.get("amount")
        if value is None:
            self.problem("缺少金额", row.origin("amount"))
            return None
        if isinstance(value, bool):
            self.problem(f"不是有效金额：{shown(value)}", row.origin("amount"))
            return None
        text = cell_number_text(value) if isinstance(value, int | float) else str(value)
        if len(text) > MAX_CHARS[FieldType.AMOUNT]:
            self.problem(f"不是有效金额：{shown(text)}", row.origin("amount"))
            return None
        try:
            fen = parse_amount(text, "元")
        except AmountError as exc:
            self.problem(f"{exc}（金额以元为单位，最多两位小数）", row.origin("amount"))
            return None
        if fen < 0:
            self.problem(f"金额不能为负数：{shown(text.strip())}", row.origin("amount"))
            return None
        if fen > MAX_AMOUNT_FEN:
            self.problem(f"金额过大：{shown(text.strip())}，一笔金额最多 {MAX_AMOUNT_TEXT}", row.origin("amount"))
            return None
        if positive and fen == 0:
            self.problem("调整金额必须大于 0（追减请在调整类型中写「追减」，金额写正数）", row.origin("amount"))
            return None
        return fen

    def kind(self, row: _Row) -> str | None:
        text = str(row.values.get("kind", "")).strip()
        if text in ADJUSTMENT_KINDS:
            return text
        written = f"「{shown(text)}」" if text else "空白"
        self.problem(f"调整类型{written}无效，应为「追加」或「追减」", row.origin("kind"))
        return None

    def econ(self, row: _Row) -> str | None:
        value = row.values.get("econ")
        if value is None:
            return ""
        text = cell_number_text(value) if isinstance(value, int | float) else str(value).strip()
        code = re.sub(r"[\s\-._/]+", "", text)
        if not re.fullmatch(r"\d{5}", code):
            self.problem(f"经济分类「{shown(text)}」应为 5 位部门预算支出经济分类编码（如 30217）", row.origin("econ"))
            return None
        if self._catalog is not None and not self._catalog.knows("dept_econ", code):
            self.problem(f"经济分类「{code}」不在部门预算支出经济分类科目中", row.origin("econ"))
            return None
        return code

    def flag(self, row: _Row) -> bool | None:
        value = row.values.get("procurement")
        if value is None:
            return False
        if isinstance(value, bool):
            return value
        text = (cell_number_text(value) if isinstance(value, int | float) else str(value)).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        self.problem(f"政府采购「{shown(value)}」无效，应为 是/否（或 1/0、true/false）", row.origin("procurement"))
        return None
