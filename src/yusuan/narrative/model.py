"""The narrative of a disclosure (概况, 情况说明, 名词解释) as a list of blocks.

A template renders the prose once into blocks; HTML and PDF renderers only
lay blocks out. Every figure in the text is also kept as a ``Figure`` naming
what it measures, so tests (and the audit) can check it against the tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Block:
    """One block of the narrative."""

    kind: str  # part (第一部分 …) / title (the part's title line) / heading (一、…) / subheading ((一)…) / paragraph
    text: str


@dataclass(frozen=True, slots=True)
class Figure:
    """A number the narrative states, with what it measures."""

    subject: str  # e.g. 'expenditure.basic', 'gpb.class.210', 'change.total'
    kind: str  # amount / share / change_amount / growth / count
    value: str  # as written: '404.19', '3.21', '1474.55', '13.26', '26'
    fen: int | None = None  # for amounts: the exact value behind the text


@dataclass(slots=True)
class Narrative:
    """The narrative part of one disclosure."""

    title: str  # e.g. 焦作市解放区人力资源和社会保障局（汇总）2025年部门预算公开
    blocks: list[Block] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # e.g. a change without a reason
    attachment_title: str = ""  # 附件：… 部门预算表
