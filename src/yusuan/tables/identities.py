"""Identities a table asserts: its own arithmetic, declared in the template profile.

Three kinds:

- **column identities** (``row_identities`` in the profile): inside every row,
  e.g. ``total = basic.total + project.total``;
- **line identities** (``identities``, two-sided tables): between labelled
  lines, e.g. ``in:收入总计 = in:本年收入合计 + in:上年结转结余``;
- **hierarchy identities**: the 合计 row is the sum of the unit rows (or of
  the item rows when there are no units), each unit row the sum of its items.

Built tables satisfy all of them by construction; an extracted table that
satisfies them proves it was read right; one that does not is a finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from yusuan.tables.model import Row, Table
from yusuan.tables.profile import Profile

_TERM = re.compile(r"\s*\+\s*")


@dataclass(frozen=True, slots=True)
class Identity:
    """``left op right₁ + right₂ …`` over column keys or line references."""

    left: str
    op: str  # '=' or '>='
    right: tuple[str, ...]
    text: str

    def holds(self, left: int, right: int, tolerance: int = 0) -> bool:
        if self.op == ">=":
            return left + tolerance >= right
        return abs(left - right) <= tolerance


@cache
def parse_identity(text: str) -> Identity:
    """'a = b + c' or 'a >= b' → Identity."""
    for op in (">=", "="):
        if op in text:
            left, right = text.split(op, 1)
            terms = tuple(t.strip() for t in _TERM.split(right.strip()) if t.strip())
            return Identity(left.strip(), op, terms, text)
    raise ValueError(f"不是恒等式：{text}")


@dataclass(frozen=True, slots=True)
class Check:
    """One identity evaluated at one place."""

    identity: str  # the identity text (or a description for hierarchy sums)
    kind: str  # column / line / hierarchy
    row_key: tuple[str, ...]
    column: str  # the column or line checked
    expected: int  # what the parts add up to
    actual: int  # what the table shows
    terms: int  # how many rounded values were added (for the 尾差 tolerance)
    held: bool
    parts: tuple[tuple[tuple[str, ...], str], ...] = ()  # (row key, column) of each part

    @property
    def difference(self) -> int:
        return self.actual - self.expected


def column_checks(table: Table, identities: list[str], tolerance_per_term: int = 0) -> Iterator[Check]:
    """Column identities inside every row that shows an amount in any column of the identity."""
    for text in identities:
        ident = parse_identity(text)
        for row in table.rows:
            if row.kind in ("section",) and not row.cells:
                continue
            cols = (ident.left, *ident.right)
            if not any(isinstance(row.value(c), int) for c in cols):
                continue
            left = row.amount(ident.left)
            right = sum(row.amount(c) for c in ident.right)
            tol = tolerance_per_term * len(ident.right) if ident.op == "=" else tolerance_per_term
            yield Check(
                text,
                "column",
                row.key,
                ident.left,
                right,
                left,
                len(ident.right),
                ident.holds(left, right, tol),
                tuple((row.key, c) for c in ident.right),
            )


def _line_value(
    table: Table, ref: str, class_labels: frozenset[str]
) -> tuple[int, list[tuple[tuple[str, ...], str]]] | None:
    """Value of 'in:LABEL' / 'out:LABEL' / 'out:*classes' (every 类 line) in a two-sided table."""
    side, _, label = ref.partition(":")
    label_col = f"{side}.label"
    amount_col = f"{side}.amount" if any(c.key == f"{side}.amount" for c in table.columns) else "total"
    if label == "*classes":
        rows = [r for r in table.rows if _normal(r.value(label_col)) in class_labels]
        return sum(r.amount(amount_col) for r in rows), [(r.key, amount_col) for r in rows]
    for row in table.rows:
        if _normal(row.value(label_col)) == _normal(label):
            return row.amount(amount_col), [(row.key, amount_col)]
    return None


def _normal(value: object) -> str:
    return re.sub(r"\s+", "", str(value or ""))


def class_labels(profile: Profile) -> frozenset[str]:
    """Every label a 类 line of a two-sided table may carry."""
    return frozenset(_normal(label) for entry in profile.function_classes for label in entry[1:] if label)


def line_checks(
    table: Table, identities: list[str], class_labels: frozenset[str], tolerance_per_term: int = 0
) -> Iterator[Check]:
    """Identities between labelled lines of a two-sided table; lines the table lacks are skipped.

    ``class_labels`` are the labels of the 支出功能分类 类 lines (what '*classes' adds up).
    """
    for text in identities:
        ident = parse_identity(text)
        left = _line_value(table, ident.left, class_labels)
        rights = [_line_value(table, r, class_labels) for r in ident.right]
        if left is None or any(r is None for r in rights):
            continue
        right_total = sum(r[0] for r in rights if r)
        parts = tuple(p for r in rights if r for p in r[1])
        tol = tolerance_per_term * max(len(parts), 1)
        row_key, column = left[1][0] if left[1] else ((), ident.left)
        yield Check(
            text,
            "line",
            row_key,
            column,
            right_total,
            left[0],
            len(parts),
            ident.holds(left[0], right_total, tol),
            parts,
        )


def hierarchy_checks(table: Table, amount_columns: list[str], tolerance_per_term: int = 0) -> Iterator[Check]:
    """合计 = Σ unit rows (or Σ item rows), unit = Σ its item rows; group = Σ its units."""
    rows = table.rows
    totals = [r for r in rows if r.kind == "total"]
    units = [r for r in rows if r.kind == "unit"]
    groups = [r for r in rows if r.kind == "group"]
    items = [r for r in rows if r.kind == "item"]

    def children_of(parent: Row, kind: str) -> list[Row]:
        start = rows.index(parent) + 1
        out = []
        for r in rows[start:]:
            if r.kind == parent.kind or (parent.kind == "unit" and r.kind in ("group", "total")):
                break
            if r.kind == kind:
                out.append(r)
        return out

    def compare(parent: Row, children: list[Row], what: str) -> Iterator[Check]:
        if not children:
            return
        for col in amount_columns:
            expected = sum(c.amount(col) for c in children)
            actual = parent.amount(col)
            if not expected and not actual:
                continue
            tol = tolerance_per_term * len(children)
            yield Check(
                what,
                "hierarchy",
                parent.key,
                col,
                expected,
                actual,
                len(children),
                abs(actual - expected) <= tol,
                tuple((c.key, col) for c in children),
            )

    for total in totals:
        top = groups or units or items
        yield from compare(total, top, "合计 = 各单位之和" if (groups or units) else "合计 = 各行之和")
    for group in groups:
        yield from compare(group, children_of(group, "unit"), "分组 = 所属单位之和")
    for unit in units:
        yield from compare(unit, children_of(unit, "item"), "单位 = 所属各行之和")
