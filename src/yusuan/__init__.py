"""yusuan (预算): compile, publish, audit and follow Chinese departmental budgets."""

__version__ = "0.1.0"
