"""Table geometry as real documents print it: tables in panels (the same columns repeated side by
side), tables continued under a repeated title (续表), names wrapped onto lines of their own, and
header words centred over narrower amounts."""

from __future__ import annotations

from tests.conftest import corpus_file
from tests.test_generic import _line, _pdf, _values_line
from yusuan.extract.document import Document, Line
from yusuan.extract.generic import find_tables, generic_tables, hierarchy_checks, parse_rows
from yusuan.extract.text import parse_text
from yusuan.tables.model import Table

WAN = 1_000_000  # fen in 1 万元
LEFT, RIGHT = 240.0, 480.0  # right edges of the two panels' 金额 columns


def _panel_header(top: float) -> Line:
    return _line(
        1,
        top,
        ("科目编码", 20),
        ("科目名称", 80),
        ("金额", 200),
        ("科目编码", 260),
        ("科目名称", 320),
        ("金额", 440),
    )


def _panel_row(top: float, left: tuple[str, str, str], right: tuple[str, str, str] | None) -> Line:
    head = [(left[0], 20), (left[1], 80)] if left[0] else [(left[1], 80)]
    values = {LEFT: left[2]}
    if right is not None:
        head += [(right[0], 260), (right[1], 320)] if right[0] else [(right[1], 320)]
        values[RIGHT] = right[2]
    return _values_line(1, top, head, values)


def _panelled(rows: list[tuple[tuple[str, str, str], tuple[str, str, str] | None]]) -> Document:
    lines = [
        _line(1, 40, ("表6", 20), ("一般公共预算基本支出表", 150)),
        _line(1, 56, ("单位：万元", 420)),
        _panel_header(70),
    ]
    lines += [_panel_row(90 + 20 * k, left, right) for k, (left, right) in enumerate(rows)]
    return _pdf(lines)


PANELS = [
    (("301", "工资福利支出", "30.00"), ("302", "商品和服务支出", "12.00")),
    (("30101", "基本工资", "20.00"), ("30201", "办公费", "5.00")),
    (("30102", "津贴补贴", "10.00"), ("30202", "印刷费", "7.00")),
    (("303", "对个人和家庭的补助", "3.00"), ("310", "资本性支出", "4.00")),
    (("30302", "退休费", "3.00"), ("31002", "办公设备购置", "4.00")),
    (("", "人员经费合计", "33.00"), ("", "公用经费合计", "16.00")),
]


def _only(doc: Document) -> Table:
    tables = generic_tables(doc)[0].tables
    assert len(tables) == 1
    return tables[0]


def test_panels_are_read_one_after_the_other() -> None:
    table = _only(_panelled(PANELS))
    assert [r.value("code") or r.value("name") for r in table.rows] == [
        "301",
        "30101",
        "30102",
        "303",
        "30302",
        "人员经费合计",
        "302",
        "30201",
        "30202",
        "310",
        "31002",
        "公用经费合计",
    ]
    # the two panels' amounts are one column, under the panels' one header
    assert [c.headers for c in table.columns if c.type == "amount"] == [("金额",)]
    assert table.row("302").value("v1") == 12 * WAN
    assert table.row("公用经费合计").value("v1") == 16 * WAN
    checks = hierarchy_checks(table)
    assert {c.row_key for c in checks} >= {("301",), ("302",), ("303",), ("310",)}
    assert all(c.held for c in checks)
    assert all(c.certain for r in table.rows for c in r.cells.values())


def test_panels_continued_under_the_title_without_the_header() -> None:
    doc = _panelled(PANELS[:3])
    doc.lines += [
        _line(2, 40, ("表6", 20), ("一般公共预算基本支出表", 150)),
        _line(2, 56, ("单位：万元", 420)),
    ]
    for k, (left, right) in enumerate(PANELS[3:]):
        row = _panel_row(90 + 20 * k, left, right)
        row.page = 2
        doc.lines.append(row)
    doc.pages = 2
    table = _only(doc)
    codes = [r.value("code") or r.value("name") for r in table.rows]
    left = ["301", "30101", "30102", "303", "30302", "人员经费合计"]
    assert codes == [*left, "302", "30201", "30202", "310", "31002", "公用经费合计"]
    assert len([c for c in table.columns if c.type == "amount"]) == 1
    assert all(c.held for c in hierarchy_checks(table))


def _at(*parts: tuple[str, int]) -> str:
    """A pdftotext -layout line: each text starting at its character column (amounts: ending there)."""
    line = ""
    for text, column in parts:
        start = column - len(text) if text[0].isdigit() and "." in text else column
        line = line.ljust(start) + text
    return line


def test_panels_in_layout_text() -> None:
    """pdftotext -layout prints the panels on a coarse grid of characters: the copies of the
    header stand a character or two apart from an exact shift, and the cut is clear all the same."""
    rows = [
        _at(("301", 0), ("工资福利支出", 8), ("30.00", 36), ("302", 43), ("商品和服务支出", 51), ("12.00", 79)),
        _at(("30101", 0), ("基本工资", 8), ("20.00", 36), ("30201", 43), ("办公费", 51), ("5.00", 79)),
        _at(("30102", 0), ("津贴补贴", 8), ("10.00", 36), ("30202", 43), ("印刷费", 51), ("7.00", 79)),
    ]
    text = "\n".join(
        [
            _at(("表6", 0), ("一般公共预算基本支出表", 25)),
            _at(("单位：万元", 70)),
            _at(("科目编码", 1), ("科目名称", 17), ("金额", 31), ("科目编码", 44), ("科目名称", 60), ("金额", 70)),
            *rows,
        ]
    )
    doc = parse_text(text)
    assert doc.has_positions
    table = _only(doc)
    assert [r.value("code") for r in table.rows] == ["301", "30101", "30102", "302", "30201", "30202"]
    assert [c.headers for c in table.columns if c.type == "amount"] == [("金额",)]
    assert all(c.certain for r in table.rows for c in r.cells.values())
    assert all(c.held for c in hierarchy_checks(table))


def test_a_doubtful_panel_cut_leaves_the_rows_uncertain() -> None:
    # a right-panel name glued to its code runs into the gap between the panels: no cut is clear
    rows = [*PANELS[:3], (("303", "对个人和家庭的补助", "3.00"), None)]
    doc = _panelled(rows)
    glued = _values_line(1, 170, [("30299其他商品和服务支出", 236)], {RIGHT: "0.00"})
    doc.lines.insert(7, glued)
    table = _only(doc)
    amounts = [c for r in table.rows for k, c in r.cells.items() if k.startswith("v") and c.value is not None]
    assert amounts and not any(c.certain for c in amounts)


def test_header_copies_that_disagree_leave_the_rows_uncertain() -> None:
    """On a PDF the copies of a panel's header stand shifted alike; one word far off the others'
    shift makes the panels a guess (a grid of characters allows two characters each side)."""
    doc = _panelled(PANELS)
    header = doc.lines[2]
    moved = header.words[5]
    header.words[5] = type(moved)(moved.text, moved.x0 + 30, moved.x1 + 30, moved.top, moved.bottom)
    table = _only(doc)
    amounts = [c for r in table.rows for k, c in r.cells.items() if k.startswith("v") and c.value is not None]
    assert amounts and not any(c.certain for c in amounts)


def test_a_summary_printed_in_two_sides_is_not_panels() -> None:
    """项目 预算数 | 项目 预算数: a 收支总表's two sides, read as before (收入 left, 支出 right)."""
    doc = _pdf(
        [
            _line(1, 40, ("收支总表", 150)),
            _line(1, 56, ("单位：元", 420)),
            _line(1, 70, ("项目", 20), ("预算数", 160), ("项目", 260), ("预算数", 460)),
            _values_line(
                1, 90, [("一、财政拨款收入", 20), ("一、一般公共服务支出", 260)], {200: "100.00", 500: "100.00"}
            ),
        ]
    )
    table = _only(doc)
    assert len([c for c in table.columns if c.type == "amount"]) == 2


def test_corpus_panels() -> None:
    """佛山 表6 (决算): 301/303 on the left, 302/307/310/399 on the right, over four pages."""
    from yusuan.extract.pdf import read_pdf

    tables, _ = generic_tables(read_pdf(corpus_file("c022_foshan_001.pdf")))
    table = tables.by_number("表6")
    assert [c.headers for c in table.columns if c.type == "amount"] == [("金额",)]
    codes = [r.value("code") for r in table.rows]
    assert codes[:3] == ["301", "30101", "30102"]
    assert codes.index("30399") < codes.index("302")  # the left panel's rows first, all of them
    assert table.row("302").value("v1") == 94_65 * 10_000
    checks = hierarchy_checks(table)
    assert {("301",), ("302",)} <= {c.row_key for c in checks} and all(c.held for c in checks)


# --- a table continued under a repeated title --------------------------------------------------


def _page(page: int, title: list[tuple[str, float]], rows: list[tuple[list[tuple[str, float]], str]]) -> list[Line]:
    out = [
        _line(page, 40, *title),
        _line(page, 56, ("单位：万元", 420)),
        _line(page, 70, ("科目编码", 20), ("科目名称", 100), ("合计", 370)),
    ]
    out += [_values_line(page, 90 + 20 * k, head, {400.0: value}) for k, (head, value) in enumerate(rows)]
    return out


FIRST = [
    ([("合计", 100)], "30.00"),
    ([("208", 20), ("社会保障和就业支出", 100)], "30.00"),
    ([("20805", 20), ("行政事业单位养老支出", 100)], "30.00"),
]
SECOND = [
    ([("2080505", 20), ("机关事业单位基本养老保险缴费支出", 100)], "20.00"),
    ([("2080506", 20), ("机关事业单位职业年金缴费支出", 100)], "10.00"),
]


def test_continued_table_under_a_repeated_title() -> None:
    for repeated in (
        [("表3", 20), ("一般公共预算支出表（续）", 150)],
        [("续表3", 20)],
        [("表3（续）", 20)],
    ):
        doc = _pdf(_page(1, [("表3", 20), ("一般公共预算支出表", 150)], FIRST) + _page(2, repeated, SECOND))
        regions = find_tables(doc)
        assert [(r.number, r.title, r.continuation) for r in regions] == [
            ("表3", "一般公共预算支出表", False),
            ("表3", "一般公共预算支出表", True),
        ], repeated
        table = _only(doc)
        assert [r.value("code") for r in table.rows] == [None, "208", "20805", "2080505", "2080506"]
        assert all(c.held for c in hierarchy_checks(table))


def test_total_header_centred_between_header_lines() -> None:
    """合计 centred in a two-line header prints on a line of its own: a column's header, not the total
    row, on the first page and on every page the header is printed again."""

    def page(number: int) -> list[Line]:
        return [
            _line(number, 40, ("表3", 20), ("一般公共预算支出表", 150)),
            _line(number, 56, ("单位：万元", 420)),
            _line(number, 70, ("科目编码", 20), ("科目名称", 100), ("基本", 380), ("项目", 460)),
            _line(number, 76, ("合计", 300)),
            _line(number, 82, ("支出", 380), ("支出", 460)),
        ]

    amounts = {340.0: "30.00", 420.0: "20.00", 500.0: "10.00"}
    doc = _pdf(
        [
            *page(1),
            _values_line(1, 100, [("合计", 100)], amounts),
            _values_line(1, 120, [("208", 20), ("社会保障和就业支出", 100)], amounts),
            *page(2),
            _values_line(2, 100, [("20805", 20), ("行政事业单位养老支出", 100)], amounts),
        ]
    )
    table = _only(doc)
    assert [r.key for r in table.rows] == [("合计",), ("208",), ("20805",)]
    assert [c.headers for c in table.columns if c.type == "amount"] == [("合计",), ("基本", "支出"), ("项目", "支出")]


def test_corpus_total_header_between_header_lines() -> None:
    from yusuan.extract.pdf import read_pdf

    tables, _ = generic_tables(read_pdf(corpus_file("c002_beijing_042.pdf")))
    table = tables.by_number("预算02表")
    assert [c.headers for c in table.columns if c.type == "amount"][:2] == [("合计",), ("小计",)]
    assert table.rows[0].kind == "total" and isinstance(table.rows[0].value("v1"), int)


# --- names wrapped onto lines of their own -------------------------------------------------------


def _wrapped_table(lines: list[Line]) -> Document:
    return _pdf(
        [
            _line(1, 40, ("表6", 20), ("一般公共预算基本支出表", 150)),
            _line(1, 56, ("单位：万元", 420)),
            _line(1, 70, ("科目编码", 20), ("科目名称", 100), ("金额", 370)),
            *lines,
        ]
    )


def test_name_wrapped_below_its_row_in_a_loose_table() -> None:
    # rows 30 to 40 points apart: the wrapped line stands 7 points below its row, farther than ATTACH
    doc = _wrapped_table(
        [
            _values_line(1, 90, [("301", 20), ("工资福利支出", 100)], {400.0: "30.00"}),
            _values_line(1, 120, [("30108-机关事业单位基本养老保", 20)], {400.0: "20.00"}),
            _line(1, 137, ("险缴费", 20)),
            _values_line(1, 160, [("30109", 20), ("职业年金缴费", 100)], {400.0: "10.00"}),
        ]
    )
    rows = parse_rows(find_tables(doc)[0])
    assert [(r.code, r.name) for r in rows] == [
        ("301", "工资福利支出"),
        ("30108", "机关事业单位基本养老保险缴费"),
        ("30109", "职业年金缴费"),
    ]
    assert all(c.held for c in hierarchy_checks(_only(doc)))


def test_name_centred_on_its_row_over_three_lines() -> None:
    """佛山 prints 国有土地使用权出让收入 / 21208 及对应专项债务收入安排 / 的支出: the line above the
    row is the name's first line, not the row above's."""
    doc = _wrapped_table(
        [
            _values_line(1, 90, [("212", 20), ("城乡社区支出", 100)], {400.0: "10.00"}),
            _line(1, 109, ("国有土地使用权出让收入", 100)),
            _values_line(1, 124, [("21208", 20), ("及对应专项债务收入安排", 100)], {400.0: "10.00"}),
            _line(1, 139, ("的支出", 100)),
            _values_line(1, 158, [("2120801", 20), ("征地和拆迁补偿支出", 100)], {400.0: "10.00"}),
        ]
    )
    rows = parse_rows(find_tables(doc)[0])
    assert [(r.code, r.name) for r in rows] == [
        ("212", "城乡社区支出"),
        ("21208", "国有土地使用权出让收入及对应专项债务收入安排的支出"),
        ("2120801", "征地和拆迁补偿支出"),
    ]


def test_names_centred_on_their_rows() -> None:
    """Every cell centred in its row, lines evenly spaced: the first line of 社会保障和就业支出 stands
    as near the 合计 above as its own amounts; a row has as many name lines above as below."""
    doc = _wrapped_table(
        [
            _values_line(1, 90, [("合计", 100)], {400.0: "40.00"}),
            _line(1, 102, ("社会保障", 100)),
            _values_line(1, 114, [("208", 20), ("和就业支", 100)], {400.0: "30.00"}),
            _line(1, 126, ("出", 100)),
            _line(1, 138, ("行政事业", 100)),
            _values_line(1, 150, [("20805", 20), ("单位养老", 100)], {400.0: "30.00"}),
            _line(1, 162, ("支出", 100)),
            _line(1, 174, ("机关事业", 100)),
            _line(1, 186, ("单位基本", 100)),
            _values_line(1, 192, [("2080505", 20)], {400.0: "30.00"}),
            _line(1, 198, ("养老保险", 100)),
            _line(1, 210, ("缴费支出", 100)),
            _line(1, 222, ("卫生健康", 100)),
            _values_line(1, 228, [("210", 20)], {400.0: "10.00"}),
            _line(1, 234, ("支出", 100)),
            _line(1, 246, ("行政事业", 100)),
            _values_line(1, 252, [("21011", 20)], {400.0: "10.00"}),
            _line(1, 258, ("单位医疗", 100)),
        ]
    )
    rows = parse_rows(find_tables(doc)[0])
    assert [(r.code, r.name) for r in rows] == [
        ("", "合计"),
        ("208", "社会保障和就业支出"),
        ("20805", "行政事业单位养老支出"),
        ("2080505", "机关事业单位基本养老保险缴费支出"),
        ("210", "卫生健康支出"),
        ("21011", "行政事业单位医疗"),
    ]


def test_centring_never_moves_a_line_into_the_code_column() -> None:
    """深圳 (pdftotext -layout) prints a unit's name around its amounts in the code column: its second
    line is no part of the 205 row below it, whatever the centring of the 项 names says."""
    doc = _wrapped_table(
        [
            _line(1, 90, ("深圳市人民政府国有资产监督管", 20)),
            _values_line(1, 102, [], {400.0: "61.00"}),
            _line(1, 114, ("理委员会", 20)),
            _values_line(1, 126, [("205", 20), ("教育支出", 100)], {400.0: "10.00"}),
            _line(1, 138, ("机关事业单位基本", 100)),
            _values_line(1, 150, [("2080505", 20)], {400.0: "31.00"}),
            _line(1, 162, ("养老保险缴费支出", 100)),
            _line(1, 174, ("机关事业单位职业", 100)),
            _values_line(1, 186, [("2080506", 20)], {400.0: "20.00"}),
            _line(1, 198, ("年金缴费支出", 100)),
        ]
    )
    rows = parse_rows(find_tables(doc)[0])
    assert [r.code for r in rows] == ["", "205", "2080505", "2080506"]


def test_names_glued_to_codes_wrapped_below_are_not_centred() -> None:
    """北京 glues each name to its code (2080505-机关事业单位基本养老保险缴费) and wraps it below: the
    amounts' line has a name, the lines below are its own, whatever the spacing."""
    names = [("2080505-机关事业单位基本养老保险缴费", "支出"), ("2080506-机关事业单位职业年金缴费", "支出")]
    names += [("2101101-行政单位医疗保险缴费", "支出"), ("2101102-事业单位医疗保险缴费", "支出")]
    lines: list[Line] = []
    for k, (name, wrapped) in enumerate(names):
        lines.append(_values_line(1, 90 + 24 * k, [(name, 20)], {400.0: "10.00"}))
        lines.append(_line(1, 102 + 24 * k, (wrapped, 20)))
    rows = parse_rows(find_tables(_wrapped_table(lines))[0])
    assert [r.name for r in rows] == [name[name.index("-") + 1 :] + wrapped for name, wrapped in names]


def test_lines_with_their_own_ordinals_are_rows_of_their_own() -> None:
    doc = _pdf(
        [
            _line(1, 40, ("收支总表", 150)),
            _line(1, 56, ("单位：万元", 420)),
            _line(1, 70, ("项目", 20), ("预算数", 370)),
            _values_line(1, 90, [("十三、交通运输支出", 20)], {400.0: "5.00"}),
            _line(1, 106, ("十四、资源勘探工业信息等支出", 20)),
            _line(1, 119, ("十五、商业服务业等支出", 20)),
            _values_line(1, 140, [("十六、金融支出", 20)], {400.0: "1.00"}),
        ]
    )
    rows = parse_rows(find_tables(doc)[0])
    assert [r.name for r in rows] == [
        "十三、交通运输支出",
        "十四、资源勘探工业信息等支出",
        "十五、商业服务业等支出",
        "十六、金融支出",
    ]


def test_corpus_wrapped_names() -> None:
    from yusuan.extract.pdf import read_pdf

    foshan, _ = generic_tables(read_pdf(corpus_file("c022_foshan_001.pdf")))
    table = foshan.by_number("表8")
    assert table.row("21208").value("name") == "国有土地使用权出让收入及对应专项债务收入安排的支出"
    assert table.row("212").value("name") == "城乡社区支出"
    beijing, _ = generic_tables(read_pdf(corpus_file("c002_beijing_042.pdf")))
    names = [r.value("name") for r in beijing.by_number("预算01表").rows]
    assert "十四、资源勘探工业信息等支出" in names and "十五、商业服务业等支出" in names


# --- header words over their columns -----------------------------------------------------------


def test_header_centred_over_narrower_amounts() -> None:
    """A header word that overlaps no amount heads the column whose amounts begin just after it;
    a column left blank all along keeps its header to itself."""
    doc = _pdf(
        [
            _line(1, 40, ("表2", 20), ("一般公共预算支出表", 150)),
            _line(1, 56, ("单位：万元", 420)),
            # 合计 and 基本支出 stand just left of their right-aligned amounts; 事业收入 heads a blank column
            _line(1, 70, ("科目编码", 20), ("科目名称", 80), ("合计", 208), ("事业收入", 290), ("基本支出", 360)),
            _values_line(1, 90, [("208", 20), ("社会保障和就业支出", 80)], {260.0: "20.00", 430.0: "20.00"}),
            _values_line(1, 110, [("20805", 20), ("行政事业单位养老支出", 80)], {260.0: "20.00", 430.0: "20.00"}),
        ]
    )
    table = _only(doc)
    assert [c.headers for c in table.columns if c.type == "amount"] == [("合计",), ("基本支出",)]


def test_corpus_header_over_narrow_amounts() -> None:
    from yusuan.extract.pdf import read_pdf

    tables, _ = generic_tables(read_pdf(corpus_file("c017_fuzhou_002.pdf")))
    table = next(t for t in tables.tables if t.title.endswith("一般公共预算支出经济分类情况表"))
    assert [c.headers for c in table.columns if c.type == "amount"] == [("预算数",)]


# --- cells glued by a narrow gap -----------------------------------------------------------------


def test_code_glued_to_the_name_before_it() -> None:
    """北京 prints 功能 | 政府经济 | 部门经济 codes with their names, and a long name leaves too narrow
    a gap to part it from the next cell: 机关事业单位职业年金缴费支出50102-社会保障缴费."""
    doc = _wrapped_table(
        [
            _values_line(
                1,
                90,
                [("2080506-机关事业单位职业年金缴费支出50102-社会保障缴费", 20), ("30109-职业年金缴费", 330)],
                {520.0: "72.88"},
            ),
            _values_line(
                1, 110, [("2080506-机关事业单位职业年金缴费支出", 20), ("50501-工资福利支出", 195)], {520.0: "32.45"}
            ),
        ]
    )
    rows = parse_rows(find_tables(doc)[0])
    assert [(r.codes, r.name) for r in rows] == [
        (("2080506", "50102"), "机关事业单位职业年金缴费支出"),
        (("2080506", "50501"), "机关事业单位职业年金缴费支出"),
    ]


def test_corpus_code_glued_to_the_name_before_it() -> None:
    from yusuan.extract.pdf import read_pdf

    tables, _ = generic_tables(read_pdf(corpus_file("c002_beijing_001.pdf")))
    keys = [r.key for r in tables.by_number("预算03表").rows]
    assert ("2080506", "50102") in keys and ("2080506", "50501") in keys
