"""The rule catalog: each rule a small documented unit with a stable id.

A rule is a function taking an ``AuditContext`` and yielding ``Finding``s,
registered with ``@rule(id, severity, title, why)``. The id is never renamed;
the catalog (``RULES``) is generated from the registrations, and
``docs/rules.md`` from the catalog.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from yusuan.audit.finding import Finding

if TYPE_CHECKING:
    from yusuan.audit.context import AuditContext

RuleFunction = Callable[["AuditContext"], Iterator[Finding]]
_F = TypeVar("_F", bound=Callable[..., Iterator[Finding]])


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: str  # the default severity of its findings
    title: str  # what it checks (Chinese)
    why: str  # why it matters (Chinese)
    check: RuleFunction
    family: str


RULES: dict[str, Rule] = {}


def rule(id: str, severity: str, title: str, why: str) -> Callable[[_F], _F]:
    """Register a rule function under a stable id."""

    def register(function: _F) -> _F:
        if id in RULES:
            raise ValueError(f"规则 {id} 重复注册")
        family = function.__module__.rsplit(".", 1)[-1]
        check: Any = function
        RULES[id] = Rule(id, severity, title, why, check, family)
        return function

    return register


def load_rules() -> dict[str, Rule]:
    """Import every rule module (registering its rules) and return the catalog."""
    from yusuan.audit.rules import (  # noqa: F401
        classification,
        completeness,
        cross_tables,
        generic,
        identities,
        narrative,
        narrative_items,
        narrative_words,
        performance,
        reading,
        sources,
        units,
        wording,
    )

    return RULES
