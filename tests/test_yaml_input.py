"""Bad YAML input: every problem at once, each with file, line and field; nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLE_YAML
from yusuan.cli import app
from yusuan.ledger import BudgetInputError, read_budget, write_budget


def _problems(path: Path):
    with pytest.raises(BudgetInputError) as info:
        read_budget(path)
    return info.value.problems


def _edit(tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    text = EXAMPLE_YAML.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "budget.yaml"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_round_trip_yaml(tmp_path, example_budget):
    path = tmp_path / "copy.yaml"
    write_budget(example_budget, path)
    assert read_budget(path) == example_budget


def test_unknown_function_code_names_code_and_line(tmp_path):
    path = _edit(tmp_path, "function: '2080150'", "function: '2080177'")
    [problem] = _problems(path)
    assert "2080177" in problem.message
    assert problem.origin.file == str(path)
    assert problem.origin.row == _line_of(path, "2080177") - 1 or problem.origin.row <= _line_of(path, "2080177")
    assert problem.origin.column == "功能分类科目编码"


def test_non_numeric_and_negative_amounts(tmp_path):
    path = _edit(tmp_path, "amount: '42.32'", "amount: 四十二")
    text = path.read_text(encoding="utf-8").replace("amount: '25.21'", "amount: '-25.21'")
    path.write_text(text, encoding="utf-8")
    problems = _problems(path)
    messages = " ".join(p.message for p in problems)
    assert "四十二" in messages and "负数" in messages
    assert all(p.origin.row for p in problems)


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("year: 2025\nunits: [\n  - code: 1\n", encoding="utf-8")
    [problem] = _problems(path)
    assert "YAML" in problem.message and problem.origin.row


def test_empty_and_missing_files(tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    assert "空" in _problems(empty)[0].message
    assert "不存在" in _problems(tmp_path / "nope.yaml")[0].message
    other = tmp_path / "budget.csv"
    other.write_text("a,b", encoding="utf-8")
    assert ".csv" in _problems(other)[0].message


def test_every_problem_is_reported_at_once(tmp_path):
    path = _edit(tmp_path, "econ: '30201'", "econ: '30277'")
    text = path.read_text(encoding="utf-8")
    text = text.replace("kind: 事业", "kind: 企业").replace("amount: '1106.87'", "amount: '1106.88'")
    path.write_text(text, encoding="utf-8")
    problems = _problems(path)
    assert any("企业" in p.message for p in problems)
    # field-level problems stop before cross-record checks; fix the unit kind and see the rest together
    path.write_text(text.replace("kind: 企业", "kind: 事业"), encoding="utf-8")
    messages = [p.message for p in _problems(path)]
    assert any("30277" in m for m in messages)
    assert any("不相等" in m for m in messages)


def test_invalid_econ_pair_is_refused(tmp_path):
    path = _edit(tmp_path, "gov_econ: '50905'", "gov_econ: '50101'")
    assert any("30302" in p.message and "50101" in p.message for p in _problems(path))


def test_missing_gov_econ_is_derived_from_unit_kind(tmp_path, example_budget):
    # a 事业 unit's 30101 基本工资 maps to 50501 by default
    block = "  function: '2080106'\n  econ: '30101'\n  gov_econ: '50501'\n"
    path = _edit(tmp_path, block, block.replace("  gov_econ: '50501'\n", ""))
    assert read_budget(path) == example_budget


def test_cli_reports_problems_and_writes_nothing(tmp_path):
    path = _edit(tmp_path, "function: '2080150'", "function: '2080177'")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["build", str(path), "-o", str(out)])
    assert result.exit_code == 1
    assert "2080177" in result.output and "未生成任何文件" in result.output
    assert not out.exists()
