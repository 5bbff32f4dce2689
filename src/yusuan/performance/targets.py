"""Indicator targets (指标值) as structured values — the contract shared by parsing, checks and scoring.

``parse_target`` (in ``yusuan.performance.indicators``) turns a written value such as
'≥90%', '≤2 小时', '6.1 万人以上' or '不发生' into a ``Target``; ``Target.text`` keeps the
original so that rendering gives back exactly what was written.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Direction(StrEnum):
    """How an actual value is compared with the target."""

    AT_LEAST = "≥"  # 正向: higher is better ('6.1万人以上' too)
    AT_MOST = "≤"  # 反向: lower is better ('以下', '不超过')
    EQUAL = "="  # exactly (a bare number: '1330元', '1人', '100%')
    LESS = "<"
    GREATER = ">"
    QUALITATIVE = "定性"  # '不发生', '按月足额', '提升', '有效提高' …


@dataclass(frozen=True, slots=True)
class Target:
    """A parsed 指标值."""

    text: str  # exactly as written
    direction: Direction
    value: Decimal | None = None  # the number, in ``unit`` (None for qualitative targets)
    unit: str = ""  # '%', '人', '元', '万元', '小时', '万人', '次', '个' …
    warning: str = ""  # why a value that looked quantitative was kept as qualitative

    @property
    def quantitative(self) -> bool:
        return self.direction is not Direction.QUALITATIVE and self.value is not None
