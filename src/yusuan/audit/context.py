"""What every rule sees: the tables, the narrative facts, the profile and the catalog.

Also the two pieces of knowledge several rules share: how to read a cell
reference from the profile (``KIND:ROWS:COLUMNS``) and the tolerance policy —
a difference no larger than the display rounding of the terms added (尾差,
0.01 万元 per rounded term) is a rounding note, never an error.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from yusuan.audit.finding import Finding, Place
from yusuan.catalog import Catalog
from yusuan.extract.document import Document, Line
from yusuan.extract.narrative import Narrative, NarrativeFact
from yusuan.extract.tables import Extraction, normal
from yusuan.money import UNIT_FEN, format_amount
from yusuan.tables.family import FamilyMatch
from yusuan.tables.identities import Check
from yusuan.tables.model import Location, Row, Table, TableSet
from yusuan.tables.profile import Profile, TableSpec


def display_step(unit: str) -> int:
    """One unit of the last displayed digit (0.01 of the table's unit), in fen."""
    return UNIT_FEN.get(unit, UNIT_FEN["万元"]) // 100


def rounding_only(difference: int, terms: int, unit: str, coarser: int = 0) -> bool:
    """Whether a difference is explained by rounding the displayed terms (尾差); ``coarser``: how
    much more the terms printed with fewer decimals round by (``extract.amounts.excess_step``)."""
    return difference != 0 and abs(difference) <= display_step(unit) * max(terms, 1) + coarser


@dataclass(slots=True)
class TableStats:
    checked: int = 0
    held: int = 0


@dataclass(slots=True)
class AuditContext:
    document: Document | None
    #: the template profile the document was read with; None: read by the generic reader
    profile: Profile | None
    tables: TableSet
    catalog: Catalog
    extraction: Extraction = field(default_factory=Extraction)
    narrative: Narrative | None = None
    year: int = 0
    #: the template family the generic reader recognised (None with a full profile, or none fits)
    family: FamilyMatch | None = None
    stats: dict[str, TableStats] = field(default_factory=lambda: defaultdict(TableStats))
    #: resolved references; cleared whenever a table's cells change
    resolved: dict[str, Any] = field(default_factory=dict)
    #: error findings the reading cannot vouch for, by table number and why (audit/certainty.py)
    withheld: dict[tuple[str, str], list[Finding]] = field(default_factory=dict)
    #: each generic table's code-hierarchy checks by ``id(table)``: the reading's (``Reading.code_checks``;
    #: a generic table's amounts do not change after reading), else computed once when first asked
    hierarchy: dict[int, list[Check]] = field(default_factory=dict, repr=False)
    #: (table number, row key, column) of every cell in an equality that held: such a cell is
    #: not the one wrong number behind other failures (audit/defects.py)
    balanced: set[tuple[str, str, str]] = field(default_factory=set)

    # --- the profile ----------------------------------------------------------------------------

    @property
    def specs(self) -> tuple[TableSpec, ...]:
        """The profile's table layouts (none without a profile)."""
        return self.profile.tables if self.profile is not None else ()

    def layout(self, key: str, default: Any = None) -> Any:
        """A setting of the profile's layout data (``default`` without a profile)."""
        return self.profile.raw.get(key, default) if self.profile is not None else default

    # --- tables ---------------------------------------------------------------------------------

    def code_checks(self, table: Table) -> list[Check]:
        """The code-hierarchy sums of a table read without a profile (类 = Σ款 …), computed once."""
        if id(table) not in self.hierarchy:
            from yusuan.extract.generic import hierarchy_checks

            self.hierarchy[id(table)] = hierarchy_checks(table)
        return self.hierarchy[id(table)]

    def table(self, kind: str) -> Table | None:
        try:
            return self.tables.get(kind)
        except KeyError:
            return None

    def expected_tables(self) -> list[tuple[str, bool]]:
        """The tables this document should show, each with whether it does: the profile's tables,
        the recognised family's required tables, or — read without either — the standard tables
        of a full disclosure (none for a file of performance targets only)."""
        if self.family is not None:
            found = {id(t) for t in self.family.found}
            return [(t.label, id(t) in found) for t in self.family.family.required]
        if self.profile is not None:
            present = {t.number for t in self.tables.tables}
            return [
                (f"{spec.number}（{spec.title.format(year=self.year or '')}）", spec.number in present)
                for spec in self.profile.tables
            ]
        from yusuan.extract.generic import standard_tables

        kinds = {t.kind for t in self.tables.tables}
        if not kinds & {"summary", "income", "expenditure"}:
            return []
        return [(name, bool(kinds & accepted)) for _kind, name, accepted in standard_tables()]

    def count(self, table: Table, held: bool, n: int = 1, cells: Iterable[tuple[Table, Row, str]] = ()) -> None:
        """Count a checked identity; the ``cells`` of one that held are remembered (``balanced``)."""
        stats = self.stats[table.number]
        stats.checked += n
        stats.held += n if held else 0
        if held:
            self.balanced.update((t.number, "/".join(r.key), column) for t, r, column in cells)

    @property
    def paged(self) -> bool:
        """Whether locations name pages (PDF, or text with form feeds)."""
        return self.document is not None and (self.document.format != "text" or self.document.pages > 1)

    def place(self, table: Table, row: Row, column: str) -> Place:
        cell = row.cells.get(column)
        loc = cell.location if cell is not None else None
        if loc is not None and not self.paged:
            loc = Location(page=None, line=loc.line, bbox=loc.bbox, text=loc.text)
        return _place_from(
            table.number,
            "/".join(row.key),
            column,
            loc,
            format_amount(cell.value, table.unit) if cell is not None and isinstance(cell.value, int) else "",
        )

    def amount_text(self, fen: int, table: Table | None = None) -> str:
        return format_amount(fen, table.unit if table is not None else "万元")

    # --- narrative ------------------------------------------------------------------------------

    def line_place(self, line: Line | None, text: str = "", table: str = "", row: str = "") -> Place:
        """A place at a line of the document (with its page only where pages are known)."""
        if line is None:
            return Place(table=table, row=row, text=text)
        return Place(table=table, row=row, page=line.page if self.paged else None, line=line.line, text=text)

    def fact_place(self, fact: NarrativeFact) -> Place:
        text = self.narrative.sentence_text(fact.sentence) if self.narrative else fact.text
        return Place(page=fact.line.page if self.paged else None, line=fact.line.line, text=text.strip())

    # --- references from the profile ----------------------------------------------------------

    def resolve(self, reference: str) -> tuple[Table, dict[str, tuple[int, list[tuple[Row, str]]]]] | None:
        """A cell reference → its table and {key: (value, cells it adds up)}; None if the table is absent.

        A single-cell reference gives the key ''; a '*' reference one key per unit, code or name.
        """
        if reference in self.resolved:
            return self.resolved[reference]  # type: ignore[no-any-return]
        result = self._resolve(reference)
        self.resolved[reference] = result
        return result

    def _resolve(self, reference: str) -> tuple[Table, dict[str, tuple[int, list[tuple[Row, str]]]]] | None:
        kind, rows_ref, columns_ref = _split_reference(reference)
        table = self.table(kind)
        if table is None:
            return None
        columns = columns_ref.split("+")
        out: dict[str, tuple[int, list[tuple[Row, str]]]] = {}

        def add(key: str, row: Row) -> None:
            value, cells = out.get(key, (0, []))
            for col in columns:
                if col in row.cells or any(c.key == col for c in table.columns):
                    value += row.amount(col)
                    cells.append((row, col))
                elif len(row.key) == 2 and row.key[1] == col:  # 预算14表: (unit, line) rows
                    value += row.amount("amount")
                    cells.append((row, "amount"))
            out[key] = (value, cells)

        if rows_ref == "合计":
            for row in table.rows:
                if row.kind == "total" and row.key == ("合计",):
                    add("", row)
        elif rows_ref.startswith(("in:", "out:")) and rows_ref != "out:*class":
            side, label = rows_ref.split(":", 1)
            for row in table.rows:
                if normal(str(row.value(f"{side}.label") or "")) == normal(label):
                    _add_side(out, "", row, side, columns, table)
                    break
        elif rows_ref in ("*class", "out:*class") and any(c.key == "out.label" for c in table.columns):
            for row in table.rows:
                label = normal(str(row.value("out.label") or ""))
                code = self._class_code(label)
                if code:
                    _add_side(out, code, row, "out", columns, table)
        elif rows_ref.startswith("*"):
            level = rows_ref[1:]
            for row in table.rows:
                key = _row_group(table, row, level)
                if key is not None:
                    add(key, row)
        elif rows_ref.startswith("set:"):
            codes = self.profile.econ_sets.get(rows_ref[4:], frozenset()) if self.profile else frozenset()
            out[""] = (0, [])
            for row in table.rows:
                if row.kind == "item" and _econ_of(table, row) in codes:
                    add("", row)
        return table, out

    def describe(self, reference: str) -> str:
        """A cell reference in words: 'summary:in:收入总计' → '预算01表 收入总计'."""
        kind, rows_ref, columns_ref = _split_reference(reference)
        table = self.table(kind)
        if table is None:
            return reference
        rows = {
            "合计": "合计",
            "*unit": "各单位",
            "*class": "各类",
            "out:*class": "各类",
            "*function": "各功能科目",
            "*econ": "各经济科目",
            "*pair": "各经济科目",
            "*project": "各项目",
        }.get(rows_ref)
        if rows is None:
            rows = rows_ref.split(":", 1)[1] if ":" in rows_ref else rows_ref
            if rows_ref.startswith("set:"):
                rows = {"operating_costs": "机关运行经费科目"}.get(rows_ref[4:], "相关经济科目")
        headers = []
        for key in columns_ref.split("+"):
            column = next((c for c in table.columns if c.key == key), None)
            if column is not None and key not in ("amount", "total", "in.amount", "out.amount"):
                headers.append("/".join(h for h in column.headers if h))
            elif column is None and key.startswith("budget."):
                headers.append(
                    {
                        "budget.total": "预算总额",
                        "budget.basic": "基本支出",
                        "budget.project": "项目支出",
                        "budget.gov": "政府预算资金",
                        "budget.special": "财政专户管理资金",
                        "budget.unit_funds": "单位资金",
                    }.get(key, key)
                )
        return f"{table.number}{rows}" + (f"（{'＋'.join(headers)}）" if headers else "")

    def _class_code(self, label: str) -> str | None:
        return _class_labels(self.profile.name).get(label) if self.profile is not None else None


@cache
def _class_labels(profile_name: str) -> dict[str, str]:
    """Every label a 类 line of the profile's tables may carry → its code."""
    from yusuan.tables.profile import load_profile

    profile = load_profile(profile_name)
    return {normal(label): code for code, *labels in profile.function_classes if code for label in labels if label}


def _split_reference(reference: str) -> tuple[str, str, str]:
    """'KIND:ROWS:COLUMNS'; a line reference (in:/out:) may leave out COLUMNS (its amount)."""
    kind, rest = reference.split(":", 1)
    if rest.startswith(("in:", "out:")) and rest.count(":") == 1:
        return kind, rest, "amount"
    rows, _, columns = rest.rpartition(":")
    return kind, rows, columns


def _add_side(out: dict, key: str, row: Row, side: str, columns: list[str], table: Table) -> None:
    """A line's amount: its side's amount column, or (预算04表) the named column of the expenditure side."""
    own = f"{side}.amount" if any(c.key == f"{side}.amount" for c in table.columns) else None
    value, cells = out.get(key, (0, []))
    for col in columns:
        target = (own or "total") if col in ("amount", "total") else col
        value += row.amount(target)
        cells.append((row, target))
    out[key] = (value, cells)


_CODE7 = re.compile(r"^\d{7}$")


def _econ_of(table: Table, row: Row) -> str:
    for col in ("dept.code",):
        value = row.value(col)
        if isinstance(value, str) and value.isdigit():
            return value
    cls, kuan = row.value("dept.class"), row.value("dept.kuan")
    if isinstance(cls, str) and isinstance(kuan, str) and cls.isdigit() and kuan.isdigit():
        return cls + kuan
    for part in row.key:
        if len(part) == 5 and part.isdigit() and part[0] == "3":
            return part
    return ""


def _row_group(table: Table, row: Row, level: str) -> str | None:
    """The key a row contributes under a '*level' reference (None: it does not)."""
    if level == "unit":
        if row.kind == "unit":
            return row.key[0]
        if table.kind == "dept_performance" and len(row.key) == 2:
            return row.key[0]
        return None
    if row.kind not in ("item",):
        return None
    if level == "function":
        code = next((p for p in row.key if _CODE7.match(p)), None)
        return "/".join(row.key) if code else None
    if level == "class":
        code = next((p for p in row.key if _CODE7.match(p)), None)
        return code[:3] if code else None
    if level == "econ":
        econ = _econ_of(table, row)
        return econ or None
    if level == "pair":
        codes = [p for p in row.key if len(p) == 5 and p.isdigit()]
        return "/".join(codes) if len(codes) == 2 else None
    if level == "project":
        if table.kind == "project_performance":
            name = row.value("name")
            return normal(str(name)) if name else None
        return normal(row.key[-1]) if row.key else None
    return None


def _place_from(table: str, row: str, column: str, loc: Location | None, text: str) -> Place:
    if loc is None:
        return Place(table=table, row=row, column=column, text=text)
    return Place(
        table=table, row=row, column=column, page=loc.page, line=loc.line, text=loc.text or text, bbox=loc.bbox
    )


def finding(
    rule: str,
    severity: str,
    message: str,
    expected: str = "",
    actual: str = "",
    places: list[Place] | tuple[Place, ...] = (),
    signs: list[int] | tuple[int, ...] = (),
) -> Finding:
    """A finding; ``signs``: for an equality that failed, each place's sign in it (see ``Finding.signs``)."""
    assert not signs or len(signs) == len(places), "one sign per place"
    return Finding(rule, severity, message, expected, actual, tuple(places), signs=tuple(signs))
