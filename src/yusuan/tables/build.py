"""Builders: Budget → TableSet, driven entirely by the template profile.

Four builders cover the fifteen tables: ``pivot`` (rows grouped by unit,
function, economic code, item or project; every amount cell is the sum of
matching facts), ``two_sided`` (the 收入/支出 summary tables), and the two
performance-target tables. Nothing here knows a table number or title.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from yusuan.catalog import Catalog, load_catalog
from yusuan.catalog.codes import split_econ_code, split_function_code
from yusuan.ledger.model import Budget, IndicatorLevel1
from yusuan.tables.facts import Fact, expenditure_facts, income_facts
from yusuan.tables.model import Cell, Column, Row, Table, TableSet
from yusuan.tables.profile import ColumnSpec, Profile, RowSpec, TableSpec, load_profile
from yusuan.tables.scope import reporting_units, scoped

Predicate = Callable[[Fact], bool]


class _Context:
    """What every builder needs: the budget (restricted to the scope's unit), its facts, catalog and profile."""

    def __init__(
        self,
        budget: Budget,
        profile: Profile,
        catalog: Catalog,
        unit: str | None = None,
        facts: dict[str, list[Fact]] | None = None,
    ) -> None:
        budget, self.scope = scoped(budget, unit)
        self.budget = budget
        self.profile = profile
        self.catalog = catalog
        self.facts = facts or {"expenditure": expenditure_facts(budget), "income": income_facts(budget)}
        self.units = {u.code: u for u in budget.units}
        self.unit_order = {u.code: i for i, u in enumerate(budget.units)}
        self.projects = {p.code: p for p in budget.projects}
        suffix = "（汇总）" if budget.department.consolidated else ""
        self.department_label = budget.department.name + suffix
        self._predicates: dict[str, Predicate] = {}

    def predicate(self, where: dict[str, Any] | None) -> Predicate:
        """Compile a profile selector into a test on facts (cached by its text)."""
        where = where or {}
        cache_key = repr(sorted(where.items()))
        if cache_key in self._predicates:
            return self._predicates[cache_key]
        tests: list[Predicate] = []
        if "part" in where:
            part = where["part"]
            tests.append(lambda f: f.part == part)
        if "cost" in where:
            cost = where["cost"]
            tests.append(lambda f: f.cost == cost)
        if "category" in where:
            category = where["category"]
            tests.append(lambda f: f.category == category)
        if "econ_class" in where:
            classes = frozenset(where["econ_class"])
            tests.append(lambda f: f.econ[:3] in classes)
        if "econ" in where:
            codes = frozenset(where["econ"])
            tests.append(lambda f: f.econ in codes)
        if "econ_set" in where:
            codes = frozenset().union(*(self.profile.econ_sets[n] for n in where["econ_set"]))
            tests.append(lambda f: f.econ in codes)
        if "funds" in where:
            funds = frozenset(fund for g in where["funds"] for fund in self.profile.fund_groups[g])
            tests.append(lambda f: f.fund in funds)
        pred: Predicate = (lambda f: all(t(f) for t in tests)) if tests else (lambda f: True)
        self._predicates[cache_key] = pred
        return pred

    def fill(self, template: str, **values: str) -> str:
        noun = self.scope.words(self.profile)["noun"]  # 部门 / 单位
        return template.format(department=self.department_label, year=self.budget.year, noun=noun, **values)

    def reported(self, spec: TableSpec) -> bool:
        """Whether the scope reports this table's topic (a 事业单位 has no 机关运行经费 of its own)."""
        return not spec.topic or self.scope.reports(spec.topic, self.profile)

    def table_facts(self, spec: TableSpec) -> list[Fact]:
        """The facts a table adds up: its selection, none when its scope does not report it; of a
        topic table (机关运行经费), only the facts of the units that report the topic."""
        if not self.reported(spec):
            return []
        selected = self.predicate(spec.where)
        facts = [f for f in self.facts[spec.facts] if selected(f)]
        if spec.topic:
            units = reporting_units(self.budget, spec.topic, self.profile)
            facts = [f for f in facts if f.unit in units]
        return facts


def build_tables(
    budget: Budget,
    profile: Profile | None = None,
    catalog: Catalog | None = None,
    unit: str | None = None,
    facts: dict[str, list[Fact]] | None = None,
) -> TableSet:
    """Every table of the budget's template, built from the ledger; only unit ``unit``'s records when
    given (its own disclosure, 单位预算公开; :class:`~yusuan.tables.scope.UnknownUnitError` if the
    ledger has no such unit). ``facts`` may replace the ledger's: facts that also carry executed
    amounts (the 决算's, see :func:`yusuan.tables.facts.final_facts`), of the whole department."""
    if facts is not None and unit is not None:
        raise ValueError("决算的表格按整个部门编制，不按单位")
    profile = profile or load_profile(budget.template)
    ctx = _Context(budget, profile, catalog or load_catalog(), unit, facts)
    tables = [_BUILDERS[spec.builder](ctx, spec) for spec in profile.tables]
    return TableSet(year=ctx.budget.year, department=ctx.department_label, template=profile.name, tables=tables)


def table_facts(budget: Budget, kind: str, profile: Profile | None = None, unit: str | None = None) -> list[Fact]:
    """The ledger facts a table of ``kind`` adds up (its own selection, before its columns split them):
    what a reader drilling down from one of its rows to the ledger's lines sees."""
    profile = profile or load_profile(budget.template)
    ctx = _Context(budget, profile, load_catalog(), unit)
    return ctx.table_facts(profile.table(kind))


def _new_table(ctx: _Context, spec: TableSpec, rows: list[Row]) -> Table:
    table = Table(
        kind=spec.kind,
        number=spec.number,
        title=ctx.fill(spec.title),
        unit=ctx.profile.unit,
        columns=[c.column for c in spec.columns],
        rows=rows,
        subtitle=ctx.fill(ctx.profile.subtitle),
        note=ctx.fill(spec.note) if spec.note else "",
        orientation=spec.orientation,
    )
    if not ctx.reported(spec):
        table.note = ctx.fill(spec.not_reported_note, unit_kind=ctx.scope.unit_kind(ctx.profile)["name"])
    elif spec.empty_note and table.is_empty:
        table.note = ctx.fill(spec.empty_note)
    return table


# --- pivot --------------------------------------------------------------------------------------

_ITEM_TYPES = {"personnel": "人员类", "public": "公用经费"}


def _leaf_key(level: str, fact: Fact) -> tuple[str, ...]:
    if level == "function":
        return (fact.function,)
    if level == "econ_pair":
        return (fact.econ, fact.gov_econ)
    if level == "econ":
        return (fact.econ,)
    if level == "item":
        return (fact.item,)
    if level == "project":
        return (fact.project,)
    raise ValueError(level)


def _labels(ctx: _Context, level: str, unit: str, leaf: tuple[str, ...], first: Fact | None) -> dict[str, str]:
    """The values a row's label templates may use."""
    values: dict[str, str] = {}
    if unit:
        values.update(unit_code=unit, unit_name=ctx.units[unit].name)
    cat = ctx.catalog
    if level == "function":
        code = leaf[0]
        parts = split_function_code(code)
        values.update(
            func_class=parts[0], func_kuan=parts[1], func_xiang=parts[2], func_name=cat.name("function", code)
        )
    elif level in ("econ_pair", "econ"):
        dept = leaf[0]
        values.update(dept_code=dept, dept_name=cat.name("dept_econ", dept))
        values.update(zip(("dept_class", "dept_kuan"), split_econ_code(dept), strict=True))
        if level == "econ_pair":
            gov = leaf[1]
            values.update(gov_code=gov, gov_name=cat.name("gov_econ", gov))
            values.update(zip(("gov_class", "gov_kuan"), split_econ_code(gov), strict=True))
    elif level == "item" and first is not None:
        values.update(item_name=leaf[0], item_type=_ITEM_TYPES[first.cost])
    elif level == "project":
        project = ctx.projects[leaf[0]]
        values.update(project_name=project.name, project_category=str(project.category))
    return values


#: a column's sums: (column key, which facts, which amount of them: budget / executed)
SumColumn = tuple[str, Predicate, str]


def _sum_columns(facts: Iterable[Fact], columns: list[SumColumn]) -> dict[str, int]:
    sums = dict.fromkeys((k for k, _, _ in columns), 0)
    for fact in facts:
        for key, pred, which in columns:
            if pred(fact):
                sums[key] += fact.value(which)
    return sums


def _sum_specs(ctx: _Context, spec: TableSpec) -> list[SumColumn]:
    return [(c.column.key, ctx.predicate(c.where), c.amount) for c in spec.columns if c.where is not None]


def _row(
    ctx: _Context,
    spec: RowSpec,
    key: tuple[str, ...],
    kind: str,
    level: int,
    labels: dict[str, str],
    sums: dict[str, int],
) -> Row:
    cells = {col: Cell(ctx.fill(text, **labels)) for col, text in spec.labels.items()}
    cells.update({col: Cell(value) for col, value in sums.items()})
    return Row(key=key, kind=kind, cells=cells, level=level)


def _build_pivot(ctx: _Context, spec: TableSpec) -> Table:
    facts = [f for f in ctx.table_facts(spec) if f.amount or f.executed]
    columns = _sum_specs(ctx, spec)
    levels = {r.level: r for r in spec.rows}
    rows: list[Row] = []
    if "total" in levels:
        rows.append(_row(ctx, levels["total"], ("合计",), "total", 0, {}, _sum_columns(facts, columns)))
    leaf_spec = next((r for r in spec.rows if r.level not in ("total", "unit")), None)
    by_unit = "unit" in levels
    groups: dict[str, list[Fact]] = {}
    for fact in facts:
        groups.setdefault(fact.unit if by_unit else "", []).append(fact)
    for unit in sorted(groups, key=lambda u: ctx.unit_order.get(u, -1)):
        unit_facts = groups[unit]
        if by_unit:
            labels = _labels(ctx, "unit", unit, (), None)
            rows.append(_row(ctx, levels["unit"], (unit,), "unit", 1, labels, _sum_columns(unit_facts, columns)))
        if leaf_spec is None:
            continue
        leaves: dict[tuple[str, ...], list[Fact]] = {}
        for fact in unit_facts:
            leaves.setdefault(_leaf_key(leaf_spec.level, fact), []).append(fact)
        order = _leaf_order(leaf_spec.level, leaves)
        for leaf in order:
            leaf_facts = leaves[leaf]
            labels = _labels(ctx, leaf_spec.level, unit, leaf, leaf_facts[0])
            # 预算12表 rows are known by project name, as published
            leaf_key = (ctx.projects[leaf[0]].name,) if leaf_spec.level == "project" else leaf
            key = ((unit,) if by_unit else ()) + leaf_key
            rows.append(
                _row(ctx, leaf_spec, key, "item", 2 if by_unit else 1, labels, _sum_columns(leaf_facts, columns))
            )
    return _new_table(ctx, spec, rows)


def _leaf_order(level: str, leaves: dict[tuple[str, ...], list[Fact]]) -> list[tuple[str, ...]]:
    """Codes in code order; items 人员类 before 公用经费, then as entered; projects as entered."""
    if level == "item":
        return sorted(leaves, key=lambda k: leaves[k][0].cost != "personnel")
    if level == "project":
        return list(leaves)
    return sorted(leaves)


# --- two-sided summary tables ---------------------------------------------------------------------


def _line_sum(
    ctx: _Context, line: dict[str, Any] | None, facts: list[Fact], pred: Predicate, which: str = "budget"
) -> int:
    if not line or line.get("none"):
        return 0
    if line.get("all"):
        return sum(f.value(which) for f in facts if pred(f))
    line_pred = ctx.predicate({"funds": line["funds"]}) if "funds" in line else (lambda f: True)
    cls = line.get("class")
    return sum(f.value(which) for f in facts if pred(f) and line_pred(f) and (cls is None or f.function[:3] == cls))


def _out_line_sum(ctx: _Context, line: dict[str, Any], pred: Predicate, which: str) -> int:
    """A 支出-side line: spending, or — for 总计 and 年末结转和结余 — what came in (``of: income``),
    less what was spent (``balance: true``), so the two sides agree by construction."""
    if line.get("balance"):
        came_in = _line_sum(ctx, {**line, "balance": False}, ctx.facts["income"], pred, which)
        return came_in - _line_sum(ctx, {**line, "balance": False}, ctx.facts["expenditure"], pred, which)
    facts = ctx.facts["income"] if line.get("of") == "income" else ctx.facts["expenditure"]
    return _line_sum(ctx, line, facts, pred, which)


def _class_lines(ctx: _Context, label_index: int) -> list[dict[str, Any]]:
    return [
        {"label": c[label_index], "class": c[0], "none": c[0] is None}
        for c in ctx.profile.function_classes
        if c[label_index] is not None
    ]


def _expenditure_lines(ctx: _Context, spec: TableSpec) -> list[dict[str, Any]]:
    out = spec.raw["expenditure"]
    return [*out.get("head", []), *_class_lines(ctx, out["classes"]), *out.get("tail", [])]


def _build_two_sided(ctx: _Context, spec: TableSpec) -> Table:
    income = ctx.facts["income"]
    in_which = next((c.amount for c in spec.columns if c.column.key == "in.amount"), "budget")
    out_columns = [c for c in spec.columns if c.where is not None and not c.column.key.startswith("in.")]
    income_lines: list[dict[str, Any] | None] = list(spec.raw["income"])
    out_lines: list[dict[str, Any] | None] = list(_expenditure_lines(ctx, spec))
    pairs = [
        (income_lines[i] if i < len(income_lines) else None, out_lines[i] if i < len(out_lines) else None)
        for i in range(max(len(income_lines), len(out_lines)))
    ]
    pairs += [tuple(p) for p in spec.raw.get("footer", [])]  # type: ignore[misc]
    rows = []
    everything: Predicate = lambda f: True  # noqa: E731
    for left, right in pairs:
        cells: dict[str, Cell] = {}
        if left:
            cells["in.label"] = Cell(left["label"])
            cells["in.amount"] = Cell(_line_sum(ctx, left, income, everything, in_which))
        if right:
            cells["out.label"] = Cell(right["label"])
            for col in out_columns:
                cells[col.column.key] = Cell(_out_line_sum(ctx, right, ctx.predicate(col.where), col.amount))
        kinds = {line.get("kind", "item") for line in (left, right) if line}
        kind = "total" if "total" in kinds else "section" if "section" in kinds else "item"
        key = (left["label"] if left else "", right["label"] if right else "")
        rows.append(Row(key=key, kind=kind, cells=cells))
    return _new_table(ctx, spec, rows)


# --- performance targets ----------------------------------------------------------------------------


def _unit_amounts(ctx: _Context, unit: str, spec: TableSpec) -> dict[str, int]:
    facts = [f for f in ctx.facts["expenditure"] if f.unit == unit]
    gov = ctx.predicate({"funds": ["gov_budget"]})
    special = ctx.predicate({"funds": ["special_all"]})
    return {
        "total": sum(f.amount for f in facts),
        "gov": sum(f.amount for f in facts if gov(f)),
        "special": sum(f.amount for f in facts if special(f)),
        "unit_funds": sum(f.amount for f in facts if not gov(f) and not special(f)),
        "basic": sum(f.amount for f in facts if f.part == "basic"),
        "project": sum(f.amount for f in facts if f.part == "project"),
    }


def _build_unit_performance(ctx: _Context, spec: TableSpec) -> Table:
    rows: list[Row] = []
    for perf in sorted(ctx.budget.unit_performance, key=lambda p: ctx.unit_order.get(p.unit, -1)):
        unit = perf.unit
        amounts = _unit_amounts(ctx, unit, spec)

        def add(key: str, kind: str = "item", amount: int | None = None, unit: str = unit, **texts: str) -> None:
            cells = {k: Cell(v) for k, v in texts.items()}
            if amount is not None:
                cells["amount"] = Cell(amount)
            rows.append(Row(key=(unit, key), kind=kind, cells=cells))

        add("unit", "unit", label="部门（单位）名称", name=ctx.units[unit].name)
        add("goal", label="年度履职目标", explanation=perf.goal)
        add("tasks", "section", label="年度主要任务", name="任务名称", explanation="主要内容")
        for i, task in enumerate(perf.tasks, 1):
            add(f"task.{i}", name=task.name, explanation=task.content)
        for key, label, amount_key in UNIT_BUDGET_LINES:
            extra = {"label": "预算情况"} if key == "budget.total" else {}
            add(key, "section" if extra else "item", amounts[amount_key], name=label, **extra)
        add(
            "indicators",
            "section",
            label="一级指标",
            level2="二级指标",
            name="三级指标",
            value="指标值",
            explanation="指标值说明",
        )
        for i, ind in enumerate(perf.indicators, 1):
            add(
                f"indicator.{i}",
                label=str(ind.level1),
                level2=ind.level2,
                name=ind.name,
                value=ind.value,
                explanation=ind.explanation,
            )
    return _new_table(ctx, spec, rows)


#: the 预算情况 lines of 预算14表: (row key, label as printed, amount)
UNIT_BUDGET_LINES = (
    ("budget.total", "部门预算总额（万元）", "total"),
    ("budget.gov", "1、资金来源：（1）政府预算资金", "gov"),
    ("budget.special", "（2）财政专户管理资金", "special"),
    ("budget.unit_funds", "（3）单位资金", "unit_funds"),
    ("budget.basic", "2、资金结构：（1）基本支出", "basic"),
    ("budget.project", "（2）项目支出", "project"),
)

_LEVEL1_COLUMN = {
    IndicatorLevel1.COST: "cost",
    IndicatorLevel1.OUTPUT: "output",
    IndicatorLevel1.BENEFIT: "benefit",
    IndicatorLevel1.SATISFACTION: "satisfaction",
    IndicatorLevel1.INPUT_MANAGEMENT: "output",
}


def _build_project_performance(ctx: _Context, spec: TableSpec) -> Table:
    columns = _sum_specs(ctx, spec)
    facts = [f for f in ctx.facts["expenditure"] if f.part == "project" and f.amount]
    by_unit: dict[str, list[Fact]] = {}
    for fact in facts:
        by_unit.setdefault(fact.unit, []).append(fact)
    units = sorted(by_unit, key=lambda u: ctx.unit_order.get(u, -1))
    rows: list[Row] = []
    groups: dict[str, list[str]] = {}
    for unit in units:
        groups.setdefault(unit[:3], []).append(unit)
    for prefix, group_units in groups.items():
        group_facts = [f for u in group_units for f in by_unit[u]]
        name = ctx.units[group_units[0]].name
        rows.append(
            Row(
                (prefix,),
                "group",
                {"code": Cell(prefix), "name": Cell(name), **_cells(_sum_columns(group_facts, columns))},
                0,
            )
        )
        for unit in group_units:
            rows.append(
                Row(
                    (unit,),
                    "unit",
                    {
                        "code": Cell(unit),
                        "name": Cell(ctx.units[unit].name),
                        **_cells(_sum_columns(by_unit[unit], columns)),
                    },
                    1,
                )
            )
            for project in (p for p in ctx.budget.projects if p.unit == unit):
                rows.extend(
                    _project_rows(
                        project, _sum_columns((f for f in by_unit[unit] if f.project == project.code), columns)
                    )
                )
    return _new_table(ctx, spec, rows)


def _cells(values: dict[str, int]) -> dict[str, Cell]:
    return {k: Cell(v) for k, v in values.items()}


def _project_rows(project: Any, sums: dict[str, int]) -> list[Row]:
    """A project's first row holds its amounts; indicators fill that row and the ones below."""
    by_column: dict[str, list[Any]] = {}
    for ind in project.indicators:
        by_column.setdefault(_LEVEL1_COLUMN[ind.level1], []).append(ind)
    depth = max((len(v) for v in by_column.values()), default=1)
    rows = []
    for i in range(depth):
        cells: dict[str, Cell] = {}
        if i == 0:
            cells.update(code=Cell(project.code), name=Cell(project.name), **_cells(sums))
        for col, inds in by_column.items():
            if i < len(inds):
                cells[f"{col}.name"] = Cell(inds[i].name)
                cells[f"{col}.value"] = Cell(inds[i].value)
        key = (project.code,) if i == 0 else (project.code, str(i + 1))
        rows.append(Row(key, "item" if i == 0 else "detail", cells, 2))
    return rows


_BUILDERS: dict[str, Callable[[_Context, TableSpec], Table]] = {
    "pivot": _build_pivot,
    "two_sided": _build_two_sided,
    "unit_performance": _build_unit_performance,
    "project_performance": _build_project_performance,
}

__all__ = ["Column", "ColumnSpec", "build_tables"]
