"""Every read and write the application makes, in one place; every write is logged.

Budget versions are append-only: saving never overwrites. A save names the version it was
based on, and if someone saved a newer one meanwhile it is refused with ``VersionConflict``
(the unique (department, year, version) key catches the race the check cannot).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yusuan.ledger.model import Budget
from yusuan.store.models import (
    AuditLogEntry,
    AuditRun,
    BudgetLine,
    BudgetVersion,
    Department,
    LoginSession,
    Role,
    User,
    utcnow,
)
from yusuan.tables.facts import expenditure_facts

SESSION_LIFETIME = timedelta(hours=12)
_hasher = PasswordHasher()


class VersionConflict(Exception):
    """Someone saved a newer version than the one this save was based on."""

    def __init__(self, latest: int, base: int | None, department: str = "", year: int = 0) -> None:
        self.latest = latest
        self.base = base
        self.department = department
        self.year = year
        super().__init__(
            f"已有人保存了第 {latest} 版（您基于第 {base} 版修改）；您的文件未保存，请在最新版本上重新提交"
        )


class AccountError(ValueError):
    pass


# ---------------------------------------------------------------- accounts and sessions


def log(db: Session, who: str, action: str, target: str, detail: str = "") -> None:
    db.add(AuditLogEntry(username=who, action=action, target=target, detail=detail))


def create_user(
    db: Session, username: str, password: str, role: Role, department_code: str | None = None, *, actor: str
) -> User:
    username = username.strip()
    if not username or len(username) > 64:
        raise AccountError("用户名不能为空，且不超过 64 个字符")
    if len(password) < 8:
        raise AccountError("密码至少 8 个字符")
    if role is Role.EDITOR and not department_code:
        raise AccountError("部门填报人员须指定所属部门编码")
    if db.scalar(select(User).where(User.username == username)) is not None:
        raise AccountError(f"用户名「{username}」已存在")
    user = User(
        username=username,
        password_hash=_hasher.hash(password),
        role=role.value,
        department_code=department_code if role is Role.EDITOR else None,
    )
    db.add(user)
    log(
        db,
        actor,
        "create_user",
        username,
        f"角色：{role.label}" + (f"，部门：{department_code}" if department_code else ""),
    )
    db.flush()
    return user


def ensure_admin(db: Session, password: str | None) -> str | None:
    """Create the admin account on an empty database; returns the password when one was generated."""
    if db.scalar(select(func.count()).select_from(User)):
        return None
    generated = None
    if not password:
        password = generated = secrets.token_urlsafe(12)
    create_user(db, "admin", password, Role.ADMIN, actor="系统")
    return generated


def authenticate(db: Session, username: str, password: str) -> User | None:
    user = db.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        _hasher.hash(password)  # same work whether or not the name exists
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


#: failed sign-ins of one user name within the window that start a cooling-off period
LOGIN_FAILURE_LIMIT = 10
LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
LOGIN_COOLING_OFF = timedelta(minutes=15)
LOGIN_FAILED = "login_failed"  # the 操作日志 action of a failed sign-in: the log is also the throttle's memory


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite drops the zone


def _recent_login_failures(db: Session, username: str) -> list[datetime]:
    """The times of the newest ``LOGIN_FAILURE_LIMIT`` failures that can still count, newest first."""
    since = utcnow() - LOGIN_FAILURE_WINDOW - LOGIN_COOLING_OFF
    query = (
        select(AuditLogEntry.at)
        .where(AuditLogEntry.action == LOGIN_FAILED, AuditLogEntry.target == username.strip()[:255])
        .where(AuditLogEntry.at > since)
        .order_by(AuditLogEntry.at.desc())
        .limit(LOGIN_FAILURE_LIMIT)
    )
    return [_utc(at) for at in db.scalars(query)]


def _cooling_off_after(failures: list[datetime]) -> timedelta | None:
    if len(failures) < LOGIN_FAILURE_LIMIT or failures[0] - failures[-1] > LOGIN_FAILURE_WINDOW:
        return None
    remaining = failures[0] + LOGIN_COOLING_OFF - utcnow()
    return remaining if remaining > timedelta(0) else None


def login_cooling_off(db: Session, username: str) -> timedelta | None:
    """How long sign-in stays refused for ``username``: ``LOGIN_COOLING_OFF`` after ``LOGIN_FAILURE_LIMIT``
    failures within ``LOGIN_FAILURE_WINDOW``; None when it is allowed."""
    return _cooling_off_after(_recent_login_failures(db, username))


def record_login_failure(db: Session, username: str, detail: str) -> None:
    """Write a failed sign-in to the log (the caller commits); say so when it starts a cooling-off period."""
    name = username.strip()
    failures = [utcnow(), *_recent_login_failures(db, name)][:LOGIN_FAILURE_LIMIT]
    if _cooling_off_after(failures) is not None:
        detail += (
            f"；{LOGIN_FAILURE_WINDOW.seconds // 60} 分钟内已失败 {LOGIN_FAILURE_LIMIT} 次，"
            f"暂停登录 {LOGIN_COOLING_OFF.seconds // 60} 分钟"
        )
    log(db, name[:64], LOGIN_FAILED, name[:255], f"登录失败（用户名或密码错误），{detail}")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(db: Session, user: User) -> tuple[str, str]:
    """A new session for ``user``: (cookie token, CSRF token)."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    db.add(
        LoginSession(
            token_hash=_token_hash(token), csrf_token=csrf, user_id=user.id, expires_at=utcnow() + SESSION_LIFETIME
        )
    )
    log(db, user.username, "login", user.username)
    return token, csrf


def find_session(db: Session, token: str) -> LoginSession | None:
    found = db.scalar(select(LoginSession).where(LoginSession.token_hash == _token_hash(token)))
    if found is None:
        return None
    expires = found.expires_at if found.expires_at.tzinfo else found.expires_at.replace(tzinfo=utcnow().tzinfo)
    if expires < utcnow():
        db.delete(found)
        return None
    return found


def close_session(db: Session, token: str) -> None:
    found = db.scalar(select(LoginSession).where(LoginSession.token_hash == _token_hash(token)))
    if found is not None:
        log(db, found.user.username, "logout", found.user.username)
        db.delete(found)


def can_read(user: User, department_code: str) -> bool:
    return user.role != Role.EDITOR or user.department_code == department_code


def can_write(user: User, department_code: str) -> bool:
    """Admins write everywhere, editors their own department; reviewers only read and audit."""
    return user.role == Role.ADMIN or (user.role == Role.EDITOR and user.department_code == department_code)


# ---------------------------------------------------------------- departments and budgets


@dataclass(frozen=True, slots=True)
class DepartmentYear:
    """A department's newest budget version for one year, as listed."""

    department: Department
    year: int
    latest: BudgetVersion
    versions: int


def department_years(db: Session, user: User, year: int | None = None) -> list[DepartmentYear]:
    newest = (
        select(
            BudgetVersion.department_id,
            BudgetVersion.year,
            func.max(BudgetVersion.version).label("version"),
        )
        .group_by(BudgetVersion.department_id, BudgetVersion.year)
        .subquery()
    )
    query = (
        select(BudgetVersion, newest.c.version)
        .join(
            newest,
            (BudgetVersion.department_id == newest.c.department_id)
            & (BudgetVersion.year == newest.c.year)
            & (BudgetVersion.version == newest.c.version),
        )
        .join(Department)
        .order_by(BudgetVersion.year.desc(), Department.code)
    )
    if year is not None:
        query = query.where(BudgetVersion.year == year)
    if user.role == Role.EDITOR:
        query = query.where(Department.code == user.department_code)
    return [DepartmentYear(v.department, v.year, v, n) for v, n in db.execute(query)]


def years(db: Session) -> list[int]:
    return list(db.scalars(select(BudgetVersion.year).distinct().order_by(BudgetVersion.year.desc())))


def all_departments(db: Session) -> list[Department]:
    return list(db.scalars(select(Department).order_by(Department.code)))


def department_by_code(db: Session, code: str) -> Department | None:
    return db.scalar(select(Department).where(Department.code == code))


def versions_of(db: Session, department: Department, year: int) -> list[BudgetVersion]:
    query = (
        select(BudgetVersion)
        .where(BudgetVersion.department_id == department.id, BudgetVersion.year == year)
        .order_by(BudgetVersion.version.desc())
    )
    return list(db.scalars(query))


def latest_version(db: Session, department_id: int, year: int) -> int:
    query = select(func.max(BudgetVersion.version)).where(
        BudgetVersion.department_id == department_id, BudgetVersion.year == year
    )
    return db.scalar(query) or 0


def get_version(db: Session, version_id: int) -> BudgetVersion | None:
    return db.get(BudgetVersion, version_id)


def save_budget(
    db: Session,
    budget: Budget,
    *,
    source_name: str,
    source_bytes: bytes,
    who: str,
    user_id: int | None,
    base_version: int | None,
    region: str = "",
    comment: str = "",
) -> BudgetVersion:
    """Store ``budget`` as the next version of its department and year (the caller commits).

    ``base_version`` is the version the user started from (0 for a new budget); ``None`` means
    "append whatever is newest" (API clients that do not track versions).
    """
    from yusuan.ledger.yaml_io import dump_yaml

    code = budget.department.code
    department = department_by_code(db, code)
    if department is None:
        department = Department(code=code, name=budget.department.name, region=region)
        db.add(department)
        db.flush()
    else:
        department.name = budget.department.name
        if region:
            department.region = region
    latest = latest_version(db, department.id, budget.year)
    if base_version is not None and base_version != latest:
        raise VersionConflict(latest, base_version, code, budget.year)
    facts = expenditure_facts(budget)
    version = BudgetVersion(
        department_id=department.id,
        year=budget.year,
        version=latest + 1,
        created_by=user_id,
        source_name=source_name[:255],
        source_bytes=source_bytes,
        ledger_yaml=dump_yaml(budget),
        income_total=sum(i.amount for i in budget.income),
        basic_total=sum(f.amount for f in facts if f.part == "basic"),
        project_total=sum(f.amount for f in facts if f.part == "project"),
        comment=comment[:500],
    )
    db.add(version)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        raise VersionConflict(latest + 1, base_version, code, budget.year) from None
    db.add_all(
        BudgetLine(
            version_id=version.id,
            unit=f.unit,
            part=f.part,
            function=f.function,
            econ=f.econ,
            gov_econ=f.gov_econ,
            fund=f.fund,
            project=f.project,
            amount=f.amount,
        )
        for f in facts
    )
    log(db, who, "save_budget", f"{code} {budget.year}年 第{version.version}版", source_name[:255])
    return version


def import_budget(
    db: Session, budget: Budget, *, source_name: str, source_bytes: bytes, who: str, region: str = ""
) -> BudgetVersion | None:
    """Save ``budget`` as a new version unless the newest stored version already holds the same ledger.

    Importing the same folder twice therefore stores nothing the second time (a roll-up resumes).
    """
    from yusuan.ledger.yaml_io import dump_yaml

    department = department_by_code(db, budget.department.code)
    if department is not None:
        newest = db.scalar(
            select(BudgetVersion)
            .where(BudgetVersion.department_id == department.id, BudgetVersion.year == budget.year)
            .order_by(BudgetVersion.version.desc())
            .limit(1)
        )
        if newest is not None and newest.ledger_yaml == dump_yaml(budget):
            if region and department.region != region:
                department.region = region
            return None
    return save_budget(
        db,
        budget,
        source_name=source_name,
        source_bytes=source_bytes,
        who=who,
        user_id=None,
        base_version=None,
        region=region,
        comment="批量导入",
    )


def newest_versions(db: Session, region: str | None = None) -> list[BudgetVersion]:
    """The newest version of every department and year (of one region when given), oldest year first."""
    newest = select(func.max(BudgetVersion.id)).group_by(BudgetVersion.department_id, BudgetVersion.year)
    query = select(BudgetVersion).where(BudgetVersion.id.in_(newest)).order_by(BudgetVersion.year, BudgetVersion.id)
    if region:
        query = query.join(Department).where(Department.region == region)
    return list(db.scalars(query))


def budget_of(version: BudgetVersion) -> Budget:
    """The ledger of a stored version (parsed once per process: versions never change)."""
    return _parse_ledger(version.id, version.ledger_yaml)


@lru_cache(maxsize=64)
def _parse_ledger(_version_id: int, text: str) -> Budget:
    from yusuan.ledger.read import read_budget_bytes

    return read_budget_bytes(text.encode("utf-8"), "ledger.yaml")


# ---------------------------------------------------------------- audits


def record_audit(
    db: Session,
    user: User,
    filename: str,
    data: bytes,
    result: dict[str, Any],
    report_html: str,
    excerpts: list[list[dict[str, Any]]] | None = None,
) -> AuditRun:
    import json

    counts = {
        s: sum(1 for f in result.get("findings", []) if f.get("severity") == s) for s in ("error", "warning", "info")
    }
    run = AuditRun(
        user_id=user.id,
        filename=filename[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        status="unreadable" if "error" in result else ("findings" if counts["error"] or counts["warning"] else "ok"),
        errors=int(counts.get("error", 0)),
        warnings=int(counts.get("warning", 0)),
        infos=int(counts.get("info", 0)),
        result_json=json.dumps(result, ensure_ascii=False),
        excerpts_json=json.dumps(excerpts or [], ensure_ascii=False),
        report_html=report_html,
    )
    db.add(run)
    db.flush()
    log(db, user.username, "audit", f"审核 #{run.id}", filename[:255])
    return run


def audit_runs(db: Session, user: User, limit: int = 100) -> list[AuditRun]:
    query = select(AuditRun).order_by(AuditRun.id.desc()).limit(limit)
    if user.role == Role.EDITOR:
        query = query.where(AuditRun.user_id == user.id)
    return list(db.scalars(query))


def log_entries(db: Session, limit: int = 200) -> list[AuditLogEntry]:
    return list(db.scalars(select(AuditLogEntry).order_by(AuditLogEntry.id.desc()).limit(limit)))


# ---------------------------------------------------------------- region roll-up


@dataclass(frozen=True, slots=True)
class RegionRow:
    key: str
    basic: int
    project: int

    @property
    def total(self) -> int:
        return self.basic + self.project


def region_rollup(db: Session, year: int, by: str, region: str | None = None) -> list[RegionRow]:
    """Newest versions of every department in ``region`` added up by 功能分类类, 经济分类类 or department."""
    newest = (
        select(func.max(BudgetVersion.id).label("id"))
        .where(BudgetVersion.year == year)
        .group_by(BudgetVersion.department_id)
        .subquery()
    )
    key: Any
    if by == "department":
        key = Department.code
    elif by == "function":
        key = func.substr(BudgetLine.function, 1, 3)
    elif by == "econ":
        key = func.substr(BudgetLine.econ, 1, 3)
    else:
        raise ValueError(by)
    basic = func.sum(BudgetLine.amount).filter(BudgetLine.part == "basic")
    project = func.sum(BudgetLine.amount).filter(BudgetLine.part == "project")
    query = (
        select(key.label("key"), basic, project)
        .select_from(BudgetLine)
        .join(BudgetVersion, BudgetVersion.id == BudgetLine.version_id)
        .join(Department, Department.id == BudgetVersion.department_id)
        .where(BudgetVersion.id.in_(select(newest.c.id)))
        .group_by(key)
        .order_by(key)
    )
    if region:
        query = query.where(Department.region == region)
    return [RegionRow(str(k), int(b or 0), int(p or 0)) for k, b, p in db.execute(query)]


def regions(db: Session) -> list[str]:
    return [r for r in db.scalars(select(Department.region).distinct().order_by(Department.region)) if r]


def now() -> datetime:
    return utcnow()
