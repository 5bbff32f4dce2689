"""Benchmark and metrics on a corpus of real disclosures, per city and per template family.

Prints per city (the MANIFEST's city, else the file name's prefix): documents, the template
profile(s) recognised from the documents themselves, tables recognised of those the profile
expects, identities checked and held, findings by severity, seconds per document; then the
same per recognised template, with the budget documents' share of expected tables found;
findings by rule and severity per city; and the whole corpus's speed.
Usage: python benchmarks/corpus.py DIR [-j N] [--half develop|measure] [--text]

``--text`` also audits each PDF's ``pdftotext -layout`` extraction (another reading of the same
document, with approximate positions) and prints, per document, the error findings of both: a
misreading shows as errors in one reading that the other does not have.

The corpus is split in two halves (``halves``): the reading is developed on the first and
measured on the second, whose error findings are each reviewed in docs/corpus-review.md. Per city
(files sorted by name) the 1st, 3rd, 5th … document is for developing, the 2nd, 4th … for
measuring; the cities with a single document alternate between the halves in the order of
their names. Without ``--half`` the whole corpus is run.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from yusuan.audit.batch import expand_inputs, run_batch
from yusuan.audit.engine import AuditReport
from yusuan.audit.report import Unreadable


def _cities(folder: Path) -> dict[str, str]:
    manifest = folder / "MANIFEST.tsv"
    if not manifest.exists():
        return {}
    with manifest.open(encoding="utf-8") as fh:
        return {row["file"]: row["city"] for row in csv.DictReader(fh, delimiter="\t")}


def halves(folder: Path) -> dict[str, list[str]]:
    """The corpus's file names as {"develop": [...], "measure": [...]} (see the module's doc)."""
    by_city: dict[str, list[str]] = defaultdict(list)
    for name, city in _cities(folder).items():
        by_city[city].append(name)
    out: dict[str, list[str]] = {"develop": [], "measure": []}
    singles = 0
    for city in sorted(by_city):
        names = sorted(by_city[city])
        if len(names) == 1:
            out["develop" if singles % 2 == 0 else "measure"] += names
            singles += 1
            continue
        for k, name in enumerate(names):
            out["develop" if k % 2 == 0 else "measure"].append(name)
    return out


def _share(part: int, whole: int) -> str:
    return f"{part / whole * 100:5.1f}%" if whole else "   —  "


def _line(label: str, items: list[AuditReport | Unreadable], templates: bool = True) -> str:
    read = [r for r in items if isinstance(r, AuditReport)]
    expected = sum(r.stats["tables_expected"] for r in read)
    recognised = sum(r.stats["tables_recognised"] for r in read)
    checked = sum(r.stats["identities_checked"] for r in read)
    held = sum(r.stats["identities_held"] for r in read)
    severities = Counter(f.severity for r in read for f in r.findings)
    seconds = sum(r.stats["seconds"] for r in read) / max(len(read), 1)
    names = Counter(r.document["template"] for r in read)
    profile = " ".join(f"{n}×{k}" if k > 1 else n for n, k in sorted(names.items())) if templates else ""
    return (
        f"{label:<14} {len(items):>4} {len(read):>4} {profile:<26} {recognised:>4}/{expected:<4} "
        f"{_share(recognised, expected)} {checked:>6} {_share(held, checked)} "
        f"{severities['error']:>4} {severities['warning']:>4} {severities['info']:>4} {seconds:6.3f}"
    )


def _header(first: str) -> str:
    return (
        f"{first:<14} docs read {'template (recognised)':<26} tables     share  identities held    err warn info  s/doc"
    )


def main(folder: str, jobs: int = 2, half: str = "", text: bool = False) -> None:
    root = Path(folder)
    cities = _cities(root)
    if half:
        paths = [str(root / name) for name in sorted(halves(root)[half])]
        print(f"half: {half} ({len(paths)} documents)")
    else:
        paths = expand_inputs([folder])
    start = time.perf_counter()
    results = list(run_batch(paths, jobs))
    elapsed = time.perf_counter() - start
    by_city: dict[str, list[AuditReport | Unreadable]] = defaultdict(list)
    for path, result in zip(paths, results, strict=True):
        name = Path(path).name
        by_city[cities.get(name, name.split("_")[0])].append(result)
    print(_header("city"))
    for city, items in sorted(by_city.items()):
        print(_line(city, items))

    reports = [r for r in results if isinstance(r, AuditReport)]
    by_template: dict[str, list[AuditReport | Unreadable]] = defaultdict(list)
    for report in reports:
        by_template[report.document["template"]].append(report)
    print("\nper recognised template, budget documents (决算 and other files apart):")
    print(_header("template"))
    for template, items in sorted(by_template.items()):
        budgets = [r for r in items if isinstance(r, AuditReport) and r.document["kind"] == "budget"]
        if budgets:
            print(_line(template, budgets, templates=False))
    others = [r for r in reports if r.document["kind"] != "budget"]
    if others:
        print(_line("final accounts", others))  # type: ignore[arg-type]
    budgets = [r for r in reports if r.document["kind"] == "budget"]
    print(_line("all budgets", budgets, templates=False))  # type: ignore[arg-type]
    missing = Counter(
        f"{r.document['template']}: {label}" for r in reports for label in r.stats.get("tables_missing", [])
    )
    if missing:
        print("expected tables not found:")
        for label, n in missing.most_common():
            print(f"  {n:>4}  {label}")

    print("\nfindings by rule and severity, per city:")
    rules: Counter[tuple[str, str]] = Counter()
    for city, items in sorted(by_city.items()):
        found = Counter((f.rule, f.severity) for r in items if isinstance(r, AuditReport) for f in r.findings)
        rules.update(found)
        if found:
            listed = ", ".join(f"{rule} {severity} ×{n}" for (rule, severity), n in sorted(found.items()))
            print(f"  {city:<6} {listed}")
    pages = sum(r.source.get("pages") or 0 for r in reports)
    unreadable = Counter(r.reason for r in results if isinstance(r, Unreadable))
    print(
        f"\n{len(paths)} documents in {elapsed:.1f} s with -j {jobs}: {elapsed / max(len(paths), 1):.3f} s/document, "
        f"{pages / elapsed:.0f} pages/s; unreadable: {dict(unreadable) or 'none'}"
    )
    print("findings by rule:")
    for (rule, severity), n in rules.most_common():
        print(f"  {n:>5}  {severity:<7} {rule}")
    certain = sum(r.stats.get("identities_certain", r.stats["identities_checked"]) for r in reports)
    held = sum(r.stats["identities_held"] for r in reports)
    cells = sum(r.stats.get("cells_read", 0) for r in reports)
    unsure = sum(r.stats.get("cells_uncertain", 0) for r in reports)
    print(
        f"identities held among those resting on certain cells: {held}/{certain} ({_share(held, certain).strip()}); "
        f"amount cells read {cells}, uncertain {unsure} ({_share(unsure, cells + unsure).strip()})"
    )
    if text:
        _compare_text_reading(paths, results, jobs)


def _errors(result: AuditReport | Unreadable) -> int:
    return result.errors if isinstance(result, AuditReport) else 0


def _compare_text_reading(paths: list[str], results: list[AuditReport | Unreadable], jobs: int) -> None:
    """The same documents read from their pdftotext -layout text: errors per reading."""
    if shutil.which("pdftotext") is None:
        print("\n--text: pdftotext is not installed (poppler-utils)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        texts = []
        for path in paths:
            target = Path(tmp) / (Path(path).stem + ".txt")
            subprocess.run(["pdftotext", "-layout", path, str(target)], check=False, capture_output=True)
            texts.append(str(target))
        start = time.perf_counter()
        read_back = list(run_batch(texts, jobs))
        elapsed = time.perf_counter() - start
    print("\nthe same documents read from pdftotext -layout text (errors: PDF reading / text reading):")
    differ = 0
    for path, pdf, txt in zip(paths, results, read_back, strict=True):
        if _errors(pdf) != _errors(txt):
            differ += 1
            print(f"  {Path(path).name:<28} {_errors(pdf):>4} / {_errors(txt):<4}")
    total_pdf = sum(_errors(r) for r in results)
    total_txt = sum(_errors(r) for r in read_back)
    print(
        f"errors: {total_pdf} from the PDFs, {total_txt} from their text; {differ} documents differ; "
        f"text read in {elapsed:.1f} s"
    )


if __name__ == "__main__":
    args = sys.argv[1:]
    jobs = 2
    if "-j" in args:
        k = args.index("-j")
        jobs = int(args[k + 1])
        del args[k : k + 2]
    half = ""
    if "--half" in args:
        k = args.index("--half")
        half = args[k + 1]
        if half not in ("develop", "measure"):
            sys.exit("--half: develop or measure")
        del args[k : k + 2]
    text = "--text" in args
    args = [a for a in args if a != "--text"]
    default = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real-2026"
    main(args[0] if args else str(default), jobs, half, text)
