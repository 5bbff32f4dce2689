"""Findings: what the audit reports, each a small frozen record with a stable rule id."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True, slots=True)
class Place:
    """Where a finding points: a table cell, a narrative sentence, or both."""

    table: str = ""  # table number (预算05表)
    row: str = ""  # row key, joined with '/'
    column: str = ""  # column key
    page: int | None = None
    line: int | None = None
    text: str = ""  # the value or sentence as printed
    bbox: tuple[float, float, float, float] | None = None

    def to_data(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in ("table", "row", "column", "page", "line", "text"):
            value = getattr(self, key)
            if value not in ("", None):
                out[key] = value
        if self.bbox is not None:
            out["bbox"] = [round(v, 1) for v in self.bbox]
        return out

    def label(self) -> str:
        """Where, for a person: '预算05表 503001/2080101 total，第 12 行'."""
        parts = []
        if self.table:
            parts.append(self.table)
        if self.row:
            parts.append(self.row)
        if self.column:
            parts.append(f"[{self.column}]")
        if self.page:
            parts.append(f"第{self.page}页")
        if self.line:
            parts.append(f"第{self.line}行")
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class Finding:
    """One inconsistency (or note) the audit found."""

    rule: str
    severity: str
    message: str  # Chinese, complete on its own
    expected: str = ""
    actual: str = ""
    locations: tuple[Place, ...] = field(default_factory=tuple)
    #: the places of the other inconsistencies one printed defect caused (audit/defects.py)
    related: tuple[Place, ...] = field(default_factory=tuple)
    #: for an equality that failed, each location's sign in it (+1 on the side of the printed
    #: total, -1 on the side of its parts, 0 shown but not added); empty for other findings.
    #: It lets the audit tell which printed cell one defect is in; not part of the report.
    signs: tuple[int, ...] = field(default_factory=tuple, compare=False, repr=False)

    def to_data(self) -> dict[str, Any]:
        out = {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "expected": self.expected,
            "actual": self.actual,
            "locations": [p.to_data() for p in self.locations],
        }
        if self.related:
            out["related"] = [p.to_data() for p in self.related]
        return out
