"""Auditing many documents: directories expanded, worker processes, one failure never stops the rest.

Results come back in input order whatever the number of workers (or the executor:
local processes or a Dask cluster, see ``yusuan.executors``), so reports are
deterministic. Each worker returns a report without its in-memory context (the
document's lines), which keeps what crosses process boundaries small.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

from yusuan.audit.engine import AuditReport, audit_document, audit_path, read_any
from yusuan.audit.report import Brief, Result, Unreadable, csv_lines
from yusuan.executors import Executor, LocalExecutor
from yusuan.extract.document import MAX_DOCUMENT_BYTES, Document, DocumentError

#: file suffixes a directory is searched for
SUFFIXES = (".pdf", ".txt", ".xlsx")


def expand_inputs(paths: list[str]) -> list[str]:
    """Files as given; directories replaced by the documents inside them (sorted, recursively)."""
    out: list[str] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
            out.extend(str(p) for p in found)
        else:
            out.append(given)
    return out


def audit_one(path: str, max_bytes: int = MAX_DOCUMENT_BYTES) -> Result:
    """Audit one file (at most ``max_bytes`` of it); a file that cannot be read, or a crash, is ``Unreadable``."""
    try:
        report = audit_path(path, max_bytes)
    except DocumentError as exc:
        return Unreadable(path, exc.reason, exc.detail or str(exc))
    except (OSError, ValueError) as exc:
        return Unreadable(path, "unreadable", str(exc))
    except Exception as exc:  # one broken document never stops a batch
        return Unreadable(path, "crashed", f"审核时出错：{exc!r}")
    report.context = None  # the document's lines stay in the worker
    return report


def run_batch(
    paths: list[str],
    jobs: int = 1,
    done: Callable[[Result], None] | None = None,
    executor: Executor | None = None,
    max_bytes: int = MAX_DOCUMENT_BYTES,
) -> Iterator[Result]:
    """Audit every path on ``executor`` (default: ``jobs`` local worker processes); results in input order."""
    if executor is None:
        # an audit keeps nothing between documents but the loaded catalogs and profiles, which a
        # fresh worker would load again: its workers live as long as the batch (Typst's do not)
        executor = LocalExecutor(jobs if len(paths) > 1 else 1)
    for result in executor.map(partial(audit_one, max_bytes=max_bytes), paths):
        if done:
            done(result)
        yield result


def audit_together(paths: list[str], max_bytes: int = MAX_DOCUMENT_BYTES) -> Result:
    """Several files of one department (narrative and tables apart) audited as one document."""
    documents: list[Document] = []
    try:
        for path in paths:
            documents.append(read_any(path, max_bytes))
    except DocumentError as exc:
        return Unreadable(path, exc.reason, exc.detail or str(exc))
    lines = []
    pdfs: list[tuple[int, int, bytes]] = []
    pages = 0
    for doc in documents:
        for line in doc.lines:
            line.page += pages
            lines.append(line)
        pdfs.extend((pages + before, count, data) for before, count, data in doc.pdfs)
        pages += doc.pages
    merged = Document(
        path=" + ".join(paths),
        format=documents[0].format if len({d.format for d in documents}) == 1 else "mixed",
        lines=lines,
        pages=pages,
        sha256=",".join(d.sha256 for d in documents),
        has_positions=all(d.has_positions for d in documents),
        pdfs=tuple(pdfs),
    )
    try:
        report: AuditReport = audit_document(merged)
    except DocumentError as exc:
        return Unreadable(merged.path, exc.reason, exc.detail or str(exc))
    report.context = None
    return report


SUMMARY_COLUMNS = (
    "path",
    "template",
    "department",
    "year",
    "tables_found",
    "tables_expected",
    "tables_recognised",
    "identities_checked",
    "identities_held",
    "errors",
    "warnings",
    "infos",
    "seconds",
    "unreadable",
)


def summary_csv(briefs: list[Brief]) -> str:
    """One line per document: what was found, checked and reported."""
    return csv_lines([SUMMARY_COLUMNS, *(_summary_row(b) for b in briefs)])


def _summary_row(b: Brief) -> list[object]:
    if b.unreadable:
        return [b.path, *[""] * (len(SUMMARY_COLUMNS) - 2), b.unreadable]
    s = b.stats
    return [
        b.path,
        b.template,
        b.department,
        b.year,
        s["tables_found"],
        s["tables_expected"],
        s.get("tables_recognised", ""),
        s["identities_checked"],
        s["identities_held"],
        b.errors,
        b.warnings,
        b.infos,
        s["seconds"],
        "",
    ]
