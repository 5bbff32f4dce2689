"""Mutation tests: change one printed amount and the audit must point at it (recall ≥ 95%)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.conftest import SEED
from yusuan.audit.mutation import apply, mutations, run

COUNT = 200
SEED_NUMBER = 2025


def _recall(path) -> tuple[float, list]:
    outcomes = list(run(path, COUNT, SEED_NUMBER))
    missed = [o.mutation for o in outcomes if not o.caught]
    return 1 - len(missed) / len(outcomes), missed


def test_mutations_are_reproducible_single_changes(seed_text):
    first, second = mutations(seed_text, 20, 7), mutations(seed_text, 20, 7)
    assert first == second
    for m in first:
        changed = apply(seed_text, m)
        assert changed != seed_text and len(changed.split("\n")) == len(seed_text.split("\n"))


def test_recall_on_the_seed(seed_text):
    recall, missed = _recall(SEED)
    assert recall >= 0.95, missed


def test_recall_on_the_example_pdf_text(example_budget, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    from yusuan.outputs import write_outputs

    try:
        write_outputs(example_budget, tmp_path, ["pdf"])
    except RuntimeError as exc:
        pytest.skip(str(exc))
    text = tmp_path / "disclosure.txt"
    subprocess.run(["pdftotext", "-layout", str(tmp_path / "disclosure.pdf"), str(text)], check=True)
    recall, missed = _recall(text)
    assert recall >= 0.95, missed
