"""The budget ledger: model, readers and writers, validation."""

from yusuan.ledger.model import Budget
from yusuan.ledger.problems import BudgetInputError, Problem
from yusuan.ledger.read import read_budget, read_budget_bytes, write_budget

__all__ = ["Budget", "BudgetInputError", "Problem", "read_budget", "read_budget_bytes", "write_budget"]
