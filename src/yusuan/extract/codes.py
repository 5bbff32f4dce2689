"""The code hierarchy as real documents print it: what a short code stands for, which rows are not
levels of the 类/款/项 hierarchy, and which tables are no hierarchy at all.

The generic reader (``extract/generic.py``) reads rows one after another; a 款 or 项 printed as two
digits under its 类 (``208`` / ``05`` / ``2080505`` / ``99``) is read there from the rows above it
only. Here the whole table is known, so the two readings of such a code (款 ``20899`` or 项
``2080599``) are decided by what follows it, by its printed name and by the catalog; when nothing
decides, the row is marked uncertain — a guessed level must never become an error.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from yusuan.catalog import load_catalog
from yusuan.extract.document import Line
from yusuan.extract.tables import normal
from yusuan.tables.model import Row

#: a printed name cut short by a narrow cell still names its code when it keeps this many characters
NAME_PREFIX_MIN = 4

#: words over a table's name column when its rows are things listed (purchases, projects, meetings,
#: targets), not sums by classification code
LISTING_HEADERS = ("项目名称", "采购项目", "采购品目", "品目名称", "会议名称", "培训名称", "绩效指标", "指标名称")
#: header words of columns that count (vehicles, people, days): never amounts to add up
COUNT_HEADERS = ("数量", "人数", "天数", "台数", "辆数", "车辆数", "个数", "次数", "批次", "人次")


@cache
def _children() -> dict[str, list[tuple[str, str]]]:
    """Parent code → (name, code) of its children, 功能 and 部门经济 分类 alike."""
    out: dict[str, list[tuple[str, str]]] = {}
    catalog = load_catalog()
    for name in ("function", "dept_econ"):
        for entry in catalog.entries(name):
            if entry.parent:
                out.setdefault(entry.parent, []).extend(
                    (normal(n), entry.code) for n in (entry.name, *entry.other_names)
                )
    return out


def child_named(parent: str, printed: str) -> str:
    """The code of the child of ``parent`` a printed name stands for when it is not the catalog's
    name exactly: the name cut short by its cell, or the name with a note after it (一般行政管理事务
    （人力资源事务）). The one child that fits, or '' when none or several do."""
    if len(printed) < NAME_PREFIX_MIN:
        return ""
    found = {
        code
        for name, code in _children().get(parent, [])
        if name.startswith(printed) or (len(name) >= NAME_PREFIX_MIN and printed.startswith(name))
    }
    return found.pop() if len(found) == 1 else ""


def _names(printed: str, code: str) -> bool:
    """Whether a printed name is one of the catalog's names of ``code`` (or one cut short)."""
    catalog = load_catalog()
    name = normal(printed)
    if not name or not catalog.knows("function", code):
        return False
    return any(
        name == official or (len(name) >= NAME_PREFIX_MIN and official.startswith(name))
        for official in map(normal, catalog.names("function", code))
    )


@dataclass(frozen=True, slots=True)
class Reading:
    """A short code's settled reading: the full code, and whether the table decides it."""

    code: str
    certain: bool


def read_short(
    digits: str, name: str, klass: str, kuan: str, after_class: bool, following: str, full_items: bool
) -> Reading:
    """The code a 款 or 项 printed as two digits stands for.

    ``klass``/``kuan``: the 类 and 款 above; ``after_class``: the row right above is the 类;
    ``following``: the next code of the table printed in full ('' if none); ``full_items``: the
    table prints its 项 codes in full (2080505), so a two-digit code there is a 款.
    """
    as_kuan, as_item = klass + digits, (kuan or klass + "00") + digits
    if after_class or not kuan:
        return Reading(as_kuan, True)
    if following.startswith(as_kuan) and len(following) == 7 and as_kuan != kuan:
        return Reading(as_kuan, True)  # its own 项 follow: a 款
    if as_kuan == kuan:
        return Reading(as_item, True)  # a 款 does not follow itself: its 项 (a leaf 款 printed on its 项 line)
    if len(following) == 7 and following.startswith(kuan):
        return Reading(as_item, True)  # amid the 项 of the 款 above
    if full_items and as_kuan != kuan:
        return Reading(as_kuan, True)
    catalog = load_catalog()
    known = {code for code in (as_kuan, as_item) if catalog.knows("function", code)}
    if len(known) == 1:
        return Reading(known.pop(), True)
    named = {code for code in (as_kuan, as_item) if _names(name, code)}
    if len(named) == 1:
        return Reading(named.pop(), True)
    return Reading(as_item, False)


def _whole(row) -> bool:
    """Whether a function-code row prints its code as one number (2080505, [2080505]行政运行)."""
    return row.family == "function" and row.head is not None and row.code in normal(row.head.text)


def settle_short_codes(rows: list, family: Callable[[str], tuple[str, str]]) -> list[int]:
    """Re-read every two-digit code of a table (the generic reader's rows, in order) knowing the
    rows that follow it; sets each row's code, family and kind. Returns the indexes of the rows
    whose level no evidence decides (the caller marks them uncertain, with the 类 and 款 above)."""
    # only codes printed whole count: a table printing '208 05 05' prints the parts that change,
    # and a lone '06' below it is a 项
    full_items = any(len(r.code) == 7 and _whole(r) for r in rows)
    following = [""] * len(rows)
    nxt = ""
    for k in range(len(rows) - 1, -1, -1):
        following[k] = nxt
        if rows[k].code and _whole(rows[k]):
            nxt = rows[k].code
    klass = kuan = ""
    last_kind = ""
    unsure: list[int] = []
    for k, row in enumerate(rows):
        if row.short and klass:
            reading = read_short(row.short, row.name, klass, kuan, last_kind == "class", following[k], full_items)
            row.codes = (reading.code, *row.codes[1:])
            row.family, row.kind = family(reading.code)
            if not reading.certain:
                unsure.append(k)
        if row.family == "function":
            if row.kind == "class":
                klass, kuan = row.code, ""
            elif row.kind == "kuan":
                klass, kuan = row.code[:3], row.code
            elif len(row.code) == 7:
                klass, kuan = row.code[:3], row.code[:5]
        if row.codes or row.values:
            last_kind = row.kind
    return unsure


def settle_unit_codes(rows: list) -> None:
    """A 3-digit code whose next coded row is a 6-digit unit code under it (213 / 213001) is a
    department's code, whatever 类 it happens to spell: a 类 has 5-digit 款, never units."""
    coded = [r for r in rows if r.codes]
    for row, nxt in itertools.pairwise(coded):
        if len(row.code) == 3 and len(nxt.code) == 6 and nxt.code.startswith(row.code):
            row.family, row.kind = "unit", "unit"


def lists_items(label_header: Iterable[str], column_headers: Iterable[Iterable[str]]) -> bool:
    """Whether a table lists things (purchases, projects, meetings) rather than summing by
    classification code: the header over its names says so, or a column counts (数量, 人数)."""
    text = "".join(normal(w) for w in label_header)
    return any(word in text for word in LISTING_HEADERS) or any(counts(h) for h in column_headers)


def counts(header: Iterable[str]) -> bool:
    """Whether a column's header says it counts (数量, 人数 …): its numbers are not amounts."""
    text = "".join(normal(w) for w in header)
    return any(word in text for word in COUNT_HEADERS)


#: how the name of an organisation (a 预算单位) ends
ORGANISATION = re.compile(
    r"(?:局|委|办|厅|院|所|站|队|中心|学校|学院|大学|中学|小学|幼儿园|馆|委员会|办公室|处|社|团|署|校|府"
    r"|协会|联合会|学会|电视台|气象台|农场|林场|总队|支队|大队)$"
)
#: words of a budget line, never of a unit's name
LINE_WORDS = re.compile(r"^其中|支出|经费|合计|小计|总计")
OWN_PART = re.compile(r"[（(]?本级[）)]?$")
TRAILING_BRACKET = re.compile(r"[（(][^（()）]*[）)]$")
#: the longest unit name read as one (a longer label is a project's or a wrapped line's)
MAX_UNIT_NAME = 30


def unit_name(label: str) -> bool:
    """Whether a row label is the name of a unit (an organisation: 深圳市考试院, 某局（本级）), not a
    budget line: the generic reader's names-only tables and the table.unit_sum rule alike."""
    label = normal(label)
    if not 4 <= len(label) <= MAX_UNIT_NAME or re.search(r"\d", label):
        return False
    bare = TRAILING_BRACKET.sub("", OWN_PART.sub("", label)) or label
    return ORGANISATION.search(bare) is not None and LINE_WORDS.search(bare) is None


def rows_above(rows: list, k: int) -> list:
    """The 类 and 款 rows a function-code row at ``k`` stands under (the nearest of each above it)."""
    out: list = []
    wanted = {"class", "kuan"}
    for row in reversed(rows[:k]):
        if row.kind == "unit" or row.kind == "total":
            break
        if row.family == "function" and row.kind in wanted:
            out.append(row)
            wanted -= {"class", "kuan"} if row.kind == "class" else {"kuan"}
        if not wanted:
            break
    return out


def label_header(header: list[Line], ranges: list[tuple[float, float]] | None) -> tuple[str, ...]:
    """The header words over a table's code and name columns (left of its value columns; all the
    header's words when the table has no positions)."""
    left = ranges[0][0] if ranges else float("inf")
    out: list[str] = []
    for line in header:
        if ranges is None or not line.words:
            text = normal(line.text)
        else:
            text = "".join(normal(w.text) for w in line.words if w.x1 <= left)
        if text and text not in out:
            out.append(text)
    return tuple(out)


def repeats(rows: list[Row], columns: list[str]) -> frozenset[int]:
    """款 rows that print the row right above them again: the same 5-digit code, name and amounts
    (a leaf 款 printed on its 款 line and again on its 项 line). Counted once. Other codes printed
    twice in a row are two rows (two projects of one 项, one line per unit)."""
    out: set[int] = set()
    for i in range(1, len(rows)):
        before, row = rows[i - 1], rows[i]
        code = row.value("code")
        if (
            isinstance(code, str)
            and len(code) == 5
            and code[0] == "2"
            and before.value("code") == code
            and normal(str(before.value("name") or "")) == normal(str(row.value("name") or ""))
            and [before.value(c) for c in columns] == [row.value(c) for c in columns]
        ):
            out.add(i)
    return frozenset(out)


__all__ = [
    "LISTING_HEADERS",
    "OWN_PART",
    "Reading",
    "child_named",
    "counts",
    "label_header",
    "lists_items",
    "read_short",
    "repeats",
    "rows_above",
    "settle_short_codes",
    "settle_unit_codes",
    "unit_name",
]
