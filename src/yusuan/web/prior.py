"""Last year's figures for a stored budget, as ``yusuan build --prior`` takes them: imported from the
same department's newest stored budget of the year before, unless the ledger states its own; and
the sentence the page shows about where the comparison with last year comes from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import object_session

from yusuan.ledger.model import Budget
from yusuan.ledger.problems import BudgetInputError
from yusuan.narrative.prior import NO_COMPARISON, PriorLedgerError, missing_prior_warning, with_prior_ledger
from yusuan.store import repository
from yusuan.store.models import BudgetVersion


@dataclass(frozen=True, slots=True)
class PriorSource:
    """Where a stored budget's comparison with last year comes from, as the page and the API say it:
    ``kind`` is ``imported`` (from last year's stored budget), ``ledger`` (the ledger's own figures),
    ``none`` (no budget of last year stored) or ``refused`` (last year's cannot give the figures).

    ``year``/``version``/``version_id`` name the stored budget of the year before that was imported
    (``imported``), refused (``refused``) or left unused because the ledger states its own (``ledger``).
    """

    kind: str
    note: str  # 上年数据：…
    warning: str | None = None  # the comparisons that cannot be made, and how to make them
    year: int | None = None
    version: int | None = None
    version_id: int | None = None

    def to_data(self) -> dict[str, Any]:
        return {
            "source": self.kind,
            "note": self.note,
            "warning": self.warning,
            "last_year": None
            if self.version_id is None
            else {"id": self.version_id, "year": self.year, "version": self.version},
        }


def last_year_version(version: BudgetVersion) -> BudgetVersion | None:
    """The newest stored version of the same department's budget of the year before, if any (looked
    up in the session that loaded ``version``: every page and API call holds one)."""
    db = object_session(version)
    if db is None:
        raise RuntimeError(f"预算版本 {version.id} 已脱离数据库会话，无法查找上年预算")
    query = (
        select(BudgetVersion)
        .where(BudgetVersion.department_id == version.department_id, BudgetVersion.year == version.year - 1)
        .order_by(BudgetVersion.version.desc())
        .limit(1)
    )
    return db.scalar(query)


def _named(last: BudgetVersion) -> str:
    return f"{last.year} 年预算第 {last.version} 版"


def _source(kind: str, note: str, warning: str | None, last: BudgetVersion | None) -> PriorSource:
    if last is None:
        return PriorSource(kind, note, warning)
    return PriorSource(kind, note, warning, last.year, last.version, last.id)


def with_last_year(version: BudgetVersion, last: BudgetVersion | None) -> tuple[Budget, PriorSource]:
    """The stored budget with its prior-year figures (imported from ``last`` when the ledger states
    none), and where they come from. A ``last`` that cannot give them leaves the budget without
    comparison and says why: the document still builds."""
    budget = repository.budget_of(version)
    if budget.prior_year.amounts:  # the ledger's own figures win, as they stand (never mixed with imported ones)
        unused = "" if last is None else f"（已存的 {_named(last)} 未采用：账本自带上年数时以账本为准）"
        warning = missing_prior_warning(budget, "可在账本「上年数」中补填")
        return budget, _source("ledger", f"上年数据：账本自带{unused}", warning, last)
    if last is None:
        remedy = f"可在账本「上年数」中填写，或上传本部门 {version.year - 1} 年预算，上年数即从中导入"
        return budget, _source("none", f"上年数据：{NO_COMPARISON}", missing_prior_warning(budget, remedy), None)
    try:
        imported = with_prior_ledger(budget, repository.budget_of(last), _named(last))
        return imported, _source("imported", f"上年数据：取自 {_named(last)}", None, last)
    except PriorLedgerError as exc:
        reason = str(exc)
    except BudgetInputError as exc:  # stored under rules since changed
        errors = [p for p in exc.problems if p.severity == "error"]
        more = len(errors) - 1 + exc.unlisted
        first = f"{errors[0].message}{f'（另有 {more} 处错误）' if more else ''}" if errors else "无法读取"
        reason = f"{_named(last)}的账本按现行规则读不出：{first}"
    remedy = f"可在账本「上年数」中填写，或上传本部门可用的 {last.year} 年预算"
    note = f"上年数据：{NO_COMPARISON}（{reason}）"
    return budget, _source("refused", note, missing_prior_warning(budget, remedy), last)
