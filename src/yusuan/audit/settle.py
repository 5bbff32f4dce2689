"""Cells the profile reader could place in several columns, settled by the other tables.

The profile reader (extract/profile_place.py) places each row's values where its own table's identities
hold; when several placements fit equally, it lists them (``Extraction.ambiguous`` and
``alternatives``). The profile's cross-table agreements then choose: the placement that breaks
the fewest agreements wins. This needs the agreements' references resolved against the whole
document, which is what the audit context does, so it runs here, before the rules.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from yusuan.audit.context import AuditContext
from yusuan.tables.model import Table


def _split_cells(cells: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A row's cells as (labels, amounts)."""
    amounts = {k: c for k, c in cells.items() if isinstance(c.value, int)}
    return {k: c for k, c in cells.items() if k not in amounts}, amounts


def _disagreements(ctx: AuditContext, table: Table) -> int:
    """How many cross-table agreements this table's current cells break."""
    from yusuan.audit.rules.cross_tables import agreements

    ctx.resolved.clear()
    return sum(1 for f in agreements(ctx, table.kind) if f.severity == "error")


def _table_score(ctx: AuditContext, table: Table, columns: list[str]) -> tuple[int, int]:
    """(disagreements with other tables, sums that do not hold): smaller is better."""
    from yusuan.tables.identities import hierarchy_checks

    return _disagreements(ctx, table), sum(1 for c in hierarchy_checks(table, columns) if not c.held)


def _move_totals(ctx: AuditContext) -> None:
    """A 合计 row whose values fit other columns as well (e.g. 对个人和家庭的补助 or 商品和服务支出):
    when the other tables agree with another placement, move the same values the same way in
    every row below that allows it, and keep the move only if the table still adds up."""
    for (number, key), options in ctx.extraction.alternatives.items():
        table = next((t for t in ctx.tables.tables if t.number == number), None)
        if key != ("合计",) or table is None:
            continue
        row = next((r for r in table.rows if r.key == key), None)
        current = _split_cells(row.cells)[1] if row else None
        if row is None or current not in options:
            continue
        columns = [c.key for c in table.columns if c.type == "amount"]
        before = {r.key: dict(r.cells) for r in table.rows}
        best, best_score = None, _table_score(ctx, table, columns)
        for option in options:
            if option == current:
                continue
            where = {(c.location, c.value): col for col, c in option.items()}
            moved = {col: where.get((c.location, c.value), col) for col, c in current.items()}
            for other in table.rows:
                other_options = ctx.extraction.alternatives.get((number, other.key), [])
                labels, amounts = _split_cells(before[other.key])
                remapped = {moved.get(col, col): c for col, c in amounts.items()}
                other.cells = {**labels, **(remapped if remapped in other_options or other is row else amounts)}
            trial = _table_score(ctx, table, columns)
            if trial < best_score:
                best, best_score = {r.key: dict(r.cells) for r in table.rows}, trial
            for other in table.rows:
                other.cells = dict(before[other.key])
        if best is not None:
            for other in table.rows:
                other.cells = best[other.key]
    ctx.resolved.clear()
    ctx.stats.clear()


def _placed(option: dict[str, Any]) -> frozenset[tuple[str, Any]]:
    """Which amount stands in which column (zeros anywhere read the same)."""
    return frozenset((column, cell.value) for column, cell in option.items() if cell.value)


def settle_ambiguous(ctx: AuditContext) -> None:
    """Rows the arithmetic of their own table could not place: pick the placement the other tables agree with."""
    _move_totals(ctx)
    for number, key, options in ctx.extraction.ambiguous:
        table = next((t for t in ctx.tables.tables if t.number == number), None)
        row = next((r for r in table.rows if r.key == key), None) if table else None
        if table is None or row is None:
            continue
        labels = _split_cells(row.cells)[0]
        scores = []
        for option in options:
            row.cells = {**labels, **option}
            scores.append(_disagreements(ctx, table))
        best = [option for option, score in zip(options, scores, strict=True) if score == min(scores)]
        chosen = best[0]
        if len({_placed(option) for option in best}) > 1:
            # neither the row's own table nor the other tables tell where its values stand
            chosen = {column: replace(cell, certain=False) for column, cell in chosen.items()}
        row.cells = {**labels, **chosen}
    ctx.resolved.clear()
    ctx.stats.clear()
