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
from yusuan.ledger.validate import check_budget

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
        problems += [_with_file(p, file) for p in check_problems]
    errors = [p for p in problems if p.severity == "error"]
    if errors or budget is None:
        raise BudgetInputError(problems or [Problem("没有读到任何预算数据", Origin(file))])
    return budget


def _with_file(problem: Problem, file: str) -> Problem:
    if problem.origin.file:
        return problem
    return dataclasses.replace(problem, origin=dataclasses.replace(problem.origin, file=file))


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
