"""The `policywatch` command line: a thin typer layer over the library and the flows.

Errors from the package become one line on stderr and exit code 2 (config) or 1 (other);
data goes to stdout, logs and progress to stderr.
"""

from __future__ import annotations

import atexit
import gc
import logging
import os
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from policywatch.cli_delivery import alerts_app, deliveries
from policywatch.errors import ConfigError, PolicywatchError
from policywatch.formats import Format, TableFormat, format_rows
from policywatch.models import GroupBy, ItemStatus

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # usage errors as one plain line (logs, cron mail), not a box
    help="Monitor AI-policy announcements and email a weekly briefing.",
)
sources_app = typer.Typer(no_args_is_help=True, help="Inspect and probe sources.yaml.")
baseline_app = typer.Typer(no_args_is_help=True, help="Manage the baseline corpus.")
db_app = typer.Typer(no_args_is_help=True, help="Database maintenance.")
app.add_typer(sources_app, name="sources")
app.add_typer(baseline_app, name="baseline")
app.add_typer(db_app, name="db")
app.add_typer(alerts_app, name="alerts")
app.command("deliveries")(deliveries)


def _version(value: bool) -> None:
    """--version: print the installed version and stop."""
    if value:
        from policywatch import __version__

        typer.echo(f"policywatch {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Monitor AI-policy announcements and email a weekly briefing."""


def main() -> None:
    """Console-script entry point: map our errors to one-line messages and exit codes."""
    atexit.register(_exit_without_teardown)  # first registered, so it runs last
    try:
        _run_app()
    except SystemExit as exc:
        _FINAL_STATUS.append(exit_status(exc.code))
        raise


def _run_app() -> None:
    try:
        logging.basicConfig(
            level=log_level(), stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
        )
        app()
    except ConfigError as exc:
        typer.echo(f"policywatch: configuration error: {exc}", err=True)
        raise SystemExit(2) from None
    except PolicywatchError as exc:
        typer.echo(f"policywatch: error: {exc}", err=True)
        raise SystemExit(1) from None
    except BrokenPipeError:  # `policywatch items | head`: the reader stopped; no traceback
        raise SystemExit(1) from None


_FINAL_STATUS: list[int] = []


def exit_status(code: object) -> int:
    """The process exit status Python gives a SystemExit code (None 0, int, else 1)."""
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def _exit_without_teardown() -> None:
    """The last exit handler of a finished command: every other handler has run (Prefect has
    sent its logs and events, multiprocessing has reaped its children), so flush and leave
    without the interpreter's teardown (bench/exit_shortcut.py: 1.9 s of a 5.3 s run)."""
    if not _FINAL_STATUS:  # interrupted or crashed: let Python report and tear down as usual
        return
    logging.shutdown()
    status = _FINAL_STATUS[-1]
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):  # reader gone (`| head`), or stream closed
            pass
        except OSError:  # disk full: output was lost, so fail as Python's own final flush does
            status = status or 120
    os._exit(status)


def settle_imports() -> None:
    """Exempt everything imported so far (Prefect, pydantic, SQLAlchemy: about a million
    objects) from the cyclic garbage collector, which would otherwise walk them on every
    full collection during a run."""
    gc.freeze()


def log_level() -> str:
    """POLICYWATCH_LOG_LEVEL, validated by the settings module (read before anything else)."""
    from policywatch.settings import log_level_from_env

    return log_level_from_env()


def prefect_env(*, extraction: bool = False) -> None:
    """Prefect settings for an offline machine; set before Prefect is imported.

    With extraction, the workers' forkserver starts now, importing trafilatura while this
    process imports Prefect (about a second saved on a 2-core machine).
    """
    from policywatch.config import settings_from_env

    settings = settings_from_env()
    if extraction and settings.workers != 1:
        from policywatch.forkserver import start_early

        start_early()
    data_dir = settings.data_dir.resolve()
    os.environ.setdefault("PREFECT_HOME", str(data_dir / "prefect"))
    # Prefect's temporary server cannot create a missing parent of its SQLite file.
    Path(os.environ["PREFECT_HOME"]).expanduser().mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", log_level())
    os.environ.setdefault("PREFECT_UI_ENABLED", "true")


def _echo_results(results: list[Any]) -> None:
    from policywatch.app import summary_markdown

    typer.echo(summary_markdown(results), err=True)


@app.command()
def ingest(
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only this source id (repeatable).")
    ] = None,
) -> None:
    """Fetch every enabled source once and store new articles (runs the Prefect `ingest` flow)."""
    results = run_ingest_flow(source or None)
    _echo_results(results)
    _exit_on_database_failures(results)
    if results and all(r.error for r in results):
        raise typer.Exit(1)


def _exit_on_database_failures(results: list[Any]) -> None:
    """Exit 1 when the database failed sources (after its retries): their pages are retried by
    the next run, but the operator must know this one is incomplete."""
    failed = [r.source_id for r in results if r.database_failed]
    if failed:
        typer.echo(
            f"policywatch: error: {len(failed)} sources failed for a database reason "
            f"({', '.join(failed[:5])}{', ...' if len(failed) > 5 else ''}); run again once "
            "the database is back",
            err=True,
        )
        raise typer.Exit(1)


@app.command()
def items(
    week: Annotated[
        str | None, typer.Option(help="ISO week, e.g. 2026-W47.", callback=_week_option)
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(help="Published on or after DATE (YYYY-MM-DD).", callback=_date_option),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.json,
    status: Annotated[ItemStatus | None, typer.Option(help="Only items with this status.")] = None,
    explain: Annotated[
        bool,
        typer.Option(help="Include the lexicon terms that fired and a duplicate's evidence."),
    ] = False,
    text: Annotated[bool, typer.Option("--text/--no-text", help="Include main text.")] = True,
) -> None:
    """Export stored items as JSON (an array), JSON lines or CSV on stdout."""
    from policywatch.config import settings_from_env
    from policywatch.storage import Store

    since_day = date.fromisoformat(since) if since else None
    store = Store.open(settings_from_env().db_url)
    rows = store.export(week=week, since=since_day)
    rows = [r for r in rows if status is None or r["status"] == status]
    for row in rows:
        if not explain:
            row.pop("explain", None)
            row.pop("match_evidence", None)
        if not text:
            row.pop("text", None)
    sys.stdout.write(format_rows(rows, fmt))


def _week_option(value: str | None) -> str | None:
    """--week as the stored spelling (2026-w47 -> 2026-W47); a bad week is a usage error."""
    from policywatch.briefing import canonical_week

    try:
        return canonical_week(value) if value else None
    except ConfigError as exc:
        raise typer.BadParameter(str(exc)) from None


def _date_option(value: str | None) -> str | None:
    """A YYYY-MM-DD option, checked by typer before the command runs."""
    if value:
        try:
            date.fromisoformat(value)
        except ValueError:
            raise typer.BadParameter(f"{value!r}: expected a date like 2026-01-31") from None
    return value


@sources_app.command("list")
def sources_list() -> None:
    """List configured sources."""
    from policywatch.config import load_sources, settings_from_env

    cfg = load_sources(settings_from_env().sources_path)
    for s in cfg.sources:
        flag = "" if s.enabled else " (disabled)"
        typer.echo(f"{s.id:28} {s.kind:8} {s.region or '-':12} {s.url}{flag}")


@sources_app.command("check")
def sources_check(
    source: Annotated[list[str] | None, typer.Option("--source", "-s")] = None,
    offline: Annotated[
        bool, typer.Option(help="Only validate sources.yaml; do not probe.")
    ] = False,
) -> None:
    """Validate sources.yaml, then probe each source and print what it found or why it failed."""
    from policywatch.config import load_sources, settings_from_env

    settings = settings_from_env()
    cfg = load_sources(settings.sources_path)
    typer.echo(f"{settings.sources_path}: OK, {len(cfg.sources)} sources", err=True)
    if offline:
        return
    from policywatch.health import probe_sources  # loads trafilatura: only when probing

    rows = probe_sources(cfg, settings, source or [])
    for row in rows:
        typer.echo(row.line())
    if any(not row.ok for row in rows):
        raise typer.Exit(1)


@baseline_app.command("list")
def baseline_list() -> None:
    """Show the baseline documents (id, origin, size, title) and their total."""
    from policywatch.baseline import load_baseline
    from policywatch.config import settings_from_env

    settings = settings_from_env()
    docs = load_baseline(settings.baseline_dir, builtin=settings.builtin_baseline)
    for doc in docs:
        typer.echo(f"{doc.id:24} {doc.origin:10} {len(doc.text):6} chars  {doc.title}")
    user = sum(1 for doc in docs if doc.origin != "built-in")
    typer.echo(
        f"{len(docs)} baseline documents ({len(docs) - user} built-in, {user} from "
        f"{settings.baseline_dir})",
        err=True,
    )


@baseline_app.command("add")
def baseline_add(
    target: Annotated[str, typer.Argument(help="A text/HTML file or an http(s) URL.")],
) -> None:
    """Add a document (text file, HTML file or URL to fetch and extract) to the baseline."""
    from policywatch.baseline_add import add_target

    path = add_target(target)
    typer.echo(f"added {path}")


@app.command("config")
def config_view() -> None:
    """Print every resolved setting and where it came from (secrets masked)."""
    from policywatch.settings import resolved_settings

    for name, value, origin in resolved_settings():
        typer.echo(f"{name + '=' + value:72} ({origin})")


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="The working folder to create.")] = Path("."),
) -> None:
    """Scaffold a working folder: sources.yaml, topics.yaml, baseline/, .env.example, prefect.yaml.

    Existing files are never overwritten."""
    from policywatch.scaffold import scaffold

    for path, created in scaffold(folder):
        typer.echo(f"{'created' if created else 'kept   '} {path}")
    typer.echo(f"next: cd {folder} && policywatch sources check --offline", err=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the database schema in place."""
    from policywatch.config import settings_from_env
    from policywatch.storage import Store

    Store.open(settings_from_env().db_url).close()
    typer.echo("database is up to date", err=True)


@db_app.command("refingerprint")
def db_refingerprint() -> None:
    """Recompute band keys of an older fingerprint version and the cross-language keys of
    items stored before that layer (resumable; safe while other runs write)."""
    from policywatch.config import settings_from_env
    from policywatch.glossary import load_glossary
    from policywatch.maintenance import refingerprint
    from policywatch.storage import Store

    settings = settings_from_env()
    glossary = load_glossary(settings.glossary_path)
    store = Store.open(settings.db_url)
    try:
        done = refingerprint(store, glossary)
    finally:
        store.close()
    typer.echo(f"refingerprinted {done.items} items (fingerprint version {done.version})", err=True)


@app.command()
def brief(
    week: Annotated[
        str | None,
        typer.Option(help="ISO week (default: last complete week).", callback=_week_option),
    ] = None,
    send: Annotated[bool, typer.Option("--send/--no-send", help="Email it (once).")] = False,
    resend: Annotated[bool, typer.Option(help="Send again even if already sent.")] = False,
    group_by: Annotated[GroupBy, typer.Option(help="Group entries by topic or region.")] = (
        GroupBy.topic
    ),
    profile: Annotated[
        str | None, typer.Option(help="Only this briefing profile of subscriptions.yaml.")
    ] = None,
) -> None:
    """Render and archive a week's briefing; with --send, email it at most once (with a
    subscriptions file: each profile's briefing, once per recipient)."""
    from policywatch import app as lib

    ctx = lib.load_context()
    try:
        outcome = lib.brief(ctx, week, send=send, resend=resend, group_by=group_by, profile=profile)
    finally:
        ctx.close()
    b = outcome.briefing
    typer.echo(f"{b.week}: {b.new_count} new items -> {outcome.paths['html']}", err=True)
    if not outcome.deliveries:
        typer.echo(outcome.note, err=True)
    for sent in outcome.deliveries:
        typer.echo(f"{sent.subject}: {sent.status} {sent.recipient} {sent.note}".rstrip(), err=True)
    if outcome.failed:
        raise typer.Exit(1)  # recorded, and retried by the next `brief --send`


@app.command()
def run(
    week: Annotated[
        str | None,
        typer.Option(help="ISO week (default: last complete week).", callback=_week_option),
    ] = None,
    send: Annotated[bool, typer.Option("--send/--no-send")] = True,
    group_by: Annotated[GroupBy, typer.Option(help="Group entries by topic or region.")] = (
        GroupBy.topic
    ),
) -> None:
    """The weekly main job: ingest every source, then brief and send the week."""
    results = run_ingest_flow()
    _echo_results(results)
    brief(week=week, send=send, resend=False, group_by=group_by, profile=None)
    _exit_on_database_failures(results)


def run_ingest_flow(sources: list[str] | None = None) -> list[Any]:
    """Run the Prefect `ingest` flow in this process (workers' forkserver started first)."""
    prefect_env(extraction=True)
    from flows.ingest import ingest as ingest_flow

    settle_imports()
    return orchestrated(lambda: ingest_flow(sources=sources))


# Prefect's variables that turn flow-run heartbeats on (the current and the legacy name).
_HEARTBEAT_VARIABLES = ("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "PREFECT_RUNNER_HEARTBEAT_FREQUENCY")


def without_heartbeats() -> AbstractContextManager[Any]:
    """No flow-run heartbeat thread for a run started from the command line, unless the user
    asks for one. Heartbeats let a Prefect automation mark a deployment's run that died as
    crashed; a command-line run reports its own end. The thread sleeps in one-second steps,
    and the flow waits for it to wake: 0.5 s of every run on average (issue 17)."""
    if any(name in os.environ for name in _HEARTBEAT_VARIABLES):
        return nullcontext()
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    return temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})


def orchestrated(flow_call: Callable[[], Any]) -> Any:
    """Run a flow once the database and a configured Prefect API answer (else one line, exit
    1); a Prefect API lost during the run is one line too (what was done is stored)."""
    import httpx

    from flows.serve import check_api
    from policywatch.config import settings_from_env
    from policywatch.storage import Store

    Store.open(settings_from_env().db_url).close()  # down: "cannot open database ..."
    check_api()
    try:
        with without_heartbeats():
            return flow_call()
    except httpx.HTTPError as exc:
        raise PolicywatchError(
            f"lost the Prefect API during the run ({type(exc).__name__}: {exc}); what was "
            "fetched is stored, the next run picks up the rest"
        ) from None


@app.command()
def demo(
    keep: Annotated[bool, typer.Option(help="Keep serving the demo site until Ctrl-C.")] = False,
) -> None:
    """Offline demo: serve the bundled demo site on 127.0.0.x and run ingest + briefing over it."""
    from policywatch.demo_run import run_demo

    out_dir = Path(os.environ.get("POLICYWATCH_DEMO_DIR", "demo-output"))
    run_demo(out_dir, run_ingest_flow, keep=keep)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address of the local Prefect server.")] = "127.0.0.1",
    port: Annotated[
        int | None, typer.Option(help="Port of the local Prefect server (default: a free one).")
    ] = None,
) -> None:
    """Run the schedules: serve the deployments on PREFECT_API_URL or a local Prefect server."""
    prefect_env()
    from flows.serve import run_serve

    run_serve(Path(os.environ["PREFECT_HOME"]).expanduser(), host, port, echo=_echo_flush)


def _echo_flush(line: str) -> None:
    typer.echo(line)
    sys.stdout.flush()


@app.command()
def backfill(
    since: Annotated[
        str, typer.Option(help="First publication date, YYYY-MM-DD.", callback=_date_option)
    ],
    until: Annotated[
        str | None,
        typer.Option(help="Last publication date (default: today).", callback=_date_option),
    ] = None,
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only this source id (repeatable).")
    ] = None,
    send: Annotated[
        bool, typer.Option("--send/--no-send", help="Email each week's briefing (once).")
    ] = False,
) -> None:
    """Ingest items published in a past range and archive each week's briefing (flow `backfill`)."""
    since_day = date.fromisoformat(since)
    until_day = date.fromisoformat(until) if until else None
    if until_day and since_day > until_day:
        raise ConfigError(f"--since {since} is after --until {until}")
    prefect_env(extraction=True)
    from flows.backfill import backfill as backfill_flow

    settle_imports()
    result = orchestrated(
        lambda: backfill_flow(since=since_day, until=until_day, sources=source or None, send=send)
    )
    for week, count in result["weeks"].items():
        typer.echo(f"{week}: {count} new items", err=True)
    typer.echo(
        f"backfill {result['since']}..{result['until']}: {result['new_items']} new", err=True
    )
    _exit_on_database_failures(result["results"])


@app.command()
def search(
    query: Annotated[str, typer.Argument(help='Words, "a phrase", -excluded, a OR b.')],
    since: Annotated[
        str | None, typer.Option(help="Published on or after DATE.", callback=_date_option)
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Published on or before DATE.", callback=_date_option)
    ] = None,
    status: Annotated[ItemStatus | None, typer.Option(help="Only items with this status.")] = None,
    topic: Annotated[str | None, typer.Option(help="Only items with this topic.")] = None,
    region: Annotated[str | None, typer.Option(help="Only items of this region.")] = None,
    source: Annotated[str | None, typer.Option(help="Only items of this source id.")] = None,
    fmt: Annotated[TableFormat, typer.Option("--format", help="Output format.")] = (
        TableFormat.table
    ),
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many.")] = 20,
) -> None:
    """Search stored items (title and text), best match first, with highlighted snippets."""
    from policywatch.config import settings_from_env
    from policywatch.search import parse_query, rank
    from policywatch.storage import Store
    from policywatch.storage.search import SearchFilters

    try:
        parsed = parse_query(query)
    except ConfigError as exc:
        raise typer.BadParameter(str(exc), param_hint="QUERY") from None
    filters = SearchFilters(
        since=date.fromisoformat(since) if since else None,
        until=date.fromisoformat(until) if until else None,
        status=status.value if status else None,
        topic=topic,
        region=region,
        source=source,
    )
    store = Store.open(settings_from_env().db_url)
    try:
        hits = rank(parsed, store.search_candidates(parsed, filters))
    finally:
        store.close()
    rows = [h.as_dict() for h in hits[:limit]]
    if fmt is TableFormat.table:
        sys.stdout.write(_search_table(rows, len(hits)))
    else:
        sys.stdout.write(format_rows(rows, Format(fmt.value)))


def _search_table(rows: list[dict[str, Any]], total: int) -> str:
    lines = [
        f"{total} {'match' if total == 1 else 'matches'}"
        + (f", best {len(rows)} shown" if total > len(rows) else "")
    ]
    for row in rows:
        lines.append(
            f"{row['score']:7.2f}  {row['published'] or '-':10}  {row['source']}  {row['title']}"
        )
        lines.append(f"{'':9}{row['snippet']}")
        lines.append(f"{'':9}{row['url']}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    main()
