"""A document's reading: its tables (with per-cell certainty) and narrative, read with the template
that fits it.

The reading decides how to read, so the audit only checks what it is given:
- a full template profile (henan-2025, final-2025) when the document prints that profile's table
  numbers with the profile's own titles (numbers alone are not enough: other provinces number
  their tables 预算01表 … too, with other contents);
- otherwise the generic reader (tables by title and codes) and the template family the tables'
  numbers and titles show, if one does — then ``profile`` is None.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from yusuan.extract.document import Document, DocumentError
from yusuan.extract.misreadings import mark_misreadings
from yusuan.extract.narrative import Narrative, narrative_lines, read_narrative
from yusuan.extract.tables import Extraction, extract_tables, locate_tables, normal
from yusuan.tables.family import Family, FamilyMatch, recognise
from yusuan.tables.identities import Check
from yusuan.tables.model import TableSet
from yusuan.tables.profile import Profile, available_profiles, load_profile

_YEAR = re.compile(r"(20\d{2})\s*年")

#: the template name a document read without a profile or family reports
GENERIC = "generic"


@dataclass(slots=True)
class Reading:
    """What was read from one document."""

    tables: TableSet
    #: the full template profile the document was read with; None: read by the generic reader
    profile: Profile | None
    #: the template family the generic reader recognised (None with a profile, or when none fits)
    family: FamilyMatch | None
    extraction: Extraction
    narrative: Narrative
    year: int
    #: each generic table's code-hierarchy checks (by ``id(table)``), computed once while reading
    #: (``mark_misreadings``); none for tables read with a profile
    code_checks: dict[int, list[Check]] = field(default_factory=dict)

    @property
    def template(self) -> str:
        if self.family is not None:
            return self.family.family.name
        return self.profile.name if self.profile is not None else GENERIC


def _title_fits(spec_title: str, printed: str) -> bool:
    """Whether a printed title is the profile's title for that number (years aside)."""
    want = normal(re.sub(r"\{year\}年?|（\{year\}年度）", "", spec_title))
    got = normal(_YEAR.sub("", printed))
    return bool(want) and bool(got) and (want in got or got in want)


def _shows_layout(doc: Document, profile: Profile) -> bool:
    """Whether the document prints every text the profile requires (``requires_text``): a profile
    whose numbers and titles are the national template's (the 决算's) reads only documents with
    its own layout; others of that template are read generically, as their family."""
    wanted = [normal(t) for t in profile.raw.get("requires_text", [])]
    if not wanted:
        return True
    found: set[str] = set()
    for line in doc.lines:
        text = normal(line.text)
        found.update(w for w in wanted if w in text)
        if len(found) == len(wanted):
            return True
    return False


def choose_profile(doc: Document) -> Profile | None:
    """The profile whose table numbers the document prints with the profile's own titles, if any."""
    best, best_hits = None, 0
    for name in available_profiles():
        if name == GENERIC:
            continue
        profile = load_profile(name)
        if not _shows_layout(doc, profile):
            continue
        regions = locate_tables(doc, profile)
        hits = sum(1 for r in regions if _title_fits(r.spec.title, r.title))
        if hits >= max(3, (len(regions) * 3 + 3) // 4) and hits > best_hits:
            best, best_hits = profile, hits
    return best


def _year(doc: Document, tables: TableSet) -> int:
    for table in tables.tables:
        m = _YEAR.search(table.title)
        if m:
            return int(m.group(1))
    for line in doc.lines[:200]:
        m = _YEAR.search(line.text)
        if m:
            return int(m.group(1))
    return 0


def _generic(
    doc: Document, families: Sequence[Family] | None
) -> tuple[TableSet, list[list], FamilyMatch | None, dict[int, list[Check]]]:
    """Tables by title and codes (unknown_layout when there are none), with the template family
    their numbers and titles show, if one does, the lines of each table region and each table's
    code-hierarchy checks."""
    from yusuan.extract.generic import apply_family, find_tables, generic_tables

    regions = find_tables(doc)
    match = recognise([(r.number, r.title) for r in regions], families)
    if match is not None:
        apply_family(regions, match)
    tables, info = generic_tables(doc, regions)
    checks = mark_misreadings(tables, [t["body"] for t in info["tables"]])
    if not tables.tables:
        raise DocumentError("unknown_layout", "无法识别文档的版式：既不是已知模板，也没有找到带表名的预算表")
    if match is not None:
        tables.template = match.family.name
    return tables, [r.lines for r in info["regions"] if getattr(r, "lines", None)], match, checks


def read_tables(doc: Document, families: Sequence[Family] | None = None) -> Reading:
    """Read a document's tables and narrative with the template that fits it (see the module's doc).

    ``families``: the family profiles to recognise (default: all shipped). Raises DocumentError
    ('unknown_layout') when no table can be found at all.
    """
    profile = choose_profile(doc)
    match: FamilyMatch | None = None
    checks: dict[int, list[Check]] = {}
    if profile is None:
        tables, region_lines, match, checks = _generic(doc, families)
        extraction = Extraction()
    else:
        tables, extraction = extract_tables(doc, profile)
        region_lines = [r.lines for r in extraction.regions.values()]
    # the narrative is every line no table region holds: before, between and after the tables
    index = {id(line): k for k, line in enumerate(doc.lines)}
    first_table = min((index[id(lines[0])] for lines in region_lines if id(lines[0]) in index), default=None)
    table_lines = {id(line) for lines in region_lines for line in lines}
    narrative = read_narrative(narrative_lines(doc, first_table, table_lines))
    year = _year(doc, tables)
    tables.year = year
    return Reading(tables, profile, match, extraction, narrative, year, checks)
