"""Extraction: a published document (PDF, extracted text, yusuan XLSX) → Document → TableSet + facts."""
