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

from yusuan.ledger.model import Budget, Indicator, Origin
from yusuan.ledger.problems import Problem
from yusuan.ledger.records import RawBudget, RawRecord
from yusuan.ledger.schema import SECTION_BY_KEY

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


def _indicator(ind: Indicator) -> dict[str, str]:
    out = {"level1": str(ind.level1), "name": ind.name, "value": ind.value}
    if ind.level2:
        out["level2"] = ind.level2
    if ind.explanation:
        out["explanation"] = ind.explanation
    return out


def budget_to_yaml_data(budget: Budget) -> dict[str, Any]:
    """The YAML document (as plain data) for a budget."""
    d = budget.department
    st = d.staffing
    out: dict[str, Any] = {
        "schema": "yusuan.budget/1",
        "year": budget.year,
        "template": budget.template,
        "department": {
            "code": d.code,
            "name": d.name,
            "consolidated": d.consolidated,
            "institutions": d.institutions,
            "staffing": {"headcount": st.headcount, "administrative": st.administrative, "institution": st.institution},
            "functions": list(d.functions),
        },
        "units": [
            {
                "code": u.code,
                "name": u.name,
                "kind": str(u.kind),
                "staffing": {
                    "headcount": u.staffing.headcount,
                    "administrative": u.staffing.administrative,
                    "institution": u.staffing.institution,
                },
            }
            for u in budget.units
        ],
        "income": [{"unit": i.unit, "fund": str(i.fund), "amount": amount_text(i.amount)} for i in budget.income],
        "basic": [
            {
                "unit": b.unit,
                "function": b.function,
                "econ": b.econ,
                "gov_econ": b.gov_econ,
                "fund": str(b.fund),
                "item": b.item,
                "amount": amount_text(b.amount),
            }
            for b in budget.basic
        ],
        "projects": [
            {
                "unit": p.unit,
                "code": p.code,
                "name": p.name,
                "category": str(p.category),
                "function": p.function,
                "amount": amount_text(p.amount),
                **({"key": True} if p.key else {}),
                **({"purpose": p.purpose} if p.purpose else {}),
                "spending": [
                    {"econ": s.econ, "gov_econ": s.gov_econ, "fund": str(s.fund), "amount": amount_text(s.amount)}
                    for s in p.spending
                ],
                "indicators": [_indicator(i) for i in p.indicators],
            }
            for p in budget.projects
        ],
        "unit_performance": [
            {
                "unit": up.unit,
                "goal": up.goal,
                "tasks": [{"name": t.name, "content": t.content} for t in up.tasks],
                "indicators": [_indicator(i) for i in up.indicators],
            }
            for up in budget.unit_performance
        ],
        "prior_year": {
            key: {
                **({"amount": amount_text(budget.prior_year.amounts[key])} if key in budget.prior_year.amounts else {}),
                **({"reason": budget.prior_year.reasons[key]} if key in budget.prior_year.reasons else {}),
            }
            for key in sorted(set(budget.prior_year.amounts) | set(budget.prior_year.reasons))
        },
        "procurement": [
            {"unit": p.unit, "item": p.item, "category": p.category, "amount": amount_text(p.amount)}
            for p in budget.procurement
        ],
        "assets": {
            k: (amount_text(v) if k in _ASSET_AMOUNTS else v)
            for k, v in ((f, getattr(budget.assets, f)) for f in _ASSET_FIELDS)
        },
        "transfers": [{"name": t.name, "amount": amount_text(t.amount)} for t in budget.transfers],
    }
    return out


_ASSET_FIELDS = [f.key for f in SECTION_BY_KEY["assets"].fields]
_ASSET_AMOUNTS = {"buildings", "vehicles", "office_equipment", "special_equipment", "other"}


def dump_yaml(budget: Budget) -> str:
    """The budget as YAML text."""
    return yaml.safe_dump(budget_to_yaml_data(budget), allow_unicode=True, sort_keys=False, width=100)
