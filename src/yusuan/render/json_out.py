"""JSON output: the table set as plain data (amounts as fen and as displayed text)."""

from __future__ import annotations

import json
from pathlib import Path

from yusuan.render.atomic import atomic_write_bytes
from yusuan.tables.model import TableSet


def render_json(tableset: TableSet) -> str:
    """``tableset.to_data()`` as JSON text (UTF-8 characters kept, keys in model order)."""
    return json.dumps(tableset.to_data(), ensure_ascii=False, indent=1, sort_keys=False) + "\n"


def write_json(tableset: TableSet, path: Path | str) -> Path:
    """Render ``tableset`` as JSON and write it to ``path`` (UTF-8) atomically."""
    path = Path(path)
    atomic_write_bytes(path, render_json(tableset).encode("utf-8"))
    return path
