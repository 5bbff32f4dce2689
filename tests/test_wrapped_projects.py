"""预算12表 rows whose project name wraps onto a line of its own: the tail continues the name.

The example is built with one-line unit names, so its 项目单位 cells never wrap while the long
project names do: the name's tail then stands alone on the line below its row. Read back from
``pdftotext -layout`` text, such a tail need not start in the name's column (text placed a column
or two off, a centred cell); from the PDF, a centred cell starts it further right. Either way it
is the name's tail, not a project of its own.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace

import pytest

from yusuan.audit.engine import audit_document
from yusuan.extract.document import Line
from yusuan.extract.pdf import pdf_document
from yusuan.extract.text import parse_text
from yusuan.outputs import write_outputs

_AMOUNTS = re.compile(r"\d+\.\d{2}\s*$")
_CATEGORY = re.compile(r"^(其他运转类|特定目标类)\s")


@pytest.fixture(scope="module")
def short_units(example_budget):
    """The example with each unit named by the last four characters of its name (one line)."""
    return replace(example_budget, units=tuple(replace(u, name=u.name[-4:]) for u in example_budget.units))


@pytest.fixture(scope="module")
def built(short_units, tmp_path_factory):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    out = tmp_path_factory.mktemp("wrapped12")
    try:
        write_outputs(short_units, out, ["pdf"])
    except RuntimeError as exc:  # no CJK font on this machine
        pytest.skip(str(exc))
    text = out / "disclosure.txt"
    subprocess.run(["pdftotext", "-layout", str(out / "disclosure.pdf"), str(text)], check=True)
    return out / "disclosure.pdf", text.read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="module")
def project_names(short_units):
    from yusuan.tables import build_tables

    table = build_tables(short_units).by_number("预算12表")
    return sorted(row.key for row in table.rows if row.kind == "item")


def _table_lines(lines: list[str]) -> range:
    start = next(k for k, line in enumerate(lines) if line.strip() == "预算12表")
    end = next(k for k, line in enumerate(lines) if line.strip() == "预算13表")
    return range(start, end)


def _tails(lines: list[str]) -> list[int]:
    """The 预算12表 lines that hold a project name's tail alone, right under its row."""
    return [
        k
        for k in _table_lines(lines)
        if _CATEGORY.match(lines[k - 1]) and _AMOUNTS.search(lines[k - 1])
        if lines[k].strip() and len(lines[k].split()) == 1 and not _AMOUNTS.search(lines[k])
    ]


def _read_projects(report) -> list[tuple[str, ...]]:
    return sorted(row.key for row in report.tableset.by_number("预算12表").rows if row.kind == "item")


def _errors(report) -> list[str]:
    return [f.message for f in report.findings if f.severity == "error"]


@pytest.mark.parametrize("shift", [-5, -2, 2, 4])
def test_a_tail_off_its_column_continues_the_name(built, project_names, shift):
    """-layout text with each tail a few columns left (into the 类型 column) or right of its name."""
    _pdf, lines = built
    lines = list(lines)
    assert len(_tails(lines)) >= 3  # the built table has tails alone to move about
    for k in _tails(lines):
        indent = len(lines[k]) - len(lines[k].lstrip())
        lines[k] = " " * max(indent + shift, 0) + lines[k].strip()
    report = audit_document(parse_text("\n".join(lines), path="shifted.txt"))
    assert _errors(report) == []
    assert _read_projects(report) == project_names


def test_the_last_row_keeps_its_tail(built, project_names):
    """The table's last row wraps: no row follows to end it, its tail is still its name's."""
    _pdf, lines = built
    lines = list(lines)
    table = _table_lines(lines)
    last_unit = max(k for k in table if re.match(r"^\d{6}\s", lines[k]))
    wrapped = max(k for k in _tails(lines) if k > last_unit)
    last_row = max(k for k in table if _CATEGORY.match(lines[k]))
    assert last_row > wrapped  # the wrapped row is not the last one yet
    moved = lines[wrapped - 1 : wrapped + 1]
    del lines[wrapped - 1 : wrapped + 1]
    lines[last_row - 1 : last_row - 1] = moved  # right after the last row, now two lines higher
    report = audit_document(parse_text("\n".join(lines), path="last.txt"))
    assert _errors(report) == []
    assert _read_projects(report) == project_names


def test_a_row_without_amounts_below_a_wrapped_row_leaves_it_uncertain(built, project_names):
    """A line below a wrapped row that prints its own 类型 but no amounts: another project printed
    without amounts, or the row's wrapped cells. The row keeps its own name; its amounts are uncertain."""
    _pdf, lines = built
    lines = list(lines)
    tail = _tails(lines)[0]
    below = tail + 1
    assert _CATEGORY.match(lines[below]) and _AMOUNTS.search(lines[below])
    lines[below] = re.sub(r"(\s+\d+\.\d{2})+\s*$", "", lines[below])
    report = audit_document(parse_text("\n".join(lines), path="blank.txt"))
    rows = report.tableset.by_number("预算12表").rows
    name = re.sub(r"\s+", "", lines[tail - 1].split()[1] + lines[tail])
    uncertain = [r.key[-1] for r in rows if r.kind == "item" and not r.cells["total"].certain]
    assert uncertain == [name]


def _centred_under(word, head):  # type: ignore[no-untyped-def]
    """``word`` moved to stand centred under ``head`` (a wrapped tail as centred cells print it)."""
    offset = ((head.x1 - head.x0) - (word.x1 - word.x0)) / 2
    return replace(word, x0=word.x0 + offset, x1=word.x1 + offset)


def test_a_centred_tail_in_the_pdf_continues_the_name(built, project_names):
    """The PDF read by word positions, each tail centred under its name's first line."""
    pdf, _lines = built
    doc = pdf_document(pdf.read_bytes(), str(pdf))
    in_table, moved = False, 0
    for k, line in enumerate(doc.lines):
        in_table = (in_table or line.text.strip() == "预算12表") and line.text.strip() != "预算13表"
        above = doc.lines[k - 1]
        if in_table and len(line.words) == 1 and _CATEGORY.match(above.text) and _AMOUNTS.search(above.text):
            head = next(w for w in above.words if w.x0 >= above.words[0].x1 and w.x0 <= line.words[0].x1)
            line.words[0] = _centred_under(line.words[0], head)
            moved += 1
    assert moved >= 3
    report = audit_document(doc)
    assert _errors(report) == []
    assert _read_projects(report) == project_names


def _performance_tails(lines: list[str]) -> list[tuple[int, int]]:
    """(line, column) of each 预算15表 line that opens with a project name's tail: a word in the
    column where the name starts on the project's own line (the one opening with its long code)."""
    start = next(k for k, line in enumerate(lines) if line.strip() == "预算15表")
    out, column = [], -1
    for k in range(start, len(lines)):
        own = re.match(r"^(\d{12,}\s+)\S", lines[k])
        if own:
            column = len(own.group(1))
            continue
        if column > 0 and re.match(rf"^ {{{column}}}\S", lines[k]):
            out.append((k, column))
    return out


@pytest.mark.parametrize("shift", [-2, 2])
def test_a_performance_name_tail_off_its_column_continues_the_name(built, short_units, shift):
    """预算15表 read from -layout text, each project name's tail a column or two off its name's
    first line (the target cells right of it where they were): the name still reads whole."""
    from yusuan.tables import build_tables

    _pdf, lines = built
    lines = list(lines)
    tails = _performance_tails(lines)
    assert len(tails) >= 5
    for k, column in tails:
        word = lines[k].split()[0]
        rest = lines[k][column + len(word) :]
        assert rest[: max(shift, 0) + 1].strip() == ""  # room to move the word right
        lines[k] = " " * (column + shift) + word + " " * max(-shift, 0) + rest[max(shift, 0) :]
    report = audit_document(parse_text("\n".join(lines), path="shifted15.txt"))
    assert _errors(report) == []
    assert _performance_names(report.tableset) == _performance_names(build_tables(short_units))


def _performance_names(tables) -> dict[tuple[str, ...], object]:
    """预算15表's group, unit and project names by code (the built table's indicator rows aside)."""
    return {r.key: r.value("name") for r in tables.by_number("预算15表").rows if len(r.key) == 1}


def test_a_centred_performance_name_tail_in_the_pdf_continues_the_name(built, short_units):
    """预算15表 read from the PDF, each project name's tail centred under its name's first line."""
    from yusuan.tables import build_tables

    pdf, _lines = built
    doc = pdf_document(pdf.read_bytes(), str(pdf))
    in_table, head, moved = False, None, 0
    for line in doc.lines:
        in_table = in_table or line.text.strip() == "预算15表"
        if not in_table or not line.words:
            continue
        if re.match(r"^\d{12,}$", line.words[0].text) and len(line.words) > 1:
            head = line.words[1]  # the project's name on its own line
            continue
        word = line.words[0]
        if head is not None and abs(word.x0 - head.x0) < 1 and word.x1 < head.x1:
            line.words[0] = _centred_under(word, head)
            moved += 1
    assert moved >= 5
    report = audit_document(doc)
    assert _errors(report) == []
    assert _performance_names(report.tableset) == _performance_names(build_tables(short_units))


def _centred_rows(lines: list[str]) -> list[str]:
    """-layout text with each wrapped 预算12表 row printed centred: the name's first line alone
    above the row's other cells and amounts (a line that holds no name), its tail below."""
    out = list(lines)
    for k in sorted(_tails(lines), reverse=True):
        kind, name = lines[k - 1].split()[:2]
        at = lines[k - 1].index(name, len(kind))
        amounts = lines[k - 1][:at] + " " * len(name) + lines[k - 1][at + len(name) :]
        out[k - 1 : k] = [" " * at + name, amounts]
    return out


def test_a_centred_row_in_layout_text_takes_its_head_and_tail(built, project_names):
    """The name's first line stands above its row's amounts, as near them as the row above: the
    centring tells whose it is (as many lines above the amounts as below)."""
    _pdf, lines = built
    assert len(_tails(lines)) >= 3
    report = audit_document(parse_text("\n".join(_centred_rows(lines)), path="centred.txt"))
    assert _errors(report) == []
    assert _read_projects(report) == project_names


def test_a_centred_row_in_the_pdf_takes_its_head_and_tail(built, project_names):
    """The PDF read by word positions: the row's one-line cells stand half a line below the name's
    first line, half a line above its tail."""
    pdf, _lines = built
    doc = pdf_document(pdf.read_bytes(), str(pdf))
    in_table, moved, k = False, 0, 0
    while k < len(doc.lines):
        line = doc.lines[k]
        in_table = (in_table or line.text.strip() == "预算12表") and line.text.strip() != "预算13表"
        below = doc.lines[k + 1] if k + 1 < len(doc.lines) else None
        wrapped = below is not None and len(below.words) == 1
        if in_table and wrapped and _CATEGORY.match(line.text) and _AMOUNTS.search(line.text):
            head = line.words[1]  # the name's first line
            step = (below.top - line.top) / 2
            rest = [replace(w, top=w.top + step, bottom=w.bottom + step) for w in line.words if w is not head]
            doc.lines[k : k + 1] = [
                Line(head.text, line.page, words=[head], top=head.top),
                Line(" ".join(w.text for w in rest), line.page, words=rest, top=line.top + step),
            ]
            moved += 1
            k += 1
        k += 1
    assert moved >= 3
    report = audit_document(doc)
    assert _errors(report) == []
    assert _read_projects(report) == project_names


def test_a_name_line_the_centring_cannot_place_leaves_both_rows_uncertain(built, project_names):
    """A centred row's tail printed on two lines, right above a row whose name stands beside its
    amounts: the second line is the tail's end or the next project's first line (the centring
    balances neither way). Both rows' names and amounts are uncertain, and no error rests on them."""
    _pdf, lines = built
    lines = _centred_rows(lines)
    k = next(
        k
        for k in range(1, len(lines) - 2)
        if _CATEGORY.match(lines[k]) and _AMOUNTS.search(lines[k]) and len(lines[k + 1].split()) == 1
        if _CATEGORY.match(lines[k + 2]) and len(lines[k + 2].split()) > len(lines[k].split())  # named beside
    )
    word = lines[k + 1].strip()
    indent = " " * (len(lines[k + 1]) - len(lines[k + 1].lstrip()))
    lines[k + 1 : k + 2] = [indent + word[: len(word) // 2], indent + word[len(word) // 2 :]]
    report = audit_document(parse_text("\n".join(lines), path="unplaced.txt"))
    assert _errors(report) == []
    rows = [r for r in report.tableset.by_number("预算12表").rows if r.kind == "item"]
    unsure = [r for r in rows if not r.cells["project.name"].certain]
    assert len(unsure) == 2 and all(not r.cells["total"].certain for r in unsure)
    assert word[len(word) // 2 :] in unsure[1].key[-1]  # the line the centring gave the row below
    sure = sorted(r.key for r in rows if r not in unsure)
    assert sure == [key for key in project_names if key in sure] and len(sure) == len(project_names) - 2


def test_a_unit_name_centred_on_its_row_is_the_units(built, short_units):
    """A unit's name printed on two lines centred on its code and amounts: its first line, above
    the code, is the unit's name, not the tail of the row above it."""
    _pdf, lines = built
    lines = _centred_rows(lines)
    units = [k for k in _table_lines(lines) if re.match(r"^\d{6}\s+\S+\s+\d", lines[k])]
    assert len(units) >= 2
    for k in reversed(units):
        code, name = lines[k].split()[:2]
        at = lines[k].index(name, len(code))
        half = len(name) // 2
        own = lines[k][:at] + " " * len(name) + lines[k][at + len(name) :]
        lines[k : k + 1] = [" " * at + name[:half], own, " " * at + name[half:]]
    report = audit_document(parse_text("\n".join(lines), path="units.txt"))
    assert _errors(report) == []
    read = {r.key[0]: r.value("project.name") for r in report.tableset.by_number("预算12表").rows if r.kind == "unit"}
    assert read == {u.code: u.name for u in short_units.units}
