"""Document → TableSet for a template profile: find each table, rebuild its rows, place its values.

The steps, each a plain function:

1. ``locate_tables``: find every table of the profile by its number (预算05表),
   skipping tables of contents; a number printed twice (预算14表 per unit) is one table.
2. ``tokens``: the table's text after its title, as tokens with their locations;
   text runs on a line are merged so that wrapped names read as one.
3. one row parser per builder kind (pivot rows by their heads — 合计, unit code,
   function code, economic code pair —, two-sided label/amount lines, targets);
4. ``place_values``: values go to the columns that make the row's identities hold;
   rows left ambiguous are settled by the column sums of their parent row.

The result is a TableSet with the same kinds, column keys and row keys as the
tables yusuan builds, so every audit rule works on both.

The stages live in their own modules, each importing only the ones below it: ``profile_tokens``
(2, the lowest: locating needs to tell amounts from text), ``profile_regions`` (1),
``profile_rows`` (3), ``profile_place`` (4) and ``profile_tables`` (the builders); this module
gathers the names the rest of the package uses.
"""

from __future__ import annotations

from yusuan.extract.profile_place import Extraction
from yusuan.extract.profile_regions import TableRegion, common_prefix, locate_tables, normal
from yusuan.extract.profile_rows import ParsedRow, columns_of
from yusuan.extract.profile_tables import extract_tables, iter_cells
from yusuan.extract.profile_tokens import MAX_AMOUNT_DIGITS, Token, bare_amount, doubt, readable_amount, tokens
from yusuan.tables.identities import parse_identity

__all__ = [
    "MAX_AMOUNT_DIGITS",
    "Extraction",
    "ParsedRow",
    "TableRegion",
    "Token",
    "bare_amount",
    "columns_of",
    "common_prefix",
    "doubt",
    "extract_tables",
    "iter_cells",
    "locate_tables",
    "normal",
    "parse_identity",
    "readable_amount",
    "tokens",
]
