"""Fuzzing every reader of user input (issue 14): no input makes one crash, hang or half-write.

Hypothesis mutates the real inputs — the example ledger as YAML and as a workbook, its
execution data and actuals, the seed disclosure — and throws random bytes, encodings and
truncated files at the readers. Properties:

- a ledger reader returns a Budget or raises ``BudgetInputError`` (bounded, readable problems);
- the execution and actuals readers likewise;
- the audit returns a report or one of the documented unreadable reasons (never ``crashed``);
- through the CLI, exit codes are as documented (0 done, 1 input errors or findings,
  2 unreadable or a usage error) and a failed run leaves its output as it was.

Seeded and bounded (``derandomize=True``, a few dozen examples each): the file runs in
well under a minute and fails the same way every time.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.conftest import EXAMPLE_DIR, EXAMPLE_XLSX, EXAMPLE_YAML, SEED
from yusuan.audit.batch import audit_one
from yusuan.audit.engine import AuditReport
from yusuan.audit.report import Unreadable
from yusuan.cli import app
from yusuan.ledger import Budget, BudgetInputError, read_budget, read_budget_bytes
from yusuan.ledger.limits import MAX_AMOUNT_FEN, MAX_PROBLEMS
from yusuan.performance.execution import read_execution
from yusuan.performance.scoring import read_actuals

#: a longer hunt: YUSUAN_FUZZ_SCALE=20 draws twenty times as many examples, YUSUAN_FUZZ_RANDOM=1 new ones each run
_SCALE = int(os.environ.get("YUSUAN_FUZZ_SCALE", "1"))
_RANDOM = os.environ.get("YUSUAN_FUZZ_RANDOM") == "1"


def fuzz(examples: int) -> Any:
    """Seeded, bounded settings; no shrinking: each example is a whole ledger or document, and shrinking
    one would take minutes — the failing example is reported as drawn."""
    return settings(
        max_examples=examples * _SCALE,
        derandomize=not _RANDOM,
        deadline=None,
        database=None,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )


@functools.cache
def example_budget() -> Budget:
    return read_budget(EXAMPLE_YAML)


def assert_input_error(exc: BudgetInputError) -> None:
    """A refusal a person can act on: some problems, each a short message, no more than the bound."""
    assert exc.problems and len(exc.problems) <= MAX_PROBLEMS + 1
    for problem in exc.problems:
        assert isinstance(problem.message, str) and 0 < len(problem.message) < 1000, problem
        assert len(str(problem)) < 2000, problem  # the place named is short too


def assert_sane_budget(budget: Budget) -> None:
    amounts = [i.amount for i in budget.income] + [b.amount for b in budget.basic] + [p.amount for p in budget.projects]
    assert all(0 <= a <= MAX_AMOUNT_FEN for a in amounts)


# ---------------------------------------------------------------- mutations

YAML_LINES = EXAMPLE_YAML.read_text(encoding="utf-8").splitlines()

ODD_SCALARS = (
    "~",
    "[]",
    "{}",
    "[x]",
    "{a: 1}",
    "*nowhere",
    "&a x",
    "!!int abc",
    "!!float x",
    "!!bool maybe",
    "!!binary '@@'",
    "!!set {a, b}",
    "!!omap [1]",
    "!!python/object:os.system x",
    '"\\uD800"',
    '"\\x00"',
    "2025-13-45",
    "2025-02-30 25:61:00",
    ".inf",
    "-.nan",
    "1e400",
    "0x" + "f" * 60,
    "0o777",
    "1:2:3:4:5",
    "'1" + "0" * 26 + "'",
    "1" * 5000,
    "'" + "9" * 40 + ".123'",
    "是",
    "''",
    "'   '",
    "|\n  block\n  text",
    "- - -",
    "? [a, b]",
    "'" + "名" * 300 + "'",
)

SCALARS = st.one_of(
    st.sampled_from(ODD_SCALARS),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.decimals(min_value=Decimal(-(10**30)), max_value=Decimal(10**30), places=4).map(lambda d: f"'{d}'"),
    st.text(max_size=30).map(json.dumps),  # any character, surrogate escapes included
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=20),  # raw: may break the syntax
)


@st.composite
def mutated_yaml(draw: Any) -> str:
    """The example ledger with a few lines deleted, duplicated, swapped, re-indented or given odd values."""
    lines = list(YAML_LINES)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(
            st.sampled_from(["delete", "duplicate", "swap", "scalar", "scalar", "indent", "deep", "alias", "cut"])
        )
        key, sep, _value = lines[i].partition(": ")
        if op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "scalar":
            lines[i] = f"{key}: {draw(SCALARS)}" if sep else f"{lines[i]} {draw(SCALARS)}"
        elif op == "indent":
            lines[i] = " " * draw(st.integers(0, 7)) + lines[i].lstrip()
        elif op == "deep":
            depth = draw(st.integers(10, 1200))
            lines[i] = f"{key or 'units'}: " + "[" * depth + "]" * depth
        elif op == "alias":
            width = draw(st.integers(2, 12))
            bomb = ["x0: &x0 [" + ", ".join(["lol"] * width) + "]"]
            bomb += [f"x{n}: &x{n} [" + ", ".join([f"*x{n - 1}"] * width) + "]" for n in range(1, width)]
            lines[:0] = bomb
            lines[i + len(bomb)] = f"{key or 'name'}: *x{width - 1}"
        else:
            start = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:start] + lines[i][start + draw(st.integers(1, 8)) :]
    return "\n".join(lines) + "\n"


WORKBOOK_PARTS: dict[str, bytes] = {}
with zipfile.ZipFile(EXAMPLE_XLSX) as _book:
    for _info in _book.infolist():
        WORKBOOK_PARTS[_info.filename] = _book.read(_info.filename)
SHEET_PARTS = sorted(name for name in WORKBOOK_PARTS if name.startswith("xl/worksheets/sheet"))
_CELL = re.compile(r'<c r="(?P<ref>[A-Z]+\d+)"[^>]*?(?:/>|>.*?</c>)', re.DOTALL)
_XML_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        for name, data in parts.items():
            book.writestr(name, data)
    return out.getvalue()


@st.composite
def cell_xml(draw: Any, ref: str) -> str:
    if draw(st.booleans()) and draw(st.booleans()):
        ref = draw(st.sampled_from(["XFD1", "A1048576", "ZZ99999", "A0", "1A"]))
    kind = draw(st.sampled_from(["text", "text", "number", "number", "bool", "error", "shared", "date", "empty"]))
    if kind == "text":
        text = draw(st.one_of(_XML_TEXT, st.sampled_from(ODD_SCALARS), st.just("名" * 40_000)))
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'
    if kind == "number":
        number = draw(
            st.one_of(
                st.integers(min_value=-(10**30), max_value=10**30).map(str),
                st.floats(allow_nan=True, allow_infinity=True).map(repr),
                st.sampled_from(["1e400", "1" * 5000, "abc", "", "12593.11", "0.001", "-5"]),
            )
        )
        return f'<c r="{ref}"><v>{escape(number)}</v></c>'
    if kind == "bool":
        return f'<c r="{ref}" t="b"><v>{draw(st.sampled_from(["0", "1", "2", "x"]))}</v></c>'
    if kind == "error":
        return f'<c r="{ref}" t="e"><v>#DIV/0!</v></c>'
    if kind == "shared":
        return f'<c r="{ref}" t="s"><v>{draw(st.integers(-1, 100_000))}</v></c>'
    if kind == "date":
        return f'<c r="{ref}" t="d"><v>{draw(st.sampled_from(["2025-01-01", "2025-13-45", "x"]))}</v></c>'
    return f'<c r="{ref}"/>'


@st.composite
def mutated_workbook(draw: Any) -> bytes:
    """The example workbook with cells given odd values, a part damaged, or its zip bytes cut or flipped."""
    parts = dict(WORKBOOK_PARTS)
    kind = draw(st.sampled_from(["cells", "cells", "cells", "part", "zip"]))
    if kind == "cells":
        for _ in range(draw(st.integers(1, 4))):
            name = draw(st.sampled_from(SHEET_PARTS))
            xml = parts[name].decode("utf-8")
            cells = list(_CELL.finditer(xml))
            if cells:
                m = cells[draw(st.integers(0, len(cells) - 1))]
                xml = xml[: m.start()] + draw(cell_xml(m.group("ref"))) + xml[m.end() :]
                parts[name] = xml.encode("utf-8")
        return _zip(parts)
    if kind == "part":
        name = draw(st.sampled_from(sorted(parts)))
        data = parts[name]
        at = draw(st.integers(0, len(data)))
        parts[name] = data[:at] + draw(st.binary(max_size=16)) + data[at + draw(st.integers(0, 64)) :]
        return _zip(parts)
    data = bytearray(_zip(parts))
    if draw(st.booleans()):
        return bytes(data[: draw(st.integers(0, len(data)))])
    for _ in range(draw(st.integers(1, 8))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "utf-16", "utf-16-le", "latin-1", "big5", "shift_jis")
_PROJECT_CODES = [line.split(",")[0] for line in (EXAMPLE_DIR / "actuals.csv").read_text(encoding="utf-8").splitlines()]
CSV_CELLS = st.one_of(
    st.sampled_from(
        [
            "503001",
            "704001",
            "",
            " ",
            "2025-03-31",
            "2025/3/31",
            "2025-13-45",
            "1999-01-01",
            "100.00",
            "-5",
            "0",
            "1e5",
            "1" + "0" * 30,
            "12,345.678",
            "追加",
            "追减",
            "是",
            "否",
            "30217",
            "302",
            "=1+1",
            "x" * 131_073,
            "名" * 5_000,
            *_PROJECT_CODES[1:6],
        ]
    ),
    st.text(max_size=20),
    st.integers().map(str),
)


@st.composite
def csv_bytes(draw: Any, example: Path) -> bytes:
    """A CSV file: the example's with cells, rows and columns changed, or one of made-up rows; any encoding."""
    rows = list(csv.reader(io.StringIO(example.read_text(encoding="utf-8"))))
    if draw(st.integers(0, 3)):  # mostly the example's rows, changed
        for _ in range(draw(st.integers(1, 5))):
            r = draw(st.integers(0, len(rows) - 1))
            op = draw(st.sampled_from(["cell", "cell", "drop_row", "drop_column", "add_column"]))
            if op == "cell" and rows[r]:
                rows[r][draw(st.integers(0, len(rows[r]) - 1))] = draw(CSV_CELLS)
            elif op == "drop_row" and len(rows) > 1:
                del rows[r]
            elif op == "drop_column" and rows[r]:
                column = draw(st.integers(0, len(rows[r]) - 1))
                rows = [row[:column] + row[column + 1 :] for row in rows]
            else:
                rows[r] = [*rows[r], draw(CSV_CELLS)]
    else:
        rows = draw(st.lists(st.lists(CSV_CELLS, max_size=7), max_size=12))
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    text = out.getvalue()
    if draw(st.integers(0, 9)) == 0:
        text = text.replace(",", draw(st.sampled_from([";", "\t", '"', "\x00", "\r"])))
    return text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")


def _text_pdf(lines: list[str]) -> bytes:
    """A small well-formed PDF whose text layer holds ``lines`` (ASCII), built by hand."""
    stream = "BT /F1 10 Tf 40 800 Td 12 TL " + " ".join(f"({line}) '" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


PDF = _text_pdf(["Table 1  12593.11  1106.87", "Total  13700.98", "1" + "0" * 30 + ".00"])
NUMBERS = st.one_of(
    st.sampled_from(["1" + "0" * 30 + ".00", "9" * 16 + ".99", "0.00", "-1.00", "1,2,3.4", "12593.11", "１２５"]),
    st.decimals(min_value=0, max_value=Decimal(10**20), places=2).map(str),
)


@st.composite
def mutated_document(draw: Any, seed: str) -> bytes:
    """The seed disclosure with lines and numbers changed and re-encoded; or random bytes; or a damaged PDF."""
    kind = draw(st.sampled_from(["seed", "seed", "seed", "bytes", "pdf"]))
    if kind == "bytes":
        return draw(st.binary(max_size=4096))
    if kind == "pdf":
        data = bytearray(PDF)
        if draw(st.booleans()):
            return bytes(data[: draw(st.integers(0, len(data)))])
        for _ in range(draw(st.integers(1, 6))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    lines = seed.splitlines()
    for _ in range(draw(st.integers(1, 6))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["number", "number", "delete", "duplicate", "text", "cut"]))
        if op == "number":
            numbers = list(re.finditer(r"\d[\d,]*\.\d\d", lines[i]))
            if numbers:
                m = numbers[draw(st.integers(0, len(numbers) - 1))]
                lines[i] = lines[i][: m.start()] + draw(NUMBERS) + lines[i][m.end() :]
        elif op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "text":
            lines[i] += draw(st.text(st.characters(blacklist_categories=("Cs",)), max_size=20))
        else:
            lines = lines[: i + 1]
        if not lines:
            lines = [""]
    text = "\n".join(lines) + "\n"
    return text.encode(draw(st.sampled_from(["utf-8", "utf-8", "gb18030", "utf-16", "utf-16-be"])), errors="replace")


# ---------------------------------------------------------------- properties: the readers


@fuzz(60)
@given(text=mutated_yaml())
def test_yaml_ledger_reader_never_crashes(text: str) -> None:
    try:
        budget = read_budget_bytes(text.encode("utf-8"), "fuzz.yaml")
    except BudgetInputError as exc:
        assert_input_error(exc)
    else:
        assert_sane_budget(budget)


@fuzz(50)
@given(data=mutated_workbook())
def test_workbook_ledger_reader_never_crashes(data: bytes) -> None:
    try:
        budget = read_budget_bytes(data, "fuzz.xlsx")
    except BudgetInputError as exc:
        assert_input_error(exc)
    else:
        assert_sane_budget(budget)


@fuzz(100)
@given(payments=csv_bytes(EXAMPLE_DIR / "execution.csv"), adjustments=csv_bytes(EXAMPLE_DIR / "adjustments.csv"))
def test_execution_readers_never_crash(tmp_path_factory: Any, payments: bytes, adjustments: bytes) -> None:
    folder = tmp_path_factory.mktemp("execution")
    (folder / "payments.csv").write_bytes(payments)
    (folder / "adjustments.csv").write_bytes(adjustments)
    try:
        execution = read_execution(example_budget(), folder / "payments.csv", folder / "adjustments.csv")
    except BudgetInputError as exc:
        assert_input_error(exc)
    else:
        assert all(0 <= p.amount <= MAX_AMOUNT_FEN for p in execution.payments)


@fuzz(100)
@given(actuals=csv_bytes(EXAMPLE_DIR / "actuals.csv"))
def test_actuals_reader_never_crashes(tmp_path_factory: Any, actuals: bytes) -> None:
    path = tmp_path_factory.mktemp("actuals") / "actuals.csv"
    path.write_bytes(actuals)
    try:
        read_actuals(path, example_budget())
    except BudgetInputError as exc:
        assert_input_error(exc)


DOCUMENTED_REASONS = {
    "not_pdf",
    "not_text",
    "encrypted",
    "scanned",
    "empty",
    "unknown_layout",
    "unreadable",
    "too_large",
}


def _seed_text() -> str:
    if not SEED.exists():
        pytest.skip(f"../shared is absent: {SEED} not found")
    return SEED.read_text(encoding="utf-8")


@fuzz(60)
@given(data=st.data())
def test_audit_readers_never_crash(tmp_path_factory: Any, data: Any) -> None:
    document = data.draw(mutated_document(_seed_text()))
    name = data.draw(st.sampled_from(["doc.txt", "doc.pdf", "doc.xlsx"]))
    path = tmp_path_factory.mktemp("audit") / name
    path.write_bytes(document)
    result = audit_one(str(path))
    if isinstance(result, Unreadable):
        assert result.reason in DOCUMENTED_REASONS, (result.reason, result.detail)
        assert result.detail
    else:
        assert isinstance(result, AuditReport)
        assert not [f.message for f in result.findings if f.rule == "audit.rule_crashed"]


# ---------------------------------------------------------------- properties: through the CLI


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _finished(result: Any, codes: tuple[int, ...]) -> None:
    """The command ended by itself (no traceback) with one of the documented exit codes."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in codes, (result.exit_code, result.output)


@fuzz(8)
@given(text=mutated_yaml())
def test_cli_check_and_build_exit_as_documented_and_write_nothing_on_error(tmp_path_factory: Any, text: str) -> None:
    folder = tmp_path_factory.mktemp("cli")
    ledger = folder / "budget.yaml"
    ledger.write_text(text, encoding="utf-8")
    _finished(CliRunner().invoke(app, ["check", str(ledger)]), (0, 1))
    out = folder / "out"
    out.mkdir()
    (out / "disclosure.json").write_text("earlier build", encoding="utf-8")
    before = _snapshot(out)
    result = CliRunner().invoke(app, ["build", str(ledger), "-o", str(out), "-f", "json"])
    _finished(result, (0, 1))
    if result.exit_code != 0:
        assert _snapshot(out) == before


@fuzz(8)
@given(actuals=csv_bytes(EXAMPLE_DIR / "actuals.csv"))
def test_cli_perf_score_exits_as_documented_and_writes_nothing_on_error(tmp_path_factory: Any, actuals: bytes) -> None:
    folder = tmp_path_factory.mktemp("perf")
    (folder / "actuals.csv").write_bytes(actuals)
    report = folder / "score.json"
    args = ["perf", "score", str(EXAMPLE_YAML), str(EXAMPLE_DIR / "execution.csv"), str(folder / "actuals.csv")]
    result = CliRunner().invoke(app, [*args, "-f", "json", "-o", str(report)])
    _finished(result, (0, 1))
    assert report.exists() == (result.exit_code == 0)


@fuzz(8)
@given(data=st.data())
def test_cli_audit_exits_as_documented(tmp_path_factory: Any, data: Any) -> None:
    folder = tmp_path_factory.mktemp("audit-cli")
    path = folder / "doc.txt"
    path.write_bytes(data.draw(mutated_document(_seed_text())))
    result = CliRunner().invoke(app, ["audit", str(path), "--format", "json"])
    _finished(result, (0, 1, 2))
    [line] = result.stdout.splitlines()
    reported = json.loads(line)
    assert ("error" in reported) == (result.exit_code == 2)
