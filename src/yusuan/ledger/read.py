"""The staged reader: file → raw records → Budget → derived and validated Budget.

Each stage returns its problems; the reader stops before building anything
only after collecting all of them, then raises one ``BudgetInputError``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from yusuan.ledger.model import Budget, Origin
from yusuan.ledger.problems import BudgetInputError, Problem
from yusuan.ledger.records import RawBudget, assemble
from yusuan.ledger.validate import check_budget, check_records

YAML_SUFFIXES = (".yaml", ".yml")
WORKBOOK_SUFFIXES = (".xlsx",)


def _raw_records(path: Path) -> tuple[RawBudget, list[Problem]]:
    suffix = path.suffix.lower()
    if suffix in YAML_SUFFIXES:
        from yusuan.ledger.yaml_io import load_yaml_records

        return load_yaml_records(path)
    if suffix in WORKBOOK_SUFFIXES:
        from yusuan.ledger.workbook import load_workbook_records

        return load_workbook_records(path)
    return {}, [Problem(f"不支持的文件类型「{path.suffix}」，应为 .yaml/.yml 或 .xlsx", Origin(str(path)))]


def read_budget(path: str | Path) -> Budget:
    """Read, derive and validate a budget file; raise BudgetInputError listing every problem."""
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise BudgetInputError([Problem("文件不存在", Origin(file))])
    raw, problems = _raw_records(path)
    budget = None
    if raw:
        budget, parse_problems = assemble(raw, file)
        problems += parse_problems
    # Cross-record checks only make sense on a complete reading: after a missing sheet
    # they would add a false problem for every record that refers to it.
    if budget is not None and not any(p.severity == "error" for p in problems):
        budget, check_problems = check_budget(budget)
        problems += [renamed_problem(p, "", file) for p in check_problems]
    elif budget is not None:  # still name every unknown code, so that one pass fixes everything
        problems += [renamed_problem(p, "", file) for p in check_records(budget)]
    errors = [p for p in problems if p.severity == "error"]
    if errors or budget is None:
        raise BudgetInputError(problems or [Problem("没有读到任何预算数据", Origin(file))])
    return budget


def read_budget_bytes(data: bytes, display_name: str) -> Budget:
    """Read an uploaded budget (workbook or YAML, told apart by content); problems name ``display_name``.

    The bytes go to a private temporary file whose name is fixed here, never taken from the
    upload, so a hostile file name cannot reach the file system.
    """
    import tempfile

    if not data.strip():
        raise BudgetInputError([Problem("文件是空的", Origin(display_name))])
    suffix = ".xlsx" if data.startswith(b"PK\x03\x04") else ".yaml"
    if suffix == ".yaml" and b"\x00" in data[:4096]:
        message = "文件既不是 Excel 工作簿（.xlsx）也不是 YAML 文本账本"
        raise BudgetInputError([Problem(message, Origin(display_name))])
    with tempfile.TemporaryDirectory(prefix="yusuan-upload-") as scratch:
        path = Path(scratch) / f"budget{suffix}"
        path.write_bytes(data)
        try:
            return read_budget(path)
        except BudgetInputError as exc:
            renamed = [renamed_problem(p, str(path), display_name) for p in exc.problems]
            raise BudgetInputError(renamed, exc.unlisted) from None


def renamed_problem(problem: Problem, file: str, display_name: str) -> Problem:
    """The problem with its file named ``display_name`` when it is ``file`` or not named at all."""
    if problem.origin.file not in ("", file):
        return problem
    return dataclasses.replace(problem, origin=dataclasses.replace(problem.origin, file=display_name))


def write_budget(budget: Budget, path: str | Path) -> None:
    """Write a budget as YAML or workbook, by the file's suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in YAML_SUFFIXES:
        from yusuan.ledger.yaml_io import dump_yaml
        from yusuan.render.atomic import atomic_write_bytes

        atomic_write_bytes(path, dump_yaml(budget).encode("utf-8"))
    elif suffix in WORKBOOK_SUFFIXES:
        from yusuan.ledger.workbook import write_workbook

        write_workbook(budget, path)
    else:
        raise ValueError(f"不支持的文件类型「{path.suffix}」，应为 .yaml/.yml 或 .xlsx")
