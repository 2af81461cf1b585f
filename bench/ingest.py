"""Ingest throughput and steady state: policywatch against the extraction floor and the
trafilatura CLI, for any shape of sources and pages.

Usage: python bench/ingest.py [--sources N --pages-per-source K] [--rerun] [--repeat 3]
                              [--quick] [--keep DIR]
       (--pages P --spread S is the older spelling of --sources S --pages-per-source P/S)

Generates N news sites of K article pages each (bench/sitegen.py) and serves each on its own
loopback address (127.0.0.1, 127.0.0.2, ..., with an RSS feed, a sitemap and robots.txt), plus
one site with an empty feed. Then measures, in one run:

  floor        trafilatura.bare_extraction alone (policywatch.extract's options) over the
               served bytes in this process, divided by the number of cores; also run in
               one process per core, to show how far the cores scale extraction alone;
  peer         `trafilatura -i urls.txt --parallel P --with-metadata`: its own downloads and
               extraction, with a config file that sets SLEEP_TIME = 0 (no per-domain pause)
               and SSRF_PROTECTION = off (it refuses loopback addresses otherwise);
  start-up     `policywatch ingest --source bench-empty` (one empty feed) against the
               database the ingest made, with its parts (bench/startup_parts.py): reported on
               its own line and subtracted, never counted, in the ratios;
  policywatch  `policywatch ingest` of the N sources into a fresh database at the schema head
               (discovery, fetch, extract, dedupe, classify, store, the Prefect flow) as a
               subprocess, against a Prefect server started once beforehand (its own line);
  rerun        (--rerun) `policywatch ingest` again: every feed answers 304 to the conditional
               GET; wall seconds beyond start-up and main-process CPU per unchanged source,
               beside a floor of the same HTTP exchanges (robots.txt + conditional GET per
               source) made by one httpx client in this process.

Start-up and re-runs are repeated (--repeat) and their medians used. Peak RSS is the sum of
/proc/<pid>/status VmRSS over the policywatch process tree (the CLI, the forkserver and the
extraction workers), sampled every 50 ms; RUSAGE_CHILDREN is the largest single process. The
Prefect overhead per task run is the task run's duration as the Prefect API records it minus the
source's own ingest time (fetch_runs started/finished).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import resource
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sitegen import Page, generate  # noqa: E402

from flows.serve import free_port  # noqa: E402
from policywatch.demo.server import SiteServer, render_template  # noqa: E402

VENV_BIN = Path(sys.executable).parent
QUICK_PAGES = 16
TARGET_FLOOR, TARGET_PEER, TARGET_RSS_MB = 1.25, 1.0, 600
TARGET_STARTUP = 3.0  # seconds, one empty feed against a running Prefect server
TARGET_CPU_MS = 3.0  # main-process CPU per unchanged source, beyond start-up
RERUN_TARGETS = ((120, 1.5), (1000, 5.0))  # unchanged sources -> seconds beyond start-up
EMPTY_SITE = "empty"  # the start-up source: a feed with no items
PEER_CONFIG = "[DEFAULT]\nSLEEP_TIME = 0\nSSRF_PROTECTION = off\nEXTRACTION_TIMEOUT = 0\n"


@dataclass
class Run:
    """One policywatch subprocess: wall seconds, CPU seconds per process, peak RSS."""

    seconds: float = 0.0
    cpu_main: float = 0.0
    cpu_children: list[float] = field(default_factory=list)
    cpu_bench: float = 0.0
    cpu_prefect: float = 0.0
    rss_tree_mb: float = 0.0
    rss_largest_mb: float = 0.0
    rss_main_mb: float = 0.0
    parts: list[tuple[str, float]] = field(default_factory=list)  # start-up: seconds per part
    feeds: dict[int, int] = field(default_factory=dict)  # feed answers: HTTP status -> count


@dataclass
class Figures:
    """Everything one benchmark run measured."""

    sources: int = 0
    per_source: int = 0
    megabytes: float = 0.0
    floor_single: float = 0.0
    floor_ok: int = 0
    floor_parallel: float = 0.0
    floor_parallel_cpu: float = 0.0
    peer_seconds: float = 0.0
    peer_docs: int = 0
    prefect_start: float = 0.0
    ingest: Run = field(default_factory=Run)
    startups: list[Run] = field(default_factory=list)
    parts: list[tuple[str, float]] = field(default_factory=list)
    reruns: list[Run] = field(default_factory=list)
    rerun_floor: float = 0.0
    flow_seconds: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)
    task_overhead_ms: list[float] = field(default_factory=list)
    loads: dict[str, str] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return self.sources * self.per_source

    @property
    def startup(self) -> float:
        """Median wall seconds of the start-up runs."""
        return statistics.median(r.seconds for r in self.startups)


def cores() -> int:
    return len(os.sched_getaffinity(0))


def page_bodies(server: SiteServer, sites: Path, pages: list[Page]) -> dict[str, bytes]:
    """The bytes the server sends for each page, keyed by absolute URL."""
    bodies = {}
    for page in pages:
        text = (sites / page.site / page.path.lstrip("/")).read_text(encoding="utf-8")
        url = render_template(page.url(), server.base_urls, server.anchor)
        bodies[url] = render_template(text, server.base_urls, server.anchor).encode("utf-8")
    return bodies


def measure_floor(bodies: dict[str, bytes]) -> tuple[float, int]:
    """Seconds trafilatura needs for all pages in one process, and how many gave text."""
    spent, _, ok = extract_all(list(bodies.items()))
    return spent, ok


def extract_all(pages: list[tuple[str, bytes]]) -> tuple[float, float, int]:
    """Extract pages as policywatch's workers do (same options): seconds spent in trafilatura,
    the CPU seconds of the loop, and how many pages gave text."""
    import trafilatura

    from policywatch.extract import _CONFIG

    ok, spent, cpu = 0, 0.0, time.process_time()
    for url, body in pages:
        html = body.decode("utf-8")
        start = time.perf_counter()
        doc = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, config=_CONFIG
        )
        spent += time.perf_counter() - start
        ok += bool(getattr(doc, "text", None))
    return spent, time.process_time() - cpu, ok


def measure_parallel_floor(bodies: dict[str, bytes], k: int) -> tuple[float, float]:
    """Extraction alone in k processes (interleaved shares): the slowest share's seconds and
    the CPU of all shares. Shows how far this machine's cores scale trafilatura by themselves."""
    pages = list(bodies.items())
    shares = [pages[i::k] for i in range(k)]
    with ProcessPoolExecutor(k, mp_context=multiprocessing.get_context("forkserver")) as pool:
        for started in [pool.submit(os.getpid) for _ in range(k)]:  # start them before timing
            started.result()
        results = list(pool.map(extract_all, shares))
    return max(r[0] for r in results), sum(r[1] for r in results)


def measure_peer(urls: list[str], work: Path, parallel: int) -> tuple[float, int]:
    """Wall seconds of the trafilatura CLI over the URL list, and documents it wrote."""
    (work / "urls.txt").write_text("\n".join(urls) + "\n", encoding="utf-8")
    (work / "peer.cfg").write_text(PEER_CONFIG, encoding="utf-8")
    out = work / "peer-out"
    command = [
        str(VENV_BIN / "trafilatura"),
        *("-i", str(work / "urls.txt"), "--parallel", str(parallel)),
        *("--config-file", str(work / "peer.cfg"), "--with-metadata", "-o", str(out)),
    ]
    start = time.perf_counter()
    subprocess.run(command, check=False, capture_output=True, timeout=3600)
    seconds = time.perf_counter() - start
    return seconds, sum(1 for f in out.rglob("*") if f.is_file()) if out.exists() else 0


def start_prefect(home: Path) -> tuple[subprocess.Popen[bytes], str, float]:
    """`prefect server start` on a free port; returns the process, API URL and start seconds."""
    port = free_port()
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env["PREFECT_UI_ENABLED"] = "false"
    start = time.perf_counter()
    proc = subprocess.Popen(
        [str(VENV_BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    api = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(api + "/health", timeout=1).status_code == 200:
                settle(proc.pid)
                return proc, api, time.perf_counter() - start
        except httpx.HTTPError:
            time.sleep(0.2)
    stop(proc)
    raise RuntimeError("prefect server did not become healthy within 120 s")


SETTLED_CPU = 0.05  # CPU seconds per second below which a started server counts as idle


def settle(pid: int, window: float = 0.5, limit: float = 30.0) -> None:
    """Wait until a just-started server stops burning CPU (Prefect starts its services after
    /health answers): that start-up belongs to the one-time start, not to the measured run."""
    deadline = time.monotonic() + limit
    before = sum(cpu_seconds(p) for p in _tree(pid))
    while time.monotonic() < deadline:
        time.sleep(window)
        now = sum(cpu_seconds(p) for p in _tree(pid))
        if now - before < SETTLED_CPU * window:
            return
        before = now


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a process we started in its own session, and its children."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def write_sources(path: Path, server: SiteServer, sites: list[str], per_source: int) -> Path:
    """sources.yaml with one feed source per site and no delay; the per-source cap is above K,
    so each feed's validators are kept and a re-run makes a conditional GET."""
    lines = [
        "fetch:",
        "  delay: 0",
        "  timeout: 30",
        f"  max_items_per_source: {per_source + 1}",
        "sources:",
    ]
    for site in sites:
        lines += [
            f"  - id: bench-{site}",
            f"    name: Harbour Times {site}",
            "    kind: feed",
            f'    url: "{server.url(site, "/feed.xml")}"',
            "    region: GB",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_empty_site(sites: Path) -> None:
    """The start-up source: a site whose feed lists nothing."""
    root = sites / EMPTY_SITE
    root.mkdir(parents=True, exist_ok=True)
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n", encoding="utf-8")
    (root / "feed.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Empty</title>'
        "<link>{{BASE:" + EMPTY_SITE + "}}/</link><description>nothing new</description>"
        "</channel></rss>",
        encoding="utf-8",
    )


class TreeRss:
    """Samples the summed VmRSS of a process and all its descendants (Linux /proc), and the
    CPU seconds each of them had used when last seen (workers exit before the root does)."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid, self.interval, self.peak, self.root_peak = pid, interval, 0, 0
        self.cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        tick, tree = 0, [self.pid]
        while not self._stop.wait(self.interval):
            if tick % 5 == 0:  # scanning all of /proc for new children costs more than sampling
                tree = _tree(self.pid)
            tick += 1
            sizes = {p: _rss_kb(p) for p in tree}
            self.peak = max(self.peak, sum(sizes.values()))
            self.root_peak = max(self.root_peak, sizes.get(self.pid, 0))
            for pid in tree:
                self.cpu[pid] = max(self.cpu.get(pid, 0.0), cpu_seconds(pid))


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tree(root: int) -> list[int]:
    """root and its descendants, from the parent ids in /proc/<pid>/stat."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            parents.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, ()))
    return found


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cli_env(work: Path, sources: Path, api: str) -> dict[str, str]:
    """The environment of every policywatch run: all state in the work directory."""
    return {
        **os.environ,
        "POLICYWATCH_SOURCES": str(sources),
        "POLICYWATCH_DATA_DIR": str(work / "data"),
        "POLICYWATCH_HOME": str(work),
        "POLICYWATCH_REPORTS_DIR": str(work / "reports"),
        "PREFECT_API_URL": api,
        "PREFECT_HOME": str(work / "prefect-client"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "BENCH_PARTS_FILE": str(work / "parts.json"),
    }


def run_cli(
    env: dict[str, str],
    args: list[str],
    prefect_pid: int,
    *,
    parts: bool = False,
    command: list[str] | None = None,
) -> Run:
    """`policywatch ARGS` (or `command` ARGS) timed, with the tree's peak RSS and the CPU
    seconds of every process involved (its tree, the Prefect server, this process); with parts,
    through startup_parts.py and with the seconds each part of the start-up took."""
    command = [*(command or [str(VENV_BIN / "policywatch")]), *args]
    if parts:
        command = [sys.executable, str(ROOT / "bench" / "startup_parts.py"), *args]
    run = Run()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    bench_before, prefect_before = _self_cpu(), sum(cpu_seconds(p) for p in _tree(prefect_pid))
    began, start = time.time(), time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with TreeRss(proc.pid) as rss:
        _, err = proc.communicate(timeout=3600)
    run.seconds, ended = time.perf_counter() - start, time.time()
    run.cpu_bench = _self_cpu() - bench_before
    run.cpu_prefect = sum(cpu_seconds(p) for p in _tree(prefect_pid)) - prefect_before
    run.cpu_main = rss.cpu.pop(proc.pid, 0.0)
    run.cpu_children = sorted(rss.cpu.values(), reverse=True)
    if proc.returncode != 0:
        raise RuntimeError(f"policywatch {args} failed:\n{err.decode(errors='replace')[-3000:]}")
    run.rss_tree_mb, run.rss_main_mb = rss.peak / 1024, rss.root_peak / 1024
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    run.rss_largest_mb = (after if after > before else float("nan")) / 1024
    if parts:
        marks = json.loads(Path(env["BENCH_PARTS_FILE"]).read_text(encoding="utf-8"))
        run.parts = startup_parts(marks, began, ended)
    return run


# The marks bench/startup_parts.py records, in order, and the part each one ends.
PARTS = (
    ("python", "interpreter"),
    ("CLI imported", "CLI imports"),
    ("prefect settings, forkserver launched", "settings + forkserver launch"),
    ("imports", "imports (Prefect, flows)"),
    ("checks", "database and Prefect API checks"),
    ("flow run created", "flow run creation"),
    ("configuration", "configuration (sources, lexicon, baseline, glossary)"),
    ("database", "database open/migrate check"),
    ("extraction workers started", "extraction workers start"),
    ("first task run started", "task run creation"),
    ("source ingested", "the feed (robots.txt + conditional GET)"),
    ("extraction workers stopped", "extraction workers join"),
    ("flow returned", "flow run end (summary, artifact)"),
)


def startup_parts(marks: dict[str, float], began: float, ended: float) -> list[tuple[str, float]]:
    """Seconds per part of the start-up, from the wall-clock marks; the rest is exit."""
    parts, last = [], began
    for key, label in PARTS:
        if key in marks:
            parts.append((label, marks[key] - last))
            last = marks[key]
    return [*parts, ("exit", ended - last)]


def feed_answers(server: SiteServer, since: int) -> dict[int, int]:
    """HTTP statuses of the feed requests the server answered after the since-th request."""
    answers: dict[int, int] = {}
    for record in server.requests[since:]:
        if record.path == "/feed.xml" and record.site != EMPTY_SITE:
            answers[record.status] = answers.get(record.status, 0) + 1
    return dict(sorted(answers.items()))


def rerun_floor(feeds: list[str], concurrency: int = 16) -> float:
    """Seconds for the HTTP exchanges of an unchanged re-run alone (robots.txt and a
    conditional GET of the feed per source) made by one httpx client in this process."""

    async def exchanges() -> float:
        limits = httpx.Limits(max_connections=concurrency)
        async with httpx.AsyncClient(trust_env=False, limits=limits) as client:
            etags = [(await client.get(url)).headers.get("etag", "") for url in feeds]
            gate = asyncio.Semaphore(concurrency)

            async def one(url: str, etag: str) -> None:
                async with gate:
                    await client.get(url.rsplit("/", 1)[0] + "/robots.txt")
                    await client.get(url, headers={"If-None-Match": etag})

            start = time.perf_counter()
            await asyncio.gather(*(one(url, etag) for url, etag in zip(feeds, etags, strict=True)))
            return time.perf_counter() - start

    return asyncio.run(exchanges())


def read_database(work: Path) -> tuple[dict[str, int], dict[str, float]]:
    """Item counts by status, and each source's own ingest seconds (fetch_runs)."""
    with sqlite3.connect(work / "data" / "policywatch.db") as db:
        statuses = dict(db.execute("SELECT status, count(*) FROM items GROUP BY status"))
        runs = db.execute("SELECT source_id, started, finished FROM fetch_runs").fetchall()
    own = {sid: (_when(end) - _when(begin)) for sid, begin, end in runs}
    return statuses, own


def _when(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


def prefect_timings(api: str, own: dict[str, float], ids: list[str]) -> tuple[float, list[float]]:
    """The flow run's duration, and per task run its duration minus the source's own time."""
    flows = httpx.post(api + "/flow_runs/filter", json={"limit": 5}, timeout=10).json()
    flow = max(flows, key=lambda f: f["start_time"] or "")
    tasks = httpx.post(
        api + "/task_runs/filter",
        json={"flow_runs": {"id": {"any_": [flow["id"]]}}},
        timeout=10,
    ).json()
    overheads = []
    for task in tasks:
        group = [s for s in task_sources(task["name"], ids) if s in own]
        if task["start_time"] and task["end_time"] and group:
            span = _when(task["end_time"]) - _when(task["start_time"])
            overheads.append((span - max(own[source] for source in group)) * 1000)
    return _when(flow["end_time"]) - _when(flow["start_time"]), overheads


def task_sources(name: str, ids: list[str]) -> list[str]:
    """The sources of a task run named `ingest-<first id>[+<others>]` (ids: sources.yaml's
    order)."""
    first, _, others = name.removeprefix("ingest-").partition("+")
    if first not in ids:
        return []
    start = ids.index(first)
    return ids[start : start + 1 + int(others or 0)]


def rerun_target(sources: int) -> float:
    """The issue's re-run target for N unchanged sources (linear between its two points)."""
    (n0, t0), (n1, t1) = RERUN_TARGETS
    if sources <= n0:
        return t0
    if sources >= n1:
        return t1
    return t0 + (t1 - t0) * (sources - n0) / (n1 - n0)


def _seconds(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def report(fig: Figures, parallel: int) -> list[tuple[str, float, float]]:
    """Print the figure lines (tests look for their prefixes); returns the targets checked."""
    n, k = fig.pages, cores()
    floor = fig.floor_single / k
    print(
        f"machine: {platform.processor() or platform.machine()}, {k} cores, "
        f"Python {platform.python_version()}; load average (1, 5, 15 min) before "
        + "; ".join(f"{phase} {load}" for phase, load in fig.loads.items())
    )
    print(
        f"site: {fig.sources} sources x {fig.per_source} pages = {n} pages, "
        f"{fig.megabytes:.1f} MB HTML, {fig.sources + 1} loopback hosts (one feed each, "
        "and the empty feed of the start-up source)"
    )
    print(
        f"floor: {fig.floor_single:.2f} s in one process / {k} cores = {floor:.2f} s "
        f"-> {n / floor:.1f} pages/s ({fig.floor_ok}/{n} with text)"
    )
    print(
        f"floor in {k} processes: {fig.floor_parallel:.2f} s (slowest share; "
        f"{fig.floor_parallel / floor:.2f} x floor), CPU {fig.floor_parallel_cpu:.2f} s "
        f"(one process: {fig.floor_single:.2f} s)"
    )
    print(
        f"peer: trafilatura CLI --parallel {parallel} {fig.peer_seconds:.2f} s "
        f"-> {n / fig.peer_seconds:.1f} pages/s ({fig.peer_docs} documents written; "
        "config SLEEP_TIME = 0, SSRF_PROTECTION = off)"
    )
    print(
        f"prefect server start (one-time, not in the figures below; until healthy and idle): "
        f"{fig.prefect_start:.1f} s"
    )
    report_startup(fig)
    beyond = fig.ingest.seconds - fig.startup
    print(
        f"policywatch: {fig.ingest.seconds:.2f} s -> {n / fig.ingest.seconds:.1f} pages/s "
        f"(flow run {fig.flow_seconds:.2f} s; whole process incl. start-up); "
        f"stored {dict(sorted(fig.statuses.items()))}"
    )
    print(
        f"policywatch beyond start-up: {fig.ingest.seconds:.2f} - {fig.startup:.2f} = "
        f"{beyond:.2f} s for {n} pages over {fig.sources} sources"
    )
    print(
        f"ratio policywatch/floor: {beyond / floor:.2f} ((ingest - start-up) / floor; whole "
        f"process {fig.ingest.seconds / floor:.2f}; target <= {TARGET_FLOOR})"
    )
    print(
        f"ratio policywatch/peer: {fig.ingest.seconds / fig.peer_seconds:.2f} (whole process; "
        f"target <= {TARGET_PEER})"
    )
    print(
        f"peak RSS: {fig.ingest.rss_tree_mb:.0f} MB policywatch process tree (sum of VmRSS, "
        f"sampled); largest single process {fig.ingest.rss_largest_mb:.0f} MB (RUSAGE_CHILDREN); "
        f"main process {fig.ingest.rss_main_mb:.0f} MB"
    )
    report_cpu(fig, k)
    mean = sum(fig.task_overhead_ms) / max(len(fig.task_overhead_ms), 1)
    print(
        f"prefect overhead: {mean:.0f} ms per task run ({len(fig.task_overhead_ms)} task "
        f"runs, one per group of up to 25 sources, minus its slowest source's own time); "
        f"flow run total {fig.flow_seconds:.2f} s"
    )
    targets = [
        ("start-up s", fig.startup, TARGET_STARTUP),
        ("(ingest - start-up) / floor", beyond / floor, TARGET_FLOOR),
        ("ingest / peer", fig.ingest.seconds / fig.peer_seconds, TARGET_PEER),
    ]
    targets += report_rerun(fig)
    rss = max([fig.ingest.rss_tree_mb] + [r.rss_tree_mb for r in fig.reruns])
    return [*targets, ("peak RSS MB", rss, TARGET_RSS_MB)]


def report_startup(fig: Figures) -> None:
    """The start-up line (median of the runs) and its parts (one instrumented run)."""
    runs = [r.seconds for r in fig.startups]
    print(
        f"start-up: {fig.startup:.2f} s (median of {len(runs)}: {_seconds(runs)}; "
        f"`policywatch ingest --source bench-{EMPTY_SITE}`, one empty feed, database at head; "
        f"not in the ratios; target <= {TARGET_STARTUP})"
    )
    total = sum(seconds for _, seconds in fig.parts)
    print(
        f"start-up parts ({total:.2f} s, one instrumented run): "
        + ", ".join(f"{label} {seconds:.2f} s" for label, seconds in fig.parts)
    )
    cpu = statistics.median(r.cpu_main for r in fig.startups)
    print(
        f"start-up cpu: main process {cpu:.2f} s, forkserver + extraction workers "
        f"{statistics.median(sum(r.cpu_children) for r in fig.startups):.2f} s (medians)"
    )


def report_rerun(fig: Figures) -> list[tuple[str, float, float]]:
    """The re-run lines: unchanged sources, beyond start-up (paired with the start-up runs)."""
    if not fig.reruns:
        return []
    n, runs = fig.sources, fig.reruns
    pairs = list(zip(runs, fig.startups, strict=False))
    beyond = statistics.median(r.seconds - s.seconds for r, s in pairs)
    cpu_ms = statistics.median((r.cpu_main - s.cpu_main) / n * 1000 for r, s in pairs)
    target = rerun_target(n)
    print(
        f"rerun floor: {fig.rerun_floor:.2f} s for {n} sources (robots.txt + conditional GET of "
        "the feed each, one httpx client, 16 at a time, in this process)"
    )
    median = statistics.median
    print(
        f"rerun: {n} unchanged sources, whole process {median(r.seconds for r in runs):.2f} s "
        f"(median of {len(runs)}: {_seconds([r.seconds for r in runs])}), {beyond:.2f} s "
        f"beyond start-up (target <= {target:.2f}); feeds answered {runs[-1].feeds}"
    )
    print(
        f"rerun cpu: main process {median(r.cpu_main for r in runs):.2f} s, "
        f"{cpu_ms:.2f} ms per unchanged source beyond start-up (target <= {TARGET_CPU_MS}); "
        f"forkserver + extraction workers {median(sum(r.cpu_children) for r in runs):.2f} s; "
        f"prefect server {median(r.cpu_prefect for r in runs):.2f} s"
    )
    print(f"rerun peak RSS: {max(r.rss_tree_mb for r in runs):.0f} MB policywatch process tree")
    return [("rerun beyond start-up s", beyond, target), ("rerun cpu ms/source", cpu_ms, 3.0)]


def report_targets(targets: list[tuple[str, float, float]]) -> None:
    """One line naming every target of issue 17 and whether this run met it."""
    print(
        "targets: "
        + "; ".join(
            f"{name} {value:.2f} <= {limit:g} {'met' if value <= limit else 'NOT met'}"
            for name, value, limit in targets
        )
    )


def report_cpu(fig: Figures, k: int) -> None:
    """Where the CPU went during the policywatch run: with k cores, no schedule can finish in
    less than the total divided by k, whatever the overlap."""
    run = fig.ingest
    children = sum(run.cpu_children)
    total = run.cpu_main + children + run.cpu_prefect + run.cpu_bench
    print(
        f"cpu: policywatch main process {run.cpu_main:.2f} s, forkserver + extraction workers "
        f"{children:.2f} s ({' + '.join(f'{c:.2f}' for c in run.cpu_children)}; floor's "
        f"extraction {fig.floor_single:.2f} s), prefect server {run.cpu_prefect:.2f} s, "
        f"site server (this process) {run.cpu_bench:.2f} s"
    )
    print(
        f"cpu bound: {total:.2f} s of CPU / {k} cores = {total / k:.2f} s, the least wall time "
        f"any schedule of this work needs ({total / k / (fig.floor_single / k):.2f} x floor)"
    )


def load() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


Prefect = tuple[str, int]  # the server's API URL and process id


def measure_policywatch(
    args: argparse.Namespace, work: Path, server: SiteServer, fig: Figures, prefect: Prefect
) -> None:
    """The ingest into a fresh database, then start-up and (with --rerun) unchanged re-runs,
    interleaved so that both see the same load."""
    sites = [s for s in server.sites if s != EMPTY_SITE]
    api, prefect_pid = prefect
    env = cli_env(work, write_sources(work / "sources.yaml", server, sites, fig.per_source), api)
    subprocess.run([str(VENV_BIN / "policywatch"), "db", "upgrade"], env=env, check=True)
    fig.loads["ingest"] = load()
    fig.ingest = run_cli(env, ["ingest"], prefect_pid)
    fig.statuses, own = read_database(work)
    ids = [f"bench-{site}" for site in sites]
    fig.flow_seconds, fig.task_overhead_ms = prefect_timings(api, own, ids)
    startup = ["ingest", "--source", f"bench-{EMPTY_SITE}"]
    empty = work / "startup.yaml"
    start_env = {**env, "POLICYWATCH_SOURCES": str(write_sources(empty, server, [EMPTY_SITE], 0))}
    run_cli(start_env, startup, prefect_pid)  # its feed's first answer is a 200, then 304s
    if args.rerun:
        feeds = [server.url(site, "/feed.xml") for site in sites]
        fig.rerun_floor = statistics.median(rerun_floor(feeds) for _ in range(args.repeat))
        fig.loads["reruns"] = load()
    for _ in range(args.repeat):
        fig.startups.append(run_cli(start_env, startup, prefect_pid))
        if args.rerun:
            since = len(server.requests)
            fig.reruns.append(run_cli(env, ["ingest"], prefect_pid))
            fig.reruns[-1].feeds = feed_answers(server, since)
    fig.parts = run_cli(start_env, startup, prefect_pid, parts=True).parts


def run(args: argparse.Namespace, work: Path) -> None:
    """Generate, serve and measure; prints the figures."""
    fig = Figures(sources=args.sources, per_source=args.pages_per_source)
    fig.loads["floor"] = load()
    sites = work / "sites"
    pages = generate(sites, fig.pages, fig.sources, args.seed)
    write_empty_site(sites)
    with SiteServer(sites, first_ip=1) as server:
        bodies = page_bodies(server, sites, pages)
        fig.megabytes = sum(len(b) for b in bodies.values()) / 1e6
        fig.floor_single, fig.floor_ok = measure_floor(bodies)
        fig.floor_parallel, fig.floor_parallel_cpu = measure_parallel_floor(bodies, cores())
        del bodies
        prefect, api, fig.prefect_start = start_prefect(work / "prefect-server")
        try:
            measure_policywatch(args, work, server, fig, (api, prefect.pid))
        finally:
            stop(prefect)
        urls = [render_template(p.url(), server.base_urls, server.anchor) for p in pages]
        fig.loads["peer"] = load()
        fig.peer_seconds, fig.peer_docs = measure_peer(urls, work, args.parallel)
    report_targets(report(fig, args.parallel))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, help="sources, one site and feed each")
    parser.add_argument("--pages-per-source", type=int, help="article pages per source")
    parser.add_argument("--rerun", action="store_true", help="also time unchanged re-runs")
    parser.add_argument("--repeat", type=int, default=3, help="start-up and re-run runs")
    parser.add_argument("--pages", type=int, default=300, help="article pages (default 300)")
    parser.add_argument("--spread", type=int, default=1, help="loopback hosts (default 1)")
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_PAGES} pages, one re-run (CI smoke)"
    )
    parser.add_argument("--parallel", type=int, default=16, help="trafilatura --parallel")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it")
    args = parser.parse_args(argv)
    if args.quick:
        args.pages, args.spread, args.rerun, args.repeat = QUICK_PAGES, 1, True, 1
    args.sources = args.sources or args.spread
    if args.pages_per_source is None:
        args.pages_per_source = max(args.pages // args.sources, 1)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        run(args, args.keep)
        return
    with tempfile.TemporaryDirectory(prefix="pw-bench-") as tmp:
        run(args, Path(tmp))


if __name__ == "__main__":
    main()
