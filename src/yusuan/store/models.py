"""The database tables: accounts, departments, versioned budgets, audits and the audit log.

Amounts are BIGINT fen (SQLite's DECIMAL would lose digits). A budget version keeps the
file as uploaded and the canonical YAML ledger it was read into; the ledger is the source
of every table shown, and ``budget_lines`` flattens it so that a region can be added up in SQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Role(StrEnum):
    ADMIN = "admin"  # manages accounts; reads and writes everything
    REVIEWER = "reviewer"  # 财政局审核人员: reads every department, runs audits
    EDITOR = "editor"  # 部门填报人员: reads and uploads only their own department

    @property
    def label(self) -> str:
        return {"admin": "管理员", "reviewer": "审核人员", "editor": "部门填报人员"}[self.value]


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    department_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: a disabled account cannot sign in and has no sessions (accounts are never deleted: the log names them)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class LoginSession(Base):
    """A signed-in browser or API client; only the token's hash is stored."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: the last request made with it, for the idle timeout (updated at most once a minute)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BudgetVersion(Base):
    """One saved version of a department's budget for one year (versions count from 1)."""

    __tablename__ = "budget_versions"
    __table_args__ = (UniqueConstraint("department_id", "year", "version", name="uq_budget_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    source_name: Mapped[str] = mapped_column(String(255))
    # the two big columns load only when used (lists and pages need the totals, not the ledger)
    source_bytes: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    ledger_yaml: Mapped[str] = mapped_column(Text, deferred=True)
    income_total: Mapped[int] = mapped_column(BigInteger)
    basic_total: Mapped[int] = mapped_column(BigInteger)
    project_total: Mapped[int] = mapped_column(BigInteger)
    comment: Mapped[str] = mapped_column(String(500), default="")

    department: Mapped[Department] = relationship(lazy="joined")

    @property
    def expenditure_total(self) -> int:
        return self.basic_total + self.project_total


class BudgetLine(Base):
    """A spending fact of a version: unit × 功能分类 × 经济分类 × source × basic/project, in fen."""

    __tablename__ = "budget_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("budget_versions.id", ondelete="CASCADE"), index=True)
    unit: Mapped[str] = mapped_column(String(32))
    part: Mapped[str] = mapped_column(String(8))  # basic / project
    function: Mapped[str] = mapped_column(String(7))
    econ: Mapped[str] = mapped_column(String(5))
    gov_econ: Mapped[str] = mapped_column(String(5))
    fund: Mapped[str] = mapped_column(String(40))
    project: Mapped[str] = mapped_column(String(64), default="")
    amount: Mapped[int] = mapped_column(BigInteger)


class AuditRun(Base):
    """One audited document and its ``yusuan.audit/1`` result."""

    __tablename__ = "audit_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    filename: Mapped[str] = mapped_column(String(255))
    #: the audited document's department as it names itself (for the audit list's filter)
    department: Mapped[str] = mapped_column(String(200), default="", server_default="")
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # ok / findings / unreadable
    errors: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[int] = mapped_column(Integer, default=0)
    infos: Mapped[int] = mapped_column(Integer, default=0)
    result_json: Mapped[str] = mapped_column(Text)
    #: per finding (in the result's order), the table rows it points at: [[{table, cells}], …]
    excerpts_json: Mapped[str] = mapped_column(Text, default="[]")
    report_html: Mapped[str] = mapped_column(Text, default="", deferred=True)

    user: Mapped[User | None] = relationship(lazy="joined")


class AuditLogEntry(Base):
    """Who changed what, when (every write goes through the repository, which records it)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(255))
    detail: Mapped[str] = mapped_column(Text, default="")


class PerformanceFile(Base):
    """Execution data for monitoring and self-evaluation: payments, adjustments or indicator actuals."""

    __tablename__ = "performance_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # payments / adjustments / actuals
    filename: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)


class HeldUpload(Base):
    """A budget upload refused by a version conflict, kept so its owner can save it after all."""

    __tablename__ = "held_uploads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    region: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
