"""Figures the narrative states: amounts, shares that add up, year-on-year changes.

Every number in the text goes through ``FigureBook`` so it is formatted one
way and recorded with what it measures.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from yusuan.money import format_wan
from yusuan.narrative.model import Figure

_CENT = Decimal("0.01")


def percent(part: int, whole: int) -> Decimal:
    """part / whole as a percentage with two decimals (ROUND_HALF_UP); 0 when whole is 0."""
    if whole == 0:
        return Decimal("0.00")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(_CENT, rounding=ROUND_HALF_UP)


def shares_of_whole(parts: list[int]) -> list[Decimal]:
    """Shares of ``sum(parts)`` with two decimals that add up to exactly 100.00%.

    Largest-remainder rounding: each share is floored to 0.01%, then the
    hundredths still missing go to the parts with the largest remainders
    (ties to the larger part, then the earlier one).
    """
    whole = sum(parts)
    if whole == 0:
        return [Decimal("0.00") for _ in parts]
    basis = 10_000  # hundredths of a percent
    floors = [p * basis // whole for p in parts]
    remainders = [p * basis % whole for p in parts]
    missing = basis - sum(floors)
    order = sorted(range(len(parts)), key=lambda i: (-remainders[i], -parts[i], i))
    for i in order[:missing]:
        floors[i] += 1
    return [Decimal(f) / 100 for f in floors]


@dataclass(frozen=True, slots=True)
class Change:
    """A year-on-year change as the narrative words it."""

    direction: str  # 增加 / 减少 / 持平
    trend: str  # 增长 / 下降 / ''
    amount: str  # absolute change in 万元
    percent: str  # growth rate, '' when last year was zero
    reason: str

    @property
    def flat(self) -> bool:
        return self.direction == "持平"


class FigureBook:
    """Formats the narrative's numbers and remembers each one with its subject."""

    def __init__(self) -> None:
        self.figures: list[Figure] = []
        self.warnings: list[str] = []

    def amount(self, subject: str, fen: int) -> str:
        text = format_wan(fen)
        self.figures.append(Figure(subject, "amount", text, fen))
        return text

    def share(self, subject: str, value: Decimal) -> str:
        text = f"{value:.2f}"
        self.figures.append(Figure(subject, "share", text))
        return text

    def shares(self, subject: str, parts: dict[str, int]) -> dict[str, str]:
        """Shares of the parts of one whole, keyed like ``parts``; they add up to 100.00."""
        values = shares_of_whole(list(parts.values()))
        return {key: self.share(f"{subject}.{key}", v) for key, v in zip(parts, values, strict=True)}

    def count(self, subject: str, n: int) -> str:
        self.figures.append(Figure(subject, "count", str(n)))
        return str(n)

    def change(
        self, subject: str, current: int, prior: int | None, reason: str, label: str, *, ask_reason: bool = True
    ) -> Change | None:
        """The change from last year, or None when last year's figure is unknown; a warning for a
        change without a reason unless ``ask_reason`` is False (the caller asks in its own words)."""
        if prior is None:
            return None
        diff = current - prior
        amount = format_wan(abs(diff))
        self.figures.append(Figure(f"change.{subject}", "change_amount", amount, abs(diff)))
        rate = ""
        if prior:
            rate = f"{abs(percent(diff, prior)):.2f}"
            self.figures.append(Figure(f"growth.{subject}", "growth", rate))
        if diff and not reason and ask_reason:
            self.warnings.append(f"{label}比上年{'增加' if diff > 0 else '减少'} {amount} 万元，但账本中没有说明原因")
        if diff > 0:
            return Change("增加", "增长", amount, rate, reason)
        if diff < 0:
            return Change("减少", "下降", amount, rate, reason)
        return Change("持平", "", amount, rate, reason)
