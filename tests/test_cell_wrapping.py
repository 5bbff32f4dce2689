"""No table cell leaves one character alone on its last line (issue 13 §5), as printed by Typst.

The acceptance tests read the PDFs back (``tests/pdf_cells.py``: each character placed in the ruled
cell around it); the model tests compare ``yusuan.render.cell_fit`` with what Typst really prints.
"""

from __future__ import annotations

import pytest

from pdf_cells import lone_characters, printed_cells
from yusuan.ledger.synth import department_seed, generate_budget
from yusuan.render import cell_fit
from yusuan.render.font_metrics import read_glyph_widths, sans_widths
from yusuan.render.pdf import _table, compile_typst, find_fonts, render_pdf, typst_str
from yusuan.tables import build_tables

SYNTH_DEPARTMENTS = 5


@pytest.fixture(scope="module")
def fonts():
    try:
        return find_fonts()
    except RuntimeError as exc:  # no CJK font on this machine
        pytest.skip(str(exc))


def _assert_no_lone_characters(tables) -> None:
    lone = lone_characters(render_pdf(None, tables))
    assert lone == [], "\n".join(str(cell) for cell in lone)


@pytest.mark.parametrize("unit", [None, "503001", "704001"])
def test_the_example_budget_leaves_no_character_alone(fonts, example_budget, unit) -> None:
    _assert_no_lone_characters(build_tables(example_budget, unit=unit))


@pytest.mark.parametrize("unit", [None, "503001", "704001"])
def test_the_example_final_account_leaves_no_character_alone(fonts, example_budget, example_execution, unit) -> None:
    from yusuan.outputs import build_final_disclosure

    _assert_no_lone_characters(build_final_disclosure(example_budget, example_execution, unit=unit).tables)


@pytest.mark.parametrize("index", range(1, SYNTH_DEPARTMENTS + 1))
def test_generated_departments_leave_no_character_alone(fonts, index) -> None:
    _assert_no_lone_characters(build_tables(generate_budget(department_seed(1, index))))


def _one_cell_tables(cases: list[tuple[str, float, bool]], size: float = 9.0) -> bytes:
    """One single-cell table per case (text, room in em, bold), set as the disclosure sets table cells."""
    sans = typst_str(find_fonts().sans)
    source = [
        f'#set text(font: {sans}, lang: "zh", region: "cn", size: {size}pt, cjk-latin-spacing: none)',
        "#set par(first-line-indent: 0pt, justify: false, leading: 0.35em)",
        "#set page(height: auto, margin: 10mm)",
    ]
    inset = cell_fit.CELL_INSET_EM
    for text, room, bold in cases:
        body = f"strong({typst_str(text)})" if bold else typst_str(text)
        source.append(
            f"#table(columns: ({room + 2 * inset}em,), inset: (x: {inset}em, y: 0.4em), stroke: 0.5pt, {body})"
        )
    return compile_typst("\n".join(source))


#: texts where Chinese line breaking is tricky: punctuation that may not start or end a line, pairs of
#: punctuation sharing a blank half, full-width quotes, numbers and Latin words that do not break
TRICKY = (
    "资金到位率。",
    "单位编码（项目编码）",
    "≤254.37万元",
    "示例市第100002部门第2中心",
    "结转结余率=结转结余总额/预算数*100%。结转结余总额是指部门本年度的结转结余资金之和。",
    "“三公经费”控制率=本年度“三公经费”实际支出数/“三公经费”预算数*100%",
    "因公出国（境）费",
    "部门（单位）代码",
    "预算执行率=（预算完成数/预算数）×100%。预算完成数指部门实际执行的预算数；",
    "资产对外有偿使用（出租出借等）、对外投资",
    "出借等），（对外投资",
    "出借等）。“对外”投资",
    "焦财预【2024】374号提前下达2025年就业补助资金",
    "6.1万人以上",
    "达到“优秀”等级",
    "ABC Project Name 2025年",
)


def test_the_wrapping_model_agrees_with_typst(fonts) -> None:
    cases = [(text, step / 4, step % 3 == 0) for text in TRICKY for step in range(6, 100, 5)]
    printed = [cell.lines for cell in printed_cells(_one_cell_tables(cases))]
    assert len(printed) == len(cases)
    disagree = []
    for (text, room, bold), lines in zip(cases, printed, strict=True):
        model = cell_fit.wrapped_lines(text, room, bold)
        if any(cell_fit.one_line_em(line, bold) > room + cell_fit.EPSILON_EM for line in model):
            continue  # a word wider than the cell overflows it: the reading back loses what sticks out
        if tuple(line.replace(" ", "") for line in model) != lines:
            disagree.append(f"{text} 宽 {room} em：Typst {' / '.join(lines)}，模型 {' / '.join(model)}")
    assert disagree == [], "\n".join(disagree)


def test_the_reader_finds_a_lone_character_and_only_that(fonts) -> None:
    # 公用经费 in a cell 3 em wide: 公用经 / 费; printed evenly with an explicit break: 公用 / 经费
    cells = printed_cells(
        _one_cell_tables([("公用经费", 3.2, False), ("公用\n经费", 3.2, False), ("资金到位率。", 4.2, False)])
    )
    assert [c.lines for c in cells] == [("公用经", "费"), ("公用", "经费"), ("资金到位", "率。")]
    assert [
        c.lines for c in lone_characters(_one_cell_tables([("公用经费", 3.2, False), ("公用\n经费", 3.2, False)]))
    ] == [("公用经", "费")]


def test_glyph_widths_come_from_the_font(fonts, tmp_path) -> None:
    regular, bold = sans_widths(False), sans_widths(True)
    assert regular is not None and bold is not None
    assert (regular.em("0"), bold.em("0")) == (0.555, 0.59)
    assert regular.em("中") == 1.0 and regular.em("≤") == 1.0
    assert regular.em(".") < 0.3 < regular.em("%") - 0.6  # far from the old guesses (0.35, 0.8)
    not_a_font = tmp_path / "NotoSansCJK-Regular.ttc"
    not_a_font.write_bytes(b"ttcf" + b"\0" * 40)
    assert read_glyph_widths(not_a_font) is None
    assert read_glyph_widths(tmp_path / "absent.ttc") is None


def test_an_uneven_wrap_is_printed_evenly_and_never_as_another_row() -> None:
    assert cell_fit.wrapped_lines("维护社会稳定", 5.2) == ("维护社会稳", "定")
    assert cell_fit.printed_lines("维护社会稳定", 5.2) == ("维护社会", "稳定")
    assert cell_fit.printed_text("维护社会稳定", 5.2) == "维护社会\n稳定"
    assert cell_fit.printed_text("维护社会稳定", 6.2) == "维护社会稳定"
    # a line reading as another cell of the column is not printed: the next evener break is taken
    assert cell_fit.printed_lines("维护社会稳定", 5.2, others=frozenset({"稳定"})) == ("维护社", "会稳定")
    # no even break without a lone character: Typst's own lines stay
    assert cell_fit.printed_lines("≥24511人", 4.5) == ("≥24511", "人")


def test_amounts_and_codes_still_fit_after_the_search(example_tables) -> None:
    tables = list(example_tables.tables) + list(build_tables(generate_budget(department_seed(1, 1))).tables)
    for table in tables:
        laid = _table(table)
        orientation = "landscape" if laid["flipped"] else "portrait"
        for row in laid["rows"]:
            for i, cell in enumerate(row["cells"]):
                if cell["nowrap"] and cell["text"]:
                    room = cell_fit.cell_width_em(laid["widths"], i, laid["size"], orientation)
                    assert cell_fit.em_width(cell["text"], row["bold"]) <= room, (table.number, cell["text"], room)
