"""Writing a budget's outputs into a directory, all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from yusuan.ledger.model import Budget
from yusuan.render.atomic import staged_directory
from yusuan.tables import build_tables
from yusuan.tables.model import TableSet

#: output format → (file name, renderer returning bytes)
RENDERERS: dict[str, tuple[str, Callable[[TableSet], bytes]]] = {}


def _register() -> None:
    from yusuan.render.html import render_html
    from yusuan.render.json_out import render_json
    from yusuan.render.xlsx import render_xlsx

    RENDERERS.update(
        xlsx=("tables.xlsx", render_xlsx),
        html=("tables.html", lambda ts: render_html(ts).encode("utf-8")),
        json=("tables.json", lambda ts: render_json(ts).encode("utf-8")),
    )


def output_formats() -> list[str]:
    if not RENDERERS:
        _register()
    return list(RENDERERS)


def write_outputs(
    budget: Budget,
    outdir: Path,
    formats: list[str],
    progress: Callable[[str], None] = lambda _step: None,
) -> list[Path]:
    """Build the tables and write each format into ``outdir``; on any error nothing is written."""
    unknown = [f for f in formats if f not in output_formats()]
    if unknown:
        raise ValueError(f"不支持的输出格式：{'、'.join(unknown)}（可用：{'、'.join(output_formats())}）")
    progress("生成表格")
    tables = build_tables(budget)
    written: list[Path] = []
    with staged_directory(outdir) as scratch:
        for fmt in formats:
            name, render = RENDERERS[fmt]
            progress(f"写出 {name}")
            (scratch / name).write_bytes(render(tables))
            written.append(outdir / name)
    return written
