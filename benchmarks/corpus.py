"""Benchmark and metrics on a corpus of real disclosures, per template family.

Prints per family (the MANIFEST's city, else the file name's prefix): documents, tables
recognised of those the profile expects, identities checked and held, findings by severity
and by rule, seconds per document and pages per second.
Usage: python benchmarks/corpus.py DIR [-j N]
"""

from __future__ import annotations

import csv
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from yusuan.audit.batch import expand_inputs, run_batch
from yusuan.audit.report import Unreadable


def _families(folder: Path) -> dict[str, str]:
    manifest = folder / "MANIFEST.tsv"
    if not manifest.exists():
        return {}
    with manifest.open(encoding="utf-8") as fh:
        return {row["file"]: row["city"] for row in csv.DictReader(fh, delimiter="\t")}


def main(folder: str, jobs: int = 2) -> None:
    root = Path(folder)
    families = _families(root)
    paths = expand_inputs([folder])
    start = time.perf_counter()
    results = list(run_batch(paths, jobs))
    elapsed = time.perf_counter() - start
    by_family: dict[str, list] = defaultdict(list)
    for path, result in zip(paths, results, strict=True):
        name = Path(path).name
        by_family[families.get(name, name.split("_")[0])].append(result)
    print(f"{'family':<8} docs read  tables  identities held    err  warn  info  s/doc")
    rules: Counter[tuple[str, str]] = Counter()
    pages = 0
    for family, items in sorted(by_family.items()):
        read = [r for r in items if not isinstance(r, Unreadable)]
        found = sum(r.stats["tables_found"] for r in read)
        expected = sum(r.stats["tables_expected"] for r in read)
        checked = sum(r.stats["identities_checked"] for r in read)
        held = sum(r.stats["identities_held"] for r in read)
        severities = Counter(f.severity for r in read for f in r.findings)
        rules.update((f.rule, f.severity) for r in read for f in r.findings)
        pages += sum(r.source.get("pages") or 0 for r in read)
        seconds = sum(r.stats["seconds"] for r in read) / max(len(read), 1)
        held_pct = f"{held / checked * 100:5.1f}%" if checked else "   —  "
        print(
            f"{family:<8} {len(items):>4} {len(read):>4} {found:>4}/{expected:<4} {checked:>6} {held_pct} "
            f"{severities['error']:>5} {severities['warning']:>5} {severities['info']:>5} {seconds:6.3f}"
        )
    unreadable = Counter(r.reason for r in results if isinstance(r, Unreadable))
    print(
        f"\n{len(paths)} documents in {elapsed:.1f} s with -j {jobs}: {elapsed / max(len(paths), 1):.3f} s/document, "
        f"{pages / elapsed:.0f} pages/s; unreadable: {dict(unreadable) or 'none'}"
    )
    print("findings by rule:")
    for (rule, severity), n in rules.most_common():
        print(f"  {n:>5}  {severity:<7} {rule}")


if __name__ == "__main__":
    args = sys.argv[1:]
    jobs = 2
    if "-j" in args:
        k = args.index("-j")
        jobs = int(args[k + 1])
        del args[k : k + 2]
    main(args[0] if args else str(Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real-2026"), jobs)
