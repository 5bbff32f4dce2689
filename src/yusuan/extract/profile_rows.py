"""Stage 3 of the profile reader: one row parser per builder kind, tokens → ``ParsedRow``.

Coded rows start at their head (合计, unit code, function code, economic code pair); item rows
(预算07/12表) are text then values, their item's own name found by column when cells are positioned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from yusuan.extract.document import Line
from yusuan.extract.profile_centred import centred_rows
from yusuan.extract.profile_regions import normal
from yusuan.extract.profile_tokens import (
    Token,
    _amount_follows,
    _bare_after,
    _bare_line,
    _numbers_to_line_end,
    bare_amount,
    doubt,
)


@dataclass(slots=True)
class ParsedRow:
    """A row as read: its head (codes), its name text and its printed values."""

    level: str
    head: list[Token]
    names: list[Token] = field(default_factory=list)
    values: list[Token] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    doubt: str = ""  # why the row's amounts are uncertain: a token on it the reading cannot place
    unsure_name: bool = False  # a line of its name may be a neighbour's (names printed centred)

    @property
    def name(self) -> str:
        return "".join(t.text for t in self.names)


def _is_total(toks: list[Token], i: int) -> bool:
    return (
        toks[i].kind == "text"
        and normal(toks[i].text) in ("合计", "总计")
        and i + 1 < len(toks)
        and toks[i + 1].kind == "amount"
    )


def _digits(toks: list[Token], i: int, *lengths: int) -> bool:
    return all(
        i + k < len(toks) and toks[i + k].kind == "digits" and len(toks[i + k].text) == n for k, n in enumerate(lengths)
    )


@cache
def _function_class(code: str) -> bool:
    """Whether a 3-digit code is a 类 of the 支出功能分类 (its 项 codes are 7 digits)."""
    from yusuan.catalog import load_catalog

    return load_catalog().knows("function", code)


def _head(level: str, toks: list[Token], i: int, leaf: str) -> tuple[str, int] | None:
    """(level, number of head tokens) when a row starts at token i."""
    if _is_total(toks, i):
        return "total", 1
    t = toks[i]
    nxt = toks[i + 1] if i + 1 < len(toks) else None
    if leaf == "function" and t.kind == "digits" and len(t.text) == 7 and _function_class(t.text[:3]):
        return "function", 1  # a 项 code printed whole (2080101), not a unit's code
    if t.kind == "digits" and 6 <= len(t.text) <= 12 and nxt is not None and nxt.kind in ("text", "amount"):
        return "unit", 1  # its name may follow, or stand on the line above (a wrapped, centred cell)
    if leaf == "function":
        if _digits(toks, i, 3, 2, 2):
            return "function", 3
        if t.kind == "digits" and len(t.text) == 7:
            return "function", 1
    if leaf == "econ_pair":
        for first in ((5,), (3, 2)):  # 30101 name 50101 name, or 301 01 name 501 01 name
            if not _digits(toks, i, *first):
                continue
            j = i + len(first)
            while j < len(toks) and toks[j].kind == "text":  # the name may wrap over several lines
                j += 1
            if j > i + len(first) and _digits(toks, j, *first):
                k = j + len(first)
                while k < len(toks) and toks[k].kind == "text":
                    k += 1
                return "econ_pair", k - i
    if leaf == "econ" and _digits(toks, i, 5) and nxt is not None and nxt.kind == "text":
        return "econ", 1
    return None


def _parse_coded(toks: list[Token], leaf: str, labelled_total: bool) -> list[ParsedRow]:
    """Rows that start with a head (合计, unit code, function code, economic code)."""
    rows: list[ParsedRow] = []
    current: ParsedRow | None = None
    i = 0
    while i < len(toks):
        head = _head(leaf, toks, i, leaf)
        if head is None and not labelled_total and not rows and toks[i].kind == "amount":
            head = ("total", 0)  # an unlabelled 合计 row: the first values after the header
        if head is not None:
            level, width = head
            current = ParsedRow(level, toks[i : i + width])
            if level == "econ_pair":  # names sit inside the head: code name code name
                current.head = [t for t in toks[i : i + width] if t.kind == "digits"]
                current.names = [t for t in toks[i : i + width] if t.kind == "text"]
            rows.append(current)
            i += width
            continue
        tok = toks[i]
        if current is not None:
            if tok.kind == "amount":
                current.values.append(tok)
            elif _bare_after(tok, current.values):  # '6' among '12.50 …': a bare integer amount
                current.values.append(bare_amount(tok))
            elif current.values and tok.kind in ("digits", "integer"):  # after the amounts, on a line of its own
                current.doubt = current.doubt or f"未能归属的数字“{tok.text}”"
            elif tok.kind in ("digits", "integer") and current.names and _amount_follows(toks, i):
                current.values.append(bare_amount(tok))  # '300 300.00 …': the first amount printed bare
            elif tok.kind in ("digits", "integer") and current.names and _numbers_to_line_end(toks, i):
                current.values.append(bare_amount(tok))  # '综合业务管理 300 300 300': every amount bare
            else:
                if tok.kind in ("digits", "integer"):  # a number amid the name: neither code nor amount
                    current.doubt = current.doubt or f"未能归属的数字“{tok.text}”"
                current.names.append(tok)
        i += 1
    for row in rows:
        if row.doubt:
            doubt(row.values, row.doubt)
    return rows


def _bare_tail(toks: list[Token], i: int) -> bool:
    """A bare number that starts (or continues) the run of two or more numbers ending a line whose
    cells before it are text: the row's amounts, printed bare ('… 焦作市…局 300 300')."""
    tok = toks[i]
    if tok.kind not in ("digits", "integer") or not _numbers_to_line_end(toks, i):
        return False
    start = i
    while start > 0 and toks[start - 1].line is tok.line and toks[start - 1].kind != "text":
        start -= 1
    if start == 0 or toks[start - 1].line is not tok.line:
        return False  # no text before the numbers on the line: _bare_line's case
    end = i
    while end < len(toks) and toks[end].line is tok.line:
        end += 1
    return end - start >= 2


def _parse_items(
    toks: list[Token], leaf: str, unit_names: dict[str, str], categories: tuple[str, ...], positional: bool = False
) -> list[ParsedRow]:
    """07/12 rows: the unlabelled 合计, unit rows (code + name), then text-then-values items.

    ``positional``: the document keeps line positions (PDF, -layout), where a wrapped cell
    starts on its row's line and continues below it.
    """
    rows: list[ParsedRow] = []
    pending: list[Token] = []
    # names centred on their rows: a line above a row's amounts may be that row's, not the last one's
    owner, unsure = centred_rows(toks, unit_names, categories) if positional else ({}, set())
    i = 0
    while i < len(toks):
        tok = toks[i]
        if _bare_line(toks, i, unit_names) or (rows and _bare_tail(toks, i)):
            tok = toks[i] = bare_amount(tok)  # '300 300' after the item's cells or on a line of its own
        if tok.kind == "amount":
            if not rows:
                rows.append(ParsedRow("total", []))
            elif pending:
                at = next((k for k, t in enumerate(pending) if t.kind == "digits" and 6 <= len(t.text) <= 12), None)
                if at is not None:
                    # the previous row's wrapped tail; a line centred on the unit's row is the unit's name
                    rows[-1].names.extend(t for t in pending[:at] if owner.get(id(t.line)) is not tok.line)
                    head = [t for t in pending[:at] if owner.get(id(t.line)) is tok.line]
                    rows.append(ParsedRow("unit", [pending[at]], head + pending[at + 1 :]))
                else:
                    if positional:  # top-aligned cells: lines before this row's values continue the last row…
                        mine = [t for t in pending if t.line is tok.line or owner.get(id(t.line)) is tok.line]
                        rows[-1].names.extend(t for t in pending if not any(t is m for m in mine))
                        pending = mine or pending  # …unless centred on this row
                    rows.append(ParsedRow(leaf, [], list(pending)))
                pending = []
            while i < len(toks) and (toks[i].kind == "amount" or _bare_after(toks[i], rows[-1].values)):
                rows[-1].values.append(bare_amount(toks[i]) if toks[i].kind != "amount" else toks[i])
                i += 1
            continue
        if rows:  # before the first values: the header
            pending.append(tok)
        i += 1
    if positional and rows and rows[-1].level == leaf:
        rows[-1].names.extend(_wrapped_below(rows[-1], pending))  # the last row's tail: no row follows to end it
    names = sorted({normal(n) for n in unit_names.values()}, key=len, reverse=True)
    for row in rows:
        if row.values and id(row.values[0].line) in unsure:
            row.unsure_name = True
            doubt(row.values, "名称居中印刷而上下行数不等：相邻的名称行属于本行还是邻行无法确定")
        if row.level != leaf:
            continue
        text = normal(row.name)
        own = _name_column(row, leaf, categories) if positional else ""
        if row.doubt:
            doubt(row.values, row.doubt)
        if own:  # positioned cells: the name column is the name, nothing to strip
            row.extra["name"] = own
            row.extra.setdefault("category", "")
            continue
        category = next((c for c in categories if text.startswith(c) or c in text), "")
        for c in categories:
            text = text.replace(c, "")
        for name in names:  # the unit name cell may come before or after the item's own name
            if text.startswith(name):
                text = text[len(name) :]
            if text.endswith(name):
                text = text[: -len(name)]
        for kind in ("人员类", "公用经费", "人员经费"):
            if text.startswith(kind) and len(text) > len(kind):
                row.extra["item_type"] = kind
                text = text[len(kind) :]
        row.extra["name"] = text
        row.extra["category"] = category
    return rows


def _wrapped_below(row: ParsedRow, toks: list[Token]) -> list[Token]:
    """The words that open ``toks`` on the lines right below a row, one line after another on
    its page: its cells' wrapped tails (the table's end, or a note further down, is not)."""
    last = max((t for t in (*row.names, *row.values) if t.bbox), key=lambda t: t.line.top, default=None)
    out: list[Token] = []
    for tok in toks:
        if last is None or tok.bbox is None or tok.kind != "text" or tok.line.page != last.line.page:
            break
        if tok.line is not last.line:
            height = max(tok.bbox[3] - tok.bbox[1], 1.0)
            if not 0 < tok.line.top - last.line.top <= 2 * height:
                break
        out.append(tok)
        last = tok
    return out


def columns_of(toks: list[Token], anchor: Line | None = None) -> list[list[Token]]:
    """Text tokens grouped by the column they stand in, left to right.

    Left-aligned cells share their x0. With ``anchor``, the row's own line where each of its
    cells starts, a word on another line belongs to the anchor's cell it stands under most: a
    wrapped tail need not start where its cell's first line does (a centred cell, or -layout
    text placing the tail a column or two off). A word under no cell of the anchor goes by x0.
    """
    placed = sorted((t for t in toks if t.bbox), key=lambda t: t.bbox[0])  # type: ignore[index]
    heads = [t for t in placed if anchor is not None and t.line is anchor]
    if len(heads) < 2:
        heads = []
    groups: list[list[Token]] = [[h] for h in heads]
    loose: list[Token] = []
    for tok in placed:
        if tok.line is anchor and heads:
            continue
        under = cell_under(tok, heads)
        if under is not None:
            next(g for g in groups if g[0] is under).append(tok)
        else:
            loose.append(tok)
    for tok in loose:
        assert tok.bbox is not None
        width = max(tok.bbox[3] - tok.bbox[1], 1.0)
        candidates = groups if heads else groups[-1:]  # without an anchor: columns in x order, as ever
        near = next((g for g in candidates if abs(tok.bbox[0] - g[0].bbox[0]) <= width * 0.8), None)  # type: ignore[index]
        if near is not None:
            near.append(tok)
        else:
            groups.append([tok])
    return sorted(groups, key=lambda g: g[0].bbox[0])  # type: ignore[index]


def cell_under(tok: Token, heads: list[Token]) -> Token | None:
    """The cell of a row's own line (``heads``, its words there) that a word on a line below stands
    under most: the cell it continues. None when it stands under none of them. A cell reaches a
    little beyond its first line's words (as far as words left-aligned with it may stray)."""
    best, shared = None, 0.0
    if tok.bbox is None:
        return None
    slack = max(tok.bbox[3] - tok.bbox[1], 1.0) * 0.8
    for head in heads:
        if head.bbox is None:
            continue
        overlap = min(tok.bbox[2], head.bbox[2] + slack) - max(tok.bbox[0], head.bbox[0] - slack)
        if overlap > shared:
            best, shared = head, overlap
    return best


def _name_column(row: ParsedRow, leaf: str, categories: tuple[str, ...] = ()) -> str:
    """The item's own name when cells are positioned: 预算12表 类型 | 项目名称 | 单位, 预算07表 单位 | 类型 | 名称.

    The row's own line is the one its amounts stand on; the lines below continue its cells."""
    anchor = row.values[0].line if row.values else None
    groups = columns_of(row.names, anchor)
    if len(groups) < 3:
        return ""
    group = groups[1] if leaf == "project" else groups[-1]
    if leaf == "project":
        kind = [t for t in groups[0] if t.line is anchor]
        below = [t for t in groups[0] if t.line is not anchor]
        other = next((t for t in below if normal(t.text) in categories), None)
        if other is not None:
            # a line below prints a 类型 of its own: a project printed without amounts, or the row's
            # wrapped cells — the reading cannot tell; the row's cells end above it, its amounts
            # are not vouched for
            row.doubt = row.doubt or f"下一行另印类型“{normal(other.text)}”，可能是未印金额的另一个项目"
            groups = [[t for t in g if t.line.top < other.line.top] for g in groups]
            group = groups[1]
        elif below and normal("".join(t.text for t in kind)) in categories:
            # the row's 类型 is whole on its own line: words below it are the name's tail, printed
            # a little to the left (-layout text)
            groups[0], group = kind, group + below
        row.extra["category"] = normal(
            "".join(t.text for t in sorted(groups[0], key=lambda t: (t.line.top, t.line.line or 0)))
        )
    ordered = sorted(group, key=lambda t: (t.line.top, t.line.line or 0, t.bbox[0] if t.bbox else 0))
    return normal("".join(t.text for t in ordered))
