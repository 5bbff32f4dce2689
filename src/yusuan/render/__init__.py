"""Renderers: a TableSet (and later the narrative) to XLSX, HTML, JSON."""
