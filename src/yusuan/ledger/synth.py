"""Random but valid budgets for tests and benchmarks, reproducible from a seed.

A generated department looks like the seed and the real corpus: one to a
dozen units (a 行政 bureau and 事业 centres), basic spending on 行政运行 /
事业运行 with pensions, medical insurance and housing fund, and a few to a few
dozen projects on the department's own function codes, with performance
targets. Every code comes from the catalog; every unit's income equals its
spending by source, so the result passes validation.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from yusuan.catalog import Catalog, load_catalog
from yusuan.ledger.model import (
    Assets,
    BasicLine,
    Budget,
    Department,
    Fund,
    Income,
    Indicator,
    IndicatorLevel1,
    PriorYear,
    Project,
    ProjectCategory,
    ProjectSpending,
    Staffing,
    Task,
    Unit,
    UnitKind,
    UnitPerformance,
)
from yusuan.ledger.yaml_io import amount_text

# Basic expenditure: (econ code, 07 item, share of a person's yearly cost in 元)
_PERSONNEL = [
    ("30101", "在职人员基本工资", 42_000),
    ("30102", "在职人员津贴补贴", 30_000),
    ("30103", "在职人员津贴补贴", 9_000),
    ("30107", "事业单位绩效工资", 28_000),
    ("30112", "社保公积金", 400),
]
_PENSION = ("30108", "社保公积金", 12_000)
_MEDICAL = ("30110", "社保公积金", 5_500)
_HOUSING = ("30113", "社保公积金", 9_000)
_RETIRED = ("30302", "离退休人员经费", 2_500)
_PUBLIC = ["30201", "30202", "30205", "30206", "30207", "30211", "30213", "30216", "30217", "30228", "30229", "30239"]
_PROJECT_ECON = ["30201", "30226", "30227", "30299", "30305", "30399", "31002", "31007", "39999"]
_PROJECT_NAMES = [
    "信息化建设运维",
    "专项业务经费",
    "人才引进补贴",
    "培训经费",
    "宣传经费",
    "专项检查经费",
    "设备购置",
    "补助资金",
    "服务外包",
    "档案数字化",
    "应急保障经费",
    "调查统计经费",
]
_INDICATORS = [
    (IndicatorLevel1.COST, "经济成本指标", "项目成本控制", "≤{n}万元"),
    (IndicatorLevel1.OUTPUT, "数量指标", "服务人次", "≥{n}人次"),
    (IndicatorLevel1.OUTPUT, "质量指标", "资金发放准确率", "≥95%"),
    (IndicatorLevel1.OUTPUT, "时效指标", "按时完成率", "≥90%"),
    (IndicatorLevel1.BENEFIT, "社会效益指标", "社会影响", "提升"),
    (IndicatorLevel1.SATISFACTION, "服务对象满意度指标", "服务对象满意度", "≥90%"),
]


@dataclass(frozen=True)
class _Codes:
    """The catalog codes a generator draws from."""

    sections: list[str]  # 款 that have 行政运行 (…01) and 事业运行 (…50)
    items: dict[str, list[str]]  # 款 → its 项


def _codes(catalog: Catalog) -> _Codes:
    items: dict[str, list[str]] = {}
    for entry in catalog.entries("function"):
        if entry.level == "项":
            items.setdefault(entry.parent, []).append(entry.code)
    sections = sorted(k for k, v in items.items() if k + "01" in v and k + "50" in v)
    return _Codes(sections, {k: sorted(v) for k, v in items.items()})


def _money(rng: random.Random, low_yuan: int, high_yuan: int) -> int:
    """A random amount in fen, rounded to 100 元 as budgets usually are."""
    return rng.randint(low_yuan // 100, high_yuan // 100) * 100 * 100


#: seeds of departments in one series: department i of series S uses S × SERIES_STRIDE + i
SERIES_STRIDE = 100_000


def department_seed(series: int, index: int) -> int:
    """The seed of department ``index`` (1, 2, …) in the series ``series`` (``yusuan synth --seed``)."""
    if not 1 <= index < SERIES_STRIDE:
        raise ValueError(f"部门序号应在 1…{SERIES_STRIDE - 1} 之间")
    return series * SERIES_STRIDE + index


def generate_budget(seed: int, *, year: int = 2025, catalog: Catalog | None = None) -> Budget:
    """A valid random department budget; the same seed gives the same budget."""
    catalog = catalog or load_catalog()
    codes = _codes(catalog)
    rng = random.Random(seed)
    section = rng.choice(codes.sections)
    dept_code = f"{rng.randint(100, 999)}"
    name = f"示例市第{seed}部门"
    n_units = rng.choices([1, 2, 3, 4, 6, 10], weights=[20, 35, 20, 12, 8, 5])[0]
    units = []
    for i in range(n_units):
        kind = (
            UnitKind.ADMINISTRATIVE
            if i == 0
            else rng.choice([UnitKind.INSTITUTION, UnitKind.INSTITUTION, UnitKind.CIVIL_SERVICE_MANAGED])
        )
        staff = rng.randint(5, 60) if i == 0 else rng.randint(3, 40)
        posts = Staffing(
            staff, staff if kind != UnitKind.INSTITUTION else 0, staff if kind == UnitKind.INSTITUTION else 0
        )
        suffix = "本级" if i == 0 else f"第{i}中心"
        units.append(Unit(f"{dept_code}{i + 1:03d}", f"{name}{suffix}", kind, posts))

    basic: list[BasicLine] = []
    projects: list[Project] = []
    income: list[Income] = []
    for unit in units:
        running = section + ("01" if unit.kind != UnitKind.INSTITUTION else "50")
        staff = unit.staffing.headcount
        lines: list[BasicLine] = []

        def add(
            function: str,
            econ: str,
            item: str,
            amount: int,
            unit: Unit = unit,
            fund: Fund = Fund.GPB,
            lines: list[BasicLine] = lines,
        ) -> None:
            gov = catalog.default_gov_code(econ, unit.kind)
            assert gov is not None, econ
            if amount > 0:
                lines.append(BasicLine(unit.code, function, econ, gov, fund, item, amount))

        for econ, item, per_head in _PERSONNEL:
            if econ == "30107" and unit.kind != UnitKind.INSTITUTION:
                continue
            add(running, econ, item, staff * per_head * rng.randint(80, 120))  # fen: 元 × 100 ± 20%
        add("2080505", _PENSION[0], _PENSION[1], staff * _PENSION[2] * rng.randint(80, 120))
        add(
            "2101101" if unit.kind != UnitKind.INSTITUTION else "2101102",
            _MEDICAL[0],
            _MEDICAL[1],
            staff * _MEDICAL[2] * rng.randint(80, 120),
        )
        add("2210201", _HOUSING[0], _HOUSING[1], staff * _HOUSING[2] * rng.randint(80, 120))
        if rng.random() < 0.5:
            add(running, _RETIRED[0], _RETIRED[1], rng.randint(1, 8) * _RETIRED[2] * 100)
        for econ in rng.sample(_PUBLIC, rng.randint(4, len(_PUBLIC))):
            add(running, econ, "公用经费项目", staff * rng.randint(100, 2500) * 100)
        basic.extend(lines)

        n_projects = rng.choices([0, 2, 5, 10, 20, 30], weights=[5, 25, 30, 20, 12, 8])[0]
        for j in range(n_projects):
            function = rng.choice(codes.items[section])
            parts = rng.randint(1, 3)
            spending = []
            for econ in rng.sample(_PROJECT_ECON, parts):
                gov = catalog.default_gov_code(econ, unit.kind)
                assert gov is not None, econ
                spending.append(ProjectSpending(econ, gov, Fund.GPB, _money(rng, 5_000, 3_000_000)))
            amount = sum(s.amount for s in spending)
            # a cost target caps the project's own amount; other targets are random counts
            indicators = tuple(
                Indicator(
                    level1,
                    ind_name,
                    value.format(n=amount_text(amount) if level1 == IndicatorLevel1.COST else rng.randint(10, 5000)),
                    level2,
                )
                for level1, level2, ind_name, value in _INDICATORS
                if rng.random() < 0.85 or level1 == IndicatorLevel1.SATISFACTION
            )
            projects.append(
                Project(
                    unit=unit.code,
                    code=f"{dept_code}{year}{unit.code[-3:]}{j + 1:05d}",
                    name=f"{year}年{rng.choice(_PROJECT_NAMES)}（{j + 1}）",
                    category=rng.choice(
                        [ProjectCategory.OPERATING, ProjectCategory.OPERATING, ProjectCategory.SPECIFIC]
                    ),
                    function=function,
                    amount=amount,
                    spending=tuple(spending),
                    indicators=indicators,
                    key=j == 0,
                    purpose="保障部门履职" if j == 0 else "",
                )
            )
    for unit in units:
        total = sum(b.amount for b in basic if b.unit == unit.code)
        total += sum(p.amount for p in projects if p.unit == unit.code)
        income.append(Income(unit.code, Fund.GPB, total))

    grand = sum(i.amount for i in income)
    prior = grand * rng.randint(80, 120) // 100 // 1_000_000 * 1_000_000
    return Budget(
        year=year,
        template="henan-2025",
        department=Department(
            code=dept_code,
            name=name,
            consolidated=n_units > 1,
            functions=("负责本部门职责范围内的工作。",),
            institutions=f"{name}包括{n_units}个预算单位。",
            staffing=Staffing(sum(u.staffing.headcount for u in units), 0, 0),
        ),
        units=tuple(units),
        income=tuple(income),
        basic=tuple(basic),
        projects=tuple(projects),
        unit_performance=tuple(
            UnitPerformance(
                u.code,
                "履行部门职责，完成年度工作任务。",
                (Task("重点工作", "完成年度重点工作"),),
                (Indicator(IndicatorLevel1.OUTPUT, "年度工作目标实现率", "≥95%", "履职目标实现"),),
            )
            for u in units
        ),
        prior_year=PriorYear({"total": prior, "gpb": prior}, {"total": "业务需要。", "gpb": "业务需要。"}),
        assets=Assets(office_equipment=_money(rng, 10_000, 900_000), other=_money(rng, 0, 300_000)),
    )
