"""JSON output: the table set (amounts as fen and as displayed text) and, when given, the narrative."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from yusuan.narrative.model import Narrative
from yusuan.render.atomic import atomic_write_bytes
from yusuan.tables.model import TableSet


def disclosure_data(tableset: TableSet, narrative: Narrative | None = None) -> dict[str, Any]:
    """The tables as plain data, with the narrative's blocks and figures under ``narrative``."""
    data = tableset.to_data()
    if narrative is not None:
        data["narrative"] = {
            "title": narrative.title,
            "attachment_title": narrative.attachment_title,
            "blocks": [dataclasses.asdict(b) for b in narrative.blocks],
            "figures": [dataclasses.asdict(f) for f in narrative.figures],
        }
    return data


def render_json(tableset: TableSet, narrative: Narrative | None = None) -> str:
    """The disclosure as JSON text (UTF-8 characters kept, keys in model order)."""
    return json.dumps(disclosure_data(tableset, narrative), ensure_ascii=False, indent=1, sort_keys=False) + "\n"


def write_json(tableset: TableSet, path: Path | str, narrative: Narrative | None = None) -> Path:
    """Render the JSON and write it to ``path`` (UTF-8) atomically."""
    path = Path(path)
    atomic_write_bytes(path, render_json(tableset, narrative).encode("utf-8"))
    return path
