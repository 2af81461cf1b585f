"""The `ingest` flow: one Prefect task per source, sources concurrently, pages inside a task."""

from __future__ import annotations

import os
from datetime import date

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from policywatch import app
from policywatch.errors import PolicywatchError
from policywatch.models import SourceResult
from policywatch.pipeline import IngestRun, Window

# Live run state, shared with task threads by run id: never passed into tasks (not hashable).
_RUNS: dict[str, tuple[app.Context, IngestRun]] = {}
RETRY_DELAY = float(os.environ.get("POLICYWATCH_SOURCE_RETRY_DELAY", "30"))


class SourceFailed(PolicywatchError):
    """Raised inside the task so Prefect retries a failed source; carries the result."""

    def __init__(self, result: SourceResult) -> None:
        super().__init__(f"source {result.source_id}: {result.error}")
        self.result = result


@task(
    name="ingest-source",
    retries=1,
    retry_delay_seconds=RETRY_DELAY,
    cache_policy=NO_CACHE,
    task_run_name="ingest-{source_id}",
)
def ingest_source_task(source_id: str, run_id: str) -> SourceResult:
    """Ingest one source; a failed source raises so Prefect retries it once."""
    ctx, run = _RUNS[run_id]
    source = ctx.sources.enabled([source_id])[0]
    result = app.ingest_one(source, run)
    if result.error:
        raise SourceFailed(result)
    return result


@flow(name="ingest", log_prints=False)
def ingest(
    sources: list[str] | None = None, since: date | None = None, until: date | None = None
) -> list[SourceResult]:
    """Discover, fetch, extract, dedupe, classify and store every enabled source."""
    ctx = app.load_context()
    window = Window(since, until) if since or until else None
    run = app.new_run(ctx, window)
    _RUNS[run.run_id] = (ctx, run)
    try:
        chosen = ctx.sources.enabled(sources or [])
        futures = [ingest_source_task.submit(s.id, run.run_id) for s in chosen]
        results = [_outcome(f.result(raise_on_failure=False)) for f in futures]
    finally:
        _RUNS.pop(run.run_id, None)
        run.extractor.close()
        ctx.close()
    _report(results)
    return results


def _outcome(value: object) -> SourceResult:
    if isinstance(value, SourceResult):
        return value
    if isinstance(value, SourceFailed):
        return value.result
    raise value if isinstance(value, BaseException) else TypeError(repr(value))


def _report(results: list[SourceResult]) -> None:
    summary = app.summary_markdown(results)
    get_run_logger().info("ingest summary\n%s", summary)
    create_markdown_artifact(
        markdown=summary, key="ingest-summary", description="policywatch ingest"
    )
