"""Tables of any disclosure template, read without a template profile.

The Henan profile knows its tables by number; other provinces and cities number,
title and lay out their tables in their own ways. This module reads them all the
same way, from what every template shares:

1. ``find_tables``: a table starts at its title — a short line with 表 and the words
   of a known kind (``profiles/generic.yaml``: 收支总表 → summary …), often with a
   number on the same or the next line (预算05表, 公开表3, 表一) — and usually a
   ``单位：万元`` line right below. Tables of contents (dot leaders, page numbers,
   titles packed one per line) are not tables. A table runs to the next title; a
   title printed again on the following pages for the same unit continues it, and so
   does its number marked 续 (续表3, 表3（续）).
2. ``parse_rows``: the lines after the column headers become rows. A row starts with
   a 功能分类 code (2010101, 201 01 01, [2010101]行政运行, 2010101-行政运行, a 款 or
   项 printed as two digits under its 类), an 经济分类 code (30101, 301 01), a unit
   code, a total label (合计, 本 年 收 入 合 计) or a name; its values are the amounts
   on it (2 to 6 decimals, thousands separators, '-' for zero; whole 元 when a table
   prints no decimals at all). On a PDF, lines whose boxes overlap vertically are one
   row (a name wrapped around its values, centred in its cell), and a text line closer
   to a row than 0.6 of its height continues that row's name, as does a line alone
   under a coded row's name, or the first of three lines centred on a row. A table
   printed in panels (the same columns repeated side by side, ``panels.py``) is read
   panel by panel. Without positions (plain text) rows follow one another in the
   token stream.
3. ``generic_tables``: a TableSet with the canonical kinds; value columns come from
   the amounts' horizontal positions (a blank cell is known to be blank: Cell(None);
   their headers from the words standing over them, ``columns.py``),
   or, without positions, from their order on the row. A table that prints names
   only (杭州) gets its codes from the catalog when most names are found there, each
   under the 类 or 款 above it (such code cells carry no location).
4. ``hierarchy_checks``: in code tables, 类 = Σ its 款, 款 = Σ its 项, 合计 = Σ the
   top rows — the identities that prove a table was read right. Unit rows (704001, a unit's
   name) group 类 rows and make a hierarchy of their own (合计 = Σ 单位, 单位 = Σ its 类).

What the printed hierarchy leaves open is decided in ``extract/codes.py``: a 款 or 项 printed as
two digits (settled once the rows below it are known, else uncertain), a department's code over
its units, a leaf 款 printed twice, tables that list things rather than sum codes.

The stages live in their own modules: ``generic_regions`` (1), ``generic_bands``, ``generic_cells``
and ``generic_rows`` (2), ``generic_tables`` (3), ``hierarchy`` (4); this module gathers the names
the rest of the package uses.
"""

from __future__ import annotations

from yusuan.extract.generic_cells import GenericRow, GenericValue
from yusuan.extract.generic_regions import (
    GenericRegion,
    find_tables,
    page_furniture,
    standard_tables,
    text_kinds,
    title_kind,
)
from yusuan.extract.generic_rows import parse_rows
from yusuan.extract.generic_tables import apply_family, generic_tables
from yusuan.extract.hierarchy import checks_summary, hierarchy_checks, table_display_step

__all__ = [
    "GenericRegion",
    "GenericRow",
    "GenericValue",
    "apply_family",
    "checks_summary",
    "find_tables",
    "generic_tables",
    "hierarchy_checks",
    "page_furniture",
    "parse_rows",
    "standard_tables",
    "table_display_step",
    "text_kinds",
    "title_kind",
]
