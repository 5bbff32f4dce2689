"""Writing a budget's disclosure into a directory, all or nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from yusuan.ledger.model import Budget
from yusuan.narrative.build import build_narrative
from yusuan.narrative.model import Narrative
from yusuan.render.atomic import staged_directory
from yusuan.tables import build_tables
from yusuan.tables.model import TableSet

if TYPE_CHECKING:
    from yusuan.narrative.final import LastYear
    from yusuan.performance.execution import Execution
    from yusuan.performance.scoring import Actual

#: the 决算's template profile (财政部 format)
FINAL_PROFILE = "final-2025"


@dataclass(frozen=True, slots=True)
class Disclosure:
    """Everything a department publishes: the tables and the narrative."""

    budget: Budget
    tables: TableSet
    narrative: Narrative


def build_disclosure(budget: Budget, unit: str | None = None) -> Disclosure:
    """The tables and the narrative of a budget: the department's 汇总, or unit ``unit``'s own
    disclosure (单位预算公开; :class:`~yusuan.tables.scope.UnknownUnitError` if there is no such unit)."""
    tables = build_tables(budget, unit=unit)
    return Disclosure(budget, tables, build_narrative(budget, tables, unit=unit))


def build_final_disclosure(
    budget: Budget,
    execution: Execution,
    *,
    unit: str | None = None,
    threshold: Decimal | None = None,
    actuals: dict[tuple[str, str], Actual] | None = None,
    last_year: LastYear | None = None,
) -> Disclosure:
    """The year's 部门决算: its nine tables (决算数 from ``execution``, 年初预算数 from the ledger)
    and its 情况说明; unit ``unit``'s own 决算 when given (the ledger and the execution data
    restricted to that unit; :class:`~yusuan.tables.scope.UnknownUnitError` if there is no such
    unit). ``threshold``: the share of the 年初预算数 past which a difference needs a reason;
    ``actuals``: the indicators' actual values, for the 绩效自评 of the scope's projects;
    ``last_year``: last year's ledger and execution data, for the comparison with last year's 决算
    (the scope's part of it: a unit's 决算 is compared with that unit's last year)."""
    from yusuan.narrative.final import (
        DEFAULT_THRESHOLD,
        MISSING_LAST_YEAR,
        build_final_narrative,
        last_year_finals,
    )
    from yusuan.performance.scoring import score_budget
    from yusuan.tables.facts import final_facts
    from yusuan.tables.profile import load_profile
    from yusuan.tables.scope import scoped, scoped_execution

    profile = load_profile(FINAL_PROFILE)
    # a unit's 决算 keeps the department's 决算变动原因 and its own (see ``FinalReasons``)
    budget, scope = scoped(budget, unit)
    execution = scoped_execution(execution, unit)
    facts = final_facts(budget, execution)
    # the budget is already the scope's: the tables are built from its facts as the 汇总's are
    tables = build_tables(budget, profile, facts=facts)
    scores = score_budget(budget, execution, actuals)[1] if actuals is not None else None
    last_finals = last_year_finals(last_year, unit, profile) if last_year is not None else None
    narrative = build_final_narrative(
        budget,
        execution,
        tables,
        facts,
        profile,
        threshold=threshold or DEFAULT_THRESHOLD,
        scores=scores,
        scope=scope,
        last_year=last_finals,
    )
    if last_year is not None and last_finals is None:  # a unit new this year
        narrative.warnings.append(f"上年账本中没有单位 {unit}（{budget.department.name}）：不作与上年决算的比较")
    elif last_year is None and unit is None:
        # as for a budget: last year's figures are asked for once, by the department's document
        narrative.warnings.append(MISSING_LAST_YEAR)
    return Disclosure(budget, tables, narrative)


def _xlsx(d: Disclosure) -> bytes:
    from yusuan.render.xlsx import render_xlsx

    return render_xlsx(d.tables)


def _html(d: Disclosure) -> bytes:
    from yusuan.render.html import render_html

    return render_html(d.tables, d.narrative).encode("utf-8")


def _json(d: Disclosure) -> bytes:
    from yusuan.render.json_out import render_json

    return render_json(d.tables, d.narrative).encode("utf-8")


def _docx(d: Disclosure) -> bytes:
    from yusuan.render.docx import render_docx

    return render_docx(d.narrative, d.tables)


def _pdf(d: Disclosure) -> bytes:
    from yusuan.render.pdf import render_pdf

    return render_pdf(d.narrative, d.tables)


#: output format → (file name, renderer); the order is the default order of ``--format``
RENDERERS: dict[str, tuple[str, Callable[[Disclosure], bytes]]] = {
    "pdf": ("disclosure.pdf", _pdf),
    "html": ("disclosure.html", _html),
    "xlsx": ("tables.xlsx", _xlsx),
    "json": ("disclosure.json", _json),
    "docx": ("disclosure.docx", _docx),
}


def output_formats() -> list[str]:
    return list(RENDERERS)


def parse_formats(value: str | Iterable[str], allowed: Iterable[str]) -> list[str]:
    """The formats of a ``--format`` value ("pdf,html" or a list), in order, without repeats.

    Raises ``ValueError`` (a Chinese message listing the allowed formats) when a format is
    unknown or none is given at all (``--format ","``): asking for nothing is a mistake,
    not a request to write nothing.
    """
    allowed = list(allowed)
    items = value.split(",") if isinstance(value, str) else list(value)
    formats = list(dict.fromkeys(f.strip() for f in items if f.strip()))
    unknown = [f for f in formats if f not in allowed]
    if unknown:
        raise ValueError(f"不支持的格式：{'、'.join(unknown)}（可用：{'、'.join(allowed)}）")
    if not formats:
        raise ValueError(f"没有指定格式（可用：{'、'.join(allowed)}）")
    return formats


def write_outputs(
    budget: Budget,
    outdir: Path,
    formats: list[str],
    progress: Callable[[str], None] = lambda _step: None,
    unit: str | None = None,
) -> tuple[list[Path], Disclosure]:
    """Build the disclosure (unit ``unit``'s own when given) and write each format into ``outdir``;
    on any error nothing is written.

    The files replace those already in ``outdir`` all together or not at all; a file that
    cannot be written raises :class:`yusuan.render.atomic.OutputError`.
    """
    written, disclosures = write_scopes(budget, outdir, formats, scope_folders(budget, unit=unit), progress)
    return written, disclosures[""]


#: the subdirectory of ``--units`` output that holds the department's 汇总
CONSOLIDATED_DIR = "汇总"


def write_unit_outputs(
    budget: Budget,
    outdir: Path,
    formats: list[str],
    progress: Callable[[str], None] = lambda _step: None,
) -> tuple[list[Path], list[Disclosure]]:
    """The 汇总 in ``outdir/汇总`` and every unit's own disclosure in ``outdir/<unit code>``, all
    written together or none (the disclosures in the order: 汇总, then the units as in the ledger)."""
    written, disclosures = write_scopes(budget, outdir, formats, scope_folders(budget, every_unit=True), progress)
    return written, list(disclosures.values())


def scope_folders(budget: Budget, *, every_unit: bool = False, unit: str | None = None) -> dict[str, str | None]:
    """Where each disclosure goes: output subdirectory → unit code (None for the 汇总). With
    ``every_unit`` the 汇总 in ``汇总`` and each unit in its code, in the ledger's order; otherwise
    the one scope (unit ``unit`` or the 汇总) in the output directory itself ("")."""
    if not every_unit:
        return {"": unit}
    return {CONSOLIDATED_DIR: None} | {u.code: u.code for u in budget.units}


def write_scopes(
    budget: Budget,
    outdir: Path,
    formats: list[str],
    scopes: dict[str, str | None],
    progress: Callable[[str], None] = lambda _step: None,
    build: Callable[[Budget, str | None], Disclosure] = build_disclosure,
) -> tuple[list[Path], dict[str, Disclosure]]:
    """Each scope's disclosure (subdirectory → unit code, None for the 汇总; "" for ``outdir`` itself),
    made by ``build`` (the budget's by default; a 决算's for ``yusuan final``) before anything is
    staged, then every file staged and put in place as one set."""
    formats = parse_formats(formats, RENDERERS)  # a wrong format fails before anything is built
    progress("生成表格与情况说明")
    disclosures = {folder: build(budget, unit) for folder, unit in scopes.items()}
    return write_disclosures(disclosures, outdir, formats, progress), disclosures


def write_disclosures(
    disclosures: dict[str, Disclosure],
    outdir: Path,
    formats: list[str],
    progress: Callable[[str], None] = lambda _step: None,
) -> list[Path]:
    """Write built disclosures, each into its subdirectory of ``outdir`` ("": ``outdir`` itself), in each
    format, as one set: all or nothing."""
    formats = parse_formats(formats, RENDERERS)
    written: list[Path] = []
    with staged_directory(outdir) as staging:
        for folder, disclosure in disclosures.items():
            for fmt in formats:
                name, render = RENDERERS[fmt]
                path = f"{folder}/{name}" if folder else name
                progress(f"写出 {path}")
                written.append(staging.write(path, render(disclosure)))
    return written
