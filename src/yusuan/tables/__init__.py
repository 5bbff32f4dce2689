"""Tables: the TableSet model, template profiles (data) and builders Budget → TableSet."""

from yusuan.tables.build import build_tables
from yusuan.tables.model import Cell, Column, Location, Row, Table, TableSet

__all__ = ["Cell", "Column", "Location", "Row", "Table", "TableSet", "build_tables"]
