"""Stage 2b of the generic reader (``generic.py``): a printed row's cells and the rows they make.

A band's tokens become cells (amounts, digits, text wrapped in one cell); a row's leading code
(功能分类, 经济分类, a unit's, a 款 or 项 printed as two digits) is split from its name and its
amounts (``GenericRow``), with the numbers that are neither kept as strays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from yusuan.catalog import load_catalog
from yusuan.extract.amounts import (
    misgrouped,
    misgrouped_value,
)
from yusuan.extract.codes import (
    read_short,
)
from yusuan.extract.generic_bands import _CODE_NAME, _Band, _token_box
from yusuan.extract.tables import MAX_AMOUNT_DIGITS, Token, normal
from yusuan.money import AmountError, parse_amount
from yusuan.tables.model import Location


@dataclass(slots=True)
class GenericValue:
    """One printed amount of a row: its value in fen and the value column it stands in."""

    fen: int
    token: Token
    column: int = -1  # 0-based value column; -1 until the table's columns are known
    x0: float = 0.0
    x1: float = 0.0

    def location(self) -> Location:
        return self.token.location()


@dataclass(slots=True)
class GenericRow:
    """A row as read: its codes, its name and its amounts, with the lines it stands on."""

    kind: str  # total / class / kuan / item / unit / values (an unlabelled row of amounts) / label
    codes: tuple[str, ...]
    name: str
    values: list[GenericValue]
    head: Token | None  # the token where the row starts (its code, label or first amount)
    family: str = ""  # function / econ / unit / '' (no code)
    parts: list[_Cell] = field(default_factory=list)  # a label row's name cells, left to right
    inferred: bool = False  # the code is not printed: the catalog knows the name under its parent
    #: numbers on the row that are neither its code nor an amount as read: (amounts before it, cell)
    stray: list[tuple[int, _Cell]] = field(default_factory=list)
    doubt: str = ""  # why the row's amounts are uncertain ('' when every token is accounted for)
    short: str = ""  # a 款 or 项 printed as two digits, its level read from the rows above (codes.py)
    uncertain: bool = False  # the reading cannot vouch for the row (its level, its name unknown, its panel)
    panel: int = 0  # the panel the row is printed in (0: the first, or the table has no panels)

    @property
    def code(self) -> str:
        return self.codes[0] if self.codes else ""

    def location(self) -> Location | None:
        return self.head.location() if self.head is not None else None


@dataclass(slots=True)
class _Cell:
    """Tokens of one table cell in a row: one token, or a name wrapped over several lines."""

    kind: str  # amount / digits / text
    tokens: list[Token]
    x0: float
    x1: float
    text: str = ""
    fen: int = 0


@dataclass(slots=True)
class _Context:
    """What a row's two-digit code needs from the rows before it, and the 款/项 columns' positions."""

    klass: str = ""  # the last 类 code
    kuan: str = ""  # the last 款 code
    last: str = ""  # the last row's kind
    kuan_x: float | None = None  # centre of the 款 header, when printed as its own column
    xiang_x: float | None = None


_TOTAL = re.compile(r"^(?!.*(?:科目|名称|编码|项目|栏次))(.{0,6})(合计|总计|共计)$")


_ZERO_MARKS = {"-", "—", "－", "0"}
# a code and its name glued to the end of the name before it, the cells' gap too narrow to part
# the words (…缴费支出50102-社会保障缴费): a code with a dash, after a name's last character
_EMBEDDED_CODE = re.compile(r"(?<=[\u4e00-\u9fff）)])(\d{3}|\d{5,7})[-－—](?=[\u4e00-\u9fff])")


def _amount_fen(text: str, unit: str, token: Token) -> int:
    if text in _ZERO_MARKS:
        return 0
    if unit == "万元" and token.kind == "amount":
        return token.fen
    try:
        return parse_amount(misgrouped_value(text) if misgrouped(text) else text, unit)
    except AmountError:
        return 0


def _is_amount(tok: Token, after_text: bool, integer_mode: bool) -> bool:
    if tok.kind == "amount":
        return True
    if not integer_mode:
        return False
    return tok.kind == "integer" or (tok.kind == "digits" and after_text and 3 <= len(tok.text) <= MAX_AMOUNT_DIGITS)


def _cells(band: _Band, unit: str, integer_mode: bool, layout: str) -> list[_Cell]:
    """A band's tokens as cells, left to right: text wrapped in one cell is joined top to bottom."""
    items = [tok for _line, toks in band.items for tok in toks]
    ordered = items if layout == "plain" else sorted(items, key=lambda t: _token_box(t)[:2])
    cells: list[_Cell] = []
    after_text = False
    for tok in ordered:
        x0, _top, x1, _bottom = _token_box(tok)
        amount = _is_amount(tok, after_text, integer_mode)
        kind = "amount" if amount else ("digits" if tok.kind in ("digits", "integer") else "text")
        last = cells[-1] if cells else None
        if layout != "plain" and last is not None and x0 < last.x1 - 0.5 and len(band.items) > 1:
            if kind == "text" and last.kind == "text":
                last.tokens.append(tok)
                last.x1 = max(last.x1, x1)
                continue
            if last.kind == "amount" and kind in ("digits", "amount") and _glued(last, tok):
                continue
        cells.append(_Cell(kind, [tok], x0, x1))
        after_text = after_text or kind == "text"
    for cell in cells:
        if cell.kind == "text":
            cell.tokens.sort(key=lambda t: (t.line.top, _token_box(t)[0]))
        cell.text = "".join(normal(t.text) for t in cell.tokens)
        if cell.kind == "amount":
            cell.fen = _amount_fen(cell.text, unit, cell.tokens[0])
    return cells


_WRAPPED_AMOUNT = re.compile(r"^(\d{1,3}(,\d{3})+|\d+)\.\d{1,6}$")


def _glued(cell: _Cell, tok: Token) -> bool:
    """An amount wrapped in a narrow cell ('1682.7' over '6'): the piece below completes it."""
    upper = cell.tokens[-1]
    if tok.line.top <= upper.line.top or "." not in upper.text:
        return False
    joined = upper.text + tok.text
    if not _WRAPPED_AMOUNT.match(joined) or len(joined.split(".")[1]) > 2:
        return False
    cell.tokens[-1] = Token(joined, "amount", upper.line, upper.bbox)
    return True


def _split_code(cells: list[_Cell], ctx: _Context) -> tuple[str, int, str, str]:
    """(code, cells used, name glued to the code, two digits whose level the rows above decided)
    of a row's leading code cells, or ('', 0, '', '')."""
    skipped = 0
    if len(cells) > 1 and cells[0].kind == "digits" and _serial(cells[0].text, cells[1]):
        cells, skipped = cells[1:], 1  # a 序号 column before the code
    parts: list[_Cell] = []
    for cell in cells:
        if cell.kind == "digits" and len(cell.text) in (2, 3, 5, 6, 7) and (not parts or len(cell.text) == 2):
            parts.append(cell)
            continue
        if cell.kind == "text" and not parts:
            match = _CODE_NAME.match(cell.text)
            if match:
                return match.group(1), 1 + skipped, cell.text[match.end() :], ""
        break
    if not parts:
        return "", 0, "", ""
    texts = [p.text for p in parts]
    if len(texts[0]) == 3 and all(len(t) == 2 for t in texts[1:]) and len(texts) <= 3:
        return "".join(texts), len(parts) + skipped, "", ""
    if len(texts) == 1 and len(texts[0]) != 2:
        return texts[0], 1 + skipped, "", ""
    if all(len(t) == 2 for t in texts) and ctx.klass and len(texts) <= 2:
        if len(texts) == 2:
            return ctx.klass + texts[0] + texts[1], 2 + skipped, "", ""
        by_column = ctx.kuan_x is not None and ctx.xiang_x is not None
        return _two_digits(parts[0], ctx), 1 + skipped, "", "" if by_column else texts[0]
    return "", 0, "", ""


def _serial(text: str, nxt: _Cell) -> bool:
    """Whether a row's first number is its 序号, standing before a code column."""
    if nxt.kind == "digits":
        return len(text) <= 3 and len(nxt.text) in (3, 5, 6, 7) and (len(text) < 3 or len(nxt.text) > 3)
    return len(text) <= 2 and nxt.kind == "text" and _CODE_NAME.match(nxt.text) is not None


def _two_digits(cell: _Cell, ctx: _Context) -> str:
    """A 款 or 项 printed as two digits under its 类: by its column when the header has 款 | 项,
    else by the rows around it, its name and the catalog (``codes.read_short``)."""
    digits = cell.text
    if ctx.kuan_x is not None and ctx.xiang_x is not None:
        centre = (cell.x0 + cell.x1) / 2
        if abs(centre - ctx.kuan_x) <= abs(centre - ctx.xiang_x):
            return ctx.klass + digits
        return (ctx.kuan or ctx.klass + "00") + digits
    # provisional: the rows that follow decide it once the table is read (codes.settle_short_codes)
    return read_short(digits, "", ctx.klass, ctx.kuan, ctx.last == "class", "", False).code


def _family(code: str) -> tuple[str, str]:
    """(family, row kind) of a code: function 类/款/项, economic 类/款, or a unit's code."""
    lead = code[0]
    if len(code) == 3 and not any(load_catalog().knows(name, code) for name in ("function", "dept_econ", "gov_econ")):
        return "unit", "unit"  # 251 西安市自然资源和规划局, 328 无锡市应急管理局: a unit's code, not a 类
    if lead == "2" and len(code) in (3, 5, 7):
        return "function", {3: "class", 5: "kuan", 7: "item"}[len(code)]
    if lead in "35" and len(code) in (3, 5, 7):
        return "econ", "class" if len(code) == 3 else "item"
    return "unit", "unit"


def _band_rows(band: _Band, unit: str, integer_mode: bool, layout: str, ctx: _Context) -> list[GenericRow]:
    """The rows a band prints: one row with a code, or label-and-amounts runs side by side."""
    cells = _cells(band, unit, integer_mode, layout)
    if not cells:
        return []
    groups = _code_groups(cells, ctx)
    if len(groups) > 1:
        return [row for group in groups for row in _band_rows_of(group, ctx)]
    return _band_rows_of(cells, ctx)


def _code_groups(cells: list[_Cell], ctx: _Context) -> list[list[_Cell]]:
    """Cells split where a code column of the same classification starts again (301 工资福利支出
    92,835.98 | 302 商品和服务支出 …); codes of another classification (301 工资福利支出 | 501
    机关工资福利支出) are the same row's."""
    first, used, _, _ = _split_code(cells, ctx)
    if not first or cells[used - 1].kind != "digits":
        return [cells]
    starts = [0]
    seen_body = False
    lead = first[:1]
    for k, cell in enumerate(cells):
        if k < used:
            continue
        restarts = seen_body and cell.kind == "digits" and len(cell.text) in (3, 5, 7) and cell.text[:1] == lead
        named = k + 1 < len(cells) and cells[k + 1].kind == "text" and not _CODE_NAME.match(cells[k + 1].text)
        if restarts and named:
            starts.append(k)
            seen_body = False
            continue
        seen_body = seen_body or cell.kind in ("text", "amount")
    if len(starts) == 1:
        return [cells]
    return [cells[a:b] for a, b in zip(starts, [*starts[1:], len(cells)], strict=True)]


def _reading(cells: list[_Cell]) -> str:
    """Name cells in reading order: a name wrapped into cells side by side reads top line first."""
    ordered = sorted(cells, key=lambda c: (round(c.tokens[0].line.top, 1), c.x0))
    return "".join(c.text for c in ordered)


def _band_rows_of(cells: list[_Cell], ctx: _Context) -> list[GenericRow]:
    first_amount = next((k for k, c in enumerate(cells) if c.kind == "amount"), len(cells))
    code, used, glued_name, short = _split_code(cells[:first_amount], ctx)
    if code:
        codes = [code]
        names: list[_Cell] = []
        k = used
        stray: list[tuple[int, _Cell]] = []
        glued = _EMBEDDED_CODE.search(glued_name)
        if glued:  # the next cell's code glued to this name: 机关事业单位职业年金缴费支出50102-社会保障缴费
            codes.append(glued.group(1))
            glued_name, k = glued_name[: glued.start()], first_amount
        while k < first_amount:
            cell = cells[k]
            # 301 01 基本工资 | 501 01 工资奖金津补贴: a second code opens with its 类 (two digits alone are no code)
            if cell.kind == "digits" and names and len(codes) < 3 and len(cell.text) >= 3:
                other, other_used, *_ = _split_code(cells[k:first_amount], _Context(klass=codes[-1][:3]))
                after = cells[k + other_used].kind if k + other_used < first_amount else ""
                # a second code is printed in parts or has its name after it; a number alone
                # before the amounts may be a bare amount
                if other and (other_used > 1 or after == "text"):
                    codes.append(other)
                    stray += [(0, c) for c in cells[k + other_used : first_amount] if c.kind == "digits"]
                    break
            if cell.kind == "text":
                match = _CODE_NAME.match(cell.text)
                if match and len(codes) < 3:  # 2013601-行政运行 | 50101-工资奖金津补贴 | 30101-基本工资
                    codes.append(match.group(1))
                    break
                glued = _EMBEDDED_CODE.search(cell.text)
                if glued and len(codes) < 3:
                    names.append(_Cell("text", cell.tokens, cell.x0, cell.x1, cell.text[: glued.start()]))
                    codes.append(glued.group(1))
                    break
                names.append(cell)
            elif cell.kind == "digits":
                stray.append((0, cell))
            k += 1
        amounts: list[GenericValue] = []
        for cell in cells[first_amount:]:
            if cell.kind == "amount":
                amounts.append(_value(cell))
            elif cell.kind == "digits":
                stray.append((len(amounts), cell))
        family, kind = _family(code)
        name = glued_name + _reading(names)
        return [GenericRow(kind, tuple(codes), name, amounts, cells[0].tokens[0], family, short=short, stray=stray)]
    rows: list[GenericRow] = []
    label_cells: list[_Cell] = []
    values: list[GenericValue] = []
    numbers: list[tuple[int, _Cell]] = []  # numbers that are neither label nor amount

    def flush() -> None:
        if not label_cells and not values:
            if numbers and rows:  # numbers after the last row's amounts: that row's
                rows[-1].stray.extend(numbers)
            return
        label = _reading(label_cells)
        head = label_cells[0].tokens[0] if label_cells else values[0].token
        kind = "total" if _TOTAL.match(label.rstrip("：:")) else ("label" if label else "values")
        name = label.rstrip("：:") if kind == "total" else label
        rows.append(GenericRow(kind, (), name, list(values), head, parts=list(label_cells), stray=list(numbers)))

    for cell in cells:
        if cell.kind == "text":
            if values:
                flush()
                label_cells, values, numbers = [], [], []
            label_cells.append(cell)
        elif cell.kind == "amount":
            values.append(_value(cell))
        else:
            numbers.append((len(values), cell))
    flush()
    return rows


def _value(cell: _Cell) -> GenericValue:
    token = cell.tokens[0] if len(cell.tokens) == 1 else Token(cell.text, "amount", cell.tokens[0].line)
    if len(cell.tokens) > 1 or token.bbox is None:
        token.bbox = _cell_box(cell)
    return GenericValue(cell.fen, token, -1, cell.x0, cell.x1)


def _cell_box(cell: _Cell) -> tuple[float, float, float, float] | None:
    boxes = [t.bbox for t in cell.tokens if t.bbox is not None]
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
