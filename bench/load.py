"""Load: one `policywatch ingest` over 1,000 sources on loopback, 5% of them misbehaving.

Usage: python bench/load.py [--sources 1000] [--bad 0.05] [--pages 3] [--quick] [--keep DIR]

Every source is a feed on its own host (127.0.1.1, 127.0.1.2, ...), served by the hostile
test server (tests/hostile_server.py: one port on every address, bodies generated while
streaming). Good sources list `--pages` article pages each; the misbehaving ones cycle through
the faults below as their feed URL, and host #2's robots.txt never finishes (a slow robots.txt).
The run goes through the real CLI and Prefect flow (a Prefect server started once, as in
bench/ingest.py), with bounded memory: peak RSS is the sum of VmRSS over the CLI's process
tree, sampled. It passes (exit 0) when the run completes, every good page is stored, every
misbehaving source is a recorded failure, and peak RSS stays under --rss-limit.
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "tests")]

from hostile_server import HostileServer  # noqa: E402
from ingest import cli_env, run_cli, start_prefect, stop  # noqa: E402

from policywatch.demo.server import loopback_address  # noqa: E402

FAULTS = (  # feed URL path -> what a misbehaving source does
    ("/hang", "slow: headers, then nothing"),
    ("/trickle", "slow: an endless body, a byte at a time"),
    ("/down", "5xx: 503 on every request"),
    ("/big200", "huge: 200 MB body, no Content-Length"),
    ("/gzip-bomb", "huge: 260 kB of gzip inflating to 256 MB"),
    ("/big10", "huge: 10 MB body with Content-Length"),
    ("/redirect-loop-a", "redirect loop"),
)
SLOW_ROBOTS = "robots"  # source 1: the good feed of host #2, whose robots.txt never finishes
FIRST_HOST = 255  # 127.0.1.1: clear of the test suite's 127.0.0.x sites
RSS_LIMIT_MB = 1500
QUICK_SOURCES = 50


def hosts(count: int) -> tuple[str, ...]:
    """One loopback address per source."""
    return tuple(loopback_address(FIRST_HOST + i) for i in range(count))


def plan(count: int, bad_share: float) -> list[str | None]:
    """Per source: its fault (a path, or SLOW_ROBOTS for source 1), None for a good one; the
    misbehaving ones spread evenly."""
    bad = max(2, round(count * bad_share)) - 1
    step = count / bad
    chosen = {int(i * step + step / 2) for i in range(bad)} - {1}
    faults = iter(FAULTS * (bad // len(FAULTS) + 1))
    return [
        SLOW_ROBOTS if i == 1 else next(faults)[0] if i in chosen else None for i in range(count)
    ]


def write_sources(path: Path, server: HostileServer, faults: list[str | None]) -> None:
    """sources.yaml: one feed per host, the real fetch limits but a 5 s timeout."""
    lines = [
        "fetch: {delay: 0, timeout: 5, retries: 1, max_bytes: 5000000}",
        "sources:",
    ]
    for i, fault in enumerate(faults):
        base = f"http://{server.hosts[i]}:{server.port}"
        good = fault in (None, SLOW_ROBOTS)
        url = base + (f"/good/s{i:04d}/feed.xml" if good else str(fault))
        lines.append(f'  - {{id: s{i:04d}, name: "Load {i}", kind: feed, url: "{url}"}}')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_store(db: Path) -> tuple[Counter[str], set[str], dict[str, str]]:
    """Item counts by status, the URLs stored (not failed), and each failed source's error."""
    with sqlite3.connect(db) as con:
        statuses = Counter(dict(con.execute("SELECT status, count(*) FROM items GROUP BY 1")))
        urls = {u for (u,) in con.execute("SELECT url FROM items WHERE status != 'failed'")}
        errors = dict(con.execute("SELECT source_id, error FROM fetch_runs WHERE error != ''"))
    return statuses, urls, errors


def good_urls(server: HostileServer, faults: list[str | None], pages: int) -> set[str]:
    """Every article page of every good source."""
    return {
        f"http://{server.hosts[i]}:{server.port}/good/s{i:04d}/{n}.html"
        for i, fault in enumerate(faults)
        if fault is None
        for n in range(pages)
    }


def raise_file_limit() -> int:
    """The soft open-files limit raised to the hard one (1,000 listening sockets here, and the
    CLI's connections to them, inherit it); returns it."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def run(args: argparse.Namespace, work: Path) -> bool:
    """Serve, ingest once through the CLI, check the store; print the figures."""
    limit = raise_file_limit()
    faults = plan(args.sources, args.bad)
    bad = [f for f in faults if f]
    with HostileServer(hosts=hosts(args.sources), articles_per_site=args.pages) as server:
        write_sources(work / "sources.yaml", server, faults)
        prefect, api, _ = start_prefect(work / "prefect-server")
        try:
            env = cli_env(work, work / "sources.yaml", api)
            env["POLICYWATCH_WORKERS"] = str(args.workers)
            started = time.perf_counter()
            figures = run_cli(env, ["ingest"], prefect.pid)
            seconds = time.perf_counter() - started
        finally:
            stop(prefect)
        expected = good_urls(server, faults, args.pages)
    statuses, stored, errors = read_store(work / "data" / "policywatch.db")
    lost = expected - stored
    bad_ids = {f"s{i:04d}" for i, f in enumerate(faults) if f}
    print(
        f"load: {args.sources} sources on {args.sources} loopback hosts, {len(bad)} misbehaving "
        f"({', '.join(f'{n} {p}' for p, n in sorted(Counter(bad).items()))}); open-files limit "
        f"{limit}"
    )
    print(f"run: {seconds:.1f} s, one `policywatch ingest` through a Prefect server")
    print(f"stored: {dict(sorted(statuses.items()))}")
    print(f"good items stored: {len(expected) - len(lost)} of {len(expected)} (lost {len(lost)})")
    print(f"misbehaving sources recorded as failed: {len(bad_ids & set(errors))} of {len(bad_ids)}")
    print(f"good sources failed: {len(set(errors) - bad_ids)}")
    for path, meaning in (*FAULTS, (SLOW_ROBOTS, "slow: robots.txt never finishes")):
        sample = next((errors.get(f"s{i:04d}") for i, f in enumerate(faults) if f == path), None)
        if sample:
            print(f"  {path} ({meaning}): {sample[:140]}")
    print(
        f"peak RSS: {figures.rss_tree_mb:.0f} MB policywatch process tree (sum of VmRSS, "
        f"sampled; limit {args.rss_limit}); largest single process "
        f"{figures.rss_largest_mb:.0f} MB"
    )
    ok = not lost and bad_ids <= set(errors) and figures.rss_tree_mb <= args.rss_limit
    print(f"load check: {'passed' if ok else 'FAILED'}")
    return ok


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--bad", type=float, default=0.05, help="share misbehaving (0.05)")
    parser.add_argument("--pages", type=int, default=3, help="article pages per good source")
    parser.add_argument("--workers", type=int, default=2, help="POLICYWATCH_WORKERS")
    parser.add_argument("--rss-limit", type=float, default=RSS_LIMIT_MB, help="MB")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SOURCES} sources (CI)")
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it")
    args = parser.parse_args(argv)
    if args.quick:  # every fault once
        args.sources, args.bad = QUICK_SOURCES, (len(FAULTS) + 1) / QUICK_SOURCES
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        ok = run(args, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="pw-load-") as tmp:
            ok = run(args, Path(tmp))
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
