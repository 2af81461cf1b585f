"""`policywatch demo`: the whole pipeline over the bundled demo site, offline, in one command."""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from policywatch.briefing import week_label
from policywatch.demo import DEMO_SITES, SiteServer, demo_sources_text
from policywatch.models import SourceResult

IngestFlow = Callable[[], Sequence[SourceResult]]


def run_demo(out_dir: Path, ingest_flow: IngestFlow, *, keep: bool = False) -> None:
    """Serve the demo sites on loopback, ingest them with `ingest_flow` (the CLI passes the
    Prefect flow runner: this module never imports the CLI or Prefect), brief the demo week."""
    out_dir = out_dir.resolve()
    _fresh(out_dir)
    with SiteServer(DEMO_SITES) as server:
        (out_dir / "sources.yaml").write_text(demo_sources_text(server), encoding="utf-8")
        _point_env_at(out_dir)
        _say(f"demo sites: {', '.join(server.base_urls.values())}")
        _run_pipeline(week_label(server.anchor), ingest_flow)
        if keep:
            _serve_forever(server)


def _fresh(out_dir: Path) -> None:
    for name in ("data", "reports"):
        shutil.rmtree(out_dir / name, ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)


def _point_env_at(out_dir: Path) -> None:
    os.environ["POLICYWATCH_HOME"] = str(out_dir)  # nothing of the current folder leaks in
    os.environ["POLICYWATCH_SOURCES"] = str(out_dir / "sources.yaml")
    os.environ["POLICYWATCH_DATA_DIR"] = str(out_dir / "data")
    os.environ["POLICYWATCH_DB_URL"] = f"sqlite:///{out_dir / 'data' / 'policywatch.db'}"
    os.environ["POLICYWATCH_REPORTS_DIR"] = str(out_dir / "reports")
    for name in ("SMTP_HOST", "MAIL_TO", "TOPICS"):  # the demo never mails a real list
        os.environ.pop("POLICYWATCH_" + name, None)
    os.environ.setdefault("PREFECT_HOME", str(out_dir / "prefect"))  # kept: later starts are faster


def _run_pipeline(week: str, run_ingest_flow: IngestFlow) -> None:
    from policywatch import app

    _say("running the Prefect `ingest` flow (first start of Prefect's local server takes ~20 s)…")
    started = time.monotonic()
    results = run_ingest_flow()
    _say(app.summary_markdown(results))
    ctx = app.load_context()
    try:
        outcome = app.brief(ctx, week, send=True)
        statuses = Counter(row["status"] for row in ctx.store.export())
    finally:
        ctx.close()
    _say(f"\nitems by status: {dict(sorted(statuses.items()))}")
    _say(f"briefing {week}: {outcome.briefing.new_count} new stories; {outcome.note}")
    for kind, path in sorted(outcome.paths.items()):
        _say(f"  {kind:5} {path}")
    _say(f"done in {time.monotonic() - started:.1f} s. Open {outcome.paths['html']} in a browser.")


def _serve_forever(server: SiteServer) -> None:
    _say("serving the demo sites until Ctrl-C…")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
