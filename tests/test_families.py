"""Template families: each recognised from the document itself, its expected tables found; and,
with its profile held out, the same document still read by the generic fallback.

Real documents come from ../shared/corpus/real-2026 (one per family, small ones; the tests that
need them skip when it is absent). Crafted text documents, built from the profiles' own table
lists, show that recognition reads content, not file names, and that no two families claim the
same document.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from tests.conftest import corpus_file
from yusuan.audit.engine import AuditReport, audit_document
from yusuan.extract.document import Document
from yusuan.extract.text import parse_text
from yusuan.tables.family import Family, all_families, available_families, load_family, number_key, recognise

#: family → one small real document of it
DOCUMENTS = {
    "beijing": "c002_beijing_001.pdf",  # 预算表12 printed as such; real 合计 errors
    "central": "c009_wuhan_001.pdf",  # 国家信访局: 部门公开表1 …, project targets unnumbered
    "changchun": "c040_changchun_007.pdf",  # numbers after the title: 收支总表（预算表1）
    "changsha": "c015_changsha_003.pdf",  # no numbers
    "chongqing": "c004_chongqing_004.pdf",  # 表一 … 表十二, two targets tables printed empty
    "final-account": "c022_foshan_001.pdf",  # 2019 决算: 8 tables, no 国有资本经营 table yet
    "fujian": "c017_fuzhou_002.pdf",  # no numbers; real 款 ≠ Σ 项 errors
    "guangdong": "c005_guangzhou_005.pdf",
    "jiangsu": "c014_wuxi_004.pdf",
    "shanghai": "c001_shanghai_004.pdf",  # one unit, amounts in 元
    "shenzhen": "c003_shenzhen_010.pdf",
    "xian": "c020_xian_017.pdf",  # 2021: 表7's title cut short (…（按支出功), its kind from the profile
    "yantai": "c025_yantai_022.pdf",
    "zhejiang": "c008_hangzhou_001.pdf",  # names without codes
}

#: kinds a family may name: DESIGN.md's canonical kinds and the generic vocabulary's
KINDS = {
    "summary", "income", "expenditure", "fiscal_summary", "gpb_expenditure", "gpb_basic_econ",
    "gpb_basic_detail", "econ_summary", "three_public", "gov_fund", "soe_capital", "projects",
    "operating_costs", "procurement", "project_performance", "dept_performance",
    "purchase_services", "carryover", "gpb_basic_function", "gpb_project_econ", "gpb_econ",
    "fiscal_basic_econ", "fiscal_expenditure", "basic_expenditure",
}  # fmt: skip


_DOCS: dict[str, Document] = {}
_REPORTS: dict[tuple[str, str], AuditReport] = {}


def _read(name: str) -> Document:
    from yusuan.extract.pdf import read_pdf

    if name not in _DOCS:
        _DOCS[name] = read_pdf(corpus_file(name))
    return _DOCS[name]


def _without(name: str) -> list[Family]:
    """Every family profile but one: the document must then do without it."""
    return [f for f in all_families() if f.name != name]


def _audit(family: str, held_out: bool) -> AuditReport:
    key = (family, "held out" if held_out else "with profile")
    if key not in _REPORTS:
        doc = _read(DOCUMENTS[family])
        _REPORTS[key] = audit_document(doc, families=_without(family) if held_out else None)
    return _REPORTS[key]


def _errors(report: AuditReport) -> list[tuple[str, str]]:
    return sorted((f.rule, f.message) for f in report.findings if f.severity == "error")


# --- the profiles ---------------------------------------------------------------------------------


def test_every_family_has_a_document_here() -> None:
    assert set(DOCUMENTS) == set(available_families())


@pytest.mark.parametrize("name", available_families())
def test_profile_is_layout_knowledge_only(name: str) -> None:
    family = load_family(name)
    assert family.unit in ("", "元", "万元") and 0.5 <= family.min_share <= 1.0
    assert family.required
    for table in family.tables:
        assert table.kind in KINDS, f"{name}: {table.name} has kind {table.kind}"
        # a table's own title fits its words, with each of its numbers (or none)
        for number in table.numbers:
            assert table.fits(number, table.name), f"{name}: {table.label} does not fit its own words"
        # titles, numbers and kinds only: no amounts
        assert not re.search(r"\d[\d,]*\.\d", table.name + "".join(table.words))
    # one heading is one table: no two tables of a family share a number
    keys = [number_key(n) for t in family.tables for n in t.numbers if n]
    assert len(keys) == len(set(keys)), f"{name}: a number is given twice"


# --- crafted documents: recognition reads the content -------------------------------------------


def _crafted(family: Family, skip: str = "") -> str:
    """A text document printing the family's tables the way its template numbers and titles
    them, one per page, each with a 单位 line and a total row."""
    pages = []
    for table in family.tables:
        if table.name == skip:
            continue
        number = next((n for n in table.numbers if n), "")
        heading = f"{number} {table.name}" if number else f"2026年{table.name}"
        pages.append(
            f"{heading.center(60)}\n单位：万元\n项目                         合计\n合计                     12.00\n"
        )
    return "\f".join(pages)


@pytest.mark.parametrize("name", available_families())
def test_crafted_document_is_recognised_as_its_family_only(name: str) -> None:
    family = load_family(name)
    doc = parse_text(_crafted(family), path="c001_shanghai_001.txt")  # a misleading file name
    report = audit_document(doc)
    assert report.document["template"] == name
    assert report.stats["tables_recognised"] == report.stats["tables_expected"] == len(family.required)
    # no other family claims it: with its own profile held out it is read generically
    report = audit_document(doc, families=_without(name))
    assert report.document["template"] == "generic"


def test_recognition_ignores_the_file_name() -> None:
    beijing = _crafted(load_family("beijing"))
    for path in ("c001_shanghai_001.pdf", "shenzhen/表1.txt", ""):
        assert audit_document(parse_text(beijing, path=path)).document["template"] == "beijing"


def test_headings_of_one_family_do_not_fit_another() -> None:
    for family in all_families():
        headings = [(next((n for n in t.numbers if n), ""), t.name) for t in family.tables]
        match = recognise(headings)
        assert match is not None and match.family.name == family.name
        for other in all_families():
            if other.name != family.name:
                assert other.match(headings).share < other.min_share, (family.name, other.name)


def test_a_missing_table_is_named() -> None:
    family = load_family("jiangsu")
    missing = "政府采购支出表"
    report = audit_document(parse_text(_crafted(family, skip=missing), path="crafted.txt"))
    assert report.document["template"] == "jiangsu"
    assert report.stats["tables_expected"] == 13 and report.stats["tables_recognised"] == 12
    assert report.stats["tables_missing"] == ["公开13表（政府采购支出表）"]
    findings = [f for f in report.findings if f.rule == "completeness.template_tables"]
    assert [(f.severity, f.expected) for f in findings] == [("warning", "公开13表（政府采购支出表）")]
    assert not [f for f in report.findings if f.rule == "completeness.standard_tables"]


def test_family_unit_for_a_table_without_a_unit_line() -> None:
    # 上海 prints whole 元; a table whose 单位 line is missing takes the template's unit
    family = load_family("shanghai")
    text = _crafted(family).replace(
        "单位：万元\n项目                         合计\n合计                     12.00", "", 1
    )
    text = text.replace("合计                     12.00", "合计                 12,345", 1)
    report = audit_document(parse_text(text, path="crafted.txt"))
    assert report.document["template"] == "shanghai"
    first = report.tables[0]
    assert first["kind"] == "summary" and first["unit"] == "元"
    generic = audit_document(parse_text(text, path="crafted.txt"), families=_without("shanghai"))
    assert generic.tables[0]["unit"] == "万元"  # without the family: the generic default


# --- real documents ------------------------------------------------------------------------------


@pytest.mark.parametrize("family", sorted(DOCUMENTS))
def test_real_document_recognised_with_its_tables(family: str) -> None:
    report = _audit(family, held_out=False)
    stats = report.stats
    assert report.document["template"] == family
    assert stats["tables_expected"] == len(load_family(family).required)
    assert stats["tables_recognised"] >= 0.95 * stats["tables_expected"], stats["tables_missing"]
    assert stats["identities_checked"] >= 10
    # every identity that fails is an error (its own, or grouped into another's: one printed defect)
    # or a rounding note the report shows
    failed = stats["identities_checked"] - stats["identities_held"]
    shown = [f for f in report.findings if f.rule in ("table.code_hierarchy", "summary.balance")]
    tails = sum(1 for f in report.findings if f.rule == "rounding.tail_difference")
    assert failed <= len(shown) + stats["errors_grouped"] + tails


@pytest.mark.parametrize("family", sorted(DOCUMENTS))
def test_real_document_without_its_profile(family: str) -> None:
    """Held out, the family's documents are not taken for another family; the generic fallback
    finds the same tables, guesses most of their kinds from the titles alone, and reports the
    same errors."""
    report = _audit(family, held_out=True)
    assert report.document["template"] == "generic"
    with_profile = _audit(family, held_out=False)
    assert [t["number"] for t in report.tables] == [t["number"] for t in with_profile.tables]
    kinds = {t["kind"] for t in report.tables}
    expected = load_family(family).required
    guessed = sum(1 for t in expected if t.kind in kinds)
    assert guessed >= 0.9 * len(expected), f"{family}: the titles alone give {guessed}/{len(expected)} kinds"
    assert _errors(report) == _errors(with_profile)
    assert report.stats["identities_checked"] == with_profile.stats["identities_checked"]


def test_profile_refines_a_kind_the_title_hides() -> None:
    # 西安 2021: 表7 prints '…基本支出明细表（按支出功' — cut before 能分类; by its number it is the
    # 基本支出 table by function
    with_profile = {t["number"]: t["kind"] for t in _audit("xian", held_out=False).tables}
    generic = {t["number"]: t["kind"] for t in _audit("xian", held_out=True).tables}
    assert with_profile["表7"] == "gpb_basic_function" and generic["表7"] == "gpb_basic_econ"


def test_document_content_decides_not_its_name() -> None:
    doc = _read(DOCUMENTS["beijing"])
    renamed = dataclasses.replace(doc, path="c001_shanghai_004.pdf")
    assert audit_document(renamed).document["template"] == "beijing"
