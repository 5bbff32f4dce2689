"""Template families: which tables a province's or city's disclosure template publishes, as data.

A family profile (``profiles/families/<name>.yaml``) does not describe a table's columns
or rows — the generic extractor reads those from the page. It says what the template
publishes: each table's printed number (预算05表, 公开表3, 表五, or none), the words of its
title, its canonical kind and whether every document of the template carries it; and the
amount unit the template uses when a table does not print its 单位 line.

Recognition reads only the document: a family is recognised when at least ``min_share``
of its required tables are found with the family's own number and title words; the
family with the largest share wins. The file name never enters into it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml

_PACKAGE = "yusuan.tables"
_FOLDER = ("profiles", "families")
MIN_SHARE = 0.75  # the default share of required tables that must be found to recognise a family

_CN = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMBER = re.compile(r"^(?P<prefix>\D*?)(?P<main>\d+|[一二三四五六七八九十]+)(?:[-－—](?P<sub>\d+))?$")
_QUOTES = str.maketrans("", "", "“”\"＂‘’'「」 \t\u3000")
_PAREN = str.maketrans({"(": "（", ")": "）"})
_YEAR = re.compile(r"20\d\d年度?|^\d\d年度?")


class FamilyError(ValueError):
    """A family profile that is not well formed."""


def _chinese_number(text: str) -> int | None:
    """'十二' → 12, '五' → 5, '十' → 10; None for what is not a number (五一)."""
    tens, ten, units = text.partition("十")
    if not ten:
        return _CN.get(text)
    if len(units) > 1 or (tens and tens not in _CN) or (units and units not in _CN):
        return None
    return (_CN[tens] if tens else 1) * 10 + (_CN[units] if units else 0)


@lru_cache(maxsize=4096)
def number_key(number: str) -> tuple[str, int, int] | None:
    """A printed table number as (prefix, number, part): 预算01表 and 预算表1 → ('预算', 1, 0),
    公开表10 → ('公开', 10, 0), 表十一 → ('', 11, 0), 表14-3 → ('', 14, 3); None without one."""
    text = number.translate(_QUOTES).replace("表", "")
    match = _NUMBER.match(text)
    if not number or match is None:
        return None
    main = match["main"]
    value = int(main) if main.isdigit() else _chinese_number(main)
    if value is None:
        return None
    return match["prefix"], value, int(match["sub"] or 0)


@lru_cache(maxsize=4096)
def title_text(title: str) -> str:
    """A title as compared with a family's words: no spaces, quotes or years, full-width brackets."""
    return _YEAR.sub("", title.translate(_QUOTES).translate(_PAREN))


@dataclass(frozen=True, slots=True)
class FamilyTable:
    """One table a template publishes."""

    numbers: tuple[str, ...]  # the number as printed ('' entries: published without a number)
    name: str  # the template's title, for messages
    kind: str  # canonical kind (summary, gpb_expenditure …)
    words: tuple[str, ...]  # every one of them occurs in the printed title
    required: bool = True  # every document of the template carries it (empty or not)

    @property
    def label(self) -> str:
        number = next((n for n in self.numbers if n), "")
        return f"{number}（{self.name}）" if number else self.name

    @property
    def keys(self) -> tuple[tuple[str, int, int] | None, ...]:
        """The numbers as ``number_key`` reads them (None: published without a number)."""
        return _keys(self.numbers)

    def fits(self, number: str, title: str) -> bool:
        """Whether a table printed with this number and title is this table (a part 表14-3 is 表14)."""
        return self._fits(number_key(number), title_text(title))

    def _fits(self, key: tuple[str, int, int] | None, text: str) -> bool:
        if not any(
            k is None if key is None else k is not None and k[:2] == key[:2] and k[2] in (0, key[2]) for k in self.keys
        ):
            return False
        return all(word in text for word in self.words)


@dataclass(frozen=True, slots=True)
class Family:
    """A disclosure template's list of tables (see the module's docstring)."""

    name: str
    title: str
    unit: str  # the unit of a table that prints no 单位 line ('' when the template does not say)
    min_share: float
    tables: tuple[FamilyTable, ...]

    @property
    def required(self) -> tuple[FamilyTable, ...]:
        return tuple(t for t in self.tables if t.required)

    def spec_for(self, number: str, title: str) -> FamilyTable | None:
        """The template's table a printed heading stands for: of those that fit, the one whose
        words say the most (财政拨款收支预算总表 before 收支预算总表)."""
        return self._spec_for(number, title, self._by_number())

    def match(self, headings: Sequence[tuple[str, str]]) -> FamilyMatch:
        """Which of the template's tables the headings (printed number, title) stand for."""
        index = self._by_number()
        specs = {heading: self._spec_for(*heading, index) for heading in dict.fromkeys(headings)}
        return FamilyMatch(self, tuple(specs[heading] for heading in headings))

    def _by_number(self) -> dict[tuple[str, int] | None, list[FamilyTable]]:
        """The tables by (prefix, number) — None for those published without a number."""
        out: dict[tuple[str, int] | None, list[FamilyTable]] = {}
        for table in self.tables:
            for key in dict.fromkeys(k if k is None else k[:2] for k in table.keys):
                out.setdefault(key, []).append(table)
        return out

    @staticmethod
    def _spec_for(
        number: str, title: str, index: dict[tuple[str, int] | None, list[FamilyTable]]
    ) -> FamilyTable | None:
        key, text = number_key(number), title_text(title)
        fitting = [t for t in index.get(None if key is None else key[:2], ()) if t._fits(key, text)]
        return max(fitting, key=lambda t: sum(len(w) for w in t.words), default=None)


@dataclass(frozen=True, slots=True)
class FamilyMatch:
    """A family's tables against the headings of one document."""

    family: Family
    specs: tuple[FamilyTable | None, ...]  # per heading: the template's table it is, if any

    @property
    def found(self) -> tuple[FamilyTable, ...]:
        """The required tables the document shows (empty ones included: their titles are there)."""
        seen = {id(s) for s in self.specs if s is not None}
        return tuple(t for t in self.family.required if id(t) in seen)

    @property
    def missing(self) -> tuple[FamilyTable, ...]:
        seen = {id(s) for s in self.specs if s is not None}
        return tuple(t for t in self.family.required if id(t) not in seen)

    @property
    def share(self) -> float:
        required = len(self.family.required)
        return len(self.found) / required if required else 0.0


@cache
def _keys(numbers: tuple[str, ...]) -> tuple[tuple[str, int, int] | None, ...]:
    return tuple(number_key(n) if n else None for n in numbers)


def available_families() -> list[str]:
    """Names of the family profiles shipped with yusuan."""
    folder = resources.files(_PACKAGE).joinpath(*_FOLDER)
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def _table(entry: dict[str, Any], family: str) -> FamilyTable:
    numbers = entry.get("number", "")
    numbers = tuple(numbers) if isinstance(numbers, list) else (str(numbers),)
    name = str(entry["name"])
    words = tuple(title_text(w) for w in entry.get("words") or [name])
    for number in numbers:
        if number and number_key(number) is None:
            raise FamilyError(f"{family}: 表号「{number}」无法识别")
    if not entry.get("kind"):
        raise FamilyError(f"{family}: {name} 没有 kind")
    return FamilyTable(numbers, name, str(entry["kind"]), words, bool(entry.get("required", True)))


@cache
def load_family(name: str) -> Family:
    """Load and check a family profile by name."""
    if name not in available_families():
        raise FamilyError(f"未知的模板族「{name}」，可用：{'、'.join(available_families())}")
    text = resources.files(_PACKAGE).joinpath(*_FOLDER, f"{name}.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    if data.get("name") != name:
        raise FamilyError(f"{name}.yaml 的 name 应为 {name}")
    tables = tuple(_table(t, name) for t in data["tables"])
    if not any(t.required for t in tables):
        raise FamilyError(f"{name}: 没有必备的表")
    share = float(data.get("min_share", MIN_SHARE))
    return Family(name, str(data["title"]), str(data.get("unit") or ""), share, tables)


def all_families() -> tuple[Family, ...]:
    """Every family profile shipped with yusuan."""
    return tuple(load_family(name) for name in available_families())


def recognise(headings: Sequence[tuple[str, str]], families: Iterable[Family] | None = None) -> FamilyMatch | None:
    """The family whose tables the document prints, by number and title (None when none fits).

    ``headings``: the document's table headings as (printed number, title), in order.
    """
    best: FamilyMatch | None = None
    for family in all_families() if families is None else families:
        match = family.match(headings)
        if match.share < family.min_share:
            continue
        if best is None or (match.share, len(match.found)) > (best.share, len(best.found)):
            best = match
    return best


__all__ = [
    "Family",
    "FamilyError",
    "FamilyMatch",
    "FamilyTable",
    "all_families",
    "available_families",
    "load_family",
    "number_key",
    "recognise",
]
