"""Drill-down: a table's coded rows regrouped as unit → 类 → 款 → 项 (or 类 → 款 for 经济分类).

Published tables list each unit's 项 (or 经济分类款) rows flat; a reader who wants to see where
the money goes opens 类 first, then 款, then 项. The tree is built from the table itself, so
every node's amounts are the sums of the rows under it and the leaves are the published rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from yusuan.catalog import Catalog, UnknownCodeError
from yusuan.tables.model import Table

#: code length → (catalog, prefix lengths from the top level down)
_LEVELS = {7: ("function", (3, 5, 7)), 5: ("dept_econ", (3, 5))}
_CODE = re.compile(r"^(\d{7}|\d{5})$")


@dataclass(slots=True)
class DrillNode:
    """One line of the drill-down: a unit, or a code at one level, with the sums under it."""

    id: str  # path of codes from the top, '/'-joined: unique in the tree
    code: str
    name: str
    level: int
    amounts: dict[str, int] = field(default_factory=dict)
    children: list[DrillNode] = field(default_factory=list)

    def add(self, amounts: dict[str, int]) -> None:
        for key, value in amounts.items():
            self.amounts[key] = self.amounts.get(key, 0) + value


def _code_of(key: tuple[str, ...], unit: str) -> str | None:
    return next((part for part in key if part != unit and _CODE.match(part)), None)


def _name(catalog: Catalog, which: str, code: str) -> str:
    try:
        return catalog.name(which, code)
    except UnknownCodeError:
        return ""


def drilldown(table: Table, catalog: Catalog) -> list[DrillNode]:
    """The table's coded item rows as a tree (empty when the table has no coded rows)."""
    amount_columns = [c.key for c in table.columns if c.type == "amount"]
    roots: list[DrillNode] = []
    index: dict[str, DrillNode] = {}
    unit_node: DrillNode | None = None
    for row in table.rows:
        if row.kind == "unit":
            code = row.key[0]
            text_columns = [c.key for c in table.columns if c.type == "text"]
            label = next((str(row.value(k)) for k in text_columns if isinstance(row.value(k), str)), "")
            unit_node = DrillNode(code, code, label, 0)
            roots.append(unit_node)
            continue
        if row.kind != "item":
            continue
        found = _code_of(row.key, unit_node.code if unit_node else "")
        if found is None:
            continue
        which, prefixes = _LEVELS[len(found)]
        amounts = {k: row.amount(k) for k in amount_columns}
        parent = unit_node
        if parent is not None:
            parent.add(amounts)
        for depth, length in enumerate(prefixes):
            part = found[:length]
            node_id = f"{parent.id}/{part}" if parent else part
            node = index.get(node_id)
            if node is None:
                node = DrillNode(node_id, part, _name(catalog, which, part), (parent.level + 1) if parent else depth)
                index[node_id] = node
                (parent.children if parent else roots).append(node)
            node.add(amounts)
            parent = node
    return [r for r in roots if r.children]


def visible_nodes(roots: list[DrillNode], opened: set[str]) -> list[tuple[DrillNode, bool]]:
    """The nodes to show, depth first: the roots, and the children of every opened node (node, is_open)."""
    shown: list[tuple[DrillNode, bool]] = []

    def walk(nodes: list[DrillNode]) -> None:
        for node in nodes:
            is_open = node.id in opened
            shown.append((node, is_open))
            if is_open:
                walk(node.children)

    walk(roots)
    return shown
