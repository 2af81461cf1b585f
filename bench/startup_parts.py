"""Run `policywatch ARGS...` as the console script does, timing the parts of its start-up.

Usage (from bench/ingest.py): BENCH_PARTS_FILE=parts.json python bench/startup_parts.py ingest ...

It wraps the functions each part ends in (nothing else changes) and, when the flow returns,
writes the wall-clock time (time.time()) at which each part ended to BENCH_PARTS_FILE as JSON.
The caller knows when it started the process, and when the process ended.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

MARKS: dict[str, float] = {"python": time.time()}
ROOT = Path(__file__).resolve().parent.parent


def mark(name: str) -> None:
    """Remember when a part ended (the first time only)."""
    MARKS.setdefault(name, time.time())


def timed(owner: Any, name: str, before: str | None = None, after: str | None = None) -> None:
    """Wrap owner.name: mark `before` when it is called and `after` when it returns."""
    original: Callable[..., Any] = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if before:
            mark(before)
        result = original(*args, **kwargs)
        if after:
            mark(after)
        return result

    setattr(owner, name, wrapper)


def instrument_flow() -> None:
    """Called once Prefect and the flows are imported: wrap the steps inside the flow run."""
    from policywatch import app, pipeline
    from policywatch.storage import Store

    mark("imports")
    timed(app, "load_context", before="flow run created", after="database")
    original_open = Store.open

    def store_open(*args: Any, **kwargs: Any) -> Any:
        if "flow run created" in MARKS:  # not the CLI's own check before the flow
            mark("configuration")
        return original_open(*args, **kwargs)

    Store.open = store_open  # type: ignore[method-assign]
    timed(app, "new_run", after="extraction workers started")
    timed(app, "ingest_many", before="first task run started", after="source ingested")
    timed(pipeline.Extractor, "close", after="extraction workers stopped")


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from policywatch import cli

    mark("CLI imported")
    timed(cli, "prefect_env", after="prefect settings, forkserver launched")
    original_settle = cli.settle_imports

    def settle() -> None:
        instrument_flow()
        original_settle()

    cli.settle_imports = settle
    if hasattr(cli, "orchestrated"):  # the CLI checks the database and the API, then runs
        original_orchestrated = cli.orchestrated

        def orchestrated(flow_call: Callable[[], Any]) -> Any:
            return original_orchestrated(lambda: (mark("checks"), flow_call())[1])

        cli.orchestrated = orchestrated
    timed(cli, "run_ingest_flow", after="flow returned")
    original_echo = cli._echo_results

    def echo(results: list[Any]) -> None:
        original_echo(results)
        Path(os.environ["BENCH_PARTS_FILE"]).write_text(json.dumps(MARKS), encoding="utf-8")

    cli._echo_results = echo
    sys.argv = ["policywatch", *sys.argv[1:]]
    cli.main()


if __name__ == "__main__":
    main()
