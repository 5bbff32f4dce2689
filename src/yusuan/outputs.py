"""Writing a budget's disclosure into a directory, all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from yusuan.ledger.model import Budget
from yusuan.narrative.build import build_narrative
from yusuan.narrative.model import Narrative
from yusuan.render.atomic import staged_directory
from yusuan.tables import build_tables
from yusuan.tables.model import TableSet


@dataclass(frozen=True, slots=True)
class Disclosure:
    """Everything a department publishes: the tables and the narrative."""

    budget: Budget
    tables: TableSet
    narrative: Narrative


def build_disclosure(budget: Budget) -> Disclosure:
    """The tables and the narrative of a budget."""
    tables = build_tables(budget)
    return Disclosure(budget, tables, build_narrative(budget, tables))


def _xlsx(d: Disclosure) -> bytes:
    from yusuan.render.xlsx import render_xlsx

    return render_xlsx(d.tables)


def _html(d: Disclosure) -> bytes:
    from yusuan.render.html import render_html

    return render_html(d.tables, d.narrative).encode("utf-8")


def _json(d: Disclosure) -> bytes:
    from yusuan.render.json_out import render_json

    return render_json(d.tables, d.narrative).encode("utf-8")


def _pdf(d: Disclosure) -> bytes:
    from yusuan.render.pdf import render_pdf

    return render_pdf(d.narrative, d.tables)


#: output format → (file name, renderer); the order is the default order of ``--format``
RENDERERS: dict[str, tuple[str, Callable[[Disclosure], bytes]]] = {
    "pdf": ("disclosure.pdf", _pdf),
    "html": ("disclosure.html", _html),
    "xlsx": ("tables.xlsx", _xlsx),
    "json": ("disclosure.json", _json),
}


def output_formats() -> list[str]:
    return list(RENDERERS)


def write_outputs(
    budget: Budget,
    outdir: Path,
    formats: list[str],
    progress: Callable[[str], None] = lambda _step: None,
) -> tuple[list[Path], Disclosure]:
    """Build the disclosure and write each format into ``outdir``; on any error nothing is written."""
    unknown = [f for f in formats if f not in RENDERERS]
    if unknown:
        raise ValueError(f"不支持的输出格式：{'、'.join(unknown)}（可用：{'、'.join(RENDERERS)}）")
    progress("生成表格与情况说明")
    disclosure = build_disclosure(budget)
    written: list[Path] = []
    with staged_directory(outdir) as scratch:
        for fmt in formats:
            name, render = RENDERERS[fmt]
            progress(f"写出 {name}")
            (scratch / name).write_bytes(render(disclosure))
            written.append(outdir / name)
    return written, disclosure
