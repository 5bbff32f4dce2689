"""Building many departments' disclosures at once: deterministic, resumable, one failure never stops the rest.

Every budget file (.yaml/.yml/.xlsx) directly in the input directory, in sorted order, is
built into ``OUT/<file stem>/`` by an executor (local processes or a Dask cluster, see
``yusuan.executors``). Guarantees:

* **Deterministic** — the same inputs give byte-identical output trees whatever the executor
  or the number of workers: no file holds a timestamp or an absolute path (the XLSX
  carries a fixed creation date, the PDF has no date, the build record names only the
  input's file name).
* **Resumable** — after each department's outputs are in place (written atomically) a small
  ``OUT/<stem>/.yusuan-build.json`` records the input's sha256 and the formats. A later run
  skips an input whose record matches, whose outputs all exist and are not older than the
  input; anything else (a changed input, other formats, a missing file) is built again.
* **Failures recorded** — an input that cannot be read or built is written to
  ``OUT/failures.csv`` (``file,error``, in input order; header only when none) and the
  rest carry on.
* **Streaming** — each worker reads, builds and writes one department and returns only a
  small status, so memory does not grow with the number of departments.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from yusuan.executors import Executor, LocalExecutor
from yusuan.ledger.read import WORKBOOK_SUFFIXES, YAML_SUFFIXES
from yusuan.render.atomic import OutputError, atomic_write_bytes, ensure_directory, naming

SUFFIXES = YAML_SUFFIXES + WORKBOOK_SUFFIXES
MANIFEST = ".yusuan-build.json"
FAILURES = "failures.csv"


@dataclass(frozen=True, slots=True)
class BuildTask:
    """One input file and where its outputs go."""

    source: str
    outdir: str
    formats: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What became of one input: ``built``, ``skipped`` or ``failed`` (with the error)."""

    source: str
    status: str
    error: str = ""
    seconds: float = 0.0


@dataclass(slots=True)
class BuildSummary:
    built: int = 0
    skipped: int = 0
    failed: int = 0
    seconds: float = 0.0
    failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.built + self.skipped + self.failed


def find_inputs(folder: Path) -> list[Path]:
    """Budget files directly in ``folder``, sorted by name (hidden files ignored)."""
    return sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith(".")
    )


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def output_names(formats: tuple[str, ...]) -> list[str]:
    from yusuan.outputs import RENDERERS

    return [RENDERERS[f][0] for f in formats]


def manifest_bytes(source: Path, sha256: str, formats: tuple[str, ...]) -> bytes:
    record = {"input": source.name, "sha256": sha256, "formats": list(formats)}
    return (json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def is_up_to_date(task: BuildTask) -> bool:
    """The outputs of ``task`` exist, are not older than the input and were built from this input."""
    source, outdir = Path(task.source), Path(task.outdir)
    try:
        record = json.loads((outdir / MANIFEST).read_text(encoding="utf-8"))
        input_mtime = source.stat().st_mtime_ns
        if record.get("formats") != list(task.formats):
            return False
        for name in output_names(task.formats):
            if (outdir / name).stat().st_mtime_ns < input_mtime:
                return False
        return bool(record.get("sha256") == sha256_file(source))
    except (OSError, ValueError, AttributeError):
        return False


def _clean_error(message: str, source: Path) -> str:
    """An error message without absolute paths, so failures.csv is the same wherever the batch runs."""
    message = message.replace(str(source.resolve()), source.name).replace(str(source), source.name)
    return " ".join(message.split())


def build_one(task: BuildTask) -> BuildResult:
    """Read, build and write one department (runs on a worker); never raises."""
    from yusuan.ledger.problems import BudgetInputError
    from yusuan.ledger.read import read_budget
    from yusuan.outputs import write_outputs
    from yusuan.render.typst_cache import typeset_in_one_thread

    typeset_in_one_thread()  # one document per core already: Typst's own threads would only add memory
    start = time.perf_counter()
    source, outdir = Path(task.source), Path(task.outdir)
    try:
        digest = sha256_file(source)
        with naming(outdir / MANIFEST):
            (outdir / MANIFEST).unlink(missing_ok=True)  # a half-finished rebuild is never taken as done
        budget = read_budget(source)
        write_outputs(budget, outdir, list(task.formats))
        atomic_write_bytes(outdir / MANIFEST, manifest_bytes(source, digest, task.formats))
    except BudgetInputError as exc:
        errors = [p for p in exc.problems if p.severity == "error"] or exc.problems
        text = "；".join(f"{p.origin}：{p.message}" for p in errors)
        return BuildResult(task.source, "failed", _clean_error(text, source), time.perf_counter() - start)
    except OutputError as exc:  # already says which file and why, in Chinese
        return BuildResult(task.source, "failed", _clean_error(str(exc), source), time.perf_counter() - start)
    except Exception as exc:  # one broken input never stops a batch
        return BuildResult(task.source, "failed", _clean_error(f"{exc!r}", source), time.perf_counter() - start)
    return BuildResult(task.source, "built", "", time.perf_counter() - start)


def _skipped(task: BuildTask) -> BuildResult:
    return BuildResult(task.source, "skipped")


def plan(inputs: list[Path], out: Path, formats: tuple[str, ...]) -> Iterator[BuildTask | BuildResult]:
    """A task per input; two inputs with the same stem would share an output folder: the later one fails."""
    seen: dict[str, Path] = {}
    for source in inputs:
        if source.stem in seen:
            message = f"与 {seen[source.stem].name} 的输出目录（{source.stem}/）相同，未生成"
            yield BuildResult(str(source), "failed", message)
            continue
        seen[source.stem] = source
        yield BuildTask(str(source), str(out / source.stem), formats)


def build_batch(
    folder: Path,
    out: Path,
    formats: list[str],
    executor: Executor | None = None,
    done: Callable[[BuildResult], None] | None = None,
    build: Callable[[BuildTask], BuildResult] = build_one,
) -> BuildSummary:
    """Build every budget in ``folder`` into ``out``; skip what is up to date; record failures."""
    from yusuan.outputs import RENDERERS, parse_formats

    chosen = tuple(parse_formats(formats, RENDERERS))
    start = time.perf_counter()
    executor = executor or LocalExecutor(1)
    ensure_directory(out)
    summary = BuildSummary()
    # Decide what to skip in this process first: only real work goes to the workers.
    planned = list(plan(find_inputs(folder), out, chosen))
    todo = [t for t in planned if isinstance(t, BuildTask) and not is_up_to_date(t)]
    todo_set = {t.source for t in todo}
    built = iter(executor.map(build, todo))
    for item in planned:
        if isinstance(item, BuildResult):
            result = item
        elif item.source in todo_set:
            result = next(built)
        else:
            result = _skipped(item)
        if result.status == "built":
            summary.built += 1
        elif result.status == "skipped":
            summary.skipped += 1
        else:
            summary.failed += 1
            summary.failures.append((Path(result.source).name, result.error))
        if done:
            done(result)
    summary.seconds = time.perf_counter() - start
    atomic_write_bytes(out / FAILURES, failures_csv(summary.failures))
    return summary


def failures_csv(failures: list[tuple[str, str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["file", "error"])
    writer.writerows(failures)
    return buf.getvalue().encode("utf-8")
