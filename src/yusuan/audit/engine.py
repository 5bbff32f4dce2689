"""The audit pipeline: read (tables with certainty, narrative) → settle ambiguities → run every
rule → withhold what the reading cannot vouch for → report it.

``audit_document`` never raises for a document it could read: a rule that
crashes becomes a finding naming the rule, and the other rules still run.
A file that cannot be read at all raises ``DocumentError`` with the reason.
"""

from __future__ import annotations

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
from yusuan.audit.settle import settle_ambiguous
from yusuan.catalog import load_catalog
from yusuan.extract.document import MAX_DOCUMENT_BYTES, Document, DocumentError
from yusuan.extract.reading import read_tables
from yusuan.extract.second_reading import confirm
from yusuan.extract.tables import Extraction
from yusuan.tables.family import Family
from yusuan.tables.model import TableSet

SCHEMA = "yusuan.audit/1"


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
    reading = read_tables(doc, families)
    tables, extraction, year = reading.tables, reading.extraction, reading.year
    ctx = AuditContext(
        doc,
        reading.profile,
        tables,
        load_catalog(),
        extraction,
        reading.narrative,
        year,
        family=reading.family,
        hierarchy=reading.code_checks,  # computed while reading: the audit checks the same cells
    )
    if "cross.table_agreement" in rules:
        settle_ambiguous(ctx)
    ctx.balanced.clear()  # the trial placements above checked agreements too
    # the reading rules come last: they report what the others found on cells the reading is unsure of
    found = _run(ctx, [r for r in rules.values() if r.family != "reading"])
    # every amount an error rests on is read a second, independent way before the error is believed
    named = {(p.table, p.row, p.column) for f in found if f.severity == "error" for p in f.locations}
    second = confirm(doc, tables, named)
    held_to = withhold(ctx, found)
    # one printed defect, one error: the errors it caused are grouped after the shaky ones are withheld
    findings = group_defects(ctx, held_to)
    grouped = len(held_to) - len(findings)  # errors told as part of another (one printed defect)
    findings += _run(ctx, [r for r in rules.values() if r.family == "reading"])
    findings.sort(key=lambda f: ({"error": 0, "warning": 1, "info": 2}[f.severity], f.rule))
    # a 决算: read with a 决算 profile (final-2025), or tables titled …决算表 (the final-account family)
    final = ctx.layout("kind") == "final" or any("决算" in t.title for t in tables.tables)
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
    template = reading.template
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
            "second_reading": second.to_data(),
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
