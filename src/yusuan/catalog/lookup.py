"""Loading the catalog data files and answering code questions."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

#: catalog name → data file
_FILES = {
    "function": "function_codes.csv",
    "dept_econ": "dept_econ_codes.csv",
    "gov_econ": "gov_econ_codes.csv",
}

CATALOG_TITLES = {
    "function": "支出功能分类",
    "dept_econ": "部门预算支出经济分类",
    "gov_econ": "政府预算支出经济分类",
}

UNIT_KINDS = ("行政", "事业", "参公")


class UnknownCodeError(KeyError):
    """A code that the catalog does not know."""

    def __init__(self, catalog: str, code: str) -> None:
        super().__init__(code)
        self.catalog = catalog
        self.code = code

    def __str__(self) -> str:
        return f"{CATALOG_TITLES.get(self.catalog, self.catalog)}中没有编码 {self.code}"


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One row of a classification catalog."""

    catalog: str
    code: str
    level: str  # 类 / 款 / 项
    name: str
    parent: str
    edition: int
    source: str
    #: names of other editions printed with the code (22303: 国有企业公益性补贴 in 2026 tables)
    other_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EconPair:
    """One valid 部门经济分类 → 政府经济分类 correspondence for a unit kind."""

    dept_code: str
    gov_code: str
    unit_kind: str  # 行政 / 事业
    default: bool


class Catalog:
    """All classification catalogs, indexed by code."""

    def __init__(self, entries: list[CatalogEntry], pairs: list[EconPair]) -> None:
        self._entries: dict[str, dict[str, CatalogEntry]] = {name: {} for name in _FILES}
        for entry in entries:
            self._entries[entry.catalog][entry.code] = entry
        self.pairs = pairs
        self._pair_set = {(p.dept_code, p.gov_code) for p in pairs}
        self._defaults = {(p.dept_code, p.unit_kind): p.gov_code for p in pairs if p.default}

    def get(self, catalog: str, code: str) -> CatalogEntry:
        """The entry for ``code``; raises UnknownCodeError."""
        try:
            return self._entries[catalog][code]
        except KeyError:
            raise UnknownCodeError(catalog, code) from None

    def knows(self, catalog: str, code: str) -> bool:
        return code in self._entries[catalog]

    def name(self, catalog: str, code: str) -> str:
        return self.get(catalog, code).name

    def names(self, catalog: str, code: str) -> tuple[str, ...]:
        """Every name the code is printed with: the catalog's own first, then other editions'."""
        entry = self.get(catalog, code)
        return (entry.name, *entry.other_names)

    def parents(self, catalog: str, code: str) -> list[CatalogEntry]:
        """Ancestors from the top (类) down, excluding the code itself."""
        chain: list[CatalogEntry] = []
        entry = self.get(catalog, code)
        while entry.parent:
            entry = self.get(catalog, entry.parent)
            chain.append(entry)
        return list(reversed(chain))

    def entries(self, catalog: str) -> list[CatalogEntry]:
        return list(self._entries[catalog].values())

    def find(self, code: str) -> list[CatalogEntry]:
        """Every catalog entry with this code (a code can mean one thing per catalog)."""
        return [table[code] for table in self._entries.values() if code in table]

    def is_valid_pair(self, dept_code: str, gov_code: str) -> bool:
        return (dept_code, gov_code) in self._pair_set

    def default_gov_code(self, dept_code: str, unit_kind: str) -> str | None:
        """The 政府经济分类 a 部门经济分类 maps to by default for a unit kind (参公 as 行政)."""
        kind = "行政" if unit_kind == "参公" else unit_kind
        return self._defaults.get((dept_code, kind))


def _read_rows(name: str) -> list[dict[str, str]]:
    text = resources.files("yusuan.catalog").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def load_catalog() -> Catalog:
    """The catalog shipped with the package (loaded once per process)."""
    entries = [
        CatalogEntry(
            catalog=catalog,
            code=row["code"],
            level=row["level"],
            name=row["name"],
            parent=row["parent"],
            edition=int(row["edition"]),
            source=row["source"],
            other_names=tuple(n for n in (row.get("other_names") or "").split("|") if n),
        )
        for catalog, filename in _FILES.items()
        for row in _read_rows(filename)
    ]
    pairs = [
        EconPair(row["dept_code"], row["gov_code"], row["unit_kind"], row["default"] == "1")
        for row in _read_rows("econ_mapping.csv")
    ]
    return Catalog(entries, pairs)
