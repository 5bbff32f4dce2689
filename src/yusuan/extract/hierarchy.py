"""Stage 4 of the generic reader (``generic.py``): the code hierarchy's identities.

In code tables 类 = Σ its 款, 款 = Σ its 项, 合计 = Σ the top rows; unit rows make a hierarchy of
their own (合计 = Σ 单位, 单位 = Σ its 类). These identities prove a table was read right.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from yusuan.extract.amounts import excess_step
from yusuan.extract.codes import (
    lists_items,
    repeats,
)
from yusuan.extract.generic_regions import generic_vocabulary
from yusuan.extract.generic_tables import is_code_table, is_income_line
from yusuan.money import UNIT_FEN
from yusuan.tables.identities import Check
from yusuan.tables.model import Row, Table

_GRAND_TOTAL = re.compile(r"^(合计|总计|共计)?$")


def table_display_step(table: Table) -> int:
    """One display step in fen: 0.01 of the table's unit, or 1 unit when it prints whole numbers."""
    decimals = 0
    for row in table.rows:
        for cell in row.cells.values():
            if isinstance(cell.value, int) and cell.location is not None:
                _, dot, frac = cell.location.text.partition(".")
                if dot:
                    decimals = max(decimals, len(frac))
    return UNIT_FEN.get(table.unit, UNIT_FEN["万元"]) // 10 ** min(decimals, 2)


def sum_check(
    table: Table, parent: Row, parts: Sequence[Row], column: str, actual: int, values: list[int], what: str, step: int
) -> Check:
    """A parent row's amount in a column against the sum of its parts' (``values``, one per part):
    it holds within one display step (``step``) per part, and more where a cell prints fewer
    decimals than the table (``excess_step``: '12.5' rounds by 0.1). Every sum of rows is compared
    here: the code hierarchy's and the units' (``table.unit_sum``)."""
    expected = sum(values)
    coarser = excess_step((r.cells.get(column) for r in (parent, *parts)), table.unit, step)
    return Check(
        what,
        "hierarchy",
        parent.key,
        column,
        expected,
        actual,
        len(parts),
        abs(actual - expected) <= step * len(parts) + coarser,
        tuple((part.key, column) for part in parts),
    )


def _parents(rows: list[Row], printed_again: frozenset[int] = frozenset()) -> dict[int, int]:
    """Each coded row's parent: the nearest row above whose code is a proper prefix of its own.
    Unit rows (251 部门 / 251001 单位) make a hierarchy of their own: a unit groups the 类 rows
    below it, it is no level of theirs (704001 is no 款 of 704, 201001 no 款 of 类 201). Rows
    printed again (``printed_again``) are neither parents nor children."""
    parent: dict[int, int] = {}
    last: dict[str, int] = {}  # classification codes since the last unit row
    units: dict[str, int] = {}

    def find(code: str, seen: dict[str, int]) -> int | None:
        for cut in range(len(code) - 1, 2, -1):
            if code[:cut] in seen:
                return seen[code[:cut]]
        return None

    for i, row in enumerate(rows):
        code = row.value("code")
        coded = isinstance(code, str) and bool(code)
        if row.kind == "unit":
            last.clear()
            if coded:
                at = find(str(code), units)
                if at is not None:
                    parent[i] = at
                units[str(code)] = i
            continue
        if not coded or i in printed_again:
            continue
        at = find(str(code), last)
        if at is not None:
            parent[i] = at
        last[str(code)] = i
    return parent


def _value_count(row: Row, columns: list[str]) -> int:
    return sum(1 for c in columns if isinstance(row.value(c), int))


def hierarchy_checks(table: Table) -> list[Check]:
    """Parent rows against the sum of their children in a code table: 类 = Σ 款, 款 = Σ 项,
    合计 = Σ the top rows (or Σ the unit rows), a unit = Σ its top rows.

    A blank cell (value None) is zero. Without positions (no blank cells, values in printed
    order) only rows with as many values as their parent are compared, except in the first
    column, which every row with a value fills. Tolerance: one display step per summed term.
    """
    rows = table.rows
    label_header = table.column("name").headers if any(c.key == "name" for c in table.columns) else ()
    if table.kind in generic_vocabulary().no_hierarchy or lists_items(label_header, (c.headers for c in table.columns)):
        return []  # a list of purchases, projects, meetings: its codes label items, they do not sum

    def is_coded(row: Row) -> bool:
        code = row.value("code")
        return isinstance(code, str) and bool(code)

    coded = sum(1 for r in rows if is_coded(r))
    inferred = any(r.cells["code"].location is None for r in rows if is_coded(r))
    if not is_code_table(coded, sum(1 for r in rows if any(isinstance(c.value, int) for c in r.cells.values()))):
        return []
    columns = [c.key for c in table.columns if c.type == "amount"]
    positional = any(row.cells.get(c) is not None and row.value(c) is None for row in rows for c in columns)
    step = table_display_step(table)
    printed_again = repeats(rows, columns)
    parent = _parents(rows, printed_again)
    children: dict[int, list[int]] = {}
    for child, mother in parent.items():
        children.setdefault(mother, []).append(child)
    checks: list[Check] = []
    counts = {id(row): _value_count(row, columns) for row in rows}  # each row's, once: asked per column and parent

    def known(row: Row, column: str, count: int) -> int | None:
        cell = row.cells.get(column)
        if cell is None:
            return 0 if counts[id(row)] == 0 else None
        if cell.value is None:
            return 0
        if not positional and column != columns[0] and counts[id(row)] != count:
            return None
        return cell.value if isinstance(cell.value, int) else None

    def compare(mother: Row, kids: list[Row], what: str) -> None:
        if not kids:
            return
        count = counts[id(mother)]
        for column in columns:
            actual = known(mother, column, count)
            if actual is None:
                continue
            parts = [known(kid, column, count) for kid in kids]
            if any(p is None for p in parts):
                continue
            values = [p or 0 for p in parts]
            if not sum(values) and not actual:
                continue
            checks.append(sum_check(table, mother, kids, column, actual, values, what, step))

    def has_amount(row: Row) -> bool:
        return any(isinstance(c.value, int) for c in row.cells.values())

    # an amount row without a code amid a parent's children is a child the sum cannot place
    # (a name the catalog does not know, in a table whose codes are inferred)
    uncoded = [i for i, row in enumerate(rows) if row.kind == "item" and not is_coded(row) and has_amount(row)]
    # (a two-sided table's income lines stand between the expenditure lines: no children of theirs)
    loose = [i for i in uncoded if not is_income_line(str(rows[i].value("name")))]
    names = {"class": "类", "kuan": "款", "item": "项", "unit": "单位"}
    for mother, kids in children.items():
        row = rows[mother]
        if any(mother < i < _block_end(rows, mother, children) for i in loose):
            continue
        level = {"class": "款", "kuan": "项"}.get(row.kind, "下级")
        compare(row, [rows[k] for k in kids], f"{names.get(row.kind, '上级')} = Σ {level}")
    # 合计 and unit name rows: the top rows of their part of the table
    sections: list[tuple[int, list[int]]] = []  # (unit row index or -1, its top rows)
    current: tuple[int, list[int]] = (-1, [])
    sections.append(current)
    for i, row in enumerate(rows):
        if row.kind == "unit":
            current = (i, [])
            sections.append(current)
        elif row.kind != "total" and i not in parent and i not in printed_again:
            current[1].append(i)
    units = [i for i, tops in sections if i >= 0 and tops and all(is_coded(rows[k]) for k in tops)]
    for unit_index in units:
        tops = next(t for i, t in sections if i == unit_index)
        if unit_index not in children:  # a unit over units is their sum, not its rows' (above)
            compare(rows[unit_index], [rows[k] for k in tops], "单位 = Σ 所属各行")
    top_units = [i for i, row in enumerate(rows) if row.kind == "unit" and i not in parent]
    # a unit: a row with a unit code, or a name row over code rows of its own; unit names without
    # either (a project under its 项) do not make a table of units
    units = top_units if all(is_coded(rows[i]) or i in units for i in top_units) else []
    for row in rows:
        if row.kind != "total" or not _GRAND_TOTAL.match(str(row.value("name") or "合计")):
            continue
        if units:
            compare(row, [rows[k] for k in units], "合计 = Σ 各单位")
        elif not (inferred and uncoded):  # rows without a code (a project under its unit): coded rows only
            compare(row, [rows[k] for k in sections[0][1] if is_coded(rows[k])], "合计 = Σ 最上级各行")
    return checks


def _block_end(rows: list[Row], index: int, children: dict[int, list[int]]) -> int:
    """One past a parent row's block: the next coded row (or total or unit row) below it that is
    not its descendant; a row without a code before that stands amid its children."""
    mine = set(_descendants(index, children))
    for j in range(index + 1, len(rows)):
        code = rows[j].value("code")
        if rows[j].kind == "total" or (j not in mine and (rows[j].kind == "unit" or (isinstance(code, str) and code))):
            return j
    return len(rows)


def _descendants(index: int, children: dict[int, list[int]]) -> list[int]:
    out = [index]
    for kid in children.get(index, []):
        out.extend(_descendants(kid, children))
    return out


def checks_summary(checks: Iterable[Check]) -> tuple[int, int]:
    """(identities checked, identities held)."""
    done = list(checks)
    return len(done), sum(1 for c in done if c.held)
