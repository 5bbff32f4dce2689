"""The human-editable YAML form of a budget.

Amounts are written in 万元 as quoted strings ('12593.11'), or with an explicit
unit ('1,234,567.89元'); codes may be written '208 01 01' or '2080101'.
Reading records the line of every item so problems point at it.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from yusuan.ledger.limits import (
    MAX_INPUT_BYTES,
    MIB,
    YAML_MAX_ALIAS_NODES,
    YAML_MAX_ALIASES,
    YAML_MAX_DEPTH,
    shown,
)
from yusuan.ledger.model import Budget, Origin
from yusuan.ledger.problems import Problem
from yusuan.ledger.records import RawBudget, RawRecord, budget_records
from yusuan.ledger.schema import SECTION_BY_KEY, FieldType

_LINE = "__line__"
_MERGE = "tag:yaml.org,2002:merge"
_SURROGATE = re.compile("[\ud800-\udfff]")
#: an integer longer than this stays the text written (Python refuses to convert 4,300 digits);
#: the field it stands in then refuses it by name
_MAX_INT_DIGITS = 30


class _Refused(Exception):
    """A document refused while it is composed, before anything is built from it."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class _Items(list[Any]):
    """A YAML list that knows the line of each of its items."""

    lines: list[int]


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers lines, refuses bombs and reports what it could not take.

    Composing counts alias uses and nesting depth, and the nodes each node stands for with
    every alias expanded (each node counted once, so this is cheap): a document is refused
    as soon as one bound is passed, before anything is expanded. Constructing records a
    problem for a duplicate key and for text that no file can hold (a lone surrogate), and
    keeps a scalar its type cannot take (a 5,000-digit number, 2025-13-45) as the text written.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0
        self.aliases = 0
        self.distinct = 0
        self.expanded: dict[int, int] = {}  # id(node) → nodes with aliases expanded
        self.problems: list[tuple[str, int]] = []

    def compose_node(self, parent: Any, index: Any) -> Any:
        line = self.peek_event().start_mark.line + 1
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > YAML_MAX_ALIASES:
                raise _Refused(f"别名引用（*名称）超过 {YAML_MAX_ALIASES} 处，不予读取", line)
            return super().compose_node(parent, index)
        self.depth += 1
        try:
            if self.depth > YAML_MAX_DEPTH:
                raise _Refused(f"嵌套超过 {YAML_MAX_DEPTH} 层，不予读取", line)
            node = super().compose_node(parent, index)
        finally:
            self.depth -= 1
        self.distinct += 1
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        else:
            children = node.value if isinstance(node, yaml.SequenceNode) else []
        try:
            size = 1 + sum(self.expanded[id(c)] for c in children)
        except KeyError:  # an alias to a node still being composed: to itself or an enclosing node
            raise _Refused("别名引用了包含它自身的内容，不予读取", line) from None
        if size - self.distinct > YAML_MAX_ALIAS_NODES:
            raise _Refused(f"别名展开后的内容过多（超过 {YAML_MAX_ALIAS_NODES} 项），不予读取", line)
        self.expanded[id(node)] = size
        return node

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        deep_before = self.deep_construct
        try:
            return super().construct_object(node, deep)
        except (ValueError, KeyError, TypeError, OverflowError):
            if not isinstance(node, yaml.ScalarNode):
                raise
            # a scalar its implicit or explicit type cannot take: keep the text, the field checks it
            self.recursive_objects.pop(node, None)
            self.deep_construct = deep_before
            self.constructed_objects[node] = node.value
            return node.value


def _line(node: Any) -> int:
    return int(node.start_mark.line) + 1


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    explicit = {id(key) for key, _ in node.value if key.tag != _MERGE}
    loader.flatten_mapping(node)  # merged keys first: an explicit key overrides a merged one
    mapping: dict[str, Any] = {}
    first_line: dict[str, int] = {}
    for key_node, value_node in node.value:
        key = str(loader.construct_object(key_node, deep=True))
        if id(key_node) in explicit:
            if key in first_line:
                message = f"键「{shown(key)}」重复（第{first_line[key]}行和第{_line(key_node)}行），只能写一次"
                loader.problems.append((message, _line(key_node)))
            first_line.setdefault(key, _line(key_node))
        mapping[key] = loader.construct_object(value_node, deep=True)
    mapping[_LINE] = _line(node)
    return mapping


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> _Items:
    items = _Items(loader.construct_object(child, deep=True) for child in node.value)
    items.lines = [_line(child) for child in node.value]
    return items


def _construct_text(loader: _LineLoader, node: yaml.ScalarNode) -> str:
    text = str(loader.construct_scalar(node))
    if _SURROGATE.search(text):
        loader.problems.append(("文字中有无效的 Unicode 字符（单独的代理项，如 \\uD800），请改正", _line(node)))
        return _SURROGATE.sub("\ufffd", text)
    return text


def _construct_int(loader: _LineLoader, node: yaml.ScalarNode) -> int | str:
    text = str(loader.construct_scalar(node))
    if len(text) > _MAX_INT_DIGITS:
        return text
    value = loader.construct_yaml_int(node)
    return value if abs(value) < 10**_MAX_INT_DIGITS else text


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SCALAR_TAG, _construct_text)
_LineLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)

#: YAML keys that hold nested records rather than values
_NESTED = {"staffing", "spending", "indicators", "tasks", "functions"}


def _parse(text: str, file: str) -> tuple[Any, list[Problem]]:
    """The document as plain data (mappings with their lines), or the problems that stopped it."""
    loader: _LineLoader | None = None
    try:
        loader = _LineLoader(text)  # refuses characters YAML does not allow at once
        node = loader.get_single_node()
        doc = None if node is None else loader.construct_document(node)
    except _Refused as exc:
        return None, [Problem(exc.message, Origin(file, row=exc.line))]
    except yaml.YAMLError as exc:
        return None, [Problem(f"YAML 格式错误：{_yaml_problem(exc)}", Origin(file, row=_yaml_line(exc, text)))]
    finally:
        if loader is not None:
            loader.dispose()
    return doc, [Problem(message, Origin(file, row=line)) for message, line in loader.problems]


def _yaml_problem(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.reader.ReaderError):
        return f"含有 YAML 不允许的字符 U+{exc.character:04X}" if isinstance(exc.character, int) else "含有无效的字符"
    return str(getattr(exc, "problem", None) or exc)


def _yaml_line(exc: yaml.YAMLError, text: str) -> int | None:
    """The 1-based line a YAML error points at."""
    if isinstance(exc, yaml.reader.ReaderError):
        return text.count("\n", 0, exc.position) + 1
    mark = getattr(exc, "problem_mark", None)
    return mark.line + 1 if mark else None


def load_yaml_records(path: Path) -> tuple[RawBudget, list[Problem]]:
    """Read a budget YAML file into raw records (no field conversion yet); never raises."""
    file = str(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_INPUT_BYTES + 1)  # a device or a pipe is never read past the bound
    except OSError as exc:
        return {}, [Problem(f"无法读取文件：{exc.strerror or exc}", Origin(file))]
    if len(data) > MAX_INPUT_BYTES:
        return {}, [Problem(f"文件超过 {MAX_INPUT_BYTES // MIB} MB，不是预算账本，未读取", Origin(file))]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return {}, [Problem("文件不是 UTF-8 编码的文本", Origin(file))]
    if not text.strip():
        return {}, [Problem("文件是空的", Origin(file))]
    doc, problems = _parse(text, file)
    if doc is None and problems:
        return {}, problems
    if not isinstance(doc, dict):
        return {}, [Problem("YAML 顶层应为键值表（year、department、units …）", Origin(file))]
    raw = _records(doc, file, problems)
    return raw, problems


def _records(doc: dict[str, Any], file: str, problems: list[Problem]) -> RawBudget:
    """The raw records of a parsed document; a part of the wrong shape is a problem at its line."""
    raw: RawBudget = {}

    def add(section: str, item: dict[str, Any], sheet: str) -> None:
        line = item.get(_LINE)
        known = {f.key for f in SECTION_BY_KEY[section].fields}
        values: dict[str, object] = {}
        for k, v in item.items():
            if k == _LINE or k in _NESTED:
                continue
            if k not in known:
                problems.append(Problem(f"未知字段「{shown(k)}」", Origin(file, sheet, line, k[:40])))
            elif isinstance(v, dict | list):
                what = "键值表" if isinstance(v, dict) else "列表"
                problems.append(Problem(f"应为一个值（文字或数字），不能是{what}", Origin(file, sheet, line, k)))
            else:
                values[k] = v
        raw.setdefault(section, []).append(RawRecord(values, Origin(file, sheet, line)))

    def mapping(value: Any, name: str, line: int | None) -> dict[str, Any]:
        """``value`` when it is a mapping (or empty); else a problem, and an empty mapping."""
        if isinstance(value, dict):
            return value
        if value not in (None, ""):
            problems.append(
                Problem(f"「{name}」应为键值表（如 code: …），而不是「{shown(value)}」", Origin(file, row=line))
            )
        return {}

    def items(key: str, container: dict[str, Any], *, plain: bool = False) -> list[Any]:
        """The items of list ``key``; unless ``plain``, only its mappings (the others are problems)."""
        value = container.get(key)
        if value in (None, ""):
            return []
        if not isinstance(value, list):
            problems.append(Problem(f"「{key}」应为列表", Origin(file, key, container.get(_LINE))))
            return []
        lines = getattr(value, "lines", [None] * len(value))
        out = []
        for number, (item, line) in enumerate(zip(value, lines, strict=True), start=1):
            if plain and isinstance(item, dict | list):
                problems.append(Problem(f"「{key}」的第{number}项应为一段文字", Origin(file, key, line)))
            elif not plain and not isinstance(item, dict):
                message = f"「{key}」的第{number}项应为键值表（如 code: …），而不是「{shown(item)}」"
                problems.append(Problem(message, Origin(file, key, line)))
            else:
                out.append(item)
        return out

    dept = mapping(doc.get("department"), "department", doc.get(_LINE))
    head = {
        "year": doc.get("year"),
        "template": doc.get("template"),
        **{k: v for k, v in dept.items() if k not in _NESTED},
        **mapping(dept.get("staffing"), "department.staffing", dept.get(_LINE)),
        _LINE: dept.get(_LINE, 1),
    }
    add("budget", head, "department")
    for text in items("functions", dept, plain=True):
        raw.setdefault("functions", []).append(RawRecord({"text": text}, Origin(file, "department.functions")))
    for unit in items("units", doc):
        staffing = mapping(unit.get("staffing"), "staffing", unit.get(_LINE))
        add("units", {**{k: v for k, v in unit.items() if k != "staffing"}, **staffing, _LINE: unit[_LINE]}, "units")
    for section in ("income", "basic", "procurement", "transfers", *_NARRATIVE_PARTS):
        for item in items(section, doc):
            add(section, item, section)
    for project in items("projects", doc):
        add("projects", project, "projects")
        code = project.get("code")
        for s in items("spending", project):
            add("project_spending", {**s, "project": code}, "projects.spending")
        for ind in items("indicators", project):
            add("project_indicators", {**ind, "project": code}, "projects.indicators")
    for perf in items("unit_performance", doc):
        add("unit_performance", perf, "unit_performance")
        unit_code = perf.get("unit")
        for task in items("tasks", perf):
            add("unit_tasks", {**task, "unit": unit_code}, "unit_performance.tasks")
        for ind in items("indicators", perf):
            add("unit_indicators", {**ind, "unit": unit_code}, "unit_performance.indicators")
    prior = mapping(doc.get("prior_year"), "prior_year", doc.get(_LINE))
    for key, entry in prior.items():
        if key == _LINE:
            continue
        entry = entry if isinstance(entry, dict) else {"amount": entry, _LINE: prior[_LINE]}
        add("prior_year", {"key": key, **entry}, "prior_year")
    assets = mapping(doc.get("assets"), "assets", doc.get(_LINE))
    if assets:
        add("assets", assets, "assets")
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
        *_NARRATIVE_PARTS,
        "schema",
        _LINE,
    }
    for key in doc:
        if key not in known_top:
            problems.append(Problem(f"未知的部分「{shown(key)}」", Origin(file, key[:40])))
    return raw


#: flat lists of the department's own narrative (reasons for changes, the 决算's reasons, paragraphs, 名词解释)
_NARRATIVE_PARTS = ("reasons", "final_reasons", "paragraphs", "terms")


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
        # the department's own wording, written only when it has some (older ledgers stay as they were)
        **{s: [_yaml_record(s, r) for r in records[s]] for s in _NARRATIVE_PARTS if records[s]},
        "assets": {
            spec.key: amount_text(v) if spec.type is FieldType.AMOUNT else v
            for spec in SECTION_BY_KEY["assets"].fields
            for v in [records["assets"][0][spec.key]]
        },
    }


def dump_yaml(budget: Budget) -> str:
    """The budget as YAML text."""
    return yaml.safe_dump(budget_to_yaml_data(budget), allow_unicode=True, sort_keys=False, width=100)
