"""Amounts as real documents print them, beyond the clean '12,593.11'.

Spreadsheets exported to PDF print what their cells' formats make of the numbers:

- a bare integer ('2450000', '6': Excel's General format) among amounts with decimals;
- fewer decimals than stored ('123456789.3' for …789.27 in a narrow column): each printed
  amount has its own display step, and a sum's rounding tail (尾差) is bounded by the steps
  of the amounts added, the coarsest ones included;
- thousands separators in the wrong places ('345678,901', '1,2345.00'): the digits are the
  value, the format is worth a warning (``wording.number_format``);
- amounts run together in a wide table printed small ('1,234,500.0067,890,100.00'): split
  where each piece has the table's decimals.

And what the reading must account for on a table row: a numeric token that is neither a code
nor an amount is explained only by a column that holds other numbers (数量, 序号, 行次 …).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from yusuan.money import UNIT_FEN
from yusuan.tables.model import Cell

#: digits with at least one comma among them (a number meant to be grouped)
_COMMA_NUMBER = re.compile(r"^\d[\d,]*,[\d,]*\d(?:\.\d+)?$")
_WELL_GROUPED = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_RUN = re.compile(r"^[\d,]+\.[\d,.]*\.\d+$")  # two decimal points or more: amounts side by side
_PIECE = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|0|[1-9]\d*)\.\d+$")
#: the decimals a run of amounts is tried with, the common two first
RUN_DECIMALS = (2, 1, 3, 4, 5, 6)
#: how the header words of columns that hold numbers which are not amounts end ('采购数量',
#: '功能分类科目编码'); a word that only contains one ('事业单位经营收入') heads amounts
NON_AMOUNT_HEADERS = (
    "序号",
    "行次",
    "栏次",
    "数量",
    "计量单位",
    "人数",
    "编制数",
    "采购方式",
    "备注",
    "期限",
    "年度",
    "年份",
    "时间",
    "日期",
    "型号",
    "编号",
    "编码",
    "代码",
    # columns of text: a number there is part of it ('…三年行动计划（2024-2026' wrapped)
    "名称",
    "内容",
    "目标",
    "说明",
    "依据",
    "概况",
)


def misgrouped(text: str) -> bool:
    """Whether a printed number has thousands separators in the wrong places ('345678,901')."""
    if not _COMMA_NUMBER.match(text) or _WELL_GROUPED.match(text):
        return False
    return sum(ch.isdigit() for ch in text) >= 4  # '1,2' is a list of numbers, not an amount


def misgrouped_value(text: str) -> Decimal:
    """The value of a misgrouped number: the digits are the digits ('12345,678' → 12345678)."""
    return Decimal(text.replace(",", ""))


def printed_decimals(text: str) -> int:
    """How many decimals a printed amount shows ('1,234.5' → 1, '2450000' → 0). A text with more than
    digits after its point ('12593.11（一）…', glued to the next panel's label) shows none that can be
    trusted: 0, so that it never counts as the table's precision (generic_figures)."""
    _whole, dot, frac = text.strip().partition(".")
    return len(frac) if dot and frac.isdigit() else 0


def printed_step(text: str, unit: str) -> int:
    """One step of a printed amount's last digit, in fen (at most 2 decimals count: finer
    prints are not read closer than 0.01 of the unit)."""
    return UNIT_FEN.get(unit, UNIT_FEN["万元"]) // 10 ** min(printed_decimals(text), 2)


def run_splits(text: str) -> list[list[str]]:
    """The ways a word of amounts run together splits into amounts that each show the same
    decimals: '1,234,500.0067,890,100.00' → [['1,234,500.00', '67,890,100.00']]. Empty when
    the word is not such a run."""
    if not _RUN.match(text):
        return []
    out: list[list[str]] = []
    for decimals in RUN_DECIMALS:
        pieces: list[str] = []
        rest = text
        while rest:
            dot = rest.find(".")
            if dot < 0 or len(rest) < dot + 1 + decimals:
                break
            piece, rest = rest[: dot + 1 + decimals], rest[dot + 1 + decimals :]
            if not _PIECE.match(piece):
                break
            pieces.append(piece)
        if not rest and len(pieces) > 1:
            out.append(pieces)
    return out


def piece_boxes(
    box: tuple[float, float, float, float] | None, pieces: list[str]
) -> list[tuple[float, float, float, float] | None]:
    """A word's box shared among its pieces by their share of its characters."""
    if box is None:
        return [None] * len(pieces)
    x0, top, x1, bottom = box
    width = (x1 - x0) / max(sum(len(p) for p in pieces), 1)
    out: list[tuple[float, float, float, float] | None] = []
    start = x0
    for piece in pieces:
        end = start + width * len(piece)
        out.append((start, top, end, bottom))
        start = end
    return out


# --- numbers on a table row that are not amounts ---------------------------------------------------

Span = tuple[float, float]
#: header words that are a column's whole header: 序 over 号, a code printed as 类 | 款 | 项
_WHOLE_WORDS = ("序", "类", "款", "项")


def number_columns(words: list[tuple[str, float, float]]) -> list[tuple[Span, bool]]:
    """The header's words as columns: each word's x range, and whether its column holds numbers
    that are not amounts (数量, 序号, 行次 …, codes). Words as (text, x0, x1)."""
    out: list[tuple[Span, bool]] = []
    for text, x0, x1 in words:
        if x1 <= x0:
            continue
        numbers = text in _WHOLE_WORDS or text.endswith(NON_AMOUNT_HEADERS)
        out.append(((x0, x1), numbers))
    return out


ALIGNED = 3.0  # points a bare amount's edge or centre may stray from its column's
NEAR_HEADER = 8.0  # points between a number and the header word of its column, at most
EXPLAINED = -1  # a number standing in a column of numbers that are not amounts
UNPLACED = -2  # a number no column explains


def place_number(x0: float, x1: float, amount_columns: list[Span], header: list[tuple[Span, bool]]) -> int:
    """Where a number a row printed outside its code and amounts stands: ``EXPLAINED`` when its
    column's header says it holds numbers that are not amounts (数量, 人数, 序号, code parts …),
    else the index of the amount column it is in (a bare integer amount, '2450000'), else
    ``UNPLACED``.

    A number stands right-aligned, centred or left-aligned under its column's header word: the
    nearest word says what it is, or one near it (a header of several lines has words that span
    many columns)."""
    gaps = [(max(a - x1, x0 - b, 0.0), numbers) for (a, b), numbers in header if b > a]
    if gaps and min(gaps)[1]:
        return EXPLAINED
    centre = (x0 + x1) / 2
    for k, (a, b) in enumerate(amount_columns):
        # within the column, and aligned as its amounts are: on its right edge, centre or left edge
        # (a column spread wide by a stray reading is no home for any number within it)
        aligned = min(abs(x1 - b), abs(centre - (a + b) / 2), abs(x0 - a)) <= ALIGNED
        if a - 0.5 <= centre <= b + 0.5 and aligned:
            return k
    if any(numbers and gap <= NEAR_HEADER for gap, numbers in gaps):
        return EXPLAINED
    return UNPLACED


#: how the header words of amount columns end: a column of bare integers under one holds amounts
AMOUNT_HEADERS = ("合计", "小计", "总计", "支出", "收入", "拨款", "经费", "资金", "金额", "预算", "预算数", "补助")


def bare_columns(spans: list[Span]) -> list[Span]:
    """Columns of numbers no amount column holds (a column whose every amount prints as a bare
    integer, Excel's General format): at least two numbers one under the other, aligned on their
    right edge or their centre."""
    out: list[Span] = []
    group: list[Span] = []
    for span in [*sorted(spans), None]:
        if span is not None and group and span[0] < max(b for _a, b in group):
            group.append(span)
            continue
        if len(group) >= 2:
            rights = [b for _a, b in group]
            centres = [(a + b) / 2 for a, b in group]
            if max(rights) - min(rights) <= ALIGNED or max(centres) - min(centres) <= ALIGNED:
                out.append((min(a for a, _b in group), max(rights)))
        group = [span] if span is not None else []
    return out


def amount_header(span: Span, header: list[tuple[str, float, float]]) -> bool:
    """Whether the header word nearest a column says it holds amounts (项目支出, 合计 …)."""
    a, b = span
    words = [(max(x0 - b, a - x1, 0.0), text) for text, x0, x1 in header if x1 > x0]
    return bool(words) and min(words)[1].endswith(AMOUNT_HEADERS)


# --- the rounding a sum of printed amounts allows -------------------------------------------------


def excess_step(cells: Iterable[Cell | None], unit: str, base: int) -> int:
    """How much more than ``base`` (the table's display step) per term the printed cells' own
    steps allow: '12.5' in a 2-decimal 万元 table rounds to 0.1 万元, not 0.01, so a sum it takes
    part in may be off by that much more (尾差). A zero, or a cell not printed, rounds by nothing more."""
    extra = 0
    for cell in cells:
        if cell is None or not isinstance(cell.value, int) or not cell.value or cell.location is None:
            continue
        text = cell.location.text.strip()
        if not text[:1].isdigit():
            continue
        extra += max(0, printed_step(text, unit) - base)
    return extra


__all__ = [
    "AMOUNT_HEADERS",
    "EXPLAINED",
    "NON_AMOUNT_HEADERS",
    "UNPLACED",
    "amount_header",
    "bare_columns",
    "excess_step",
    "misgrouped",
    "misgrouped_value",
    "number_columns",
    "piece_boxes",
    "place_number",
    "printed_decimals",
    "printed_step",
    "run_splits",
]
