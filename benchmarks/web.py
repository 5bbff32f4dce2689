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
   PDF when the seed is absent. Any non-2xx answer or exception is an error; target: none.
   The load generator shares the machine's cores with the server, so its own CPU time and the
   server's are reported as well. Threads with ``httpx.Client`` are the default: they cost the
   generator less CPU per request than asyncio with ``httpx.AsyncClient`` (``--mode async``).

Exits 1 when any request failed.
Usage: python benchmarks/web.py [--seconds 30] [--clients 20] [--audit-every 10] [--warm 50]
                                [--mode threads|async] [--port N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
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
KINDS = ["departments", "department page", "table fragment", "JSON table", "audit upload"]


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


# ---------------------------------------------------------------- load


@dataclass
class Tally:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
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

    def record(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.times[kind].append(seconds)
            if error is not None:
                self.error_kinds[kind] += 1
                if len(self.errors) < 20:
                    self.errors.append(f"{kind}: {error}")


class Mix:
    """One client's sequence of requests: every Nth an audit upload, the others a random page or table."""

    def __init__(self, index: int, audit_every: int) -> None:
        self.rng = random.Random(1000 + index)
        self.every = audit_every
        self.n = self.rng.randrange(max(audit_every, 1))  # clients do not all upload at the same moment

    def next(self) -> tuple[str, str, str, dict[str, str]]:
        """(kind, method, url, headers)"""
        self.n += 1
        if self.every and self.n % self.every == 0:
            return "audit upload", "POST", "/api/audits", {}
        kind = self.rng.choice(KINDS[:4])
        if kind == "departments":
            return kind, "GET", "/departments", {}
        if kind == "department page":
            return kind, "GET", DEPARTMENT, {}
        if kind == "table fragment":
            return kind, "GET", fragment_url(self.rng.choice(TABLES)), HX
        return kind, "GET", f"/api/budgets/1/tables/{self.rng.randrange(1, 16):02d}", {}


def _outcome(r: httpx.Response) -> str | None:
    if r.is_success:
        return None
    return f"HTTP {r.status_code} {r.request.method} {r.request.url.path}: {r.text[:200]!r}"


def load_threads(
    server: LocalServer, clients: int, seconds: float, audit_every: int, doc: tuple[str, bytes, str], tally: Tally
) -> None:
    signing_in = time.perf_counter()
    sessions = []
    for _ in range(clients):
        c = httpx.Client(base_url=server.base, timeout=TIMEOUT)
        sign_in(c, c.post("/api/session", json=credentials()))
        sessions.append(c)
    go = threading.Barrier(clients + 1)
    deadline = [0.0]

    def run(index: int, client: httpx.Client) -> None:
        mix = Mix(index, audit_every)
        go.wait()
        while time.perf_counter() < deadline[0]:
            kind, method, url, headers = mix.next()
            start = time.perf_counter()
            try:
                r = client.post(url, files={"file": doc}) if method == "POST" else client.get(url, headers=headers)
                error = _outcome(r)
            except Exception as exc:  # every failure counts
                error = f"{type(exc).__name__}: {exc}"
            tally.record(kind, time.perf_counter() - start, error)

    threads = [threading.Thread(target=run, args=(i, c), daemon=True) for i, c in enumerate(sessions)]
    for t in threads:
        t.start()
    tally.begin(server, signing_in)
    deadline[0] = time.perf_counter() + seconds
    go.wait()
    for t in threads:
        t.join()
    tally.end(server)
    for c in sessions:
        c.close()


def load_async(
    server: LocalServer, clients: int, seconds: float, audit_every: int, doc: tuple[str, bytes, str], tally: Tally
) -> None:
    async def main() -> None:
        signing_in = time.perf_counter()
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        sessions = [httpx.AsyncClient(base_url=server.base, timeout=TIMEOUT, limits=limits) for _ in range(clients)]
        for c in sessions:
            sign_in(c, await c.post("/api/session", json=credentials()))
        tally.begin(server, signing_in)
        deadline = time.perf_counter() + seconds

        async def run(index: int, client: httpx.AsyncClient) -> None:
            mix = Mix(index, audit_every)
            while time.perf_counter() < deadline:
                kind, method, url, headers = mix.next()
                start = time.perf_counter()
                try:
                    if method == "POST":
                        r = await client.post(url, files={"file": doc})
                    else:
                        r = await client.get(url, headers=headers)
                    error = _outcome(r)
                except Exception as exc:  # every failure counts
                    error = f"{type(exc).__name__}: {exc}"
                tally.record(kind, time.perf_counter() - start, error)

        await asyncio.gather(*(run(i, c) for i, c in enumerate(sessions)))
        tally.end(server)
        for c in sessions:
            await c.aclose()

    asyncio.run(main())


def load(server: LocalServer, args: argparse.Namespace, doc: tuple[str, bytes, str]) -> Tally:
    tally = Tally()
    print(
        f"\nload: {args.clients} clients ({args.mode}), {args.seconds:.0f} s, each signed in once; "
        "mix: departments list, department page, random 预算NN表 fragment, random JSON table; "
        + (
            f"1 request in {args.audit_every} an audit upload of {doc[0]} ({len(doc[1]) // 1024} KB)"
            if args.audit_every
            else "no audit uploads"
        )
    )
    (load_async if args.mode == "async" else load_threads)(
        server, args.clients, args.seconds, args.audit_every, doc, tally
    )
    elapsed, server_cpu, own_cpu = tally.elapsed, tally.server_cpu, tally.own_cpu
    every = [t for kind in KINDS for t in tally.times.get(kind, [])]
    total = len(every)
    heads = "".join(f"{h:>9}" for h in ("p50 ms", "p95 ms", "p99 ms", "max ms"))
    print(f"  {'request':16} {'count':>6} {'req/s':>7}{heads} {'errors':>6}")
    for kind in [*KINDS, "overall"]:
        times = every if kind == "overall" else tally.times.get(kind, [])
        if not times:
            continue
        errs = sum(tally.error_kinds.values()) if kind == "overall" else tally.error_kinds.get(kind, 0)
        print(
            f"  {kind:16} {len(times):6d} {len(times) / elapsed:7.1f} {ms(pct(times, 50))}  {ms(pct(times, 95))}  "
            f"{ms(pct(times, 99))}  {ms(max(times))} {errs:6d}"
        )
    print(f"  {args.clients} sign-ins took {tally.sign_in:.1f} s (not counted); load window {elapsed:.1f} s")
    for who, cpu in (("server", server_cpu), ("load generator", own_cpu)):
        print(
            f"  CPU, {who}: {cpu:.1f} s = {cpu / elapsed * 100:.0f}% of one core "
            f"({os.cpu_count()} cores), {cpu / max(total, 1) * 1000:.1f} ms per request"
        )
    return tally


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
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="yusuan-web-bench-") as tmp:
        scratch = Path(tmp)
        doc = upload_document(scratch)
        with running_server(scratch, args.port) as server:
            figures, single_errors = single_user(server, args.warm, doc)
            tally = load(server, args, doc)
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
                f"(queueing included) — ≤ 100 ms: {'met' if pct(pages, 50) <= 0.1 else 'NOT met'} at the median"
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
