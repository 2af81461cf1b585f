"""Does the CLI's process-exit shortcut matter? `os._exit` after the last exit handler and
`gc.freeze()` after the imports (policywatch/cli.py), measured side by side in one run.

Usage: python bench/exit_shortcut.py [--repeat 7]

One `policywatch ingest --source bench-empty` (an empty feed, database at head) against a
Prefect server started once, run `--repeat` times per variant, the variants interleaved so
that they see the same load: as shipped; without `os._exit` (the interpreter's teardown
runs); without `gc.freeze`; without both. Prints the median wall and main-process CPU seconds
of each, and the difference to the shipped CLI (issue 14: keep the shortcut only if it
matters).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from ingest import (  # noqa: E402
    EMPTY_SITE,
    VENV_BIN,
    Run,
    cli_env,
    run_cli,
    start_prefect,
    stop,
    write_empty_site,
    write_sources,
)

from policywatch.demo.server import SiteServer  # noqa: E402

VARIANTS = {  # name -> what the wrapper switches off before calling policywatch.cli.main
    "shipped": "",
    "no os._exit": "cli._exit_without_teardown = lambda: None",
    "no gc.freeze": "cli.settle_imports = lambda: None",
    "neither": "cli._exit_without_teardown = lambda: None; cli.settle_imports = lambda: None",
}
WRAPPER = "import sys; import policywatch.cli as cli; {patch}; cli.main()"


def variant_command(patch: str) -> list[str]:
    """The `policywatch` console script, with `patch` applied to the CLI module first."""
    return [sys.executable, "-c", WRAPPER.format(patch=patch or "pass")]


def measure(repeat: int, work: Path) -> dict[str, list[Run]]:
    """Every variant `repeat` times, interleaved, against one Prefect server."""
    sites = work / "sites"
    write_empty_site(sites)
    runs: dict[str, list[Run]] = {name: [] for name in VARIANTS}
    with SiteServer(sites, first_ip=1) as server:
        prefect, api, started = start_prefect(work / "prefect-server")
        print(f"one-time: Prefect server start {started:.1f} s (not counted)")
        try:
            sources = write_sources(work / "sources.yaml", server, [EMPTY_SITE], 0)
            env = cli_env(work, sources, api)
            subprocess.run([str(VENV_BIN / "policywatch"), "db", "upgrade"], env=env, check=True)
            args = ["ingest", "--source", f"bench-{EMPTY_SITE}"]
            run_cli(env, args, prefect.pid)  # warm-up: the feed's first answer is a 200
            for _ in range(repeat):
                for name, patch in VARIANTS.items():
                    command = variant_command(patch)
                    runs[name].append(run_cli(env, args, prefect.pid, command=command))
        finally:
            stop(prefect)
    return runs


def report(runs: dict[str, list[Run]]) -> None:
    """Median wall and main-process CPU per variant, and the difference to the shipped CLI."""
    wall = {name: statistics.median(r.seconds for r in rs) for name, rs in runs.items()}
    cpu = {name: statistics.median(r.cpu_main for r in rs) for name, rs in runs.items()}
    print(f"{'variant':<14} {'wall s':>8} {'vs shipped':>11} {'main CPU s':>11} {'vs shipped':>11}")
    for name in runs:
        dw, dc = wall[name] - wall["shipped"], cpu[name] - cpu["shipped"]
        print(f"{name:<14} {wall[name]:>8.2f} {dw:>+11.2f} {cpu[name]:>11.2f} {dc:>+11.2f}")
    print(f"runs per variant: {len(runs['shipped'])} (medians)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per variant")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pw-exit-") as tmp:
        report(measure(args.repeat, Path(tmp)))


if __name__ == "__main__":
    main()
