"""Raw records → Budget: parse every field, collect every problem.

Readers (YAML, workbook) only turn their format into ``RawRecord``s grouped by
section; this module does all field conversion for both, so both formats
accept and refuse exactly the same things.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from yusuan.catalog.codes import normalize_code
from yusuan.ledger.final_reasons import final_reasons_of
from yusuan.ledger.limits import MAX_AMOUNT_FEN, MAX_AMOUNT_TEXT, MAX_COUNT, max_chars, shown
from yusuan.ledger.model import (
    FINAL_COMPARISONS,
    Assets,
    BasicLine,
    Budget,
    ChangeReason,
    Department,
    ExtraParagraph,
    Fund,
    Income,
    Indicator,
    IndicatorLevel1,
    Origin,
    PriorYear,
    Procurement,
    Project,
    ProjectCategory,
    ProjectSpending,
    Staffing,
    Task,
    Term,
    Transfer,
    Unit,
    UnitKind,
    UnitPerformance,
    final_subject_name,
)
from yusuan.ledger.problems import Problem
from yusuan.ledger.schema import NARRATIVE_SECTION_BY_NAME, PRIOR_YEAR_BY_NAME, SECTION_BY_KEY, FieldType
from yusuan.money import AmountError, parse_amount


@dataclass(slots=True)
class RawRecord:
    """One record as read: field key → raw value, and where it stands."""

    values: dict[str, object]
    origin: Origin
    columns: dict[str, str] = field(default_factory=dict)  # field key → column label

    def where(self, key: str) -> Origin:
        return self.origin.at(self.columns.get(key, key))

    def located(self, section: str) -> Origin:
        """The record's origin, knowing how this input labels each column by header."""
        if not self.columns:
            return self.origin
        headers = {f.key: f.header for f in SECTION_BY_KEY[section].fields}
        labels = tuple((headers[k], label) for k, label in self.columns.items() if k in headers)
        return dataclasses.replace(self.origin, labels=labels)


RawBudget = dict[str, list[RawRecord]]


class _Parser:
    """Converts raw values by field type; records problems instead of raising."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, message: str, origin: Origin) -> None:
        self.problems.append(Problem(message, origin))

    def value(self, section: str, rec: RawRecord, key: str) -> object | None:
        spec = SECTION_BY_KEY[section].field(key)
        raw = rec.values.get(key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if spec.required:
                self.fail(f"缺少必填项「{spec.header}」", rec.where(key))
            return None
        where = rec.where(key)
        if isinstance(raw, str) and len(raw) > max_chars(spec):
            self.fail(f"「{spec.header}」过长：{len(raw)} 个字符，最多 {max_chars(spec)} 个", where)
            return None
        if spec.type is FieldType.AMOUNT:
            try:
                fen = parse_amount(raw if isinstance(raw, str | int) else str(raw), "万元")
            except AmountError as exc:
                self.fail(f"「{spec.header}」{exc}", where)
                return None
            if fen < 0:
                self.fail(f"「{spec.header}」不能为负数：{raw}", where)
                return None
            if fen > MAX_AMOUNT_FEN:
                self.fail(f"「{spec.header}」金额过大：「{shown(raw)}」，一项金额最多 {MAX_AMOUNT_TEXT}", where)
                return None
            return fen
        if spec.type is FieldType.COUNT:
            text = str(raw).strip()
            if not text.isdigit():
                self.fail(f"「{spec.header}」应为非负整数：「{shown(raw)}」", where)
                return None
            if int(text) > MAX_COUNT:
                self.fail(f"「{spec.header}」数值过大：{text}，最多 {MAX_COUNT}", where)
                return None
            return int(text)
        if spec.type is FieldType.CODE:
            try:
                return normalize_code(raw if isinstance(raw, str | int) else str(raw))
            except ValueError:
                self.fail(f"「{spec.header}」应为数字编码：「{shown(raw)}」", where)
                return None
        if spec.type is FieldType.BOOL:
            text = str(raw).strip().lower()
            if text in {"是", "true", "yes", "1", "y"}:
                return True
            if text in {"否", "false", "no", "0", "n"}:
                return False
            self.fail(f"「{spec.header}」应为 是 或 否：「{shown(raw)}」", where)
            return None
        text = str(raw).strip()
        if spec.type is FieldType.CHOICE and text not in spec.choices:
            self.fail(f"「{spec.header}」的值「{shown(text)}」无效，应为：{'、'.join(spec.choices)}", where)
            return None
        return text

    def record(self, section: str, rec: RawRecord) -> dict[str, object] | None:
        """All fields of a record, or None when any of them is unusable."""
        before = len(self.problems)
        out = {spec.key: self.value(section, rec, spec.key) for spec in SECTION_BY_KEY[section].fields}
        return out if len(self.problems) == before else None


def _s(v: object) -> str:
    return "" if v is None else str(v)


def _n(v: object) -> int:
    return v if isinstance(v, int) else 0


def assemble(raw: RawBudget, file: str) -> tuple[Budget, list[Problem]]:
    """Convert raw records into a Budget and the problems met; with problems, the Budget lacks the bad rows."""
    p = _Parser()
    for section in raw:
        if section not in SECTION_BY_KEY:
            p.fail(f"未知的部分「{section}」", Origin(file, section))

    def rows(section: str) -> list[tuple[dict[str, object], RawRecord]]:
        out = []
        for rec in raw.get(section, []):
            values = p.record(section, rec)
            if values is not None:
                out.append((values, RawRecord(rec.values, rec.located(section), rec.columns)))
        return out

    head_rows = rows("budget")
    if not raw.get("budget"):
        p.fail("缺少预算信息（年度、部门编码、部门名称）", Origin(file, SECTION_BY_KEY["budget"].sheet))
    head = head_rows[0][0] if head_rows else {}
    functions = tuple(_s(v["text"]) for v, _ in rows("functions"))
    units = tuple(
        Unit(
            code=_s(v["code"]),
            name=_s(v["name"]),
            kind=UnitKind(_s(v["kind"])),
            staffing=Staffing(_n(v["headcount"]), _n(v["administrative"]), _n(v["institution"])),
            operating_costs=v["operating_costs"] if isinstance(v["operating_costs"], bool) else None,
            origin=r.origin,
        )
        for v, r in rows("units")
    )
    department = Department(
        code=_s(head.get("code")),
        name=_s(head.get("name")),
        consolidated=head.get("consolidated") is not False,
        functions=functions,
        institutions=_s(head.get("institutions")),
        fiscal_level=_s(head.get("fiscal_level")) or "本级",
        staffing=Staffing(_n(head.get("headcount")), _n(head.get("administrative")), _n(head.get("institution"))),
    )
    income = tuple(Income(_s(v["unit"]), Fund(_s(v["fund"])), _n(v["amount"]), r.origin) for v, r in rows("income"))
    basic = tuple(
        BasicLine(
            unit=_s(v["unit"]),
            function=_s(v["function"]),
            econ=_s(v["econ"]),
            gov_econ=_s(v["gov_econ"]),  # '' → derived from the mapping in validation
            fund=Fund(_s(v["fund"]) or Fund.GPB),
            item=_s(v["item"]),
            amount=_n(v["amount"]),
            origin=r.origin,
        )
        for v, r in rows("basic")
    )
    spending: dict[str, list[ProjectSpending]] = defaultdict(list)
    for v, r in rows("project_spending"):
        spending[_s(v["project"])].append(
            ProjectSpending(
                _s(v["econ"]), _s(v["gov_econ"]), Fund(_s(v["fund"]) or Fund.GPB), _n(v["amount"]), r.origin
            )
        )
    indicators: dict[str, list[Indicator]] = defaultdict(list)
    for v, r in rows("project_indicators"):
        indicators[_s(v["project"])].append(_indicator(v, r))
    projects = []
    for v, r in rows("projects"):
        code = _s(v["code"])
        projects.append(
            Project(
                unit=_s(v["unit"]),
                code=code,
                name=_s(v["name"]),
                category=ProjectCategory(_s(v["category"])),
                function=_s(v["function"]),
                amount=_n(v["amount"]),
                spending=tuple(spending.pop(code, [])),
                indicators=tuple(indicators.pop(code, [])),
                key=v["key"] is True,
                purpose=_s(v["purpose"]),
                origin=r.origin,
            )
        )
    # A project row with an unreadable field is reported once, at that field; the rows that
    # refer to its code are not reported again as referring to a missing project.
    written = {str(rec.values.get("code") or "").strip() for rec in raw.get("projects", [])}
    for code, lines in spending.items():
        for line in lines:
            if code not in written:
                p.fail(f"经济分类明细引用了不存在的项目编码 {code}", line.origin.at("项目编码"))
    for code, inds in indicators.items():
        for ind in inds:
            if code not in written:
                p.fail(f"绩效指标引用了不存在的项目编码 {code}", ind.origin.at("项目编码"))

    tasks: dict[str, list[Task]] = defaultdict(list)
    for v, _r in rows("unit_tasks"):
        tasks[_s(v["unit"])].append(Task(_s(v["name"]), _s(v["content"])))
    unit_inds: dict[str, list[Indicator]] = defaultdict(list)
    for v, r in rows("unit_indicators"):
        unit_inds[_s(v["unit"])].append(_indicator(v, r))
    performance_units = {_s(v["unit"]) for v, _ in rows("unit_performance")}
    for section, sheet in (("unit_tasks", "年度主要任务"), ("unit_indicators", "部门整体绩效指标")):
        for v, r in rows(section):
            if _s(v["unit"]) not in performance_units:
                p.fail(f"{sheet}引用的单位 {_s(v['unit'])} 没有部门整体绩效目标（年度履职目标）", r.where("unit"))
    performance = tuple(
        UnitPerformance(
            unit=_s(v["unit"]),
            goal=_s(v["goal"]),
            tasks=tuple(tasks.get(_s(v["unit"]), [])),
            indicators=tuple(unit_inds.get(_s(v["unit"]), [])),
            origin=r.origin,
        )
        for v, r in rows("unit_performance")
    )
    prior_amounts: dict[str, int] = {}
    prior_reasons: dict[str, str] = {}
    for v, r in rows("prior_year"):
        key = PRIOR_YEAR_BY_NAME.get(_s(v["key"]), _s(v["key"]))
        if key in prior_amounts or key in prior_reasons:
            p.fail(f"上年数「{key}」重复", r.where("key"))
        if v["amount"] is not None:
            prior_amounts[key] = _n(v["amount"])
        if v["reason"]:
            prior_reasons[key] = _s(v["reason"])
    procurement = tuple(
        Procurement(_s(v["unit"]), _s(v["item"]), _s(v["category"]), _n(v["amount"]), r.origin)
        for v, r in rows("procurement")
    )
    asset_rows = rows("assets")
    assets = Assets(**{k: _n(val) for k, val in asset_rows[0][0].items()}) if asset_rows else Assets()
    transfers = tuple(Transfer(_s(v["name"]), _n(v["amount"]), r.origin) for v, r in rows("transfers"))
    reasons = tuple(ChangeReason(_s(v["code"]), _s(v["reason"]), r.origin) for v, r in rows("reasons"))
    final_reasons = final_reasons_of(rows("final_reasons"), p.fail)
    paragraphs = tuple(
        ExtraParagraph(NARRATIVE_SECTION_BY_NAME.get(_s(v["section"]), _s(v["section"])), _s(v["text"]), r.origin)
        for v, r in rows("paragraphs")
    )
    terms = tuple(Term(_s(v["term"]), _s(v["explanation"]), r.origin) for v, r in rows("terms"))

    # With problems the budget is partial (unreadable rows left out): the reader uses it only
    # for record-local checks, never to build anything.
    budget = Budget(
        year=_n(head.get("year")),
        template=_s(head.get("template")),
        department=department,
        units=units,
        income=income,
        basic=basic,
        projects=tuple(projects),
        unit_performance=performance,
        prior_year=PriorYear(prior_amounts, prior_reasons),
        procurement=procurement,
        assets=assets,
        transfers=transfers,
        reasons=reasons,
        final_reasons=final_reasons,
        paragraphs=paragraphs,
        terms=terms,
    )
    return budget, p.problems


def _indicator(v: dict[str, object], r: RawRecord) -> Indicator:
    return Indicator(
        level1=IndicatorLevel1(_s(v["level1"])),
        name=_s(v["name"]),
        value=_s(v["value"]),
        level2=_s(v["level2"]),
        explanation=_s(v["explanation"]),
        origin=r.origin,
    )


def budget_records(budget: Budget) -> dict[str, list[dict[str, Any]]]:
    """The inverse of ``assemble``: section key → records of field key → value (fen for amounts)."""
    d = budget.department
    prior = budget.prior_year

    def staffing(st: Any) -> dict[str, object]:
        return {"headcount": st.headcount, "administrative": st.administrative, "institution": st.institution}

    def indicator(ind: Indicator) -> dict[str, object]:
        return {
            "level1": str(ind.level1),
            "level2": ind.level2,
            "name": ind.name,
            "value": ind.value,
            "explanation": ind.explanation,
        }

    return {
        "budget": [
            {
                "year": budget.year,
                "template": budget.template,
                "code": d.code,
                "name": d.name,
                "consolidated": d.consolidated,
                "institutions": d.institutions,
                "fiscal_level": d.fiscal_level,
                **staffing(d.staffing),
            }
        ],
        "functions": [{"text": text} for text in d.functions],
        "units": [
            {
                "code": u.code,
                "name": u.name,
                "kind": str(u.kind),
                **({"operating_costs": u.operating_costs} if u.operating_costs is not None else {}),
                **staffing(u.staffing),
            }
            for u in budget.units
        ],
        "income": [{"unit": i.unit, "fund": str(i.fund), "amount": i.amount} for i in budget.income],
        "basic": [
            {
                "unit": b.unit,
                "function": b.function,
                "econ": b.econ,
                "gov_econ": b.gov_econ,
                "fund": str(b.fund),
                "item": b.item,
                "amount": b.amount,
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
                "amount": p.amount,
                "key": p.key,
                "purpose": p.purpose,
            }
            for p in budget.projects
        ],
        "project_spending": [
            {"project": p.code, "econ": s.econ, "gov_econ": s.gov_econ, "fund": str(s.fund), "amount": s.amount}
            for p in budget.projects
            for s in p.spending
        ],
        "project_indicators": [{"project": p.code, **indicator(i)} for p in budget.projects for i in p.indicators],
        "unit_performance": [{"unit": up.unit, "goal": up.goal} for up in budget.unit_performance],
        "unit_tasks": [
            {"unit": up.unit, "name": t.name, "content": t.content} for up in budget.unit_performance for t in up.tasks
        ],
        "unit_indicators": [{"unit": up.unit, **indicator(i)} for up in budget.unit_performance for i in up.indicators],
        "prior_year": [
            {"key": key, "amount": prior.amounts.get(key), "reason": prior.reasons.get(key)}
            for key in sorted(set(prior.amounts) | set(prior.reasons))
        ],
        "procurement": [
            {"unit": p.unit, "item": p.item, "category": p.category, "amount": p.amount} for p in budget.procurement
        ],
        "assets": [{spec.key: getattr(budget.assets, spec.key) for spec in SECTION_BY_KEY["assets"].fields}],
        "transfers": [{"name": t.name, "amount": t.amount} for t in budget.transfers],
        "reasons": [{"code": r.code, "reason": r.reason} for r in budget.reasons],
        "final_reasons": [
            {
                "unit": r.unit,
                "comparison": FINAL_COMPARISONS[r.comparison],
                "subject": final_subject_name(r.subject),
                "reason": r.reason,
            }
            for r in budget.final_reasons
        ],
        "paragraphs": [{"section": x.section, "text": x.text} for x in budget.paragraphs],
        "terms": [{"term": t.term, "explanation": t.explanation} for t in budget.terms],
    }
