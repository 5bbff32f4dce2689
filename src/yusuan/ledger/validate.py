"""Derive and validate a Budget: each check is one small function.

``check_budget`` first fills what can be derived (a missing 政府经济分类 from
the catalog mapping for the unit's kind), then runs every check and returns
all problems at once. A budget with error problems must not be built.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from typing import TypeVar

from yusuan.catalog import Catalog, load_catalog
from yusuan.ledger.limits import MAX_TOTAL_FEN, MAX_TOTAL_TEXT
from yusuan.ledger.model import (
    BASIC_ECON_CLASSES,
    FINAL_ITEM,
    BasicLine,
    Budget,
    Fund,
    Income,
    Origin,
    Procurement,
    Project,
    ProjectSpending,
    UnitPerformance,
)
from yusuan.ledger.problems import Problem
from yusuan.ledger.schema import SECTION_BY_KEY
from yusuan.money import format_wan

Check = Callable[[Budget, Catalog], Iterator[Problem]]
_Line = TypeVar("_Line", BasicLine, ProjectSpending)


def derive_gov_econ(budget: Budget, catalog: Catalog) -> tuple[Budget, list[Problem]]:
    """Fill each empty 政府经济分类 with the catalog default for its unit's kind."""
    kinds = {u.code: u.kind for u in budget.units}
    problems: list[Problem] = []

    def fill(line: _Line, unit: str) -> _Line:
        if line.gov_econ or unit not in kinds or not catalog.knows("dept_econ", line.econ):
            return line
        gov = catalog.default_gov_code(line.econ, kinds[unit])
        if gov is None:
            problems.append(
                Problem(f"部门经济分类 {line.econ} 没有对应的政府经济分类，请填写", line.origin.at("政府经济分类编码"))
            )
            return line
        return dataclasses.replace(line, gov_econ=gov)

    basic = tuple(fill(line, line.unit) for line in budget.basic)
    projects = tuple(
        dataclasses.replace(p, spending=tuple(fill(s, p.unit) for s in p.spending)) for p in budget.projects
    )
    return dataclasses.replace(budget, basic=basic, projects=projects), problems


def check_template(budget: Budget, catalog: Catalog) -> Iterator[Problem]:
    """The template profile must be one yusuan knows."""
    from yusuan.tables.profile import budget_templates

    if budget.template not in budget_templates():
        yield Problem(
            f"未知的模板「{budget.template}」，可用：{'、'.join(budget_templates())}",
            Origin(sheet="预算信息", column="模板"),
        )
    if not 2000 <= budget.year <= 2100:
        yield Problem(f"预算年度 {budget.year} 不合理", Origin(sheet="预算信息", column="预算年度"))


def check_units(budget: Budget, catalog: Catalog) -> Iterator[Problem]:
    """Unit codes are unique, and every record names a unit that exists."""
    if not budget.units:
        yield Problem("预算至少要有一个单位", Origin(sheet="单位"))
    seen: set[str] = set()
    for unit in budget.units:
        if unit.code in seen:
            yield Problem(f"单位代码 {unit.code} 重复", unit.origin.at("单位代码"))
        seen.add(unit.code)
    records: list[Income | BasicLine | Project | Procurement | UnitPerformance] = [
        *budget.income,
        *budget.basic,
        *budget.projects,
        *budget.procurement,
        *budget.unit_performance,
    ]
    for rec in records:
        if rec.unit not in seen:
            yield Problem(f"单位代码 {rec.unit} 不在单位表中", rec.origin.at("单位代码"))


def check_function_codes(budget: Budget, catalog: Catalog) -> Iterator[Problem]:
    """功能分类 must be a known 项 (7 digits) of the catalog."""
    records: list[BasicLine | Project] = [*budget.basic, *budget.projects]
    for rec in records:
        where = rec.origin.at("功能分类科目编码")
        if not catalog.knows("function", rec.function):
            yield Problem(f"未知的支出功能分类科目编码 {rec.function}", where)
        elif len(rec.function) != 7:
            yield Problem(f"支出功能分类应细化到项（7位）：{rec.function}", where)


def check_econ_codes(budget: Budget, catalog: Catalog) -> Iterator[Problem]:
    """经济分类 codes are known 款, and each 部门→政府 pair is a valid correspondence."""
    lines: list[BasicLine | ProjectSpending] = [*budget.basic, *(s for p in budget.projects for s in p.spending)]
    for line in lines:
        if not catalog.knows("dept_econ", line.econ) or len(line.econ) != 5:
            yield Problem(
                f"未知的部门预算支出经济分类编码 {line.econ}（应为5位款级编码）", line.origin.at("部门经济分类编码")
            )
            continue
        if not line.gov_econ:
            continue  # reported by derive_gov_econ
        if not catalog.knows("gov_econ", line.gov_econ) or len(line.gov_econ) != 5:
            yield Problem(f"未知的政府预算支出经济分类编码 {line.gov_econ}", line.origin.at("政府经济分类编码"))
        elif not catalog.is_valid_pair(line.econ, line.gov_econ):
            yield Problem(
                f"部门经济分类 {line.econ} 不能对应政府经济分类 {line.gov_econ}", line.origin.at("政府经济分类编码")
            )
    for line in budget.basic:
        if line.econ[:3] not in BASIC_ECON_CLASSES:
            yield Problem(
                f"基本支出不能使用经济分类 {line.econ}（应为301/302/303/309/310类）", line.origin.at("部门经济分类编码")
            )


def check_projects(budget: Budget, catalog: Catalog) -> Iterator[Problem]:
    """Project codes are unique and each project's declared amount equals its breakdown."""
    counts = Counter(p.code for p in budget.projects)
    for project in budget.projects:
        if counts[project.code] > 1:
            yield Problem(f"项目编码 {project.code} 重复（{project.name}）", project.origin.at("项目编码"))
        if not project.spending:
            yield Problem(f"项目 {project.code}「{project.name}」没有经济分类明细", project.origin.at("项目编码"))
            continue
        total = sum(s.amount for s in project.spending)
        if total != project.amount:
            yield Problem(
                f"项目 {project.code}「{project.name}」金额 {format_wan(project.amount)} 万元"
                f"与经济分类明细合计 {format_wan(total)} 万元不符",
                project.origin.at("项目金额（万元）"),
            )


def check_balance(budget: Budget, catalog: Catalog) -> Iterator[Problem]:
    """Each unit's income from each source equals its spending from that source (收支平衡)."""
    income: dict[tuple[str, Fund], int] = defaultdict(int)
    spending: dict[tuple[str, Fund], int] = defaultdict(int)
    where: dict[tuple[str, Fund], Origin] = {}
    for inc in budget.income:
        income[inc.unit, inc.fund] += inc.amount
        where.setdefault((inc.unit, inc.fund), inc.origin.at("金额（万元）"))
    for line in budget.basic:
        spending[line.unit, line.fund] += line.amount
    for project in budget.projects:
        for s in project.spending:
            spending[project.unit, s.fund] += s.amount
    for key in sorted(set(income) | set(spending)):
        if income[key] != spending[key]:
            unit, fund = key
            yield Problem(
                f"单位 {unit} 的{fund}收入 {format_wan(income[key])} 万元与支出 {format_wan(spending[key])} 万元不相等",
                where.get(key, Origin(sheet="收入")),
            )


def check_totals(budget: Budget, catalog: Catalog) -> Iterator[Problem]:
    """Each total stays within ``MAX_TOTAL_FEN``: no real budget comes near, and the store keeps them as BIGINT."""
    totals = (
        ("收入合计", Origin(sheet="收入"), sum(i.amount for i in budget.income)),
        ("基本支出合计", Origin(sheet="基本支出"), sum(line.amount for line in budget.basic)),
        ("项目支出合计", Origin(sheet="项目"), sum(p.amount for p in budget.projects)),
    )
    for name, where, total in totals:
        if total > MAX_TOTAL_FEN:
            yield Problem(f"{name} {format_wan(total)} 万元超过上限（{MAX_TOTAL_TEXT}），请核对金额单位", where)


def check_performance(budget: Budget, catalog: Catalog) -> Iterator[Problem]:
    """Each unit has at most one 整体绩效目标."""
    counts = Counter(p.unit for p in budget.unit_performance)
    for perf in budget.unit_performance:
        if counts[perf.unit] > 1:
            yield Problem(f"单位 {perf.unit} 的部门整体绩效目标重复", perf.origin.at("单位代码"))


def check_reasons(budget: Budget, catalog: Catalog) -> Iterator[Problem]:
    """A reason for a change names a project of the ledger or a 功能分类 类/款/项, once.

    A function code need not have spending this year: the reason may say why it fell to zero.
    """
    projects = {p.code for p in budget.projects}
    seen: set[str] = set()
    for reason in budget.reasons:
        where = reason.origin.at("功能分类科目编码或项目编码")
        if reason.code in seen:
            yield Problem(f"编码 {reason.code} 的变动原因重复", where)
        seen.add(reason.code)
        if reason.code not in projects and not (
            len(reason.code) in (3, 5, 7) and catalog.knows("function", reason.code)
        ):
            yield Problem(f"变动原因的编码 {reason.code} 既不是本账本的项目编码，也不是功能分类科目的类、款、项", where)


def check_final_reasons(budget: Budget, catalog: Catalog) -> Iterator[Problem]:
    """A 决算变动原因 names a unit of the ledger (or none: the department) and, for a 项, a
    功能分类 项 of the catalog."""
    units = {u.code for u in budget.units}
    for reason in budget.final_reasons:
        if reason.unit and reason.unit not in units:
            yield Problem(
                f"单位代码 {reason.unit} 不在单位表中（全部门的原因请留空单位代码）",
                reason.origin.at(SECTION_BY_KEY["final_reasons"].field("unit").header),
            )
        code = reason.subject.removeprefix(FINAL_ITEM)
        if reason.subject.startswith(FINAL_ITEM) and not catalog.knows("function", code):
            yield Problem(f"决算变动原因的项目 {code} 不是功能分类科目的“项”", reason.origin.at("项目"))


CHECKS: tuple[Check, ...] = (
    check_template,
    check_units,
    check_function_codes,
    check_econ_codes,
    check_projects,
    check_balance,
    check_totals,
    check_performance,
    check_reasons,
    check_final_reasons,
)


def check_budget(budget: Budget, catalog: Catalog | None = None) -> tuple[Budget, list[Problem]]:
    """Derive what can be derived, then run every check; return the budget and all problems."""
    catalog = catalog or load_catalog()
    budget, problems = derive_gov_econ(budget, catalog)
    for check in CHECKS:
        try:
            problems.extend(check(budget, catalog))
        except Exception as exc:  # a crashing check is reported, the others still run
            problems.append(Problem(f"检查 {check.__name__} 出错：{exc!r}", Origin()))
    return budget, problems


#: checks that look at one record at a time: safe on a budget some of whose rows could not be read
RECORD_CHECKS: tuple[Check, ...] = (check_function_codes, check_econ_codes)


def check_records(budget: Budget, catalog: Catalog | None = None) -> list[Problem]:
    """The record-local checks only (unknown codes), for a reading that already has errors.

    Cross-record checks would report false problems there (a total that misses an unreadable row).
    """
    catalog = catalog or load_catalog()
    return [problem for check in RECORD_CHECKS for problem in check(budget, catalog)]
