"""Classification catalogs (政府收支分类科目) shipped as data files.

``function_codes.csv`` (支出功能分类 类/款/项), ``dept_econ_codes.csv``
(部门预算支出经济分类), ``gov_econ_codes.csv`` (政府预算支出经济分类) and
``econ_mapping.csv`` (部门→政府 correspondence by unit kind) live in
``data/``; this package only loads and answers questions about them.
"""

from yusuan.catalog.codes import format_function_code, normalize_code
from yusuan.catalog.lookup import Catalog, CatalogEntry, UnknownCodeError, load_catalog

__all__ = [
    "Catalog",
    "CatalogEntry",
    "UnknownCodeError",
    "format_function_code",
    "load_catalog",
    "normalize_code",
]
