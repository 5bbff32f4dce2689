"""Every read and write the application makes, in one place; every write is logged.

Budget versions are append-only: saving never overwrites. A save names the version it was
based on, and if someone saved a newer one meanwhile it is refused with ``VersionConflict``
(the unique (department, year, version) key catches the race the check cannot).
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Generic, TypeVar, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import CursorResult, Select, delete, func, or_, select
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

_log = logging.getLogger("yusuan.store")
SESSION_LIFETIME = timedelta(hours=12)
#: a session unused this long ends, however young it is (unless $YUSUAN_SESSION_IDLE_MINUTES says otherwise)
SESSION_IDLE = timedelta(hours=2)
IDLE_VARIABLE = "YUSUAN_SESSION_IDLE_MINUTES"
#: how stale a session's last-seen time may get before a request writes it again (one write a minute, not one a request)
_SEEN_EVERY = timedelta(minutes=1)
_hasher = PasswordHasher()

#: the 操作日志's actions, as shown (the log stores the ids)
LOG_ACTIONS = {
    "login": "登录",
    "login_failed": "登录失败",
    "logout": "退出登录",
    "create_user": "新建账户",
    "change_password": "修改密码",
    "reset_password": "重设密码",
    "disable_user": "停用账户",
    "enable_user": "启用账户",
    "change_role": "修改角色",
    "end_sessions": "结束会话",
    "save_budget": "保存预算",
    "conflict": "上传冲突（已暂存）",
    "set_region": "设置所属地区",
    "upload_performance": "上传绩效数据",
    "audit": "文档审核",
}


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


class Unchanged(Exception):
    """The budget to save is the same ledger as the newest stored version: no version is added."""

    def __init__(self, version: int, department: str, year: int) -> None:
        self.version = version
        self.department = department
        self.year = year
        super().__init__(f"与第{version}版相同：部门 {department} {year} 年的预算没有变化，未保存新版本")


class AccountError(ValueError):
    pass


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a longer list, with the count of the whole list."""

    items: list[T]
    total: int
    number: int  # from 1
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def _paged(db: Session, query: Select[T], number: int, size: int) -> Page[T]:
    total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    number = min(max(number, 1), max(1, -(-total // size)))  # past the end: the last page
    return Page(list(db.scalars(query.limit(size).offset((number - 1) * size))), total, number, size)


# ---------------------------------------------------------------- accounts and sessions


def log(db: Session, who: str, action: str, target: str, detail: str = "") -> None:
    db.add(AuditLogEntry(username=who, action=action, target=target, detail=detail))


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise AccountError("密码至少 8 个字符")


def _check_department(db: Session, role: Role, department_code: str | None) -> None:
    """An editor belongs to a department that exists (a mistyped code would give an account that sees nothing)."""
    if role is not Role.EDITOR:
        return
    if not department_code:
        raise AccountError("部门填报人员须指定所属部门编码")
    if department_by_code(db, department_code) is None:
        raise AccountError(
            f"部门编码「{department_code}」不存在；请核对编码，新部门须先由管理员上传其预算，再为其建立填报人员账户"
        )


def create_user(
    db: Session, username: str, password: str, role: Role, department_code: str | None = None, *, actor: str
) -> User:
    username = username.strip()
    if not username or len(username) > 64:
        raise AccountError("用户名不能为空，且不超过 64 个字符")
    _check_password(password)
    _check_department(db, role, department_code)
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
    if not _password_matches(user, password) or user.disabled:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


#: failed sign-ins of one user name within the window that start a cooling-off period
LOGIN_FAILURE_LIMIT = 10
LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
LOGIN_COOLING_OFF = timedelta(minutes=15)
LOGIN_FAILED = "login_failed"  # the 操作日志 action of a failed sign-in: the log is also the throttle's memory


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
    return [_aware(at) for at in db.scalars(query)]


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


def _password_matches(user: User, password: str) -> bool:
    try:
        return bool(_hasher.verify(user.password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(db: Session, user: User) -> tuple[str, str]:
    """A new session for ``user``: (cookie token, CSRF token)."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    now = utcnow()
    db.add(
        LoginSession(
            token_hash=_token_hash(token),
            csrf_token=csrf,
            user_id=user.id,
            expires_at=now + SESSION_LIFETIME,
            last_seen=now,
        )
    )
    log(db, user.username, "login", user.username)
    return token, csrf


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite drops the zone


def _utc(moment: datetime) -> datetime:
    """A bound for a time column: stored in UTC (SQLite keeps the wall time only)."""
    return _aware(moment).astimezone(UTC)


def session_idle() -> timedelta:
    """How long an unused session lives: $YUSUAN_SESSION_IDLE_MINUTES (1 to 1440) when set, else SESSION_IDLE."""
    return _idle_time(os.environ.get(IDLE_VARIABLE, "").strip())


@lru_cache(maxsize=8)  # a wrong value is reported once, not on every request
def _idle_time(minutes: str) -> timedelta:
    if not minutes:
        return SESSION_IDLE
    if minutes.isdecimal() and 1 <= int(minutes) <= 24 * 60:
        return timedelta(minutes=int(minutes))
    default = SESSION_IDLE // timedelta(minutes=1)
    _log.warning("%s 应为 1 到 1440 之间的分钟数，收到「%s」；仍为 %d 分钟", IDLE_VARIABLE, minutes[:20], default)
    return SESSION_IDLE


def find_session(db: Session, token: str, idle: timedelta | None = None) -> LoginSession | None:
    """The live session of ``token``: not past its lifetime, used within ``idle`` (default: ``session_idle()``),
    of an enabled account.

    A dead session is deleted, and a live one's last-seen time moved on; either is committed at
    once (this runs before the request does anything else, so nothing else is pending).
    """
    found = db.scalar(select(LoginSession).where(LoginSession.token_hash == _token_hash(token)))
    if found is None:
        return None
    now = utcnow()
    idle = idle or session_idle()
    if _aware(found.expires_at) < now or _aware(found.last_seen) + idle < now or found.user.disabled:
        db.delete(found)
        db.commit()
        return None
    if _aware(found.last_seen) + _SEEN_EVERY < now:
        found.last_seen = now
        db.commit()
    return found


def end_sessions(db: Session, user: User, *, keep: str | None = None) -> int:
    """Sign ``user`` out everywhere (but the session of token ``keep``); the number of sessions ended."""
    query = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep:
        query = query.where(LoginSession.token_hash != _token_hash(keep))
    result = cast(CursorResult[Any], db.execute(query))
    return int(result.rowcount or 0)


def session_counts(db: Session) -> dict[int, int]:
    """Open sessions per user id (expired ones included until they are next used)."""
    query = select(LoginSession.user_id, func.count()).group_by(LoginSession.user_id)
    return {user_id: int(count) for user_id, count in db.execute(query)}


def change_password(db: Session, user: User, current: str, new: str, *, keep: str) -> None:
    """The user's own change: the current password is required; their other sessions end."""
    if not _password_matches(user, current):
        raise AccountError("当前密码不正确，密码未修改")
    _check_password(new)
    if new == current:
        raise AccountError("新密码与当前密码相同")
    user.password_hash = _hasher.hash(new)
    ended = end_sessions(db, user, keep=keep)
    log(db, user.username, "change_password", user.username, f"结束其他会话 {ended} 个")


def reset_password(db: Session, user: User, new: str, *, actor: str) -> None:
    """An administrator sets a new password; every session of the account ends."""
    _check_password(new)
    user.password_hash = _hasher.hash(new)
    ended = end_sessions(db, user)
    log(db, actor, "reset_password", user.username, f"结束会话 {ended} 个")


def _other_admins(db: Session, user: User) -> int:
    query = select(func.count()).select_from(User)
    return db.scalar(query.where(User.role == Role.ADMIN, User.id != user.id, User.disabled.is_(False))) or 0


def set_disabled(db: Session, user: User, disabled: bool, *, actor: User) -> None:
    """Disable (every session ends, sign-in is refused) or enable an account."""
    if disabled and user.id == actor.id:
        raise AccountError("不能停用自己的账户")
    if disabled and user.role == Role.ADMIN and not _other_admins(db, user):
        raise AccountError("至少须保留一个可用的管理员账户")
    user.disabled = disabled
    if disabled:
        ended = end_sessions(db, user)
        log(db, actor.username, "disable_user", user.username, f"结束会话 {ended} 个")
    else:
        log(db, actor.username, "enable_user", user.username)


def change_role(db: Session, user: User, role: Role, department_code: str | None, *, actor: User) -> None:
    if user.id == actor.id and role != Role(user.role):
        raise AccountError("不能修改自己的角色（请由另一位管理员修改）")
    if user.role == Role.ADMIN and role != Role.ADMIN and not _other_admins(db, user):
        raise AccountError("至少须保留一个可用的管理员账户")
    _check_department(db, role, department_code)
    before = f"{Role(user.role).label}" + (f"·{user.department_code}" if user.department_code else "")
    user.role = role.value
    user.department_code = department_code if role is Role.EDITOR else None
    after = role.label + (f"·{user.department_code}" if user.department_code else "")
    log(db, actor.username, "change_role", user.username, f"{before} → {after}")


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


_REGION_RIGHT = "只有管理员可以设置部门的所属地区"


def check_region_right(user: User, region: str) -> None:
    """Only administrators say which region a department belongs to (the region roll-up adds up by it)."""
    if region.strip() and user.role != Role.ADMIN:
        raise PermissionError(f"{_REGION_RIGHT}；请将「所属地区」留空后重新提交")


def set_region(db: Session, user: User, department: Department, region: str) -> None:
    if user.role != Role.ADMIN:
        raise PermissionError(_REGION_RIGHT)
    region = region.strip()[:100]
    if region != department.region:
        log(db, user.username, "set_region", department.code, f"{department.region or '（无）'} → {region or '（无）'}")
        department.region = region


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


def version_by_number(db: Session, department_code: str, year: int, version: int) -> BudgetVersion:
    query = (
        select(BudgetVersion)
        .join(Department)
        .where(Department.code == department_code, BudgetVersion.year == year, BudgetVersion.version == version)
    )
    return db.scalars(query).one()


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
    latest = latest_version(db, department.id, budget.year) if department is not None else 0
    if base_version is not None and base_version != latest:
        raise VersionConflict(latest, base_version, code, budget.year)
    ledger_yaml = dump_yaml(budget)
    if department is not None and latest and _newest_ledger(db, department.id, budget.year) == ledger_yaml:
        raise Unchanged(latest, code, budget.year)  # before any change: the caller has nothing to roll back
    if department is None:
        department = Department(code=code, name=budget.department.name, region=region)
        db.add(department)
        db.flush()
    else:
        department.name = budget.department.name
        if region:
            department.region = region
    facts = expenditure_facts(budget)
    version = BudgetVersion(
        department_id=department.id,
        year=budget.year,
        version=latest + 1,
        created_by=user_id,
        source_name=source_name[:255],
        source_bytes=source_bytes,
        ledger_yaml=ledger_yaml,
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


def _newest_ledger(db: Session, department_id: int, year: int) -> str | None:
    query = (
        select(BudgetVersion.ledger_yaml)
        .where(BudgetVersion.department_id == department_id, BudgetVersion.year == year)
        .order_by(BudgetVersion.version.desc())
        .limit(1)
    )
    return db.scalar(query)


def import_budget(
    db: Session, budget: Budget, *, source_name: str, source_bytes: bytes, who: str, region: str = ""
) -> BudgetVersion | None:
    """Save ``budget`` as a new version unless the newest stored version already holds the same ledger.

    Importing the same folder twice therefore stores nothing the second time (a roll-up resumes).
    """
    try:
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
    except Unchanged:
        department = department_by_code(db, budget.department.code)
        if region and department is not None and department.region != region:
            department.region = region
        return None


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
        department=str((result.get("document") or {}).get("department") or "")[:200],
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


@dataclass(frozen=True, slots=True)
class ListFilter:
    """What a list is narrowed to; empty fields do not narrow. Times are aware datetimes, ``until`` excluded."""

    text: str = ""  # words searched in the names and texts of the rows
    username: str = ""
    department: str = ""  # audits: part of the audited document's department
    severity: str = ""  # audits: error / warning / clean
    action: str = ""  # log: one of LOG_ACTIONS
    since: datetime | None = None
    until: datetime | None = None


#: how the audit list narrows by severity
AUDIT_SEVERITIES = {"error": "有错误", "warning": "有警告", "clean": "未发现问题"}


def audit_runs(db: Session, user: User, narrow: ListFilter, page: int = 1, size: int = 50) -> Page[AuditRun]:
    """Audits newest first, narrowed; editors see only their own."""
    query = select(AuditRun).order_by(AuditRun.id.desc())
    if user.role == Role.EDITOR:
        query = query.where(AuditRun.user_id == user.id)
    if narrow.text:
        query = query.where(
            or_(AuditRun.filename.icontains(narrow.text, autoescape=True), AuditRun.sha256 == narrow.text.lower())
        )
    if narrow.department:
        query = query.where(AuditRun.department.icontains(narrow.department, autoescape=True))
    if narrow.username:
        query = query.where(AuditRun.user_id.in_(select(User.id).where(User.username == narrow.username)))
    if narrow.severity == "error":
        query = query.where(AuditRun.errors > 0)
    elif narrow.severity == "warning":
        query = query.where(AuditRun.warnings > 0)
    elif narrow.severity == "clean":
        query = query.where(AuditRun.errors == 0, AuditRun.warnings == 0)
    if narrow.since is not None:
        query = query.where(AuditRun.created_at >= _utc(narrow.since))
    if narrow.until is not None:
        query = query.where(AuditRun.created_at < _utc(narrow.until))
    return _paged(db, query, page, size)


def log_entries(db: Session, narrow: ListFilter | None = None, page: int = 1, size: int = 100) -> Page[AuditLogEntry]:
    """The 操作日志 newest first, narrowed."""
    narrow = narrow or ListFilter()
    query = select(AuditLogEntry).order_by(AuditLogEntry.id.desc())
    if narrow.text:
        words = narrow.text
        query = query.where(
            or_(
                AuditLogEntry.target.icontains(words, autoescape=True),
                AuditLogEntry.detail.icontains(words, autoescape=True),
                AuditLogEntry.username.icontains(words, autoescape=True),
            )
        )
    if narrow.username:
        query = query.where(AuditLogEntry.username == narrow.username)
    if narrow.action:
        query = query.where(AuditLogEntry.action == narrow.action)
    if narrow.since is not None:
        query = query.where(AuditLogEntry.at >= _utc(narrow.since))
    if narrow.until is not None:
        query = query.where(AuditLogEntry.at < _utc(narrow.until))
    return _paged(db, query, page, size)


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
