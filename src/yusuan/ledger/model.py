"""The budget ledger: a department's budget as immutable, documented records.

Everything the fifteen disclosure tables show is derived from these records;
nothing is typed into a table. Every record carries an ``Origin`` naming the
file, sheet, row and column it was read from, so that a validation problem
can say exactly where to look (the beancount ``meta`` habit).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a record or value came from in the user's input."""

    file: str = ""
    sheet: str = ""  # workbook sheet, or YAML section
    row: int | None = None  # 1-based row (workbook) or line (YAML)
    column: str = ""  # column header or letter, or YAML key
    #: header → how this input names that column ('G列（金额（万元））' in a workbook)
    labels: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        workbook = self.file.endswith((".xlsx", ".xlsm"))
        parts = [self.file] if self.file else []
        if self.sheet:
            parts.append(f"工作表「{self.sheet}」" if workbook else f"「{self.sheet}」")
        if self.row is not None:
            parts.append(f"第{self.row}行")
        if self.column:
            parts.append(f"列「{self.column}」" if workbook else f"字段「{self.column}」")
        return " ".join(parts) or "（未知位置）"

    def at(self, column: str) -> Origin:
        """The same record, one column (field) of it, named as the input names it."""
        return Origin(self.file, self.sheet, self.row, dict(self.labels).get(column, column), self.labels)


NO_ORIGIN = Origin()
#: origins never take part in equality: a budget read from YAML equals the same budget read from a workbook


class Fund(StrEnum):
    """Funding source of an income or a spending line (资金来源)."""

    GPB = "一般公共预算"  # 一般公共预算 财政拨款
    GPB_NONFISCAL = "一般公共预算（非财政拨款）"
    GOV_FUND = "政府性基金"
    SOE = "国有资本经营预算"
    SPECIAL = "财政专户管理资金"
    BUSINESS = "事业收入"
    OPERATING = "事业单位经营收入"
    SUPERIOR = "上级补助收入"
    SUBSIDIARY = "附属单位上缴收入"
    OTHER = "其他收入"
    CARRY_GPB = "上年结转-一般公共预算"
    CARRY_GOV_FUND = "上年结转-政府性基金"
    CARRY_SOE = "上年结转-国有资本经营预算"
    CARRY_SPECIAL = "上年结转-财政专户管理资金"
    CARRY_UNIT = "上年结转-单位资金"


class UnitKind(StrEnum):
    ADMINISTRATIVE = "行政"
    INSTITUTION = "事业"
    CIVIL_SERVICE_MANAGED = "参公"  # 参照公务员法管理的事业单位


class ProjectCategory(StrEnum):
    OPERATING = "其他运转类"
    SPECIFIC = "特定目标类"


class IndicatorLevel1(StrEnum):
    COST = "成本指标"
    OUTPUT = "产出指标"
    BENEFIT = "效益指标"
    SATISFACTION = "满意度指标"
    INPUT_MANAGEMENT = "投入管理指标"  # 部门整体绩效 (预算14表) only


@dataclass(frozen=True, slots=True)
class Staffing:
    """人员编制: headcount and authorised posts."""

    headcount: int = 0  # 人员数量
    administrative: int = 0  # 行政编制
    institution: int = 0  # 事业编制


@dataclass(frozen=True, slots=True)
class Unit:
    """A budget unit (预算单位) of the department."""

    code: str
    name: str
    kind: UnitKind
    staffing: Staffing = Staffing()
    #: whether the unit reports 机关（机构）运行经费; None: as its kind does (行政 and 参公 do). A
    #: department whose published 汇总 counts a 事业单位's running costs says so here, so that the unit's
    #: own document and the 汇总 agree.
    operating_costs: bool | None = None
    origin: Origin = field(default=NO_ORIGIN, compare=False)


@dataclass(frozen=True, slots=True)
class Department:
    """The department (部门) and its profile (部门概况)."""

    code: str
    name: str
    consolidated: bool = True  # 汇总 (department and its units)
    functions: tuple[str, ...] = ()  # 部门职责, one item per numbered duty
    institutions: str = ""  # 机构设置情况
    staffing: Staffing = Staffing()
    fiscal_level: str = "本级"  # whose 财政 appropriates (区级, 市级 …), used in 名词解释


@dataclass(frozen=True, slots=True)
class Income:
    """One unit's budgeted income from one source."""

    unit: str
    fund: Fund
    amount: int  # fen
    origin: Origin = field(default=NO_ORIGIN, compare=False)


@dataclass(frozen=True, slots=True)
class BasicLine:
    """A basic-expenditure line (基本支出): unit × 功能分类项 × 经济分类 × source."""

    unit: str
    function: str  # 7-digit 功能分类项
    econ: str  # 5-digit 部门预算支出经济分类
    gov_econ: str  # 5-digit 政府预算支出经济分类
    fund: Fund
    item: str  # the 预算07表 item it belongs to (在职人员基本工资, 公用经费项目 …)
    amount: int
    origin: Origin = field(default=NO_ORIGIN, compare=False)

    @property
    def personnel(self) -> bool:
        """人员经费 (工资福利 301, 对个人和家庭的补助 303) rather than 公用经费."""
        return self.econ[:3] in PERSONNEL_ECON_CLASSES


PERSONNEL_ECON_CLASSES = frozenset({"301", "303"})
#: economic classes a basic-expenditure line may use
BASIC_ECON_CLASSES = frozenset({"301", "302", "303", "309", "310"})


@dataclass(frozen=True, slots=True)
class ProjectSpending:
    """How much of a project goes to one 经济分类 from one source."""

    econ: str
    gov_econ: str
    fund: Fund
    amount: int
    origin: Origin = field(default=NO_ORIGIN, compare=False)


@dataclass(frozen=True, slots=True)
class Indicator:
    """A performance indicator (绩效指标) as written in the target tables."""

    level1: IndicatorLevel1
    name: str  # 三级指标
    value: str  # 指标值 as written: '≥90%', '≥11401人', '不发生'
    level2: str = ""  # 二级指标 (数量, 质量, 时效 …) where known
    explanation: str = ""  # 指标值说明 (预算14表)
    origin: Origin = field(default=NO_ORIGIN, compare=False)


@dataclass(frozen=True, slots=True)
class Project:
    """A project (项目支出) with its economic breakdown and targets."""

    unit: str
    code: str
    name: str
    category: ProjectCategory
    function: str
    amount: int  # declared total; must equal the sum of ``spending``
    spending: tuple[ProjectSpending, ...]
    indicators: tuple[Indicator, ...] = ()
    key: bool = False  # 重点项目 named in the narrative
    purpose: str = ""  # 主要用于…
    origin: Origin = field(default=NO_ORIGIN, compare=False)


@dataclass(frozen=True, slots=True)
class Task:
    name: str
    content: str


@dataclass(frozen=True, slots=True)
class UnitPerformance:
    """部门（单位）整体绩效目标 (预算14表) of one unit; amounts are derived."""

    unit: str
    goal: str  # 年度履职目标
    tasks: tuple[Task, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    origin: Origin = field(default=NO_ORIGIN, compare=False)


#: prior-year figures the narrative compares with (key → meaning)
PRIOR_YEAR_KEYS = {
    "total": "收支总计",
    "gpb": "一般公共预算收支",
    "gov_fund": "政府性基金收支",
    "soe": "国有资本经营收支",
    "three_public": "“三公”经费",
    "three_public.abroad": "因公出国（境）费",
    "three_public.vehicle_purchase": "公务用车购置费",
    "three_public.vehicle_operation": "公务用车运行维护费",
    "three_public.reception": "公务接待费",
    "operating_costs": "机关（机构）运行经费",
}


@dataclass(frozen=True, slots=True)
class PriorYear:
    """Last year's budget figures and the reasons for each change."""

    amounts: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)


#: what a figure of the 决算 is compared with (key → the word the ledger's 决算变动原因 uses)
FINAL_COMPARISONS = {"budget": "年初预算", "last_final": "上年决算"}
#: a 功能分类 项 compared in the 决算 (subject ``gpb.item.<7-digit code>``), named by its code
FINAL_ITEM = "gpb.item."
#: the 决算's compared figures (subject → its name in the 说明, the comparisons the 说明 makes of
#: it); a reason may be given for each of these, and for each 项 against its 年初预算数
FINAL_SUBJECTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "income.all": ("收、支总计", ("last_final",)),
    "expenditure.total": ("本年支出", ("budget", "last_final")),
    "fiscal.income": ("财政拨款收入", ("last_final",)),
    "fiscal.expenditure": ("财政拨款支出", ("last_final",)),
    "gpb": ("一般公共预算财政拨款支出", ("budget", "last_final")),
    "gpb.basic": ("一般公共预算财政拨款基本支出", ("budget", "last_final")),
    "gpb.project": ("一般公共预算财政拨款项目支出", ("budget", "last_final")),
    "three_public": ("“三公”经费支出", ("budget", "last_final")),
    **{
        key: (PRIOR_YEAR_KEYS[key], ("budget", "last_final"))
        for key in (
            "three_public.abroad",
            "three_public.vehicle_purchase",
            "three_public.vehicle_operation",
            "three_public.reception",
            "operating_costs",
        )
    },
}


def final_subject_name(subject: str) -> str:
    """How the ledger's 决算变动原因 names a compared figure: its name, or a 项's code."""
    if subject.startswith(FINAL_ITEM):
        return subject.removeprefix(FINAL_ITEM)
    return FINAL_SUBJECTS[subject][0]


def final_comparisons(subject: str) -> tuple[str, ...]:
    """The comparisons the 说明 makes of ``subject`` (keys of FINAL_COMPARISONS): a 项 is
    compared with its 年初预算数 only, as the real 决算 do."""
    if subject.startswith(FINAL_ITEM):
        return ("budget",)
    return FINAL_SUBJECTS[subject][1]


@dataclass(frozen=True, slots=True)
class FinalReason:
    """Why a figure of the 决算 differs from its 年初预算数 or from last year's 决算数 (决算变动原因)."""

    comparison: str  # a key of FINAL_COMPARISONS
    subject: str  # a key of FINAL_SUBJECTS, or FINAL_ITEM + a 7-digit 功能分类 code
    reason: str
    #: '' for the department: its 汇总 and every unit's own 决算 that has no reason of its own;
    #: a unit code for that unit's own 决算 only
    unit: str = ""
    origin: Origin = field(default=NO_ORIGIN, compare=False)


#: sections of the narrative a ledger may add paragraphs to (id → the heading it follows)
NARRATIVE_SECTIONS = {
    "institutions": "机构设置情况",
    "functions": "部门职责",
    "composition": "预算部门构成",
    "total": "收入支出预算总体情况说明",
    "income": "收入预算总体情况说明",
    "expenditure": "支出预算总体情况说明",
    "fiscal": "财政拨款收入支出预算总体情况说明",
    "gpb": "一般公共预算支出预算情况说明",
    "gpb_basic": "一般公共预算基本支出预算情况说明",
    "gov_fund": "政府性基金预算支出预算情况说明",
    "soe": "国有资本经营预算支出预算情况说明",
    "three_public": "一般公共预算“三公”经费支出预算情况说明",
    "operating_costs": "机关（机构）运行经费支出情况",
    "procurement": "政府采购支出情况",
    "performance": "关于预算绩效管理工作开展情况说明",
    "assets": "国有资产占用情况",
    "transfers": "专项转移支付项目情况",
    "terms": "名词解释",
}


@dataclass(frozen=True, slots=True)
class ChangeReason:
    """Why one item changed from last year: a 功能分类 类/款/项 or a project (变动原因)."""

    code: str  # 3-, 5- or 7-digit 功能分类 code, or a project code
    reason: str
    origin: Origin = field(default=NO_ORIGIN, compare=False)


@dataclass(frozen=True, slots=True)
class ExtraParagraph:
    """A paragraph the department adds at the end of one narrative section."""

    section: str  # a key of NARRATIVE_SECTIONS
    text: str
    origin: Origin = field(default=NO_ORIGIN, compare=False)


@dataclass(frozen=True, slots=True)
class Term:
    """An extra 名词解释 entry, after the template's own."""

    term: str
    explanation: str
    origin: Origin = field(default=NO_ORIGIN, compare=False)


@dataclass(frozen=True, slots=True)
class Procurement:
    """A 政府采购 budget item."""

    unit: str
    item: str
    category: str  # 货物 / 工程 / 服务
    amount: int
    origin: Origin = field(default=NO_ORIGIN, compare=False)


@dataclass(frozen=True, slots=True)
class Assets:
    """国有资产占用情况 at the end of the previous year."""

    buildings: int = 0  # 房屋建筑物 (fen)
    vehicles: int = 0  # 车辆
    office_equipment: int = 0  # 办公设备
    special_equipment: int = 0  # 专用设备
    other: int = 0  # 其他资产
    general_vehicles: int = 0  # 一般公务用车 (辆)
    law_enforcement_vehicles: int = 0  # 执法执勤用车
    other_vehicles: int = 0  # 其他用车
    large_general_equipment: int = 0  # 单位价值50万元以上通用设备 (台套)
    large_special_equipment: int = 0  # 单位价值100万元以上专用设备 (台套)

    @property
    def total(self) -> int:
        return self.buildings + self.vehicles + self.office_equipment + self.special_equipment + self.other

    @property
    def vehicle_count(self) -> int:
        return self.general_vehicles + self.law_enforcement_vehicles + self.other_vehicles


@dataclass(frozen=True, slots=True)
class Transfer:
    """A 专项转移支付 programme the department manages."""

    name: str
    amount: int
    origin: Origin = field(default=NO_ORIGIN, compare=False)


@dataclass(frozen=True, slots=True)
class Budget:
    """A department's budget for one year: the single source of every table."""

    year: int
    template: str
    department: Department
    units: tuple[Unit, ...]
    income: tuple[Income, ...] = ()
    basic: tuple[BasicLine, ...] = ()
    projects: tuple[Project, ...] = ()
    unit_performance: tuple[UnitPerformance, ...] = ()
    prior_year: PriorYear = PriorYear()
    procurement: tuple[Procurement, ...] = ()
    assets: Assets = Assets()
    transfers: tuple[Transfer, ...] = ()
    reasons: tuple[ChangeReason, ...] = ()
    final_reasons: tuple[FinalReason, ...] = ()
    paragraphs: tuple[ExtraParagraph, ...] = ()
    terms: tuple[Term, ...] = ()

    def unit(self, code: str) -> Unit:
        for unit in self.units:
            if unit.code == code:
                return unit
        raise KeyError(code)
