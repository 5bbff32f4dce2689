"""One printed defect, one finding.

A wrong number breaks every identity it takes part in: a wrong 类 amount breaks 类 = Σ款, 合计 =
Σ类, the row's 合计 = 基本支出 + 项目支出 and the agreement of that row with the other tables. The
rules report each broken identity; this step groups the consequences of one defect into one error
finding (the others' places become its ``related`` places) and says what probably happened:

1. one printed cell: the failing identities through a cell all want it to hold the same other
   value → "该数可能印错：按各项关系应为 Y". A cell in an equality that held is never the one (the
   rules remember those cells: ``AuditContext.balanced``); at least two failures must agree, or
   one failure inside one table whose every other cell an equality that held vouches for (its
   message then leads, the guess follows). Cells are taken one at
   a time, the one that explains most failures first, and the failures it leaves are measured
   again with it corrected, so two wrong cells stay two findings;
2. a detail missing or counted twice: one row's total differs from the sum of its listed parts in
   the same direction in two or more columns (and, in another table, the same row by the same
   amounts) → "合计比所列明细多 X：明细可能被省略" or "…少 X：可能重复计列或合计漏加";
3. otherwise failures that share a printed cell and are off by the same amount are one finding,
   without a guess, unless an equality that held vouches for that cell: then what they have in
   common is not the defect, and each stays a finding of its own.

Only errors with their identity's signs (``Finding.signs``) take part; the others pass unchanged.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, replace

from yusuan.audit.context import AuditContext
from yusuan.audit.finding import Finding, Place
from yusuan.extract.generic import table_display_step
from yusuan.tables.model import Table

#: a printed cell: (table number, row key joined with '/', column key)
CellKey = tuple[str, str, str]


@dataclass(slots=True)
class _Failure:
    """A failed equality: Σ sign × value of its cells is ``gap`` instead of 0."""

    order: int  # its place among the findings
    finding: Finding
    signs: dict[CellKey, int]
    gap: int

    @property
    def total(self) -> CellKey | None:
        """The printed total a sum over other rows is compared with (None for other equalities)."""
        keys = list(self.signs)
        first = keys[0]
        if self.signs[first] != 1 or any(self.signs[k] != -1 for k in keys[1:]):
            return None
        return first if all(k[0] == first[0] and k[1] != first[1] for k in keys[1:]) else None


@dataclass(slots=True)
class _Group:
    failures: list[_Failure]
    message: str = ""
    expected: str = ""
    actual: str = ""
    cell: Place | None = None  # the printed cell the defect is probably in


def _first(failure: _Failure) -> tuple[bool, int]:
    """Which of a group's failures speaks for it: a table's own arithmetic before an agreement
    between tables (the disagreement with other tables follows from it), then the rules' order."""
    return failure.finding.rule.startswith("cross."), failure.order


def _key(place: Place) -> CellKey:
    return (place.table, place.row, place.column)


def _values(ctx: AuditContext) -> dict[CellKey, int | None]:
    """Every cell's amount (None: blank or not an amount)."""
    return {
        (table.number, "/".join(row.key), column): cell.value if isinstance(cell.value, int) else None
        for table in ctx.tables.tables
        for row in table.rows
        for column, cell in row.cells.items()
    }


def _failures(findings: list[Finding], values: dict[CellKey, int | None]) -> list[_Failure]:
    """The error findings that are failed equalities over cells the tables hold."""
    out = []
    for order, f in enumerate(findings):
        if f.severity != "error" or not f.signs:
            continue
        signs: dict[CellKey, int] = {}
        for place, sign in zip(f.locations, f.signs, strict=True):
            if sign:
                signs[_key(place)] = signs.get(_key(place), 0) + sign
        signs = {k: s for k, s in signs.items() if s}
        if len(signs) < 2 or any(k not in values for k in signs):
            continue
        gap = sum(s * (values[k] or 0) for k, s in signs.items())
        if gap:
            out.append(_Failure(order, f, signs, gap))
    return out


def _table(ctx: AuditContext, number: str) -> Table | None:
    return next((t for t in ctx.tables.tables if t.number == number), None)


def _amount(ctx: AuditContext, fen: int, number: str) -> str:
    table = _table(ctx, number)
    return ctx.amount_text(fen, table) + (table.unit if table is not None and table.unit else "")


def _where(ctx: AuditContext, key: CellKey) -> str:
    """A printed cell for a person: 预算05表「2080101」行「基本支出」列."""
    number, row, column = key
    table = _table(ctx, number)
    header = column
    if table is not None and any(c.key == column for c in table.columns):
        header = "/".join(h for h in table.column(column).headers if h) or column
    return f"{number}「{row}」行「{header}」列"


def _place(failure: _Failure, key: CellKey) -> Place:
    return next(p for p in failure.finding.locations if _key(p) == key)


#: how many of a group's failures its message quotes
QUOTED = 3


def _examples(failures: list[_Failure]) -> str:
    """The first failures' messages (each once), for a group's message."""
    messages = list(dict.fromkeys(f.finding.message for f in failures))
    return "；".join(messages[:QUOTED]) + (f" 等 {len(messages)} 处" if len(messages) > QUOTED else "")


def _alone_names(failure: _Failure, suspects: list[CellKey], key: CellKey) -> bool:
    """Whether one failure alone names ``key``: the only cell of it no equality that held vouches
    for, all in one table (a table that adds up in itself may still disagree with another table
    as a whole: then which one is wrong is not for the sums to say)."""
    return suspects == [key] and len({k[0] for k in failure.signs}) == 1


def _one_cell(
    ctx: AuditContext,
    open_: list[_Failure],
    amounts: dict[CellKey, int | None],
    values: dict[CellKey, int],
    alone: bool,
) -> list[_Group]:
    """Step 1: the printed cells each explaining failures by one other value (see the module);
    ``values``: the cells' amounts with the corrections so far (updated).

    A cell in an equality that held is not one (another value would break that one). With
    ``alone``, one failure names its cell when every other cell of it is in an equality that held."""
    groups: list[_Group] = []
    steps = {t.number: table_display_step(t) for t in ctx.tables.tables}
    aside: list[_Failure] = []  # failures two cells explain equally well: left to the next steps

    def suspects(f: _Failure) -> list[CellKey]:
        return [k for k in f.signs if k not in ctx.balanced]

    while True:
        wanted: dict[CellKey, list[tuple[int, _Failure]]] = defaultdict(list)
        for f in open_:
            for key in suspects(f):
                if amounts[key] is not None:  # a blank is not a misprint
                    wanted[key].append((values[key] - f.signs[key] * f.gap, f))
        candidates = []
        for key, proposals in wanted.items():
            step = steps.get(key[0], 1)
            for value, f in proposals:
                # the failures agreeing on this value, give or take one display step (sums of rounded figures)
                agreeing = [g for v, g in proposals if abs(v - value) <= step]
                if value >= 0 and (len(agreeing) >= 2 or (alone and _alone_names(f, suspects(f), key))):
                    candidates.append((len(agreeing), key, value, agreeing))
        if not candidates:
            open_ += aside
            return groups
        candidates.sort(key=lambda c: (-c[0], min(f.order for f in c[3])))
        size, key, _, agreeing = candidates[0]
        chosen = {id(f) for f in agreeing}
        rival = next((c for c in candidates[1:] if c[0] == size and c[1] != key), None)
        if rival is not None and chosen & {id(f) for f in rival[3]}:
            # two cells explain the same failures equally well: no guess about which one
            aside += agreeing
            open_[:] = [f for f in open_ if id(f) not in chosen]
            continue
        # the value most of them want (they may differ by a rounding step)
        value = Counter(values[key] - f.signs[key] * f.gap for f in agreeing).most_common(1)[0][0]
        printed, current = amounts[key] or 0, values[key]
        values[key] = value
        explained = []
        for f in list(open_):
            if key in f.signs:
                f.gap += f.signs[key] * (value - current)
            if id(f) in chosen or f.gap == 0:
                explained.append(f)
                open_.remove(f)
        explained.sort(key=_first)
        guess = (
            f"{_where(ctx, key)}为 {_amount(ctx, printed, key[0])}，该数可能印错：按各项关系应为 "
            f"{_amount(ctx, value, key[0])}"
        )
        if len(explained) == 1:  # the failure's own words first, then which of its cells
            text = f"{explained[0].finding.message}；{guess}"
        else:
            text = f"{guess}（{len(explained)} 处关系因它不成立：{_examples(explained)}）"
        table = _table(ctx, key[0])
        expected, actual = ctx.amount_text(value, table), ctx.amount_text(printed, table)
        groups.append(_Group(explained, text, expected, actual, _place(explained[0], key)))


def _missing_detail(ctx: AuditContext, open_: list[_Failure]) -> list[_Group]:
    """Step 2: a total off from its listed parts the same way in several columns (and tables)."""
    by_row: dict[tuple[str, str, int], list[_Failure]] = defaultdict(list)
    for f in open_:
        total = f.total
        if total is not None:
            by_row[(total[0], total[1], 1 if f.gap > 0 else -1)].append(f)
    rows = {k: fs for k, fs in by_row.items() if len(fs) >= 2}
    # the same row in another table, off by the same amounts, is the same detail
    merged: dict[tuple[str, int, frozenset[int]], list[_Failure]] = defaultdict(list)
    for (_, row, sign), fs in rows.items():
        merged[(row, sign, frozenset(f.gap for f in fs))].extend(fs)
    groups = []
    for (row, sign, _gaps), fs in merged.items():
        fs.sort(key=_first)
        first = fs[0]
        number = first.finding.locations[0].table
        gaps = [_amount(ctx, abs(f.gap), f.finding.locations[0].table) for f in fs]
        apart = f"均相差 {gaps[0]}" if len(set(gaps)) == 1 else f"分别相差 {'、'.join(gaps)}"
        if sign > 0:
            guess = f"合计比所列明细多 {_amount(ctx, first.gap, number)}：明细可能被省略"
        else:
            guess = f"合计比所列明细少 {_amount(ctx, -first.gap, number)}：可能重复计列或合计漏加"
        tables = list(dict.fromkeys(f.finding.locations[0].table for f in fs))
        text = f"{'、'.join(tables)}「{row}」行：{guess}（{len(fs)} 处合计与明细不符，{apart}；{_examples(fs)}）"
        groups.append(_Group(fs, text, first.finding.expected, first.finding.actual))
        for f in fs:
            open_.remove(f)
    return groups


def _same_amount(open_: list[_Failure], balanced: set[CellKey]) -> list[_Group]:
    """Step 3: failures sharing a printed cell no equality that held vouches for, and off by the
    same amount, without a guess."""
    parent = list(range(len(open_)))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    seen: dict[tuple[CellKey, int], int] = {}
    for k, f in enumerate(open_):
        for key in f.signs:
            if key in balanced:  # a cell a sum that held vouches for is not what they have in common
                continue
            j = seen.setdefault((key, abs(f.gap)), k)
            parent[root(k)] = root(j)
    members: dict[int, list[_Failure]] = defaultdict(list)
    for k, f in enumerate(open_):
        members[root(k)].append(f)
    groups = []
    for fs in members.values():
        if len(fs) < 2:
            continue
        fs.sort(key=_first)
        first = fs[0]
        text = f"{first.finding.message}（另有 {len(fs) - 1} 处不符经过同一个数、相差相同，可能出自同一处印错）"
        groups.append(_Group(fs, text, first.finding.expected, first.finding.actual))
        for f in fs:
            open_.remove(f)
    return groups


def _finding(group: _Group) -> Finding:
    first = group.failures[0].finding
    locations = list(first.locations)
    if group.cell is not None:
        locations = [group.cell, *(p for p in locations if _key(p) != _key(group.cell))]
    shown = {(_key(p), p.line, p.page) for p in locations}
    related: list[Place] = []
    for f in group.failures[1:]:
        for p in f.finding.locations:
            if (_key(p), p.line, p.page) not in shown:
                shown.add((_key(p), p.line, p.page))
                related.append(p)
    return replace(
        first,
        message=group.message,
        expected=group.expected,
        actual=group.actual,
        locations=tuple(locations),
        related=tuple(related),
    )


def group_defects(ctx: AuditContext, findings: list[Finding]) -> list[Finding]:
    """The findings with the error findings of one printed defect grouped into one (see the module)."""
    amounts = _values(ctx)
    values = {k: v or 0 for k, v in amounts.items()}
    open_ = _failures(findings, amounts)
    groups = _one_cell(ctx, open_, amounts, values, alone=False)
    # a total off from its parts alike in several columns is rather a missing part than a misprint
    groups += _missing_detail(ctx, open_)
    groups += _one_cell(ctx, open_, amounts, values, alone=True)
    groups += _same_amount(open_, ctx.balanced)
    if not groups:
        return findings
    replaced: dict[int, Finding | None] = {}
    for group in groups:
        orders = [f.order for f in group.failures]
        replaced.update(dict.fromkeys(orders))
        replaced[min(orders)] = _finding(group)
    out = []
    for order, f in enumerate(findings):
        if order not in replaced:
            out.append(f)
        elif (grouped := replaced[order]) is not None:
            out.append(grouped)
    return out
