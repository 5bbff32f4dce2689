"""Benchmark: the web application, started as a real server (``yusuan serve``) and driven over HTTP.

1. Starts ``yusuan serve`` on a free loopback port with a fresh SQLite database in a temporary
   directory (so the example department 503, year 2025, is loaded and user ``admin`` created),
   waits until it answers and signs in through ``POST /api/session``.
2. One user, one keep-alive connection: the department page ``/departments/503/2025``, a table
   fragment (``…/tables/预算05表?v=1`` with ``HX-Request: true``) and the JSON table
   ``/api/budgets/1/tables/05`` (also the departments list and an audit upload) — the first
   (cold) request of each and the median/p95 of the warm ones. The app sends no ``Server-Timing``
   header, so these are loopback wall times: an upper bound of the server time. The floor of that
   bound (a small static file) is shown too, and the server process's CPU time per request.
   Target: ≤ 100 ms per department page.
3. Load: ``--clients`` concurrent clients for ``--seconds``, each with its own session (signed in
   once, before the clock starts), in a closed loop over a mix of the departments list, the
   department page, a random table fragment (预算01表…预算15表), a random JSON table, and every
   10th request (``--audit-every``) an audit upload (``POST /api/audits``) of the seed text, or of the example's
   PDF when the seed is absent. The mix also holds what an attacker or a careless user sends
   (issue 14): downloads of the disclosure in every format, hostile budget uploads (a 25 MB
   chunked body, a YAML alias bomb, YAML nested 1,000 deep, an anonymous upload) and sign-in
   bursts of wrong passwords. Each request kind has its expected answers (2xx for the pages;
   401/413/422 for hostile uploads; 401/429 for wrong passwords); any other answer or an
   exception is an error; target: none.
4. Meanwhile one more client keeps uploading a workbook of 1,000,000 rows (``--bomb-rows``,
   about 17 MB packed: under the 20 MB upload limit, so the reader itself must refuse it) as a
   budget: each must be refused (413/422), and the department page's p95 over the same window
   is the figure that shows whether rejecting it slows everyone else. Target: ≤ 300 ms.
   The load generator shares the machine's cores with the server, so its own CPU time and the
   server's are reported as well. Threads with ``httpx.Client`` are the default: they cost the
   generator less CPU per request than asyncio with ``httpx.AsyncClient`` (``--mode async``).

Exits 1 when any request failed.
Usage: python benchmarks/web.py [--seconds 30] [--clients 20] [--audit-every 10] [--warm 50]
                                [--mode threads|async] [--port N] [--bomb-rows 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx

from yusuan.web.local_server import LocalServer, ServerFailed, local_server, yusuan_command

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seeds" / "000_b36b569784039dee.txt"
EXAMPLE = ROOT / "examples" / "jiefang-hrss-2025" / "budget.yaml"
PASSWORD = "bench-web-password"
DEPARTMENT = "/departments/503/2025"
TABLES = [f"预算{n:02d}表" for n in range(1, 16)]
HX = {"HX-Request": "true"}
TIMEOUT = httpx.Timeout(120.0)
KINDS = [
    "departments",
    "department page",
    "table fragment",
    "JSON table",
    "download",
    "audit upload",
    "hostile upload",
    "sign-in burst",
    "1M-row upload",
]
#: what each kind of request may be answered with; anything else (or an exception) is an error
EXPECTED = {"hostile upload": {401, 413, 422}, "sign-in burst": {401, 429}, "1M-row upload": {413, 422}}
DOWNLOADS = ["xlsx", "pdf", "html", "json"]
#: hostile uploads, 1 request in this many of a client (and as many sign-in bursts and downloads)
HOSTILE_EVERY = 15
DOWNLOAD_EVERY = 12
#: wrong passwords in a row for one name: one more than the throttle's 10 failures
BURST = 11


def fragment_url(table: str, v: int | None = None) -> str:
    return f"{DEPARTMENT}/tables/{quote(table)}" + (f"?v={v}" if v else "")


# ---------------------------------------------------------------- the server


def server_cpu_seconds(server: LocalServer) -> float:
    """User + system CPU time of the server process (and its audit worker) so far."""
    import psutil

    proc = psutil.Process(server.process.pid)
    t = proc.cpu_times()
    total = t.user + t.system
    for child in proc.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            c = child.cpu_times()
            total += c.user + c.system
    return total


@contextlib.contextmanager
def running_server(scratch: Path, port: int | None) -> Iterator[LocalServer]:
    start = time.perf_counter()
    try:
        with local_server(scratch, PASSWORD, port=port, timeout=120) as server:
            print(f"server: {server.base} ready after {time.perf_counter() - start:.1f} s (pid {server.process.pid})")
            yield server
    except ServerFailed as exc:
        raise SystemExit(str(exc)) from None


def sign_in(client: httpx.Client | httpx.AsyncClient, response: httpx.Response) -> None:
    """Keep the session: the cookie (the client's jar) and the CSRF token that API writes send."""
    response.raise_for_status()
    if "yusuan_session" not in client.cookies:
        raise SystemExit("signing in set no yusuan_session cookie")
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]


def credentials() -> dict[str, str]:
    return {"username": "admin", "password": PASSWORD}


def upload_document(scratch: Path) -> tuple[str, bytes, str]:
    """What the load's audits upload: the seed text, else the example's PDF built here."""
    if SEED.is_file():
        return SEED.name, SEED.read_bytes(), "text/plain"
    out = scratch / "example-pdf"
    subprocess.run([*yusuan_command(), "build", str(EXAMPLE), "-o", str(out), "-f", "pdf"], check=True, cwd=ROOT)
    pdf = next(out.glob("*.pdf"))
    return pdf.name, pdf.read_bytes(), "application/pdf"


# ---------------------------------------------------------------- figures


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0…100) of values in seconds."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[k]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f}"


# ---------------------------------------------------------------- one user


def single_user(server: LocalServer, warm: int, doc: tuple[str, bytes, str]) -> tuple[dict[str, float], list[str]]:
    """Cold and warm times of each probe, one request at a time: ({figure: seconds}, errors).

    Beside the wall time, the server's own CPU time per warm request (psutil, 10 ms ticks
    averaged over the runs): with one request at a time, that is the server time less waiting.
    """
    errors: list[str] = []
    probes = [
        ("department page", "GET", DEPARTMENT, {}, warm),
        ("table fragment 预算05表", "GET", fragment_url("预算05表", 1), HX, warm),
        ("JSON table /api/budgets/1/tables/05", "GET", "/api/budgets/1/tables/05", {}, warm),
        ("departments list", "GET", "/departments", {}, warm),
        ("audit upload", "POST", "/api/audits", {}, max(3, warm // 5)),
        ("static file floor (style.css)", "GET", "/static/style.css", {}, warm),
    ]
    figures: dict[str, float] = {}
    print("\none user, keep-alive connection: loopback wall time (upper bound of server time) and server CPU time")
    heads = "".join(f"{h:>9}" for h in ("cold ms", "median", "p95", "max", "CPU ms"))
    print(f"  {'request':38} {'runs':>4}{heads} {'bytes':>7}")
    with httpx.Client(base_url=server.base, timeout=TIMEOUT) as client:
        sign_in(client, client.post("/api/session", json=credentials()))
        for label, method, url, headers, runs in probes:
            times = []
            size = 0
            cpu = 0.0
            for i in range(runs + 1):
                if i == 1:
                    cpu = server_cpu_seconds(server)
                start = time.perf_counter()
                r = client.post(url, files={"file": doc}) if method == "POST" else client.get(url, headers=headers)
                times.append(time.perf_counter() - start)
                size = len(r.content)
                if not r.is_success:
                    errors.append(f"{label}: HTTP {r.status_code} {r.text[:200]!r}")
            per_request = (server_cpu_seconds(server) - cpu) / runs
            cold, rest = times[0], times[1:]
            figures[label + " cold"] = cold
            figures[label] = statistics.median(rest)
            figures[label + " p95"] = pct(rest, 95)
            print(
                f"  {label:38} {runs:4d} {ms(cold)}  {ms(figures[label])}  {ms(pct(rest, 95))}  "
                f"{ms(max(rest))}  {ms(per_request)} {size:7d}"
            )
    page = figures["department page"]
    print(
        f"  department page: cold {figures['department page cold'] * 1000:.1f} ms (builds the disclosure), "
        f"warm median {page * 1000:.1f} ms — target ≤ 100 ms: {'met' if page <= 0.1 else 'NOT met'}"
    )
    return figures, errors


# ---------------------------------------------------------------- hostile files


def alias_bomb() -> bytes:
    """A ledger whose aliases would expand to 10^9 nodes."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        refs = ", ".join(f"*a{i - 1}" for _ in range(10))
        lines.append(f"a{i}: &a{i} [{refs}]")
    return ("\n".join(lines) + "\nyear: 2025\n").encode()


def deep_nesting(depth: int = 1000) -> bytes:
    return ("year: 2025\nunits: " + "[" * depth + "]" * depth + "\n").encode()


def million_rows(scratch: Path, rows: int) -> Path:
    """The example workbook with its 基本支出 sheet grown to ``rows`` rows of varied amounts (so it
    packs like a real sheet, about 11 bytes a row, not like a zip bomb)."""
    source = EXAMPLE.with_name("budget.xlsx")
    target = scratch / f"budget-{rows}-rows.xlsx"
    rng = random.Random(2025)
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != "xl/worksheets/sheet6.xml":
                zout.writestr(info, zin.read(info.filename))
                continue
            xml = zin.read(info.filename).decode()
            head, rest = xml.split("<sheetData>", 1)
            first_row = rest[: rest.index("</row>") + len("</row>")]
            tail = rest[rest.index("</sheetData>") :]
            with zout.open(info.filename, "w", force_zip64=True) as out:
                head = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="A1:F{rows + 1}"', head, count=1)
                out.write((head + "<sheetData>" + first_row).encode())
                for start in range(2, rows + 2, 10_000):
                    out.write(
                        "".join(
                            f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>503001</t></is></c>'
                            f'<c r="B{r}" t="inlineStr"><is><t>30101</t></is></c>'
                            f'<c r="D{r}"><v>{rng.randrange(10**8) / 100}</v></c></row>'
                            for r in range(start, min(start + 10_000, rows + 2))
                        ).encode()
                    )
                out.write(tail.encode())
    return target


def chunked_body(size: int, boundary: str) -> Iterator[bytes]:
    """A multipart body of ``size`` bytes sent without a Content-Length (chunked)."""
    yield (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="budget.yaml"\r\n'
        "Content-Type: application/x-yaml\r\n\r\n"
    ).encode()
    chunk = b"# " + b"x" * (64 * 1024 - 3) + b"\n"
    for _ in range(size // len(chunk)):
        yield chunk
    yield f"\r\n--{boundary}--\r\n".encode()


async def chunked_body_async(size: int, boundary: str) -> AsyncIterator[bytes]:
    for piece in chunked_body(size, boundary):
        yield piece


# ---------------------------------------------------------------- load


@dataclass(frozen=True)
class Call:
    """One request of the mix: what to send, and whether it goes without the client's session."""

    kind: str
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes, str]] | None = None
    json: dict[str, str] | None = None
    chunked: int = 0  # send a chunked multipart body of this many bytes
    anonymous: bool = False


@dataclass
class Tally:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    errors: list[str] = field(default_factory=list)
    error_kinds: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)
    elapsed: float = 0.0
    sign_in: float = 0.0
    server_cpu: float = 0.0
    own_cpu: float = 0.0
    _marks: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def begin(self, server: LocalServer, signed_in_since: float) -> None:
        """The clock starts: every client has signed in."""
        now = time.perf_counter()
        self.sign_in = now - signed_in_since
        self._marks = (now, time.process_time(), server_cpu_seconds(server))

    def end(self, server: LocalServer) -> None:
        start, own, cpu = self._marks
        self.elapsed = time.perf_counter() - start
        self.own_cpu = time.process_time() - own
        self.server_cpu = server_cpu_seconds(server) - cpu

    @property
    def total(self) -> int:
        return sum(len(t) for t in self.times.values())

    def record(self, kind: str, seconds: float, status: int | None, error: str | None) -> None:
        with self.lock:
            self.times[kind].append(seconds)
            if status is not None:
                self.statuses[kind][status] += 1
            if error is not None:
                self.error_kinds[kind] += 1
                if len(self.errors) < 20:
                    self.errors.append(f"{kind}: {error}")


class Mix:
    """One client's sequence of requests: every Nth an audit upload, a hostile upload, a sign-in burst
    or a download; the others a random page or table."""

    def __init__(self, index: int, audit_every: int, doc: tuple[str, bytes, str]) -> None:
        self.index = index
        self.rng = random.Random(1000 + index)
        self.every = audit_every
        self.doc = doc
        self.n = self.rng.randrange(max(audit_every, HOSTILE_EVERY))  # clients do not all upload at once
        self.hostile = index  # clients start at different hostile files, so every kind is sent
        self.bursts = 0
        self.queued: list[Call] = []

    def next(self) -> Call:
        if self.queued:
            return self.queued.pop()
        self.n += 1
        if self.every and self.n % self.every == 0:
            return Call("audit upload", "POST", "/api/audits", files={"file": self.doc})
        if self.n % HOSTILE_EVERY == 0:
            return self._hostile()
        if self.n % HOSTILE_EVERY == HOSTILE_EVERY // 2:
            # a burst: one more wrong password than the throttle allows, for a name of its own (401 …, then 429)
            self.bursts += 1
            name = {"username": f"burst-{self.index}-{self.bursts}", "password": "wrong"}
            burst = Call("sign-in burst", "POST", "/api/session", json=name, anonymous=True)
            self.queued = [burst] * BURST
            return self.queued.pop()
        if self.n % DOWNLOAD_EVERY == 0:
            return Call("download", "GET", f"{DEPARTMENT}/download/{self.rng.choice(DOWNLOADS)}")
        kind = self.rng.choice(KINDS[:4])
        if kind == "departments":
            return Call(kind, "GET", "/departments")
        if kind == "department page":
            return Call(kind, "GET", DEPARTMENT)
        if kind == "table fragment":
            return Call(kind, "GET", fragment_url(self.rng.choice(TABLES)), HX)
        return Call(kind, "GET", f"/api/budgets/1/tables/{self.rng.randrange(1, 16):02d}")

    def _hostile(self) -> Call:
        self.hostile += 1
        which = self.hostile % 4
        if which == 0:
            return Call("hostile upload", "POST", "/api/budgets", chunked=25 * 1024 * 1024)
        if which == 1:
            return Call(
                "hostile upload", "POST", "/api/budgets", files={"file": ("bomb.yaml", alias_bomb(), "text/yaml")}
            )
        if which == 2:
            return Call(
                "hostile upload", "POST", "/api/budgets", files={"file": ("deep.yaml", deep_nesting(), "text/yaml")}
            )
        return Call("hostile upload", "POST", "/api/budgets", files={"file": self.doc}, anonymous=True)


def _outcome(call: Call, r: httpx.Response) -> str | None:
    if r.status_code in EXPECTED.get(call.kind, set()) or (call.kind not in EXPECTED and r.is_success):
        return None
    return f"HTTP {r.status_code} {r.request.method} {r.request.url.path}: {r.text[:200]!r}"


def _send_kwargs(call: Call, asynchronous: bool) -> dict[str, object]:
    kwargs: dict[str, object] = {"headers": call.headers}
    if call.files is not None:
        kwargs["files"] = call.files
    if call.json is not None:
        kwargs["json"] = call.json
    if call.chunked:
        boundary = "yusuan-bench-boundary"
        kwargs["headers"] = {**call.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"}
        body = chunked_body_async if asynchronous else chunked_body
        kwargs["content"] = body(call.chunked, boundary)
    return kwargs


def send(client: httpx.Client, anonymous: httpx.Client, call: Call, tally: Tally) -> None:
    start = time.perf_counter()
    status = None
    try:
        r = (anonymous if call.anonymous else client).request(call.method, call.url, **_send_kwargs(call, False))  # type: ignore[arg-type]
        status, error = r.status_code, _outcome(call, r)
    except Exception as exc:  # every failure counts
        error = f"{type(exc).__name__}: {exc}"
    tally.record(call.kind, time.perf_counter() - start, status, error)


async def send_async(client: httpx.AsyncClient, anonymous: httpx.AsyncClient, call: Call, tally: Tally) -> None:
    start = time.perf_counter()
    status = None
    try:
        r = await (anonymous if call.anonymous else client).request(call.method, call.url, **_send_kwargs(call, True))  # type: ignore[arg-type]
        status, error = r.status_code, _outcome(call, r)
    except Exception as exc:  # every failure counts
        error = f"{type(exc).__name__}: {exc}"
    tally.record(call.kind, time.perf_counter() - start, status, error)


def reject_bombs(server: LocalServer, bomb: Path | None, stop: threading.Event, tally: Tally) -> None:
    """One more client: uploads the 1M-row workbook as a budget again and again until ``stop``."""
    if bomb is None:
        return
    data = bomb.read_bytes()
    call = Call("1M-row upload", "POST", "/api/budgets", files={"file": (bomb.name, data, "application/octet-stream")})
    with httpx.Client(base_url=server.base, timeout=TIMEOUT) as client, httpx.Client(base_url=server.base) as anon:
        sign_in(client, client.post("/api/session", json=credentials()))
        while not stop.is_set():
            send(client, anon, call, tally)


def load_threads(
    server: LocalServer,
    clients: int,
    seconds: float,
    audit_every: int,
    doc: tuple[str, bytes, str],
    bomb: Path | None,
    tally: Tally,
) -> None:
    signing_in = time.perf_counter()
    sessions = []
    for _ in range(clients):
        c = httpx.Client(base_url=server.base, timeout=TIMEOUT)
        sign_in(c, c.post("/api/session", json=credentials()))
        sessions.append((c, httpx.Client(base_url=server.base, timeout=TIMEOUT)))
    go = threading.Barrier(clients + 1)
    deadline = [0.0]

    def run(index: int, client: httpx.Client, anonymous: httpx.Client) -> None:
        mix = Mix(index, audit_every, doc)
        go.wait()
        while time.perf_counter() < deadline[0]:
            send(client, anonymous, mix.next(), tally)

    threads = [threading.Thread(target=run, args=(i, *pair), daemon=True) for i, pair in enumerate(sessions)]
    for t in threads:
        t.start()
    stop = threading.Event()
    rejecter = threading.Thread(target=reject_bombs, args=(server, bomb, stop, tally), daemon=True)
    tally.begin(server, signing_in)
    deadline[0] = time.perf_counter() + seconds
    rejecter.start()
    go.wait()
    for t in threads:
        t.join()
    stop.set()
    rejecter.join()
    tally.end(server)
    for pair in sessions:
        for c in pair:
            c.close()


def load_async(
    server: LocalServer,
    clients: int,
    seconds: float,
    audit_every: int,
    doc: tuple[str, bytes, str],
    bomb: Path | None,
    tally: Tally,
) -> None:
    stop = threading.Event()
    rejecter = threading.Thread(target=reject_bombs, args=(server, bomb, stop, tally), daemon=True)

    async def main() -> None:
        signing_in = time.perf_counter()
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        sessions = [
            (
                httpx.AsyncClient(base_url=server.base, timeout=TIMEOUT, limits=limits),
                httpx.AsyncClient(base_url=server.base, timeout=TIMEOUT, limits=limits),
            )
            for _ in range(clients)
        ]
        for c, _anonymous in sessions:
            sign_in(c, await c.post("/api/session", json=credentials()))
        tally.begin(server, signing_in)
        deadline = time.perf_counter() + seconds
        rejecter.start()

        async def run(index: int, client: httpx.AsyncClient, anonymous: httpx.AsyncClient) -> None:
            mix = Mix(index, audit_every, doc)
            while time.perf_counter() < deadline:
                await send_async(client, anonymous, mix.next(), tally)

        await asyncio.gather(*(run(i, *pair) for i, pair in enumerate(sessions)))
        stop.set()
        rejecter.join()
        tally.end(server)
        for pair in sessions:
            for c in pair:
                await c.aclose()

    asyncio.run(main())


def load(server: LocalServer, args: argparse.Namespace, doc: tuple[str, bytes, str], bomb: Path | None) -> Tally:
    tally = Tally()
    print(
        f"\nload: {args.clients} clients ({args.mode}), {args.seconds:.0f} s, each signed in once; "
        "mix: departments list, department page, random 预算NN表 fragment, random JSON table, "
        f"1 in {DOWNLOAD_EVERY} a download (xlsx/pdf/html/json), 1 in {HOSTILE_EVERY} a hostile budget upload "
        f"(25 MB chunked, alias bomb, 1,000-deep nesting, anonymous) and as many bursts of {BURST} wrong-password "
        "sign-ins; "
        + (
            f"1 in {args.audit_every} an audit upload of {doc[0]} ({len(doc[1]) // 1024} KB)"
            if args.audit_every
            else "no audit uploads"
        )
        + (
            f"; one more client uploads {bomb.name} ({bomb.stat().st_size / 2**20:.1f} MB) again and again"
            if bomb
            else ""
        )
    )
    (load_async if args.mode == "async" else load_threads)(
        server, args.clients, args.seconds, args.audit_every, doc, bomb, tally
    )
    elapsed, server_cpu, own_cpu = tally.elapsed, tally.server_cpu, tally.own_cpu
    every = [t for kind in KINDS for t in tally.times.get(kind, [])]
    total = len(every)
    heads = "".join(f"{h:>9}" for h in ("p50 ms", "p95 ms", "p99 ms", "max ms"))
    print(f"  {'request':16} {'count':>6} {'req/s':>7}{heads} {'errors':>6}  answers")
    for kind in [*KINDS, "overall"]:
        times = every if kind == "overall" else tally.times.get(kind, [])
        if not times:
            continue
        errs = sum(tally.error_kinds.values()) if kind == "overall" else tally.error_kinds.get(kind, 0)
        print(
            f"  {kind:16} {len(times):6d} {len(times) / elapsed:7.1f} {ms(pct(times, 50))}  {ms(pct(times, 95))}  "
            f"{ms(pct(times, 99))}  {ms(max(times))} {errs:6d}  {answers(tally, kind)}"
        )
    print(f"  {args.clients} sign-ins took {tally.sign_in:.1f} s (not counted); load window {elapsed:.1f} s")
    for who, cpu in (("server", server_cpu), ("load generator", own_cpu)):
        print(
            f"  CPU, {who}: {cpu:.1f} s = {cpu / elapsed * 100:.0f}% of one core "
            f"({os.cpu_count()} cores), {cpu / max(total, 1) * 1000:.1f} ms per request"
        )
    return tally


def answers(tally: Tally, kind: str) -> str:
    """The status codes a kind of request got, e.g. '200×310 429×12'."""
    if kind == "overall":
        return ""
    return " ".join(f"{status}×{n}" for status, n in sorted(tally.statuses.get(kind, {}).items()))


# ---------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the load phase (default 30)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients under load (default 20)")
    parser.add_argument(
        "--audit-every", type=int, default=10, help="every Nth request of a client is an audit upload; 0: none"
    )
    parser.add_argument("--warm", type=int, default=50, help="warm requests per single-user figure (default 50)")
    parser.add_argument(
        "--mode",
        choices=["async", "threads"],
        default="threads",
        help="load generator: one thread per client with httpx.Client, or asyncio with httpx.AsyncClient",
    )
    parser.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    parser.add_argument(
        "--bomb-rows", type=int, default=1_000_000, help="rows of the workbook uploaded during the load; 0: none"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="yusuan-web-bench-") as tmp:
        scratch = Path(tmp)
        doc = upload_document(scratch)
        bomb = None
        if args.bomb_rows:
            started = time.perf_counter()
            bomb = million_rows(scratch, args.bomb_rows)
            print(
                f"{bomb.name}: {bomb.stat().st_size / 2**20:.1f} MB, written in {time.perf_counter() - started:.1f} s"
            )
        with running_server(scratch, args.port) as server:
            figures, single_errors = single_user(server, args.warm, doc)
            tally = load(server, args, doc, bomb)
            tail = server.log_tail(30)
    errors = single_errors + tally.errors
    count = len(single_errors) + sum(tally.error_kinds.values())
    print("\nsummary")
    page = figures["department page"]
    print(
        f"  department page, one user (loopback wall time): cold {figures['department page cold'] * 1000:.0f} ms, "
        f"warm median {page * 1000:.1f} ms, p95 {figures['department page p95'] * 1000:.1f} ms "
        f"— target ≤ 100 ms: {'met' if page <= 0.1 else 'NOT met'}"
    )
    print(
        f"  table fragment warm median {figures['table fragment 预算05表'] * 1000:.1f} ms, "
        f"JSON table warm median {figures['JSON table /api/budgets/1/tables/05'] * 1000:.1f} ms"
    )
    overall = [t for times in tally.times.values() for t in times]
    if overall:
        print(
            f"  load: {tally.total / tally.elapsed:.1f} requests/s with {args.clients} clients, "
            f"p50 {pct(overall, 50) * 1000:.0f} ms, p95 {pct(overall, 95) * 1000:.0f} ms, "
            f"p99 {pct(overall, 99) * 1000:.0f} ms"
        )
        pages = tally.times.get("department page", [])
        if pages:
            print(
                f"  department page under load: p50 {pct(pages, 50) * 1000:.0f} ms, p95 {pct(pages, 95) * 1000:.0f} ms "
                f"(queueing included) — ≤ 100 ms: {'met' if pct(pages, 50) <= 0.1 else 'NOT met'} at the median; "
                + (f"while the {args.bomb_rows:,}-row upload is refused, " if args.bomb_rows else "")
                + f"p95 ≤ 300 ms: {'met' if pct(pages, 95) <= 0.3 else 'NOT met'}"
            )
        bombs = tally.times.get("1M-row upload", [])
        if bombs:
            print(
                f"  {args.bomb_rows:,}-row workbook uploads: {len(bombs)} refused ({answers(tally, '1M-row upload')}), "
                f"median {statistics.median(bombs):.2f} s each"
            )
    print(f"  errors: {count} — target 0: {'met' if not count else 'NOT met'}")
    for message in errors[:5]:
        print(f"    {message}")
    if count and tail.strip():
        print("  last lines of the server log:")
        print("\n".join(f"    {line}" for line in tail.splitlines()))
    return 1 if count else 0


if __name__ == "__main__":
    sys.exit(main())
