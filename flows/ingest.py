"""The `ingest` flow: one Prefect task per source, sources concurrently, pages inside a task."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture, as_completed

from policywatch import app
from policywatch.config import Source, SourcesFile
from policywatch.models import SourceResult
from policywatch.pipeline import IngestRun, Window
from policywatch.progress import SourceProgress

# Live run state, shared with task threads by run id: never passed into tasks (not hashable).
_RUNS: dict[str, tuple[app.Context, IngestRun]] = {}


@task(name="ingest-source", cache_policy=NO_CACHE, task_run_name="ingest-{source_id}")
def ingest_source_task(source_id: str, run_id: str) -> SourceResult:
    """Ingest one source. Never raises: a failed source is a recorded result, and transient
    errors were already retried with backoff inside the fetcher."""
    ctx, run = _RUNS[run_id]
    source = ctx.sources.enabled([source_id])[0]
    return app.ingest_one(source, run)


@flow(name="ingest", log_prints=False)
def ingest(
    sources: list[str] | None = None,
    since: date | None = None,
    until: date | None = None,
    tags: list[str] | None = None,
    exclude_tags: list[str] | None = None,
) -> list[SourceResult]:
    """Discover, fetch, extract, dedupe, classify and store every enabled source.

    `tags` keeps sources with any of those tags, `exclude_tags` drops them: per-tag
    deployments (`ingest-<tag>`) spread sources over workers.
    """
    started = datetime.now(UTC)
    ctx = app.load_context()
    window = Window(since, until) if since or until else None
    run = app.new_run(ctx, window)
    _RUNS[run.run_id] = (ctx, run)
    try:
        chosen = select_sources(ctx.sources, sources, tags, exclude_tags)
        futures = [ingest_source_task.submit(s.id, run.run_id) for s in chosen]
        results = _collect(futures)
        run.extractor.close()
        # A backfill (a window) finds old news: alerts are for what the schedule finds.
        sends = app.after_ingest(ctx, started) if window is None else []
    finally:
        _RUNS.pop(run.run_id, None)
        run.extractor.close()
        ctx.close()
    _report(results)
    _report_sends(sends)
    return results


def _collect(futures: list[PrefectFuture[SourceResult]]) -> list[SourceResult]:
    """Results in submission order, with live progress on a terminal as sources finish."""
    progress = SourceProgress(len(futures))
    for future in as_completed(futures):
        progress.update(future.result())
    progress.close()
    return [f.result() for f in futures]


def select_sources(
    cfg: SourcesFile,
    ids: list[str] | None,
    tags: list[str] | None = None,
    exclude_tags: list[str] | None = None,
) -> tuple[Source, ...]:
    """Enabled (or named) sources carrying any of `tags` and none of `exclude_tags`."""
    wanted, unwanted = set(tags or ()), set(exclude_tags or ())
    return tuple(
        s
        for s in cfg.enabled(ids or [])
        if (not wanted or wanted & set(s.tags)) and not unwanted & set(s.tags)
    )


def _report_sends(sends: list[app.SendResult]) -> None:
    """One log line per alert or notice recipient; failures as warnings (secrets masked)."""
    logger = get_run_logger()
    for send in sends:
        level = logging.WARNING if send.status == "failed" else logging.INFO
        logger.log(
            level, "%s %s %s %s %s", send.kind, send.subject, send.status, send.recipient, send.note
        )


def _report(results: list[SourceResult]) -> None:
    summary = app.summary_markdown(results)
    logger = get_run_logger()
    for failed in (r for r in results if r.error):
        logger.warning("source %s failed: %s", failed.source_id, failed.error)
    logger.info("ingest summary\n%s", summary)
    create_markdown_artifact(
        markdown=summary, key="ingest-summary", description="policywatch ingest"
    )
