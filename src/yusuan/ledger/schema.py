"""The record layout of a budget input, defined once.

Both input formats are made of the same flat records: the workbook has one
sheet per record kind with these Chinese headers, the YAML file nests some of
them (a project's spending and indicators under the project). The template
writer, both readers and the YAML writer all read this table, so a new field
is added here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from yusuan.ledger.model import FINAL_COMPARISONS, FINAL_SUBJECTS, NARRATIVE_SECTIONS, PRIOR_YEAR_KEYS

#: the Chinese name of a prior-year figure → its key (either may be written)
PRIOR_YEAR_BY_NAME = {name: key for key, name in PRIOR_YEAR_KEYS.items()}
#: the Chinese heading of a narrative section → its id (either may be written)
NARRATIVE_SECTION_BY_NAME = {name: key for key, name in NARRATIVE_SECTIONS.items()}
#: the word of a 决算 comparison → its key
FINAL_COMPARISON_BY_WORD = {word: key for key, word in FINAL_COMPARISONS.items()}
#: the name of a 决算's compared figure → its subject (a 项 is written by its code)
FINAL_SUBJECT_BY_NAME = {name: subject for subject, (name, _) in FINAL_SUBJECTS.items()}


class FieldType(Enum):
    TEXT = "text"
    CODE = "code"  # digits; separators allowed on input ('208 01 01')
    AMOUNT = "amount"  # 万元 by default, or with a 元/万元 suffix
    COUNT = "count"  # non-negative integer
    BOOL = "bool"  # 是/否
    CHOICE = "choice"  # one of ``choices``


@dataclass(frozen=True, slots=True)
class FieldSpec:
    key: str
    header: str  # Chinese column header in the workbook
    type: FieldType = FieldType.TEXT
    required: bool = True
    choices: tuple[str, ...] = ()
    catalog: str = ""  # catalog whose codes a drop-down lists
    width: int = 14
    long_text: bool = False  # free text (职责、说明 …): takes LONG_TEXT_CHARS, not a name's length


@dataclass(frozen=True, slots=True)
class SectionSpec:
    key: str  # YAML section / record kind
    sheet: str  # workbook sheet name
    fields: tuple[FieldSpec, ...]
    single: bool = False  # one record (key/value), not a list

    def field(self, key: str) -> FieldSpec:
        for spec in self.fields:
            if spec.key == key:
                return spec
        raise KeyError(key)


def _f(key: str, header: str, type_: FieldType = FieldType.TEXT, **kw: object) -> FieldSpec:
    return FieldSpec(key, header, type_, **kw)  # type: ignore[arg-type]


_T, _C, _A, _N, _B, _CH = (
    FieldType.TEXT,
    FieldType.CODE,
    FieldType.AMOUNT,
    FieldType.COUNT,
    FieldType.BOOL,
    FieldType.CHOICE,
)

FUNDS = (
    "一般公共预算",
    "一般公共预算（非财政拨款）",
    "政府性基金",
    "国有资本经营预算",
    "财政专户管理资金",
    "事业收入",
    "事业单位经营收入",
    "上级补助收入",
    "附属单位上缴收入",
    "其他收入",
    "上年结转-一般公共预算",
    "上年结转-政府性基金",
    "上年结转-国有资本经营预算",
    "上年结转-财政专户管理资金",
    "上年结转-单位资金",
)
UNIT_KINDS = ("行政", "事业", "参公")
CATEGORIES = ("其他运转类", "特定目标类")
LEVEL1 = ("成本指标", "产出指标", "效益指标", "满意度指标", "投入管理指标")

SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec(
        "budget",
        "预算信息",
        (
            _f("year", "预算年度", _N),
            _f("template", "模板"),
            _f("code", "部门编码", _C),
            _f("name", "部门名称", width=40),
            _f("consolidated", "汇总预算", _B, required=False),
            _f("fiscal_level", "财政级次（区级、市级…）", required=False),
            _f("institutions", "机构设置情况", required=False, width=60, long_text=True),
            _f("headcount", "人员数量", _N, required=False),
            _f("administrative", "行政编制", _N, required=False),
            _f("institution", "事业编制", _N, required=False),
        ),
        single=True,
    ),
    SectionSpec("functions", "部门职责", (_f("text", "职责", width=100, long_text=True),)),
    SectionSpec(
        "units",
        "单位",
        (
            _f("code", "单位代码", _C),
            _f("name", "单位名称", width=36),
            _f("kind", "单位性质", _CH, choices=UNIT_KINDS),
            _f("headcount", "人员数量", _N, required=False),
            _f("administrative", "行政编制", _N, required=False),
            _f("institution", "事业编制", _N, required=False),
            _f("operating_costs", "报告机关运行经费（空白按单位性质）", _B, required=False, width=18),
        ),
    ),
    SectionSpec(
        "income",
        "收入",
        (
            _f("unit", "单位代码", _C),
            _f("fund", "资金来源", _CH, choices=FUNDS, width=26),
            _f("amount", "金额（万元）", _A),
        ),
    ),
    SectionSpec(
        "basic",
        "基本支出",
        (
            _f("unit", "单位代码", _C),
            _f("function", "功能分类科目编码", _C, catalog="function", width=18),
            _f("econ", "部门经济分类编码", _C, catalog="dept_econ", width=18),
            _f("gov_econ", "政府经济分类编码", _C, required=False, catalog="gov_econ", width=18),
            _f("fund", "资金来源", _CH, required=False, choices=FUNDS, width=26),
            _f("item", "明细项目（预算07表）", width=24),
            _f("amount", "金额（万元）", _A),
        ),
    ),
    SectionSpec(
        "projects",
        "项目",
        (
            _f("unit", "单位代码", _C),
            _f("code", "项目编码", _C, width=24),
            _f("name", "项目名称", width=44),
            _f("category", "项目类型", _CH, choices=CATEGORIES),
            _f("function", "功能分类科目编码", _C, catalog="function", width=18),
            _f("amount", "项目金额（万元）", _A),
            _f("key", "重点项目", _B, required=False),
            _f("purpose", "主要用途", required=False, width=40, long_text=True),
        ),
    ),
    SectionSpec(
        "project_spending",
        "项目经济分类",
        (
            _f("project", "项目编码", _C, width=24),
            _f("econ", "部门经济分类编码", _C, catalog="dept_econ", width=18),
            _f("gov_econ", "政府经济分类编码", _C, required=False, catalog="gov_econ", width=18),
            _f("fund", "资金来源", _CH, required=False, choices=FUNDS, width=26),
            _f("amount", "金额（万元）", _A),
        ),
    ),
    SectionSpec(
        "project_indicators",
        "项目绩效指标",
        (
            _f("project", "项目编码", _C, width=24),
            _f("level1", "一级指标", _CH, choices=LEVEL1),
            _f("level2", "二级指标", required=False),
            _f("name", "三级指标", width=30),
            _f("value", "指标值"),
            _f("explanation", "指标值说明", required=False, width=40, long_text=True),
        ),
    ),
    SectionSpec(
        "unit_performance",
        "部门整体绩效",
        (_f("unit", "单位代码", _C), _f("goal", "年度履职目标", width=80, long_text=True)),
    ),
    SectionSpec(
        "unit_tasks",
        "年度主要任务",
        (
            _f("unit", "单位代码", _C),
            _f("name", "任务名称", width=30),
            _f("content", "主要内容", width=50, long_text=True),
        ),
    ),
    SectionSpec(
        "unit_indicators",
        "部门整体绩效指标",
        (
            _f("unit", "单位代码", _C),
            _f("level1", "一级指标", _CH, choices=LEVEL1),
            _f("level2", "二级指标", required=False),
            _f("name", "三级指标", width=24),
            _f("value", "指标值"),
            _f("explanation", "指标值说明", required=False, width=60, long_text=True),
        ),
    ),
    SectionSpec(
        "prior_year",
        "上年数",
        (
            _f("key", "项目", _CH, choices=(*PRIOR_YEAR_KEYS, *PRIOR_YEAR_KEYS.values()), width=30),
            _f("amount", "上年预算数（万元）", _A, required=False),
            _f("reason", "变动原因", required=False, width=50, long_text=True),
        ),
    ),
    SectionSpec(
        "procurement",
        "政府采购",
        (
            _f("unit", "单位代码", _C),
            _f("item", "采购项目", width=30),
            _f("category", "采购类别", _CH, choices=("货物", "工程", "服务")),
            _f("amount", "金额（万元）", _A),
        ),
    ),
    SectionSpec(
        "assets",
        "国有资产",
        (
            _f("buildings", "房屋建筑物（万元）", _A, required=False),
            _f("vehicles", "车辆（万元）", _A, required=False),
            _f("office_equipment", "办公设备（万元）", _A, required=False),
            _f("special_equipment", "专用设备（万元）", _A, required=False),
            _f("other", "其他资产（万元）", _A, required=False),
            _f("general_vehicles", "一般公务用车（辆）", _N, required=False),
            _f("law_enforcement_vehicles", "执法执勤用车（辆）", _N, required=False),
            _f("other_vehicles", "其他用车（辆）", _N, required=False),
            _f("large_general_equipment", "50万元以上通用设备（台套）", _N, required=False),
            _f("large_special_equipment", "100万元以上专用设备（台套）", _N, required=False),
        ),
        single=True,
    ),
    SectionSpec("transfers", "专项转移支付", (_f("name", "项目名称", width=40), _f("amount", "金额（万元）", _A))),
    SectionSpec(
        "reasons",
        "变动原因",
        (
            _f("code", "功能分类科目编码或项目编码", _C, width=26),
            _f("reason", "变动原因", width=60, long_text=True),
        ),
    ),
    SectionSpec(
        "final_reasons",
        "决算变动原因",
        (
            _f("unit", "单位代码（空白为全部门）", _C, required=False, width=18),
            _f("comparison", "比较", _CH, choices=tuple(FINAL_COMPARISONS.values())),
            _f("subject", "项目", width=30),
            _f("reason", "原因", width=60, long_text=True),
        ),
    ),
    SectionSpec(
        "paragraphs",
        "补充说明",
        (
            _f("section", "所在部分", _CH, choices=(*NARRATIVE_SECTIONS, *NARRATIVE_SECTIONS.values()), width=30),
            _f("text", "段落", width=100, long_text=True),
        ),
    ),
    SectionSpec(
        "terms",
        "补充名词解释",
        (_f("term", "名词", width=24), _f("explanation", "解释", width=100, long_text=True)),
    ),
)

SECTION_BY_KEY = {s.key: s for s in SECTIONS}
