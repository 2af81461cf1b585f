"""Library entry points the CLI and the Prefect flows share (no Prefect here).

`Context` bundles what one process needs: settings, sources, lexicon, baseline and the store.
The flows call `ingest_one` per source; `ingest` runs all sources without Prefect (tests, bench).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from policywatch import archive, briefing, mail, render
from policywatch.baseline import BaselineDoc, load_baseline
from policywatch.classify import Lexicon, load_lexicon
from policywatch.config import Settings, Source, SourcesFile, load_sources, settings_from_env
from policywatch.models import Briefing, SourceResult
from policywatch.pipeline import Extractor, IngestRun, Window, ingest_source
from policywatch.settings import mask_url
from policywatch.storage import Store

log = logging.getLogger("policywatch")


@dataclass
class Context:
    """Everything a command needs, loaded and validated once."""

    settings: Settings
    sources: SourcesFile
    lexicon: Lexicon
    baseline: tuple[BaselineDoc, ...]
    store: Store

    def close(self) -> None:
        self.store.close()


def load_context(settings: Settings | None = None) -> Context:
    """Validate configuration and open the store (ConfigError/StoreError on bad input)."""
    settings = settings or settings_from_env()
    sources = load_sources(settings.sources_path)
    lexicon = load_lexicon(settings.topics_path)
    baseline = load_baseline(settings.baseline_dir, builtin=settings.builtin_baseline)
    log.info(
        "sources %s; database %s; baseline %d documents (%s)",
        settings.sources_path,
        mask_url(settings.db_url),
        len(baseline),
        _baseline_origin(settings),
    )
    return Context(settings, sources, lexicon, baseline, Store.open(settings.db_url))


def _baseline_origin(settings: Settings) -> str:
    """Where the baseline comes from, for the start-up log line."""
    parts = ["built-in"] if settings.builtin_baseline else []
    return " + ".join([*parts, str(settings.baseline_dir)])


def new_run(ctx: Context, window: Window | None = None) -> IngestRun:
    """Start the shared parts of an ingest run (the extraction process pool among them)."""
    extractor = Extractor(ctx.settings.workers, ctx.lexicon, ctx.baseline)
    return IngestRun(
        ctx.store, extractor, ctx.sources.fetch, str(uuid.uuid4()), ctx.settings.timezone, window
    )


def ingest_one(source: Source, run: IngestRun) -> SourceResult:
    """Ingest one source synchronously (a Prefect task wraps this)."""
    return asyncio.run(ingest_source(source, run))


def ingest(
    ctx: Context, source_ids: Sequence[str] = (), window: Window | None = None
) -> list[SourceResult]:
    """Ingest the chosen (or all enabled) sources concurrently, without Prefect."""
    sources = ctx.sources.enabled(list(source_ids))
    run = new_run(ctx, window)
    try:

        async def all_sources() -> list[SourceResult]:
            return list(await asyncio.gather(*(ingest_source(s, run) for s in sources)))

        return asyncio.run(all_sources())
    finally:
        run.extractor.close()


def summary_markdown(results: Sequence[SourceResult]) -> str:
    """Per-run summary table (logged and published as a Prefect artifact)."""
    lines = [
        "| source | found | fetched | new | duplicates | failed | error |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        error = (r.error or "").replace("|", "\\|")[:200]
        counts = f"{r.found} | {r.fetched} | {r.new} | {r.duplicates} | {r.failed}"
        lines.append(f"| {r.source_id} | {counts} | {error} |")
    total_new = sum(r.new for r in results)
    failed = sum(1 for r in results if r.error)
    lines.append(f"\n**{len(results)} sources, {total_new} new items, {failed} sources failed.**")
    return "\n".join(lines)


@dataclass(frozen=True)
class BriefOutcome:
    """What `brief` did: where the files are, whether mail went out, and why not."""

    briefing: Briefing
    paths: dict[str, Path]
    sent: bool
    eml: Path | None = None
    note: str = ""
    markdown: str = ""


def brief(
    ctx: Context,
    week: str | None = None,
    *,
    send: bool = False,
    resend: bool = False,
    group_by: str = "topic",
) -> BriefOutcome:
    """Render and archive a week's briefing (default: the last complete week); with send, mail
    it at most once (ledger). The week may be written in any case; ConfigError if invalid."""
    tz = ctx.settings.timezone
    week = briefing.canonical_week(week or briefing.last_complete_week(tz))
    briefing.check_group_by(group_by)
    briefing.claim_items(ctx.store, week, tz)
    b = briefing.build_briefing(
        ctx.store, week, ctx.sources.sources, group_by=group_by, timezone=tz
    )
    html, text, markdown = render.render_html(b), render.render_text(b), render.render_markdown(b)
    paths = archive.write_briefing(ctx.settings.reports_dir, b, html, text, markdown)
    if not send:
        return BriefOutcome(b, paths, False, note="not sent (--no-send)", markdown=markdown)
    return replace(_deliver(ctx, b, html, text, paths, resend), markdown=markdown)


def _deliver(
    ctx: Context, b: Briefing, html: str, text: str, paths: dict[str, Path], resend: bool
) -> BriefOutcome:
    """Send (or write as .eml) at most once per week and recipient list, via the ledger."""
    smtp = ctx.settings.smtp
    recipients = ",".join(smtp.mail_to) if smtp.host else "eml"
    # Built before the ledger is touched: a bad address fails here and blocks nothing.
    message = mail.build_message(
        b, html, text, smtp, message_id=briefing.message_id(b.week, recipients)
    )
    msg_id, previous = briefing.ledger_begin(
        ctx.store, b.week, recipients, b.new_count, resend=resend
    )
    if msg_id is None:
        why = (
            "already sent"
            if previous == "sent"
            else "is being sent by another run, or an earlier send was cut off (may have arrived)"
        )
        return BriefOutcome(b, paths, False, note=f"{b.week} {why}; use --resend to send again")
    try:
        outcome = _transmit(ctx, b, message, paths)
    except Exception as exc:  # any failure before delivery: recorded, retried by a later run
        briefing.ledger_finish(ctx.store, b.week, recipients, error=str(exc) or repr(exc))
        raise
    briefing.ledger_finish(ctx.store, b.week, recipients)
    return outcome


def _transmit(ctx: Context, b: Briefing, message: Any, paths: dict[str, Path]) -> BriefOutcome:
    smtp = ctx.settings.smtp
    if not smtp.host:
        eml = mail.write_eml(message, ctx.settings.reports_dir)
        return BriefOutcome(b, paths, True, eml, note=f"no SMTP host configured; wrote {eml}")
    mail.send_message(message, smtp)
    return BriefOutcome(b, paths, True, note=f"sent to {', '.join(smtp.mail_to)}")
