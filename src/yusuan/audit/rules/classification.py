"""Classification codes and names agree with the catalog; 部门↔政府经济分类 pairs are valid."""

from __future__ import annotations

from collections.abc import Iterator

from yusuan.audit.context import AuditContext, finding
from yusuan.audit.finding import Finding
from yusuan.audit.rules import rule
from yusuan.extract.tables import common_prefix, normal
from yusuan.tables.model import Row, Table


def _same_name(printed: str, official: str) -> bool:
    """Printed names may be cut, carry a suffix, or have a neighbouring cell's wrapped text mixed in:
    equal, one contains the other, or they share a clear common beginning."""
    a, b = normal(printed), normal(official)
    if not a or a == b or b in a or a in b:
        return True
    return common_prefix(a, b) >= min(4, len(b))


def _function_rows(ctx: AuditContext) -> Iterator[tuple[Table, Row, str, str, str]]:
    for table in ctx.tables.tables:
        if not any(c.key == "func.xiang" for c in table.columns):
            continue
        for row in table.rows:
            if row.kind != "item":
                continue
            code = "".join(str(row.value(c) or "") for c in ("func.class", "func.kuan", "func.xiang"))
            if len(code) == 7 and code.isdigit():
                yield table, row, code, str(row.value("name") or ""), "name"


def _econ_rows(ctx: AuditContext) -> Iterator[tuple[Table, Row, str, str, str, str]]:
    for table in ctx.tables.tables:
        keys = {c.key for c in table.columns}
        for row in table.rows:
            if row.kind != "item":
                continue
            for side, catalog in (("dept", "dept_econ"), ("gov", "gov_econ")):
                if f"{side}.code" in keys:
                    code = str(row.value(f"{side}.code") or "")
                elif f"{side}.class" in keys:
                    code = str(row.value(f"{side}.class") or "") + str(row.value(f"{side}.kuan") or "")
                else:
                    continue
                if len(code) == 5 and code.isdigit():
                    yield table, row, code, str(row.value(f"{side}.name") or ""), f"{side}.name", catalog


@rule(
    "classification.unknown_code",
    "warning",
    "表中的科目编码存在于政府收支分类科目中",
    "编码不存在通常是录入错误；yusuan 的科目表来自公开资料，可能不全，故为警告。",
)
def unknown(ctx: AuditContext) -> Iterator[Finding]:
    for table, row, code, _name, _col in _function_rows(ctx):
        if not ctx.catalog.knows("function", code):
            yield finding(
                "classification.unknown_code",
                "warning",
                f"{table.number} 支出功能分类编码 {code} 不在科目表中",
                "",
                code,
                [ctx.place(table, row, "func.xiang")],
            )
    for table, row, code, _name, col, catalog in _econ_rows(ctx):
        if not ctx.catalog.knows(catalog, code):
            yield finding(
                "classification.unknown_code",
                "warning",
                f"{table.number} 经济分类编码 {code} 不在科目表中",
                "",
                code,
                [ctx.place(table, row, col)],
            )


@rule(
    "classification.name_mismatch",
    "warning",
    "科目名称与编码相符",
    "编码与名称不一致时，读者无法判断钱花在哪一类上。",
)
def names(ctx: AuditContext) -> Iterator[Finding]:
    for table, row, code, name, col in _function_rows(ctx):
        if (
            ctx.catalog.knows("function", code)
            and name
            and not any(_same_name(name, n) for n in ctx.catalog.names("function", code))
        ):
            official = ctx.catalog.name("function", code)
            yield finding(
                "classification.name_mismatch",
                "warning",
                f"{table.number} 编码 {code} 的科目名称应为“{official}”，表中为“{name}”",
                official,
                name,
                [ctx.place(table, row, col)],
            )
    for table, row, code, name, col, catalog in _econ_rows(ctx):
        if ctx.catalog.knows(catalog, code) and name and not _same_name(name, ctx.catalog.name(catalog, code)):
            official = ctx.catalog.name(catalog, code)
            yield finding(
                "classification.name_mismatch",
                "warning",
                f"{table.number} 经济分类 {code} 的名称应为“{official}”，表中为“{name}”",
                official,
                name,
                [ctx.place(table, row, col)],
            )


@rule(
    "classification.econ_pair",
    "warning",
    "部门预算经济分类与政府预算经济分类的对应关系有效",
    "对应关系错误会使政府预算经济分类的汇总失真。",
)
def pairs(ctx: AuditContext) -> Iterator[Finding]:
    seen: set[tuple[str, str, str]] = set()
    for table in ctx.tables.tables:
        for row in table.rows:
            codes = [p for p in row.key if len(p) == 5 and p.isdigit()]
            if row.kind != "item" or len(codes) != 2:
                continue
            dept, gov = codes
            if not (ctx.catalog.knows("dept_econ", dept) and ctx.catalog.knows("gov_econ", gov)):
                continue
            if ctx.catalog.is_valid_pair(dept, gov) or (table.number, dept, gov) in seen:
                continue
            seen.add((table.number, dept, gov))
            yield finding(
                "classification.econ_pair",
                "warning",
                f"{table.number} 部门经济分类 {dept} 不应对应政府经济分类 {gov}",
                "",
                f"{dept}→{gov}",
                [ctx.place(table, row, "gov.name" if "gov.name" in row.cells else "gov.code")],
            )
