"""Acceptance: every amount of the seed's tables 01–13 and 15, cell by cell.

The fixture ``fixtures/seed_tables.yaml`` transcribes the published tables
as published; where the seed is internally inconsistent its
``seed_inconsistencies`` list gives the arithmetically consistent value,
which is what the built table must hold (and what the example README lists).
"""

from __future__ import annotations

from collections import defaultdict

import pytest
import yaml

from tests.conftest import FIXTURES
from yusuan.money import parse_amount
from yusuan.tables.model import Table, TableSet

FIXTURE = yaml.safe_load((FIXTURES / "seed_tables.yaml").read_text(encoding="utf-8"))
COMPARED = [f"预算{n:02d}表" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15)]


def _flatten(table: Table) -> dict[tuple[str, ...], dict[str, int]]:
    """Built table → {row key: {column: fen}} with the fixture's keys; zeros dropped."""
    out: dict[tuple[str, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    two_sided = any(c.key == "in.label" for c in table.columns)
    for row in table.rows:
        for col, cell in row.cells.items():
            if not isinstance(cell.value, int) or cell.value == 0:
                continue
            if two_sided:
                side = "收入" if col.startswith("in.") else "支出"
                label = row.value("in.label" if side == "收入" else "out.label")
                key = (side, str(label))
                out[key]["amount" if col in ("in.amount", "out.amount") else col] += cell.value
            else:
                out[row.key][col] += cell.value
    return {k: dict(v) for k, v in out.items()}


def _expected(number: str) -> dict[tuple[str, ...], dict[str, int]]:
    fixes = {(f["table"], tuple(f["key"]), f["column"]): f["consistent"] for f in FIXTURE["seed_inconsistencies"]}
    out: dict[tuple[str, ...], dict[str, int]] = {}
    for row in FIXTURE[number]["rows"]:
        key = tuple(row["key"])
        out[key] = {col: parse_amount(fixes.get((number, key, col), text)) for col, text in row["values"].items()}
    return out


@pytest.mark.parametrize("number", COMPARED)
def test_table_matches_seed_cell_by_cell(example_tables: TableSet, number: str) -> None:
    built = _flatten(example_tables.by_number(number))
    expected = _expected(number)
    mismatches = []
    for key in sorted(set(built) | set(expected)):
        b, e = built.get(key, {}), expected.get(key, {})
        for col in sorted(set(b) | set(e)):
            if b.get(col, 0) != e.get(col, 0):
                mismatches.append(f"{key} {col}: built {b.get(col, 0)} expected {e.get(col, 0)}")
    assert not mismatches, f"{number}: {len(mismatches)} cells differ:\n" + "\n".join(mismatches)
    assert sum(len(v) for v in expected.values()) == sum(len(v) for v in built.values())


def test_empty_tables_are_present_with_note(example_tables: TableSet) -> None:
    for number in ("预算10表", "预算11表"):
        assert FIXTURE[number].get("empty") is True
        table = example_tables.by_number(number)
        assert table.is_empty
        assert "空表" in table.note


def test_every_seed_inconsistency_is_listed_in_example_readme() -> None:
    from tests.conftest import EXAMPLE_DIR

    readme = (EXAMPLE_DIR / "README.md").read_text(encoding="utf-8")
    for fix in FIXTURE["seed_inconsistencies"]:
        assert fix["published"] in readme and fix["consistent"] in readme, fix


def test_project_rows_and_types_match_seed(example_tables: TableSet) -> None:
    table = example_tables.by_number("预算12表")
    for row in FIXTURE["预算12表"]["rows"]:
        if "type" in row:
            built = table.row(*row["key"])
            assert built.value("project.category") == row["type"], row["key"]
    names = {r["key"][0]: r["name"] for r in FIXTURE["预算15表"]["rows"] if "name" in r}
    t15 = example_tables.by_number("预算15表")
    for code, name in names.items():
        assert t15.row(code).value("name") == name, code
