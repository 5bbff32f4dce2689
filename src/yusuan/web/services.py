"""What the pages and the JSON API both do: store uploads, audit documents, render and add up budgets.

Uploaded bytes only ever reach the file system under names chosen here (``budget.xlsx``,
``document.pdf`` …) inside a private temporary directory, never under the uploader's file name.
"""

from __future__ import annotations

import tempfile
import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yusuan.audit.report import Result, Unreadable
from yusuan.ledger.model import Budget
from yusuan.ledger.problems import BudgetInputError, Problem, unlisted_note
from yusuan.ledger.read import renamed_problem
from yusuan.outputs import RENDERERS, Disclosure, build_disclosure
from yusuan.store import repository
from yusuan.store.models import BudgetVersion, PerformanceFile, User
from yusuan.web.prior import PriorSource, last_year_version, with_last_year

if TYPE_CHECKING:
    from yusuan.web.workers import Workers

#: what an uploaded document may be, by its first bytes
_PDF, _ZIP = b"%PDF", b"PK\x03\x04"
PERFORMANCE_KINDS = {"payments": "支出（支付）数据", "adjustments": "预算调整", "actuals": "指标实际值"}
DOWNLOAD_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "json": "application/json",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class UploadRejected(ValueError):
    """An upload refused before it is read: too large, empty or of the wrong kind (HTTP status attached)."""

    def __init__(self, message: str, status: int = 422) -> None:
        self.status = status
        super().__init__(message)


def safe_name(name: str | None) -> str:
    """The uploader's file name for display only: no directories, no control characters, bounded."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[:200] or "上传文件"


def too_large(limit: int) -> str:
    """What a refused upload is told, with the limit in MB (or KB when it is set that small)."""
    size = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
    return f"文件超过上传上限 {size}"


def check_size(data: bytes, limit: int) -> None:
    if len(data) > limit:
        raise UploadRejected(too_large(limit), 413)
    if not data.strip():
        raise UploadRejected("文件是空的")


# ---------------------------------------------------------------- budgets


#: errors of a refused budget listed on the page and in the API (a file may have hundreds of thousands)
PROBLEMS_SHOWN = 200


@dataclass(frozen=True, slots=True)
class BudgetReading:
    """An uploaded budget as read (in a worker process): the budget, or its first errors and how many more."""

    budget: Budget | None
    problems: list[Problem]
    unlisted: int = 0


def store_budget(
    db: Session,
    user: User,
    data: bytes,
    filename: str,
    base_version: int | None,
    region: str = "",
    workers: Workers | None = None,
) -> BudgetVersion:
    """Read, check and save an uploaded ledger as a new version; nothing is stored on any error.

    The file is read in a worker process when the app has them (within its time and memory
    limits: ``WorkerFailed``). Raises ``BudgetInputError`` (the first problems with sheet/row/column),
    ``PermissionError`` or ``repository.VersionConflict``.
    """
    if workers is None:
        reading = read_budget_upload(data, filename)
    else:
        reading = workers.run(f"读取 {filename}", workers.read_seconds, read_budget_upload, data, filename)
    if reading.budget is None:
        raise BudgetInputError(reading.problems, reading.unlisted)
    budget = reading.budget
    if not repository.can_write(user, budget.department.code):
        raise PermissionError(f"您无权为部门 {budget.department.code}（{budget.department.name}）保存预算")
    version = repository.save_budget(
        db,
        budget,
        source_name=filename,
        source_bytes=data,
        who=user.username,
        user_id=user.id,
        base_version=base_version,
        region=region.strip()[:100],
    )
    db.commit()
    return version


def read_budget_upload(data: bytes, filename: str) -> BudgetReading:
    """Read an uploaded ledger; only the first ``PROBLEMS_SHOWN`` errors travel back from the worker."""
    from yusuan.ledger.read import read_budget_bytes

    if data.startswith(_PDF):
        return BudgetReading(None, [_problem(filename, "这是 PDF 文件；请上传预算账本工作簿（.xlsx）或 YAML 账本")])
    try:
        return BudgetReading(read_budget_bytes(data, filename), [])
    except BudgetInputError as exc:
        return BudgetReading(None, *first_errors(exc))


def first_errors(exc: BudgetInputError, limit: int | None = PROBLEMS_SHOWN) -> tuple[list[Problem], int]:
    """A refused input's first ``limit`` errors (all with None) and how many more it has, those past
    the reader's own bound included."""
    errors = [p for p in exc.problems if p.severity == "error"]
    shown = errors if limit is None else errors[:limit]
    return shown, exc.unlisted + len(errors) - len(shown)


def problems_shown(exc: BudgetInputError) -> tuple[list[dict[str, Any]], int]:
    """A refused budget's errors for the page and the API, and how many more were not listed."""
    problems = [problem_data(p) for p in exc.problems if p.severity == "error"]
    return problems, exc.unlisted


def _problem(filename: str, message: str) -> Problem:
    from yusuan.ledger.model import Origin

    return Problem(message, Origin(filename))


def problem_data(problem: Problem) -> dict[str, Any]:
    o = problem.origin
    return {
        "message": problem.message,
        "severity": problem.severity,
        "file": o.file,
        "sheet": o.sheet,
        "row": o.row,
        "column": o.column,
        "where": str(o),
    }


#: a built disclosure's key: its version's id and that of the last-year version it compares with
_Key = tuple[int, int | None]


class _DisclosureCache:
    """Built disclosures, and their downloads by format, by version id and the id of the last-year
    version its comparisons are imported from (versions never change: a new version of the year
    before is another key, so the document that compares with it is built again).

    Concurrent first requests wait for the one build instead of each building it: one build per
    key at a time, one rendering per (key, format). A rendering takes its format's lock,
    then the key's while it builds; a build takes only the key's: no lock is ever taken twice.
    """

    def __init__(self, size: int = 32) -> None:
        self._size = size
        self._built: OrderedDict[_Key, tuple[Disclosure, PriorSource]] = OrderedDict()
        self._rendered: OrderedDict[tuple[_Key, str], bytes] = OrderedDict()
        self._locks: dict[_Key | tuple[_Key, str], threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock(self, key: _Key | tuple[_Key, str]) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def built(self, version: BudgetVersion, last: BudgetVersion | None) -> tuple[Disclosure, PriorSource]:
        """``version``'s disclosure compared with ``last`` (``last_year_version``, asked once per request)."""
        key = (version.id, None if last is None else last.id)
        found = self._built.get(key)
        if found is not None:
            return found
        with self._lock(key):
            found = self._built.get(key)
            if found is None:
                budget, source = with_last_year(version, last)
                found = (build_disclosure(budget), source)
                with self._guard:
                    self._built[key] = found
                    while len(self._built) > self._size:
                        self._locks.pop(self._built.popitem(last=False)[0], None)
            return found

    def rendered(self, version: BudgetVersion, fmt: str) -> bytes:
        last = last_year_version(version)
        key = ((version.id, None if last is None else last.id), fmt)
        found = self._rendered.get(key)
        if found is None:
            with self._lock(key):
                found = self._rendered.get(key)
                if found is None:
                    found = RENDERERS[fmt][1](self.built(version, last)[0])
                    with self._guard:
                        self._rendered[key] = found
                        while len(self._rendered) > self._size:
                            self._locks.pop(self._rendered.popitem(last=False)[0], None)
        return found


_cache = _DisclosureCache()


def forget_disclosures() -> None:
    """Start with an empty cache: a new app's database may give the same version ids to other budgets."""
    global _cache
    _cache = _DisclosureCache()


def disclosure_of(version: BudgetVersion) -> Disclosure:
    """Tables and narrative of a stored version, compared with the newest stored budget of the year
    before unless the ledger states its own prior-year figures (built once per process and last year)."""
    return _cache.built(version, last_year_version(version))[0]


def disclosure_and_prior(version: BudgetVersion) -> tuple[Disclosure, PriorSource]:
    """``disclosure_of(version)`` and where its comparisons with last year come from (one look-up of
    last year's version for both, so that they agree even while a new one is uploaded)."""
    return _cache.built(version, last_year_version(version))


def download(version: BudgetVersion, fmt: str) -> tuple[bytes, str]:
    """A version's disclosure in one format: (bytes, file name)."""
    data = _cache.rendered(version, fmt)
    department = version.department
    name = f"{department.code}-{version.year}-v{version.version}-{RENDERERS[fmt][0]}"
    return data, name


def composition(budget: Budget) -> dict[str, list[dict[str, Any]]]:
    """Spending by 功能分类类 and by 经济分类类, with shares of the total, for the page's chart."""
    from yusuan.catalog import UnknownCodeError, load_catalog
    from yusuan.tables.facts import expenditure_facts

    catalog = load_catalog()
    sums: dict[str, dict[str, int]] = {"function": defaultdict(int), "dept_econ": defaultdict(int)}
    for fact in expenditure_facts(budget):
        sums["function"][fact.function[:3]] += fact.amount
        sums["dept_econ"][fact.econ[:3]] += fact.amount
    out: dict[str, list[dict[str, Any]]] = {}
    for which, by_code in sums.items():
        total = sum(by_code.values()) or 1
        rows = []
        for code, amount in sorted(by_code.items(), key=lambda kv: -kv[1]):
            try:
                name = catalog.name(which, code)
            except UnknownCodeError:
                name = ""
            rows.append({"code": code, "name": name, "fen": amount, "share": amount * 100 / total})
        out[which] = rows
    return out


def ledger_lines(budget: Budget, kind: str, unit: str | None, function: str) -> list[dict[str, Any]]:
    """The ledger's lines behind one 项 row of a table: basic lines by 经济分类 and item, projects by name."""
    from yusuan.catalog import load_catalog
    from yusuan.tables.build import table_facts

    catalog = load_catalog()
    projects = {p.code: p.name for p in budget.projects}
    sums: dict[tuple[str, ...], int] = defaultdict(int)
    for fact in table_facts(budget, kind):
        if fact.function != function or (unit is not None and fact.unit != unit):
            continue
        if fact.part == "basic":
            econ = catalog.name("dept_econ", fact.econ) if catalog.knows("dept_econ", fact.econ) else ""
            sums[("基本支出", f"{fact.econ} {econ}", fact.item)] += fact.amount
        else:
            sums[("项目支出", projects.get(fact.project, fact.project))] += fact.amount
    return [{"label": " · ".join(key), "fen": amount} for key, amount in sums.items()]


# ---------------------------------------------------------------- audits


def _document_suffix(data: bytes) -> str:
    if data.startswith(_PDF):
        return ".pdf"
    if data.startswith(_ZIP):
        return ".xlsx"
    if b"\x00" in data[:4096]:
        raise UploadRejected("文件不是 PDF、文本或 Excel 工作簿，无法审核", 415)
    return ".txt"


@dataclass(slots=True)
class AuditOutcome:
    result: Result
    data: dict[str, Any]  # the yusuan.audit/1 object
    html: str
    excerpts: list[list[dict[str, Any]]]  # per finding: the table rows it points at


def audit_in_worker(workers: Workers | None, data: bytes, filename: str) -> AuditOutcome:
    """Audit in a worker process when the app has them, so that pages never wait behind an audit's CPU.

    Within the workers' time and memory limits: ``WorkerFailed`` (an ``UploadRejected``) beyond them.
    """
    if workers is None:
        return audit_bytes(data, filename)
    return workers.run(f"审核 {filename}", workers.audit_seconds, audit_bytes, data, filename)


def audit_bytes(data: bytes, filename: str) -> AuditOutcome:
    """Audit an uploaded PDF, text extraction or yusuan workbook."""
    from yusuan.audit.batch import audit_one
    from yusuan.audit.report import finding_excerpt, render_html
    from yusuan.extract.document import MAX_DOCUMENT_BYTES

    suffix = _document_suffix(data)
    with tempfile.TemporaryDirectory(prefix="yusuan-audit-") as scratch:
        path = Path(scratch) / f"document{suffix}"
        path.write_bytes(data)
        # the upload limit already bounds the bytes: whatever was accepted is read whole
        result = audit_one(str(path), max_bytes=max(len(data), MAX_DOCUMENT_BYTES))
    if isinstance(result, Unreadable):
        result.path = filename
    else:
        result.source["path"] = filename
    excerpts = [] if isinstance(result, Unreadable) else [finding_excerpt(result, f) for f in result.findings]
    return AuditOutcome(result, result.to_data(), render_html([result]), excerpts)


# ---------------------------------------------------------------- performance


def performance_files(db: Session, department_id: int, year: int) -> dict[str, PerformanceFile]:
    """The newest file of each kind for a department and year."""
    query = (
        select(PerformanceFile)
        .where(PerformanceFile.department_id == department_id, PerformanceFile.year == year)
        .order_by(PerformanceFile.id)
    )
    return {f.kind: f for f in db.scalars(query)}


class _Staged:
    """Execution files written under fixed names in a scratch folder (the readers take paths), and
    how to name them back in problems: the file as uploaded or stored."""

    def __init__(self, scratch: str) -> None:
        self.scratch = Path(scratch)
        self.names: dict[str, str] = {}

    def add(self, kind: str, content: bytes, display: str) -> Path:
        # actuals are always CSV; payments and adjustments may also be workbooks
        suffix = ".xlsx" if kind != "actuals" and content.startswith(_ZIP) else ".csv"
        path = self.scratch / f"{kind}{suffix}"
        path.write_bytes(content)
        self.names[str(path)] = display
        return path

    def problems(self, problems: list[Problem], fallback: str) -> list[dict[str, Any]]:
        return [
            problem_data(renamed_problem(p, p.origin.file, self.names.get(p.origin.file, fallback))) for p in problems
        ]


def performance_view(budget: Budget, files: dict[str, PerformanceFile], at: date) -> dict[str, Any]:
    """Target checks, monitoring lights (when payments exist) and scores (when actuals exist too)."""
    from yusuan.performance import report
    from yusuan.performance.checks import check_budget
    from yusuan.performance.execution import read_execution
    from yusuan.performance.monitoring import Thresholds, monitor
    from yusuan.performance.ratios import department_ratios, monthly_series
    from yusuan.performance.scoring import Weights, read_actuals, score_budget

    view: dict[str, Any] = {"checks": check_budget(budget), "monitoring": None, "scores": None, "problems": []}
    if "payments" not in files:
        return view
    with tempfile.TemporaryDirectory(prefix="yusuan-perf-") as scratch:
        staged = _Staged(scratch)
        paths = {kind: staged.add(kind, stored.data, stored.filename) for kind, stored in files.items()}
        try:
            execution = read_execution(budget, paths["payments"], paths.get("adjustments"))
            result = monitor(budget, execution, at, Thresholds())
            view["monitoring"] = report.monitoring_data(
                result, department_ratios(budget, execution, at), monthly_series(budget, execution)
            )
            if "actuals" in paths:
                actuals = read_actuals(paths["actuals"], budget)
                projects, department = score_budget(budget, execution, actuals, Weights())
                view["scores"] = report.score_data(projects, department)
        except BudgetInputError as exc:
            view["problems"] = staged.problems(first_errors(exc, None)[0], files["payments"].filename)
        except ValueError as exc:
            view["problems"] = [{"message": str(exc), "where": ""}]
    return view


def check_performance_file(
    budget: Budget,
    kind: str,
    data: bytes,
    filename: str,
    stored: dict[str, PerformanceFile],
    workers: Workers | None = None,
) -> list[dict[str, Any]]:
    """Problems of an uploaded execution file, read against the budget (empty when it is usable): the
    first ``PROBLEMS_SHOWN``, then a line counting the rest.

    Read in a worker process when the app has them, like an uploaded budget. Adjustments are
    read together with the stored payments, which they adjust.
    """
    if kind not in PERFORMANCE_KINDS:
        raise UploadRejected(f"未知的数据类型：{kind}")
    if kind == "adjustments" and "payments" not in stored:
        raise UploadRejected("请先上传支出（支付）数据，预算调整与它一起核对")
    payments = (stored["payments"].data, stored["payments"].filename) if kind == "adjustments" else None
    if workers is None:
        return performance_file_problems(budget, kind, data, filename, payments)
    job = performance_file_problems
    return workers.run(f"核对 {filename}", workers.read_seconds, job, budget, kind, data, filename, payments)


def performance_file_problems(
    budget: Budget, kind: str, data: bytes, filename: str, payments: tuple[bytes, str] | None
) -> list[dict[str, Any]]:
    """``check_performance_file``'s reading (a worker's job): ``payments`` are the stored (bytes, name)."""
    from yusuan.performance.execution import read_execution
    from yusuan.performance.scoring import read_actuals

    with tempfile.TemporaryDirectory(prefix="yusuan-perf-") as scratch:
        staged = _Staged(scratch)
        path = staged.add(kind, data, filename)
        try:
            if kind == "payments":
                read_execution(budget, path)
            elif kind == "adjustments" and payments is not None:
                read_execution(budget, staged.add("payments", *payments), path)
            else:
                read_actuals(path, budget)
        except BudgetInputError as exc:
            shown, unlisted = first_errors(exc)
            note = [{"message": unlisted_note(unlisted), "where": ""}] if unlisted else []
            return staged.problems(shown, filename) + note
    return []


def find_table(tables: Any, number: str) -> Any:
    """A table by its number, written in full (预算05表) or short (05, 5)."""
    wanted = number.strip()
    for table in tables.tables:
        if table.number == wanted:
            return table
    digits = "".join(ch for ch in wanted if ch.isdigit())
    if digits:
        for table in tables.tables:
            own = "".join(ch for ch in table.number if ch.isdigit())
            if own and int(own) == int(digits):
                return table
    return None


# ---------------------------------------------------------------- region


def class_names() -> dict[str, dict[str, str]]:
    """Names of the 功能分类类 and 经济分类类 codes, for the roll-up tables."""
    from yusuan.catalog import load_catalog

    catalog = load_catalog()
    return {
        which: {e.code: e.name for e in catalog.entries(which) if len(e.code) == 3}
        for which in ("function", "dept_econ")
    }


def region_workbook(db: Session, region: str | None) -> bytes:
    """The roll-up workbook (as ``yusuan rollup`` writes it) of the newest version of every department."""
    from yusuan.rollup import Rollup, render_rollup_xlsx

    rollup = Rollup()
    for version in repository.newest_versions(db, region):
        rollup.add(repository.budget_of(version))
    return render_rollup_xlsx(rollup)
