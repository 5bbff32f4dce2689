"""Template profiles: a disclosure template's layout as data.

A profile (``profiles/<name>.yaml``) lists the template's tables in order with
their numbers, titles, canonical kinds, multi-level column headers, row
levels and the selectors that say which facts each cell sums. Loading checks
the profile once, so builders can trust it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from yusuan.ledger.model import UnitKind
from yusuan.tables.model import Column

_PACKAGE = "yusuan.tables"

BUILDERS = ("pivot", "two_sided", "unit_performance", "project_performance")
ROW_LEVELS = ("total", "unit", "function", "econ_pair", "econ", "item", "project")
AMOUNTS = ("budget", "executed")
WHERE_KEYS = ("part", "cost", "category", "econ_class", "econ", "econ_set", "funds")


class ProfileError(ValueError):
    """A template profile that is not well formed."""


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    column: Column
    where: dict[str, Any] | None  # None: a label column
    amount: str = "budget"  # which amount of the facts it sums: budget (年初预算数) / executed (决算数)


@dataclass(frozen=True, slots=True)
class RowSpec:
    level: str
    labels: dict[str, str]


@dataclass(frozen=True, slots=True)
class TableSpec:
    number: str
    kind: str
    title: str
    builder: str
    columns: tuple[ColumnSpec, ...]
    rows: tuple[RowSpec, ...] = ()
    facts: str = "expenditure"
    where: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    empty_note: str = ""
    orientation: str = "landscape"
    raw: dict[str, Any] = field(default_factory=dict)  # builder-specific parts (two_sided lines)
    #: a topic only some unit kinds report (operating_costs): a unit of another kind shows the
    #: table empty with ``not_reported_note`` (the profile's ``unit_kinds`` say which kinds)
    topic: str = ""
    not_reported_note: str = ""


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    title: str
    unit: str
    subtitle: str
    fund_groups: dict[str, tuple[str, ...]]
    econ_sets: dict[str, frozenset[str]]
    function_classes: tuple[tuple[str | None, str | None, str | None], ...]
    tables: tuple[TableSpec, ...]
    raw: dict[str, Any] = field(default_factory=dict)  # the whole profile (narrative subjects …)

    def table(self, kind: str) -> TableSpec:
        for spec in self.tables:
            if spec.kind == kind:
                return spec
        raise KeyError(kind)


def available_profiles() -> list[str]:
    """Names of the publishing templates shipped with yusuan: the one list that a ledger's
    ``template`` is checked against and that ``build`` loads from."""
    return list(_publishing_profiles())


@cache
def _publishing_profiles() -> tuple[str, ...]:
    # profiles/ also holds vocabularies that lay out no tables (generic.yaml, the generic
    # extractor's): a ledger naming one passed the check and then could not be built
    folder = resources.files(_PACKAGE).joinpath("profiles")
    names = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if path.name.endswith(".yaml") and "tables" in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}):
            names.append(path.name.removesuffix(".yaml"))
    return tuple(names)


def budget_templates() -> list[str]:
    """The profiles a budget ledger may name as its ``template``: not the 决算's (``kind: final``),
    which lays out final accounts built by ``yusuan final``."""
    return [name for name in available_profiles() if _profile_kind(name) != "final"]


@cache
def _profile_kind(name: str) -> str:
    text = resources.files(_PACKAGE).joinpath("profiles", f"{name}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return str(data.get("kind", "budget")) if isinstance(data, dict) else "budget"


def _flatten(items: list[Any]) -> list[dict[str, Any]]:
    """YAML aliases put lists inside lists; columns are one flat list."""
    out: list[dict[str, Any]] = []
    for item in items:
        out.extend(_flatten(item) if isinstance(item, list) else [item])
    return out


@cache
def load_profile(name: str) -> Profile:
    """Load and check a template profile by name."""
    if name not in available_profiles():
        raise ProfileError(f"未知的模板「{name}」，可用：{'、'.join(available_profiles())}")
    text = resources.files(_PACKAGE).joinpath("profiles", f"{name}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if "scopes_from" in data:  # the scope words and unit kinds are another profile's, kept in one place
        shared = load_profile(data["scopes_from"]).raw
        data = {**data, "scopes": shared["scopes"], "unit_kinds": shared["unit_kinds"]}
    fund_groups = {k: tuple(v) for k, v in data["fund_groups"].items()}
    econ_sets = {k: frozenset(v) for k, v in data["econ_sets"].items()}
    tables = tuple(_table_spec(t, fund_groups, econ_sets) for t in data["tables"])
    numbers = [t.number for t in tables]
    if len(set(numbers)) != len(numbers):
        raise ProfileError(f"模板 {name} 的表号重复")
    _check_scopes(name, data, tables)
    return Profile(
        name=data["name"],
        title=data["title"],
        unit=data["unit"],
        subtitle=data.get("subtitle", ""),
        fund_groups=fund_groups,
        econ_sets=econ_sets,
        function_classes=tuple(tuple(c) for c in data["function_classes"]),  # type: ignore[misc]
        tables=tables,
        raw=data,
    )


def _table_spec(t: dict[str, Any], fund_groups: dict[str, Any], econ_sets: dict[str, Any]) -> TableSpec:
    where_ = t.get("where") or {}
    columns = []
    for c in _flatten(t["columns"]):
        col_type = c.get("type", "amount")
        column = Column(c["key"], tuple(c["headers"]), col_type, c.get("width", 12))
        where = c.get("where", {}) if col_type == "amount" else None
        for w in (where or {}, where_):
            _check_where(t["number"], w, fund_groups, econ_sets)
        amount = c.get("amount", "budget")
        if amount not in AMOUNTS:
            raise ProfileError(f"{t['number']}: 未知的金额口径 {amount}（可用：{'、'.join(AMOUNTS)}）")
        columns.append(ColumnSpec(column, where, amount))
    rows = tuple(RowSpec(r["level"], dict(r.get("labels") or {})) for r in t.get("rows") or [])
    for r in rows:
        if r.level not in ROW_LEVELS:
            raise ProfileError(f"{t['number']}: 未知的行层级 {r.level}")
    if t["builder"] not in BUILDERS:
        raise ProfileError(f"{t['number']}: 未知的构建方式 {t['builder']}")
    return TableSpec(
        number=t["number"],
        kind=t["kind"],
        title=t["title"],
        builder=t["builder"],
        columns=tuple(columns),
        rows=rows,
        facts=t.get("facts", "expenditure"),
        where=where_,
        note=t.get("note", ""),
        empty_note=t.get("empty_note", ""),
        orientation=t.get("orientation", "landscape"),
        raw=t,
        topic=t.get("topic", ""),
        not_reported_note=t.get("not_reported_note", ""),
    )


def _check_scopes(name: str, data: dict[str, Any], tables: tuple[TableSpec, ...]) -> None:
    """A publishing profile words both scopes (汇总, one unit) and names every unit kind, so a
    unit's disclosure never meets a missing word; a topic table has the note a unit shows without it."""
    if "scopes" not in data:
        return
    for scope in ("department", "unit"):
        if not isinstance(data["scopes"].get(scope), dict):
            raise ProfileError(f"模板 {name}: scopes 缺少 {scope}")
    kinds = data.get("unit_kinds") or {}
    missing = [str(k) for k in UnitKind if str(k) not in kinds or "name" not in kinds[str(k)]]
    if missing:
        raise ProfileError(f"模板 {name}: unit_kinds 缺少单位类型 {'、'.join(missing)}")
    for t in tables:
        if t.topic and not t.not_reported_note:
            raise ProfileError(f"{t.number}: 有 topic 而没有 not_reported_note")


def _check_where(table: str, where: dict[str, Any], fund_groups: dict[str, Any], econ_sets: dict[str, Any]) -> None:
    for key, value in where.items():
        if key not in WHERE_KEYS:
            raise ProfileError(f"{table}: 未知的筛选条件 {key}")
        if key == "funds":
            for group in value:
                if group not in fund_groups:
                    raise ProfileError(f"{table}: 未知的资金来源组 {group}")
        if key == "econ_set":
            for name in value:
                if name not in econ_sets:
                    raise ProfileError(f"{table}: 未知的经济分类集合 {name}")
