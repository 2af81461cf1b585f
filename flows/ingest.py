"""The `ingest` flow: one Prefect task per group of up to SOURCES_PER_TASK sources, all groups
concurrently; inside a task its sources run concurrently in one event loop, pages inside those.

A Prefect task run costs ~5 ms of CPU and a thread with its own event loop: one per source made
an unchanged re-run of 1,000 sources take 35-75 s (issue 17). Every source still has its own
result: the run summary, the artifact, `fetch_runs` and the warning of a failing source.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import overload

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
SOURCES_PER_TASK = 25  # 1,000 sources: 40 task runs (0.2 ms of Prefect CPU per source)


@task(name="ingest-sources", cache_policy=NO_CACHE, task_run_name="ingest-{label}")
def ingest_sources_task(source_ids: list[str], run_id: str, label: str) -> list[SourceResult]:
    """Ingest a group of sources concurrently. Never raises: a failed source is a recorded
    result, and transient errors were already retried with backoff inside the fetcher."""
    ctx, run = _RUNS[run_id]
    return app.ingest_many(ctx.sources.enabled(source_ids), run)


class Results(Sequence[SourceResult]):
    """The flow's per-source results, in a container Prefect does not walk: on return it
    visits every field of a list of dataclasses looking for futures (5 ms per source)."""

    def __init__(self, results: list[SourceResult]) -> None:
        self._results = tuple(results)

    @overload
    def __getitem__(self, index: int) -> SourceResult: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[SourceResult]: ...

    def __getitem__(self, index: int | slice) -> SourceResult | Sequence[SourceResult]:
        return self._results[index]

    def __len__(self) -> int:
        return len(self._results)

    def __repr__(self) -> str:
        return f"Results({list(self._results)!r})"


def groups(chosen: tuple[Source, ...]) -> list[tuple[list[str], str]]:
    """Source ids in groups of SOURCES_PER_TASK, each with its task run label: the first id,
    and `+N` for the N others (`cac-policy`, `cac-policy+24`)."""
    found = []
    for start in range(0, len(chosen), SOURCES_PER_TASK):
        ids = [s.id for s in chosen[start : start + SOURCES_PER_TASK]]
        found.append((ids, ids[0] + (f"+{len(ids) - 1}" if len(ids) > 1 else "")))
    return found


@flow(name="ingest", log_prints=False)
def ingest(
    sources: list[str] | None = None,
    since: date | None = None,
    until: date | None = None,
    tags: list[str] | None = None,
    exclude_tags: list[str] | None = None,
) -> Results:
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
        futures = [
            ingest_sources_task.submit(ids, run.run_id, label) for ids, label in groups(chosen)
        ]
        results = _collect(futures, len(chosen))
        run.extractor.close()
        # A backfill (a window) finds old news: alerts are for what the schedule finds.
        sends = app.after_ingest(ctx, started) if window is None else []
    finally:
        _RUNS.pop(run.run_id, None)
        run.extractor.close()
        ctx.close()
    _report(results)
    _report_sends(sends)
    return Results(results)


def _collect(futures: list[PrefectFuture[list[SourceResult]]], total: int) -> list[SourceResult]:
    """Results in submission order, with live progress on a terminal as groups finish."""
    progress = SourceProgress(total)
    for future in as_completed(futures):
        for result in future.result():
            progress.update(result)
    progress.close()
    return [result for f in futures for result in f.result()]


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
