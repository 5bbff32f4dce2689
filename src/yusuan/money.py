"""Money: integer fen (分) inside, ``Decimal`` at the edges, 万元 for display.

Budgets are published in 万元 with two decimals; the ledger keeps exact
integer fen so sums never drift, and only display rounds (ROUND_HALF_UP, as
the finance system does). Floats never appear: a float amount is refused.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN_PER_YUAN = 100
FEN_PER_WAN = 1_000_000  # 1 万元 = 10,000 元 = 1,000,000 分

UNIT_FEN = {"元": FEN_PER_YUAN, "万元": FEN_PER_WAN}

_CENT = Decimal("0.01")
_AMOUNT_RE = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")


class AmountError(ValueError):
    """A text that is not an amount (non-numeric, float given, too many decimals)."""


def parse_amount(text: str | int | Decimal, unit: str = "万元") -> int:
    """Parse a written amount into fen.

    Accepts thousands separators and a trailing unit word that overrides
    ``unit``: '12,593.11' (万元 by default), '12593.11万元', '1,234,567.89元'.
    An amount finer than one fen is refused rather than silently rounded.
    """
    if isinstance(text, bool | float):
        raise AmountError(f"金额不能是浮点数：{text!r}，请写成文本或整数")
    if isinstance(text, int):
        return _to_fen(Decimal(text), unit, str(text))
    if isinstance(text, Decimal):
        return _to_fen(text, unit, str(text))
    raw = str(text)
    s = raw.strip().replace("，", ",").replace(" ", "")
    for word in ("万元", "元"):
        if s.endswith(word):
            s, unit = s[: -len(word)], word
            break
    if not _AMOUNT_RE.match(s):
        raise AmountError(f"不是有效金额：{raw!r}")
    try:
        value = Decimal(s.replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - regex already guards
        raise AmountError(f"不是有效金额：{raw!r}") from exc
    return _to_fen(value, unit, raw)


def _to_fen(value: Decimal, unit: str, raw: str) -> int:
    if unit not in UNIT_FEN:
        raise AmountError(f"未知金额单位：{unit!r}（应为 元 或 万元）")
    fen = value * UNIT_FEN[unit]
    if fen != fen.to_integral_value():
        raise AmountError(f"金额精度超过 1 分：{raw!r}")
    return int(fen)


def fen_to_decimal(fen: int, unit: str = "万元") -> Decimal:
    """Exact value of ``fen`` in ``unit`` (no rounding)."""
    return Decimal(fen) / UNIT_FEN[unit]


def round_display(fen: int, unit: str = "万元") -> Decimal:
    """The value shown in a table: ``unit`` with two decimals, ROUND_HALF_UP."""
    return fen_to_decimal(fen, unit).quantize(_CENT, rounding=ROUND_HALF_UP)


def format_amount(fen: int | None, unit: str = "万元", *, blank_zero: bool = False, thousands: bool = False) -> str:
    """Format fen for display, e.g. 12,593,110,000 fen → '12593.11'."""
    if fen is None or (blank_zero and fen == 0):
        return ""
    d = round_display(fen, unit)
    return f"{d:,.2f}" if thousands else f"{d:.2f}"


def format_wan(fen: int) -> str:
    """Shorthand: fen as 万元 with two decimals."""
    return format_amount(fen, "万元")
