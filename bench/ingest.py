"""Ingest throughput: policywatch against the extraction floor and the trafilatura CLI.

Usage: python bench/ingest.py [--pages 300] [--spread 1] [--quick] [--keep DIR]

Generates a news site (bench/sitegen.py) and serves it on 127.0.0.1.. (one loopback address per
--spread site, each with an RSS feed and a sitemap), then measures on the same pages:

  floor        trafilatura.bare_extraction alone (policywatch.extract's options) over the
               served bytes in this process, divided by the number of cores; also run in
               one process per core, to show how far the cores scale extraction alone;
  peer         `trafilatura -i urls.txt --parallel P --with-metadata`: its own downloads and
               extraction, with a config file that sets SLEEP_TIME = 0 (no per-domain pause)
               and SSRF_PROTECTION = off (it refuses loopback addresses otherwise);
  policywatch  `policywatch ingest` into a fresh database (discovery, fetch, extract, dedupe,
               classify, store, the Prefect flow) as a subprocess, against a Prefect server
               started once beforehand: its start-up is reported on its own line.

Peak RSS is the sum of /proc/<pid>/status VmRSS over the policywatch process tree (the CLI,
the forkserver and the extraction workers), sampled every 50 ms; RUSAGE_CHILDREN is the
largest single process. The Prefect overhead per task run is the task run's duration as the
Prefect API records it minus the source's own ingest time (fetch_runs started/finished).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import resource
import signal
import sqlite3
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
PEER_CONFIG = "[DEFAULT]\nSLEEP_TIME = 0\nSSRF_PROTECTION = off\nEXTRACTION_TIMEOUT = 0\n"


@dataclass
class Figures:
    """Everything one benchmark run measured."""

    pages: int = 0
    megabytes: float = 0.0
    floor_single: float = 0.0
    floor_ok: int = 0
    floor_parallel: float = 0.0
    floor_parallel_cpu: float = 0.0
    peer_seconds: float = 0.0
    peer_docs: int = 0
    prefect_start: float = 0.0
    pw_seconds: float = 0.0
    flow_seconds: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)
    rss_tree_mb: float = 0.0
    rss_largest_mb: float = 0.0
    cpu_main: float = 0.0
    cpu_children: list[float] = field(default_factory=list)
    cpu_bench: float = 0.0
    cpu_prefect: float = 0.0
    task_overhead_ms: list[float] = field(default_factory=list)


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


def write_sources(work: Path, server: SiteServer, pages: int) -> Path:
    """sources.yaml with one feed source per site, no delay, no per-source cap below N."""
    lines = [
        "fetch:",
        "  delay: 0",
        "  timeout: 30",
        f"  max_items_per_source: {pages}",
        "sources:",
    ]
    for site in server.sites:
        lines += [
            f"  - id: bench-{site}",
            f"    name: Harbour Times {site}",
            "    kind: feed",
            f'    url: "{server.url(site, "/feed.xml")}"',
            "    region: GB",
        ]
    path = work / "sources.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class TreeRss:
    """Samples the summed VmRSS of a process and all its descendants (Linux /proc), and the
    CPU seconds each of them had used when last seen (workers exit before the root does)."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid, self.interval, self.peak = pid, interval, 0
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
            self.peak = max(self.peak, sum(_rss_kb(p) for p in tree))
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


def run_policywatch(
    work: Path, sources: Path, api: str, prefect_pid: int, figures: Figures
) -> None:
    """`policywatch ingest` into a fresh database, timed, with the tree's peak RSS and the
    CPU seconds of every process involved (its tree, the Prefect server, this process)."""
    env = {
        **os.environ,
        "POLICYWATCH_SOURCES": str(sources),
        "POLICYWATCH_DATA_DIR": str(work / "data"),
        "POLICYWATCH_HOME": str(work),
        "POLICYWATCH_REPORTS_DIR": str(work / "reports"),
        "PREFECT_API_URL": api,
        "PREFECT_HOME": str(work / "prefect-client"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    bench_before, prefect_before = _self_cpu(), sum(cpu_seconds(p) for p in _tree(prefect_pid))
    start = time.perf_counter()
    proc = subprocess.Popen(
        [str(VENV_BIN / "policywatch"), "ingest"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    with TreeRss(proc.pid) as rss:
        _, err = proc.communicate(timeout=3600)
    figures.pw_seconds = time.perf_counter() - start
    figures.cpu_bench = _self_cpu() - bench_before
    figures.cpu_prefect = sum(cpu_seconds(p) for p in _tree(prefect_pid)) - prefect_before
    figures.cpu_main = rss.cpu.pop(proc.pid, 0.0)
    figures.cpu_children = sorted(rss.cpu.values(), reverse=True)
    if proc.returncode != 0:
        raise RuntimeError(f"policywatch ingest failed:\n{err.decode(errors='replace')[-3000:]}")
    figures.rss_tree_mb = rss.peak / 1024
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    figures.rss_largest_mb = (after if after > before else float("nan")) / 1024


def read_database(work: Path) -> tuple[dict[str, int], dict[str, float]]:
    """Item counts by status, and each source's own ingest seconds (fetch_runs)."""
    with sqlite3.connect(work / "data" / "policywatch.db") as db:
        statuses = dict(db.execute("SELECT status, count(*) FROM items GROUP BY status"))
        runs = db.execute("SELECT source_id, started, finished FROM fetch_runs").fetchall()
    own = {sid: (_when(end) - _when(begin)) for sid, begin, end in runs}
    return statuses, own


def _when(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


def prefect_timings(api: str, own: dict[str, float]) -> tuple[float, list[float]]:
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
        source = task["name"].removeprefix("ingest-")
        if task["start_time"] and task["end_time"] and source in own:
            span = _when(task["end_time"]) - _when(task["start_time"])
            overheads.append((span - own[source]) * 1000)
    return _when(flow["end_time"]) - _when(flow["start_time"]), overheads


def report(fig: Figures, spread: int, parallel: int, load: str) -> None:
    """Print the figure lines (tests look for the 'floor:', 'peer:', 'policywatch:' prefixes)."""
    n, k = fig.pages, cores()
    floor = fig.floor_single / k
    print(
        f"machine: {platform.processor() or platform.machine()}, {k} cores, "
        f"Python {platform.python_version()}, load average before run {load}"
    )
    print(f"site: {n} pages, {fig.megabytes:.1f} MB HTML, {spread} loopback host(s)")
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
    print(
        f"policywatch: {fig.pw_seconds:.2f} s -> {n / fig.pw_seconds:.1f} pages/s "
        f"(flow run {fig.flow_seconds:.2f} s; process incl. imports and pool start-up); "
        f"stored {dict(sorted(fig.statuses.items()))}"
    )
    print(f"ratio policywatch/floor: {fig.pw_seconds / floor:.2f} (target <= {TARGET_FLOOR})")
    print(
        f"ratio policywatch/peer: {fig.pw_seconds / fig.peer_seconds:.2f} (target <= {TARGET_PEER})"
    )
    print(
        f"peak RSS: {fig.rss_tree_mb:.0f} MB policywatch process tree (sum of VmRSS, "
        f"sampled); largest single process {fig.rss_largest_mb:.0f} MB (RUSAGE_CHILDREN)"
    )
    report_cpu(fig, k)
    mean = sum(fig.task_overhead_ms) / max(len(fig.task_overhead_ms), 1)
    print(
        f"prefect overhead: {mean:.0f} ms per task run ({len(fig.task_overhead_ms)} task "
        f"runs, one per source); flow run total {fig.flow_seconds:.2f} s"
    )


def report_cpu(fig: Figures, k: int) -> None:
    """Where the CPU went during the policywatch run: with k cores, no schedule can finish in
    less than the total divided by k, whatever the overlap."""
    children = sum(fig.cpu_children)
    total = fig.cpu_main + children + fig.cpu_prefect + fig.cpu_bench
    print(
        f"cpu: policywatch main process {fig.cpu_main:.2f} s, forkserver + extraction workers "
        f"{children:.2f} s ({' + '.join(f'{c:.2f}' for c in fig.cpu_children)}; floor's "
        f"extraction {fig.floor_single:.2f} s), prefect server {fig.cpu_prefect:.2f} s, "
        f"site server (this process) {fig.cpu_bench:.2f} s"
    )
    print(
        f"cpu bound: {total:.2f} s of CPU / {k} cores = {total / k:.2f} s, the least wall time "
        f"any schedule of this work needs ({total / k / (fig.floor_single / k):.2f} x floor)"
    )


def run(args: argparse.Namespace, work: Path) -> None:
    """Generate, serve and measure; prints the figures."""
    load = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    fig = Figures(pages=args.pages)
    sites = work / "sites"
    pages = generate(sites, args.pages, args.spread, args.seed)
    with SiteServer(sites, first_ip=1) as server:
        bodies = page_bodies(server, sites, pages)
        fig.megabytes = sum(len(b) for b in bodies.values()) / 1e6
        fig.floor_single, fig.floor_ok = measure_floor(bodies)
        fig.floor_parallel, fig.floor_parallel_cpu = measure_parallel_floor(bodies, cores())
        del bodies
        prefect, api, fig.prefect_start = start_prefect(work / "prefect-server")
        try:
            run_policywatch(work, write_sources(work, server, args.pages), api, prefect.pid, fig)
            fig.statuses, own = read_database(work)
            fig.flow_seconds, fig.task_overhead_ms = prefect_timings(api, own)
        finally:
            stop(prefect)
        urls = [render_template(p.url(), server.base_urls, server.anchor) for p in pages]
        fig.peer_seconds, fig.peer_docs = measure_peer(urls, work, args.parallel)
    report(fig, args.spread, args.parallel, load)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=300, help="article pages (default 300)")
    parser.add_argument("--spread", type=int, default=1, help="loopback hosts (default 1)")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_PAGES} pages (CI smoke)")
    parser.add_argument("--parallel", type=int, default=16, help="trafilatura --parallel")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it")
    args = parser.parse_args(argv)
    if args.quick:
        args.pages = QUICK_PAGES
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        run(args, args.keep)
        return
    with tempfile.TemporaryDirectory(prefix="pw-bench-") as tmp:
        run(args, Path(tmp))


if __name__ == "__main__":
    main()
