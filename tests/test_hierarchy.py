"""The code hierarchy as real documents print it: 款 printed as two digits, a leaf 款 printed twice,
unit rows amid 类 rows, tables that list things instead of summing codes, names the catalog does
not know. Each reading either adds up or is marked uncertain; a guessed level never becomes an error."""

from __future__ import annotations

from tests.conftest import corpus_file
from tests.test_generic import _line, _pdf, _values_line
from yusuan.audit.engine import audit_document
from yusuan.extract.generic import generic_tables, hierarchy_checks
from yusuan.extract.text import parse_text
from yusuan.tables.model import Table

HEAD = ["表5 一般公共预算支出表", "单位：万元", "科目编码 科目名称 合计"]


def _table(lines: list[str], head: list[str] = HEAD) -> Table:
    return generic_tables(parse_text("\n".join([*head, *lines])))[0].tables[0]


def _codes(table: Table) -> list[str]:
    return [str(r.value("code")) for r in table.rows if r.value("code")]


def _failed(table: Table) -> list[tuple[str, tuple[str, ...]]]:
    return [(c.identity, c.row_key) for c in hierarchy_checks(table) if not c.held]


def _uncertain(table: Table) -> list[str]:
    return ["/".join(r.key) for r in table.rows if any(not c.certain for c in r.cells.values())]


def _errors(lines: list[str], head: list[str] = HEAD) -> list[str]:
    report = audit_document(parse_text("\n".join([*head, *lines])))
    return [f.message for f in report.findings if f.severity == "error"]


# --- 1. 款 printed as two digits -------------------------------------------------------------------


def test_two_digit_kuan_after_an_item_of_another_kuan() -> None:
    # 99 after 项 2080506: both 2080599 and 20899 exist; the 项 2089999 below it makes it a 款
    table = _table(
        [
            "合计 35.00",
            "208 社会保障和就业支出 35.00",
            "05 行政事业单位养老支出 30.00",
            "2080505 机关事业单位基本养老保险缴费支出 20.00",
            "2080506 机关事业单位职业年金缴费支出 10.00",
            "99 其他社会保障和就业支出 5.00",
            "2089999 其他社会保障和就业支出 5.00",
        ]
    )
    assert _codes(table) == ["208", "20805", "2080505", "2080506", "20899", "2089999"]
    assert _failed(table) == [] and len(hierarchy_checks(table)) == 4
    assert _uncertain(table) == []


def test_two_digit_kuan_decided_by_its_name() -> None:
    # all levels printed as two digits; the last 99 is named as the 款 20899, not as 项 2080599
    table = _table(
        [
            "合计 35.00",
            "208 社会保障和就业支出 35.00",
            "05 行政事业单位养老支出 30.00",
            "05 机关事业单位基本养老保险缴费支出 20.00",
            "06 机关事业单位职业年金缴费支出 10.00",
            "99 其他社会保障和就业支出 5.00",
        ]
    )
    assert _codes(table) == ["208", "20805", "2080505", "2080506", "20899"]
    assert _failed(table) == [] and _uncertain(table) == []


def test_two_digit_code_nothing_decides_is_uncertain_not_an_error() -> None:
    lines = [
        "合计 35.00",
        "208 社会保障和就业支出 35.00",
        "05 行政事业单位养老支出 30.00",
        "05 机关事业单位基本养老保险缴费支出 20.00",
        "06 机关事业单位职业年金缴费支出 10.00",
        "99 其他支出 5.00",  # 2080599 or 20899: the catalog knows both, the name neither
    ]
    table = _table(lines)
    assert _failed(table)  # read as 项 2080599, the sums do not hold …
    assert set(_uncertain(table)) == {"208", "20805", "2080599"}  # … and the reading says it is unsure
    assert _errors(lines) == []


def test_two_digits_under_codes_printed_in_parts_are_not_taken_for_a_kuan() -> None:
    # '208 05 05' prints the parts of a code that change: a lone 06 below it may well be a 项, so
    # the codes printed in parts do not make it a 款 (only 7-digit codes printed whole do)
    table = _table(
        [
            "合计 30.00",
            "208 社会保障和就业支出 30.00",
            "208 05 行政事业单位养老支出 30.00",
            "208 05 05 机关事业单位基本养老保险缴费支出 20.00",
            "06 职业年金 10.00",
        ]
    )
    assert _codes(table)[-1] == "2080506"
    assert _failed(table) == []


# --- 2. a leaf 款 printed twice ---------------------------------------------------------------------


def test_leaf_kuan_printed_twice_counts_once() -> None:
    table = _table(
        [
            "合计 35.00",
            "208 社会保障和就业支出 35.00",
            "20805 行政事业单位养老支出 30.00",
            "2080505 机关事业单位基本养老保险缴费支出 30.00",
            "20899 其他社会保障和就业支出 5.00",
            "20899 其他社会保障和就业支出 5.00",
        ]
    )
    assert _failed(table) == []
    assert {c.identity for c in hierarchy_checks(table)} == {"类 = Σ 款", "款 = Σ 项", "合计 = Σ 最上级各行"}


def test_leaf_kuan_printed_again_as_two_digits_is_its_item() -> None:
    table = _table(
        [
            "合计 35.00",
            "208 社会保障和就业支出 35.00",
            "05 行政事业单位养老支出 30.00",
            "05 机关事业单位基本养老保险缴费支出 30.00",
            "99 其他社会保障和就业支出 5.00",
            "99 其他社会保障和就业支出 5.00",
        ]
    )
    assert _codes(table) == ["208", "20805", "2080505", "20899", "2089999"]
    assert _failed(table) == [] and _uncertain(table) == []


def test_the_same_code_with_other_amounts_is_not_a_repeat() -> None:
    # a guard on the rule above: two rows of one code with different amounts are both counted
    table = _table(
        [
            "合计 35.00",
            "208 社会保障和就业支出 35.00",
            "20899 其他社会保障和就业支出 5.00",
            "20899 其他社会保障和就业支出 30.00",
        ]
    )
    klass = next(c for c in hierarchy_checks(table) if c.row_key == ("208",))
    assert klass.held and klass.terms == 2


# --- 3. unit rows amid 类 rows ----------------------------------------------------------------------


UNITS = [
    "合计 50.00",
    "704001 甲局 30.00",
    "201 一般公共服务支出 10.00",
    "2010101 行政运行 10.00",
    "208 社会保障和就业支出 20.00",
    "2080505 机关事业单位基本养老保险缴费支出 20.00",
    "201001 乙中心 20.00",  # a unit code that starts like 类 201
    "201 一般公共服务支出 20.00",
    "2010101 行政运行 20.00",
]


def test_unit_rows_group_classes_and_are_no_level_of_them() -> None:
    table = _table(UNITS, ["表3 支出总表", "单位：万元", "单位编码 单位名称 合计"])
    checks = hierarchy_checks(table)
    assert _failed(table) == []
    units = [(c.identity, c.row_key) for c in checks if "单位" in c.identity]
    assert units == [
        ("单位 = Σ 所属各行", ("704001",)),
        ("单位 = Σ 所属各行", ("201001",)),
        ("合计 = Σ 各单位", ("合计",)),
    ]
    wrong = [c for c in checks if c.row_key == ("201001",) and c.identity != "单位 = Σ 所属各行"]
    assert wrong == []  # never 类 201 = Σ its "款" 201001


def test_a_wrong_unit_subtotal_is_still_an_error() -> None:
    wrong = [line.replace("乙中心 20.00", "乙中心 25.00") for line in UNITS]
    table = _table(wrong, ["表3 支出总表", "单位：万元", "单位编码 单位名称 合计"])
    assert sorted(_failed(table)) == [("单位 = Σ 所属各行", ("201001",)), ("合计 = Σ 各单位", ("合计",))]


def test_lines_without_a_code_under_units_leave_the_department_unchecked_here() -> None:
    # projects printed under their units (西安 专项业务经费表): the units' sum is not this check's
    # (a line without a code amid a parent's rows is a child it cannot place); table.unit_sum reads it
    table = _table(
        [
            "合计 50.00",
            "263 市商务局 50.00",
            "263001 市商务局 30.00",
            "电商博览会 30.00",
            "263002 市商务综合执法支队 25.00",
            "执法装备购置 25.00",
        ],
        ["表10 部门综合预算专项业务经费支出表", "单位：万元", "单位编码 单位名称 项目金额"],
    )
    assert ("263",) not in {c.row_key for c in hierarchy_checks(table)}


# --- 4. tables that list things ---------------------------------------------------------------------


def test_a_table_listing_projects_is_no_hierarchy() -> None:
    table = _table(
        [
            "合计 30.00",
            "2010102 一般行政管理事务 15.00",
            "2010102 信息化运维项目 10.00",
            "2010102 档案整理项目 5.00",
            "201 一般公共服务支出 15.00",
        ],
        ["表10 项目支出预算表", "单位：万元", "功能科目编码 项目名称 金额"],
    )
    assert hierarchy_checks(table) == []


def test_a_count_column_is_not_an_amount() -> None:
    # a table in whole 元: the 人数 column's numbers read like amounts, its header says they count
    people, amount = 300.0, 420.0  # right edges of the 人数 and 金额 columns
    doc = _pdf(
        [
            _line(1, 40, ("表9 一般公共预算支出表", 100)),
            _line(1, 56, ("单位：元", 420)),
            _line(1, 70, ("科目编码", 20), ("科目名称", 100), ("人数", 270), ("金额", 390)),
            _values_line(1, 90, [("合计", 100)], {people: "120", amount: "300,000"}),
            _values_line(1, 110, [("201", 20), ("一般公共服务支出", 100)], {people: "120", amount: "300,000"}),
            _values_line(1, 130, [("20101", 20), ("人大事务", 100)], {people: "100", amount: "300,000"}),
        ]
    )
    table = generic_tables(doc)[0].tables[0]
    assert [c.type for c in table.columns] == ["code", "text", "count", "amount"]
    assert hierarchy_checks(table) == []  # a table that counts lists things: no 类/款/项 sums


# --- 5. names only ---------------------------------------------------------------------------------


def test_names_only_row_the_catalog_does_not_know_is_uncertain_not_an_error() -> None:
    head = ["表3：2026年市级部门支出预算总表", "部门名称：某局 单位：万元", "功能分类科目名称 总计"]
    lines = [
        "合计 80.00",
        "一般公共服务支出 50.00",
        "人大事务 20.00",
        "行政运行 20.00",
        "数据新设事务 30.00",  # a 款 the catalog does not know, amid its 类's rows
        "政府办公厅（室）及相关机构事务 0.00",
        "社会保障和就业支出 30.00",
        "行政事业单位养老支出 30.00",
        "机关事业单位基本养老保险缴费支出 30.00",
    ]
    table = _table(lines, head)
    assert _codes(table) == ["201", "20101", "2010101", "20103", "208", "20805", "2080505"]
    assert _failed(table) == []  # 201 is not compared with its known 款 only
    assert set(_uncertain(table)) >= {"数据新设事务", "201"}
    assert _errors(lines, head) == []
    # at the end of its 类 it may as well be a heading: not compared, not called uncertain
    del lines[5]
    table = _table(lines, head)
    assert _failed(table) == [] and _uncertain(table) == []
    assert ("201",) not in {c.row_key for c in hierarchy_checks(table)}
    assert _errors(lines, head) == []


def test_names_only_row_cut_short_is_its_one_catalog_child() -> None:
    head = ["表3：2026年市级部门支出预算总表", "部门名称：某局 单位：万元", "功能分类科目名称 总计"]
    table = _table(
        [
            "合计 30.00",
            "社会保障和就业支出 30.00",
            "行政事业单位养老支出 30.00",
            "机关事业单位基本养老保险缴 20.00",  # cut by a narrow cell
            "机关事业单位职业年金缴费支出（单位） 10.00",  # a note after the name
        ],
        head,
    )
    assert _codes(table) == ["208", "20805", "2080505", "2080506"]
    assert _failed(table) == [] and _uncertain(table) == []


def test_names_of_other_editions_name_their_code() -> None:
    # 2026 tables print 22303 as 国有企业公益性补贴 (深圳 2026), the 2025 catalog as 国有企业政策性补贴
    head = ["表3：2026年市级部门支出预算总表", "部门名称：某局 单位：万元", "功能分类科目名称 总计"]
    table = _table(
        ["合计 5.00", "国有资本经营预算支出 5.00", "国有企业公益性补贴 5.00", "国有企业公益性补贴 5.00"], head
    )
    assert _codes(table) == ["223", "22303", "2230301"]
    assert _failed(table) == [] and _uncertain(table) == []


# --- real documents (develop half of the corpus) -----------------------------------------------------


def _real(name: str, number: str) -> Table:
    from yusuan.extract.pdf import read_pdf

    return generic_tables(read_pdf(corpus_file(name)))[0].by_number(number)


def test_corpus_department_code_over_unit_codes() -> None:
    # 无锡 公开02表: 328 无锡市应急管理局 (no 经济分类 类) over its units 328001 and 328002
    table = _real("c014_wuxi_001.pdf", "公开02表")
    assert [r.kind for r in table.rows] == ["total", "unit", "unit", "unit"]
    checks = hierarchy_checks(table)
    assert {c.identity for c in checks} == {"单位 = Σ 下级", "合计 = Σ 各单位"}
    assert all(c.held for c in checks)


def test_corpus_unit_names_amid_names_only_rows() -> None:
    # 广州 表11 prints unit names over 经济分类 names only: each unit is the sum of its 类
    table = _real("c005_guangzhou_011.pdf", "表11")
    checks = hierarchy_checks(table)
    assert {c.identity for c in checks} == {"单位 = Σ 所属各行", "合计 = Σ 各单位"}
    assert len(checks) >= 50 and all(c.held for c in checks)


def test_corpus_2026_name_of_a_kuan() -> None:
    # 深圳 国资委 表1 prints 国有企业公益性补贴 (22303 in 2026) twice, as its 款 and its 项
    table = _real("c003_shenzhen_019.pdf", "表1")
    assert [c for c in _codes(table) if c.startswith("22303")] == ["22303", "2230301"]
    assert _uncertain(table) == []


def test_two_projects_of_one_code_with_one_amount_are_both_counted() -> None:
    # a guard on the repeat rule: same code and amount, other names: two rows, not one printed twice
    table = _table(
        [
            "合计 10.00",
            "2010102 信息化运维项目 5.00",
            "2010102 档案整理项目 5.00",
        ]
    )
    assert _failed(table) == []


def test_a_department_code_that_spells_a_class_is_a_unit_over_its_units() -> None:
    # 213 here is a department (its rows 213001, 213002 are units), not 类 213 农林水支出
    table = _table(
        ["合计 30.00", "213 市农业农村局 30.00", "213001 本级 20.00", "213002 农业技术推广中心 10.00"],
        ["表2 收入总表", "单位：万元", "单位编码 单位名称 合计"],
    )
    assert [r.kind for r in table.rows] == ["total", "unit", "unit", "unit"]
    assert {(c.identity, c.row_key) for c in hierarchy_checks(table)} == {
        ("单位 = Σ 下级", ("213",)),
        ("合计 = Σ 各单位", ("合计",)),
    }


def test_the_audit_checks_the_hierarchy_the_reading_computed(monkeypatch) -> None:
    """The reading computes each generic table's code-hierarchy checks (to find misreadings); the audit's
    rules (table.code_hierarchy, table.unit_sum) use those, so each table's are computed once — and they are
    the checks of the cells the rules see: marking cells uncertain changes no value (Yantai's real defect)."""
    from collections import Counter

    from yusuan.audit.engine import audit_path
    from yusuan.extract import generic

    computed: Counter[int] = Counter()

    def counted(table: Table) -> list:
        computed[id(table)] += 1
        return hierarchy_checks(table)

    monkeypatch.setattr(generic, "hierarchy_checks", counted)
    report = audit_path(corpus_file("c025_yantai_013.pdf"))
    assert [f.rule for f in report.findings if f.severity == "error"] == ["table.code_hierarchy"]
    assert report.tableset is not None and report.context is not None
    assert sorted(computed) == sorted(id(t) for t in report.tableset.tables)
    assert set(computed.values()) == {1}
    for table in report.tableset.tables:
        assert report.context.code_checks(table) == hierarchy_checks(table)


def test_the_hierarchy_check_uses_only_public_names_of_the_generic_reader() -> None:
    """What hierarchy.py shares with the generic reader (its vocabulary, what an income line and a code
    table are) is public there: no ``_`` name is imported from another module."""
    import ast

    from tests.conftest import ROOT

    path = ROOT / "src" / "yusuan" / "extract" / "hierarchy.py"
    private = [
        f"{node.module}.{alias.name}"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("yusuan")
        for alias in node.names
        if alias.name.startswith("_")
    ]
    assert private == []
