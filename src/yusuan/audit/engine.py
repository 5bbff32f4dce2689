"""The audit pipeline: read → extract tables and narrative → settle ambiguities → run every rule.

``audit_document`` never raises for a document it could read: a rule that
crashes becomes a finding naming the rule, and the other rules still run.
A file that cannot be read at all raises ``DocumentError`` with the reason.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yusuan.audit.certainty import cell_counts, withheld_failures, withhold
from yusuan.audit.context import AuditContext
from yusuan.audit.defects import group_defects
from yusuan.audit.finding import Finding
from yusuan.audit.rules import Rule, load_rules
from yusuan.catalog import load_catalog
from yusuan.extract.document import MAX_DOCUMENT_BYTES, Document, DocumentError
from yusuan.extract.narrative import narrative_lines, read_narrative
from yusuan.extract.tables import Extraction, extract_tables, locate_tables, normal
from yusuan.tables.family import Family, FamilyMatch, recognise
from yusuan.tables.model import Table, TableSet
from yusuan.tables.profile import Profile, available_profiles, load_profile

SCHEMA = "yusuan.audit/1"
_YEAR = re.compile(r"(20\d{2})\s*年")


@dataclass(slots=True)
class AuditReport:
    """Everything the audit says about one document (the ``yusuan.audit/1`` object)."""

    source: dict[str, Any]
    document: dict[str, Any]
    tables: list[dict[str, Any]]
    findings: list[Finding]
    stats: dict[str, Any]
    tableset: TableSet | None = None
    context: AuditContext | None = field(default=None, repr=False)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")

    def to_data(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "source": self.source,
            "document": self.document,
            "tables": self.tables,
            "findings": [f.to_data() for f in self.findings],
            "stats": self.stats,
        }


def read_any(path: str | Path, max_bytes: int = MAX_DOCUMENT_BYTES) -> Document:
    """A PDF, a text extraction or a yusuan XLSX, by content; at most ``max_bytes`` of it are read."""
    from yusuan.extract.read import read_document

    try:
        return read_document(path, max_bytes)
    except DocumentError as exc:
        if exc.reason != "xlsx":
            raise
    from yusuan.extract.xlsx import read_xlsx

    return read_xlsx(path, max_bytes)


def _title_fits(spec_title: str, printed: str) -> bool:
    """Whether a printed title is the profile's title for that number (years aside)."""
    want = normal(re.sub(r"\{year\}年?|（\{year\}年度）", "", spec_title))
    got = normal(_YEAR.sub("", printed))
    return bool(want) and bool(got) and (want in got or got in want)


def _shows_layout(doc: Document, profile: Profile) -> bool:
    """Whether the document prints every text the profile requires (``requires_text``): a profile
    whose numbers and titles are the national template's (the 决算's) reads only documents with
    its own layout; others of that template are read generically, as their family."""
    wanted = [normal(t) for t in profile.raw.get("requires_text", [])]
    if not wanted:
        return True
    found: set[str] = set()
    for line in doc.lines:
        text = normal(line.text)
        found.update(w for w in wanted if w in text)
        if len(found) == len(wanted):
            return True
    return False


def choose_profile(doc: Document) -> Profile:
    """The profile whose table numbers the document prints with the profile's own titles.

    Numbers alone are not enough: other provinces number their tables 预算01表 … too, with
    other contents; reading them with the wrong profile would report false errors.
    """
    best, best_hits = None, 0
    for name in available_profiles():
        if name == "generic":
            continue
        profile = load_profile(name)
        if not _shows_layout(doc, profile):
            continue
        regions = locate_tables(doc, profile)
        hits = sum(1 for r in regions if _title_fits(r.spec.title, r.title))
        if hits >= max(3, (len(regions) * 3 + 3) // 4) and hits > best_hits:
            best, best_hits = profile, hits
    if best is None:
        raise DocumentError("unknown_layout", "无法识别文档的模板：表号和表名与已知模板（henan-2025）不符")
    return best


def _year(doc: Document, tables: TableSet) -> int:
    for table in tables.tables:
        m = _YEAR.search(table.title)
        if m:
            return int(m.group(1))
    for line in doc.lines[:200]:
        m = _YEAR.search(line.text)
        if m:
            return int(m.group(1))
    return 0


def _split_cells(cells: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A row's cells as (labels, amounts)."""
    amounts = {k: c for k, c in cells.items() if isinstance(c.value, int)}
    return {k: c for k, c in cells.items() if k not in amounts}, amounts


def _disagreements(ctx: AuditContext, table: Table) -> int:
    """How many cross-table agreements this table's current cells break."""
    from yusuan.audit.rules.cross_tables import agreements

    ctx.resolved.clear()
    return sum(1 for f in agreements(ctx, table.kind) if f.severity == "error")


def _table_score(ctx: AuditContext, table: Table, columns: list[str]) -> tuple[int, int]:
    """(disagreements with other tables, sums that do not hold): smaller is better."""
    from yusuan.tables.identities import hierarchy_checks

    return _disagreements(ctx, table), sum(1 for c in hierarchy_checks(table, columns) if not c.held)


def _move_totals(ctx: AuditContext) -> None:
    """A 合计 row whose values fit other columns as well (e.g. 对个人和家庭的补助 or 商品和服务支出):
    when the other tables agree with another placement, move the same values the same way in
    every row below that allows it, and keep the move only if the table still adds up."""
    for (number, key), options in ctx.extraction.alternatives.items():
        table = next((t for t in ctx.tables.tables if t.number == number), None)
        if key != ("合计",) or table is None:
            continue
        row = next((r for r in table.rows if r.key == key), None)
        current = _split_cells(row.cells)[1] if row else None
        if row is None or current not in options:
            continue
        columns = [c.key for c in table.columns if c.type == "amount"]
        before = {r.key: dict(r.cells) for r in table.rows}
        best, best_score = None, _table_score(ctx, table, columns)
        for option in options:
            if option == current:
                continue
            where = {(c.location, c.value): col for col, c in option.items()}
            moved = {col: where.get((c.location, c.value), col) for col, c in current.items()}
            for other in table.rows:
                other_options = ctx.extraction.alternatives.get((number, other.key), [])
                labels, amounts = _split_cells(before[other.key])
                remapped = {moved.get(col, col): c for col, c in amounts.items()}
                other.cells = {**labels, **(remapped if remapped in other_options or other is row else amounts)}
            trial = _table_score(ctx, table, columns)
            if trial < best_score:
                best, best_score = {r.key: dict(r.cells) for r in table.rows}, trial
            for other in table.rows:
                other.cells = dict(before[other.key])
        if best is not None:
            for other in table.rows:
                other.cells = best[other.key]
    ctx.resolved.clear()
    ctx.stats.clear()


def _resolve_ambiguous(ctx: AuditContext, rules: dict[str, Rule]) -> None:
    """Rows the arithmetic of their own table could not place: pick the placement the other tables agree with."""
    if "cross.table_agreement" not in rules:
        return
    _move_totals(ctx)
    for number, key, options in ctx.extraction.ambiguous:
        table = next((t for t in ctx.tables.tables if t.number == number), None)
        row = next((r for r in table.rows if r.key == key), None) if table else None
        if table is None or row is None:
            continue
        labels = _split_cells(row.cells)[0]
        scores = []
        for option in options:
            row.cells = {**labels, **option}
            scores.append(_disagreements(ctx, table))
        row.cells = {**labels, **options[scores.index(min(scores))]}
    ctx.resolved.clear()
    ctx.stats.clear()


#: a document of a template no profile describes is read by the generic extractor
GENERIC = Profile(
    name="generic",
    title="通用（按表名与编码识别）",
    unit="",
    subtitle="",
    fund_groups={},
    econ_sets={},
    function_classes=(),
    tables=(),
    raw={},
)


def _generic(
    doc: Document, families: Sequence[Family] | None
) -> tuple[TableSet, Extraction, int | None, FamilyMatch | None]:
    """Tables by title and codes, for a layout no full profile describes (unknown_layout when none),
    with the template family their numbers and titles show, if one does."""
    from yusuan.extract.generic import apply_family, find_tables, generic_tables

    regions = find_tables(doc)
    match = recognise([(r.number, r.title) for r in regions], families)
    if match is not None:
        apply_family(regions, match)
    tables, info = generic_tables(doc, regions)
    if not tables.tables:
        raise DocumentError("unknown_layout", "无法识别文档的版式：既不是已知模板，也没有找到带表名的预算表")
    if match is not None:
        tables.template = match.family.name
    index = {id(line): k for k, line in enumerate(doc.lines)}
    starts = [index[id(r.lines[0])] for r in info["regions"] if getattr(r, "lines", None) and id(r.lines[0]) in index]
    return tables, Extraction(), min(starts, default=None), match


def _run(ctx: AuditContext, rules: list[Rule]) -> list[Finding]:
    findings: list[Finding] = []
    for rule in rules:
        try:
            findings.extend(rule.check(ctx))
        except Exception as exc:  # a crashing rule is reported; the others still run
            findings.append(Finding("audit.rule_crashed", "warning", f"规则 {rule.id} 运行出错：{exc!r}"))
    return findings


def audit_document(
    doc: Document, rules: dict[str, Rule] | None = None, families: Sequence[Family] | None = None
) -> AuditReport:
    """Extract and check one document (with its template's profile, else the generic reader and
    the template family it is recognised as). ``families``: the family profiles to recognise
    (default: all shipped)."""
    started = time.perf_counter()
    rules = rules or load_rules()
    try:
        profile = choose_profile(doc)
    except DocumentError:
        profile = GENERIC
    match: FamilyMatch | None = None
    if profile is GENERIC:
        tables, extraction, first_table, match = _generic(doc, families)
    else:
        tables, extraction = extract_tables(doc, profile)
        index = {id(line): k for k, line in enumerate(doc.lines)}
        first_table = min((index[id(r.lines[0])] for r in extraction.regions.values()), default=None)
    narrative = read_narrative(narrative_lines(doc, first_table))
    year = _year(doc, tables)
    tables.year = year
    ctx = AuditContext(doc, profile, tables, load_catalog(), extraction, narrative, year, family=match)
    _resolve_ambiguous(ctx, rules)
    # the reading rules come last: they report what the others found on cells the reading is unsure of
    checks = [r for r in rules.values() if r.family != "reading"]
    # one printed defect, one error: the errors it caused are grouped after the shaky ones are withheld
    ctx.balanced.clear()  # the trial placements above checked agreements too
    held_to = withhold(ctx, _run(ctx, checks))
    findings = group_defects(ctx, held_to)
    grouped = len(held_to) - len(findings)  # errors told as part of another (one printed defect)
    findings += _run(ctx, [r for r in rules.values() if r.family == "reading"])
    findings.sort(key=lambda f: ({"error": 0, "warning": 1, "info": 2}[f.severity], f.rule))
    # a 决算: read with a 决算 profile (final-2025), or tables titled …决算表 (the final-account family)
    final = profile.raw.get("kind") == "final" or any("决算" in t.title for t in tables.tables)
    kind = "final" if final else "budget"
    table_rows: list[dict[str, Any]] = []
    for table in tables.tables:
        region = extraction.regions.get(table.number)
        if region:
            pages = sorted({line.page for line in region.lines})
        else:  # generic tables: the pages their cells stand on
            pages = sorted(
                {c.location.page for r in table.rows for c in r.cells.values() if c.location and c.location.page}
            )
        stats = ctx.stats.get(table.number)
        table_rows.append(
            {
                "kind": table.kind,
                "number": table.number,
                "title": table.title,
                "unit": table.unit,
                "pages": pages,
                "rows": len(table.rows),
                "identities_checked": stats.checked if stats else 0,
                "identities_held": stats.held if stats else 0,
            }
        )
    checked = sum(t["identities_checked"] for t in table_rows)
    held = sum(t["identities_held"] for t in table_rows)
    cells_read, cells_uncertain = cell_counts(ctx)
    expected = ctx.expected_tables()
    template = match.family.name if match is not None else profile.name
    return AuditReport(
        source={"path": doc.path, "sha256": doc.sha256, "format": doc.format, "pages": doc.pages},
        document={"kind": kind, "year": year, "department": tables.department, "template": template},
        tables=table_rows,
        findings=findings,
        stats={
            "tables_found": len(tables.tables),
            "tables_expected": len(expected),
            "tables_recognised": sum(1 for _, found in expected if found),
            "tables_missing": [label for label, found in expected if not found],
            "identities_checked": checked,
            "identities_held": held,
            # failed checks resting on an uncertain cell are not counted among the certain ones
            "identities_certain": checked - withheld_failures(ctx),
            "cells_read": cells_read,
            "cells_uncertain": cells_uncertain,
            "errors_grouped": grouped,
            "seconds": round(time.perf_counter() - started, 4),
        },
        tableset=tables,
        context=ctx,
    )


def audit_path(path: str | Path, max_bytes: int = MAX_DOCUMENT_BYTES) -> AuditReport:
    """Read and audit a file; raises DocumentError when it cannot be read at all (or is past ``max_bytes``)."""
    started = time.perf_counter()
    doc = read_any(path, max_bytes)
    report = audit_document(doc)
    report.source["path"] = str(path)
    report.stats["seconds"] = round(time.perf_counter() - started, 4)
    return report


__all__ = ["AuditReport", "Extraction", "audit_document", "audit_path", "read_any"]
