"""How large an input may be: the one table of bounds every reader applies.

A budget, its execution data and its indicator actuals come from people (and, on the web,
from anyone who can log in). Each reader refuses what no real input needs, before it
costs memory or time: a file larger than any ledger, a YAML alias bomb, a zip bomb, a
sheet of a million rows, a 300,000-character name, an amount no budget has. The
readers themselves apply these bounds (not the CLI or the web app), so every way in
gets them. The numbers are generous for a department's budget: each is far above the
largest real input and far below what would hurt.
"""

from __future__ import annotations

from yusuan.ledger.schema import FieldSpec, FieldType
from yusuan.money import FEN_PER_YUAN

MIB = 1024 * 1024

#: a budget ledger (YAML) or a CSV file of execution data or actuals; the example ledger is 100 KB
MAX_INPUT_BYTES = 20 * MIB

#: YAML: alias uses (``*name``) in one document, and how deep mappings and lists may nest
#: (a ledger nests 4 deep); an alias may repeat at most this many nodes in all (no bomb)
YAML_MAX_ALIASES = 100
YAML_MAX_DEPTH = 50
YAML_MAX_ALIAS_NODES = 10_000

#: XLSX: the parts' declared unpacked size in all (the example workbook unpacks to 0.4 MB, a
#: 100,000-row sheet to about 30 MB), a part's compression ratio (sheet XML packs 5–20×; a
#: zip bomb packs 1000×), and how many parts a workbook may have
MAX_UNPACKED_BYTES = 64 * MIB
MAX_COMPRESSION_RATIO = 100
MAX_ZIP_PARTS = 1_000

#: rows of data in one sheet or CSV table, and columns in a row (every input sheet has < 20)
MAX_ROWS = 100_000
MAX_COLUMNS = 256
#: cells one sheet may spread over (rows × their width), so wide empty rows cannot stall a reader
MAX_SHEET_CELLS = 5_000_000

#: problems one reading reports; the rest are counted in a last problem
MAX_PROBLEMS = 1_000

#: the largest amount one budget line may have: 10^15 元 (a whole country's budget is ~3×10^13 元);
#: sums of such lines stay exact in Decimal arithmetic and within a BIGINT of fen
MAX_AMOUNT_FEN = 10**15 * FEN_PER_YUAN
MAX_AMOUNT_TEXT = "1000 万亿元"
#: the largest total (收入合计、基本支出合计、项目支出合计) of one budget: 10^16 元, so that every
#: total the store keeps fits a BIGINT of fen (2^63 fen ≈ 9.2×10^16 元)
MAX_TOTAL_FEN = 10**16 * FEN_PER_YUAN
MAX_TOTAL_TEXT = "1 亿亿元"

#: the longest text each kind of field takes: names and short values 200 characters, free text
#: (职责、机构设置、主要用途、绩效目标 …, marked ``long_text`` in the schema) 20,000
MAX_CHARS = {
    FieldType.TEXT: 200,
    FieldType.CODE: 32,  # also the width of the store's code columns
    FieldType.AMOUNT: 40,
    FieldType.COUNT: 20,
    FieldType.BOOL: 10,
    FieldType.CHOICE: 50,
}
LONG_TEXT_CHARS = 20_000

#: the largest count (人数、车辆数、年度 …)
MAX_COUNT = 10**9


def max_chars(spec: FieldSpec) -> int:
    """The longest text a field takes."""
    return LONG_TEXT_CHARS if spec.long_text else MAX_CHARS[spec.type]


def shown(value: object, limit: int = 40) -> str:
    """A value as a message quotes it: text as it is, anything else as Python writes it, cut short so
    that a hostile value cannot flood a message."""
    try:
        text = value if isinstance(value, str) else repr(value)
    except ValueError:  # an int past Python's 4,300-digit conversion limit
        return "（位数过多的数字）"
    return text if len(text) <= limit else f"{text[:limit]}…（共 {len(text)} 个字符）"
