"""The human-editable YAML form of a budget.

Amounts are written in 万元 as quoted strings ('12593.11'), or with an explicit
unit ('1,234,567.89元'); codes may be written '208 01 01' or '2080101'.
Reading records the line of every item so problems point at it.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from yusuan.ledger.model import Budget, Origin
from yusuan.ledger.problems import Problem
from yusuan.ledger.records import RawBudget, RawRecord, budget_records
from yusuan.ledger.schema import SECTION_BY_KEY, FieldType

_LINE = "__line__"


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = {str(k): v for k, v in loader.construct_mapping(node, deep=True).items()}
    mapping[_LINE] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

#: YAML keys that hold nested records rather than values
_NESTED = {"staffing", "spending", "indicators", "tasks", "functions"}


def load_yaml_records(path: Path) -> tuple[RawBudget, list[Problem]]:
    """Read a budget YAML file into raw records (no field conversion yet)."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return {}, [Problem("文件不是 UTF-8 编码的文本", Origin(file))]
    if not text.strip():
        return {}, [Problem("文件是空的", Origin(file))]
    try:
        doc = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        return {}, [Problem(f"YAML 格式错误：{getattr(exc, 'problem', exc)}", Origin(file, row=line))]
    if not isinstance(doc, dict):
        return {}, [Problem("YAML 顶层应为键值映射（year、department、units …）", Origin(file))]

    raw: RawBudget = {}
    problems: list[Problem] = []

    def add(section: str, item: Any, sheet: str) -> None:
        if not isinstance(item, dict):
            problems.append(Problem(f"「{sheet}」的每一项应为键值映射", Origin(file, sheet)))
            return
        line = item.get(_LINE)
        known = {f.key for f in SECTION_BY_KEY[section].fields}
        values = {k: v for k, v in item.items() if k != _LINE and k not in _NESTED}
        for k in values:
            if k not in known:
                problems.append(Problem(f"未知字段「{k}」", Origin(file, sheet, line, k)))
        raw.setdefault(section, []).append(RawRecord(values, Origin(file, sheet, line)))

    def items(key: str, container: dict[str, Any]) -> list[Any]:
        value = container.get(key) or []
        if not isinstance(value, list):
            problems.append(Problem(f"「{key}」应为列表", Origin(file, key, container.get(_LINE))))
            return []
        return value

    dept = doc.get("department") or {}
    if not isinstance(dept, dict):
        dept = {}
    head = {
        "year": doc.get("year"),
        "template": doc.get("template"),
        **{k: v for k, v in dept.items() if k not in _NESTED},
        **(dept.get("staffing") or {}),
        _LINE: dept.get(_LINE, 1),
    }
    add("budget", head, "department")
    for text in items("functions", dept):
        raw.setdefault("functions", []).append(RawRecord({"text": text}, Origin(file, "department.functions")))
    for unit in items("units", doc):
        flat = {**{k: v for k, v in unit.items() if k != "staffing"}, **(unit.get("staffing") or {})}
        add("units", flat, "units")
    for section in ("income", "basic", "procurement", "transfers"):
        for item in items(section, doc):
            add(section, item, section)
    for project in items("projects", doc):
        add("projects", project, "projects")
        code = project.get("code") if isinstance(project, dict) else None
        for s in items("spending", project if isinstance(project, dict) else {}):
            add("project_spending", {**s, "project": code}, "projects.spending")
        for ind in items("indicators", project if isinstance(project, dict) else {}):
            add("project_indicators", {**ind, "project": code}, "projects.indicators")
    for perf in items("unit_performance", doc):
        add("unit_performance", perf, "unit_performance")
        unit_code = perf.get("unit") if isinstance(perf, dict) else None
        for task in items("tasks", perf if isinstance(perf, dict) else {}):
            add("unit_tasks", {**task, "unit": unit_code}, "unit_performance.tasks")
        for ind in items("indicators", perf if isinstance(perf, dict) else {}):
            add("unit_indicators", {**ind, "unit": unit_code}, "unit_performance.indicators")
    prior = doc.get("prior_year") or {}
    if isinstance(prior, dict):
        for key, entry in prior.items():
            if key == _LINE:
                continue
            entry = entry if isinstance(entry, dict) else {"amount": entry}
            add("prior_year", {"key": key, **entry}, "prior_year")
    if doc.get("assets"):
        add("assets", doc["assets"], "assets")
    known_top = {
        "year",
        "template",
        "department",
        "units",
        "income",
        "basic",
        "projects",
        "unit_performance",
        "prior_year",
        "procurement",
        "assets",
        "transfers",
        "schema",
        _LINE,
    }
    for key in doc:
        if key not in known_top:
            problems.append(Problem(f"未知的部分「{key}」", Origin(file, key)))
    return raw, problems


def amount_text(fen: int) -> str:
    """Exact 万元 text for an amount in fen: 125931100000 → '12593.11'."""
    value = (Decimal(fen) / 1_000_000).normalize()
    text = f"{value:f}"
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def _yaml_record(section: str, record: dict[str, Any], drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """A flat record as YAML writes it: amounts as exact 万元 text, empty optional fields left out."""
    out: dict[str, Any] = {}
    for spec in SECTION_BY_KEY[section].fields:
        value = record.get(spec.key)
        if spec.key in drop or (not spec.required and (value is None or value == "" or value is False)):
            continue
        out[spec.key] = amount_text(value) if spec.type is FieldType.AMOUNT and isinstance(value, int) else value
    return out


_STAFFING = ("headcount", "administrative", "institution")


def budget_to_yaml_data(budget: Budget) -> dict[str, Any]:
    """The YAML document (as plain data) for a budget: the flat records, nested for reading."""
    records = budget_records(budget)
    head = records["budget"][0]

    def staffed(record: dict[str, Any]) -> dict[str, Any]:
        flat = {k: v for k, v in record.items() if k not in _STAFFING}
        return {**flat, "staffing": {k: record.get(k) or 0 for k in _STAFFING}}

    def children(section: str, parent_key: str, parent: str) -> list[dict[str, Any]]:
        return [_yaml_record(section, r, (parent_key,)) for r in records[section] if r[parent_key] == parent]

    department = staffed(_yaml_record("budget", head, ("year", "template")))
    department["functions"] = [r["text"] for r in records["functions"]]
    return {
        "schema": "yusuan.budget/1",
        "year": head["year"],
        "template": head["template"],
        "department": department,
        "units": [staffed(_yaml_record("units", r)) for r in records["units"]],
        **{s: [_yaml_record(s, r) for r in records[s]] for s in ("income", "basic")},
        "projects": [
            {
                **_yaml_record("projects", r),
                "spending": children("project_spending", "project", r["code"]),
                "indicators": children("project_indicators", "project", r["code"]),
            }
            for r in records["projects"]
        ],
        "unit_performance": [
            {
                **_yaml_record("unit_performance", r),
                "tasks": children("unit_tasks", "unit", r["unit"]),
                "indicators": children("unit_indicators", "unit", r["unit"]),
            }
            for r in records["unit_performance"]
        ],
        "prior_year": {r["key"]: _yaml_record("prior_year", r, ("key",)) for r in records["prior_year"]},
        **{s: [_yaml_record(s, r) for r in records[s]] for s in ("procurement", "transfers")},
        "assets": {
            spec.key: amount_text(v) if spec.type is FieldType.AMOUNT else v
            for spec in SECTION_BY_KEY["assets"].fields
            for v in [records["assets"][0][spec.key]]
        },
    }


def dump_yaml(budget: Budget) -> str:
    """The budget as YAML text."""
    return yaml.safe_dump(budget_to_yaml_data(budget), allow_unicode=True, sort_keys=False, width=100)
