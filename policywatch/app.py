"""Library entry points the CLI and the Prefect flows share (no Prefect here).

`Context` bundles what one process needs: settings, sources, lexicon, baseline and the store.
The flows call `ingest_many` per group of sources; `ingest` runs all sources without Prefect
(tests, bench).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from policywatch import archive, briefing, delivery, mail, render
from policywatch.baseline import BaselineDoc, load_baseline
from policywatch.classify import Lexicon, load_lexicon
from policywatch.config import Settings, Source, SourcesFile, load_sources, settings_from_env
from policywatch.delivery import STALE_SENDING, Outbox, SendResult
from policywatch.errors import ConfigError, MailError, PolicywatchError, RecipientsRefused
from policywatch.glossary import Glossary, load_glossary
from policywatch.memory import limit_malloc_arenas
from policywatch.models import Briefing, SourceResult
from policywatch.pipeline import Extractor, IngestRun, Window, ingest_sources
from policywatch.settings import SmtpSettings, mask_url
from policywatch.storage import Store
from policywatch.storage.deliveries import INTERRUPTED
from policywatch.subscriptions import Profile, SubscriptionsFile, load_subscriptions

log = logging.getLogger("policywatch")


@dataclass
class Context:
    """Everything a command needs, loaded and validated once."""

    settings: Settings
    sources: SourcesFile
    lexicon: Lexicon
    baseline: tuple[BaselineDoc, ...]
    store: Store
    subscriptions: SubscriptionsFile | None = None
    glossary: Glossary | None = None  # None: the built-in one, loaded by the workers

    def close(self) -> None:
        self.store.close()


def load_context(settings: Settings | None = None) -> Context:
    """Validate configuration and open the store (ConfigError/StoreError on bad input)."""
    settings = settings or settings_from_env()
    sources = load_sources(settings.sources_path)
    lexicon = load_lexicon(settings.topics_path)
    baseline = load_baseline(settings.baseline_dir, builtin=settings.builtin_baseline)
    subscriptions = _subscriptions(settings)
    glossary = load_glossary(settings.glossary_path)
    log.info(
        "sources %s; database %s; baseline %d documents (%s)",
        settings.sources_path,
        mask_url(settings.db_url),
        len(baseline),
        _baseline_origin(settings),
    )
    store = Store.open(settings.db_url)
    return Context(settings, sources, lexicon, baseline, store, subscriptions, glossary)


def _subscriptions(settings: Settings) -> SubscriptionsFile | None:
    """The subscriptions file, if there is one; its profiles replace POLICYWATCH_MAIL_TO."""
    if settings.subscriptions_path is None:
        return None
    subs = load_subscriptions(settings.subscriptions_path)
    if subs.briefings and settings.smtp.mail_to:
        log.warning(
            "%s has briefing profiles: they replace POLICYWATCH_MAIL_TO (%s gets no briefing)",
            settings.subscriptions_path,
            ", ".join(settings.smtp.mail_to),
        )
    return subs


def _baseline_origin(settings: Settings) -> str:
    """Where the baseline comes from, for the start-up log line."""
    parts = ["built-in"] if settings.builtin_baseline else []
    return " + ".join([*parts, str(settings.baseline_dir)])


def new_run(ctx: Context, window: Window | None = None) -> IngestRun:
    """Start the shared parts of an ingest run (the extraction process pool among them)."""
    limit_malloc_arenas()  # before the groups' threads allocate (policywatch/memory.py)
    extractor = Extractor(ctx.settings.workers, ctx.lexicon, ctx.baseline, ctx.glossary)
    return IngestRun(
        ctx.store, extractor, ctx.sources.fetch, str(uuid.uuid4()), ctx.settings.timezone, window
    )


def ingest_many(sources: Sequence[Source], run: IngestRun) -> list[SourceResult]:
    """Ingest sources concurrently in one event loop, one HTTP client shared (a Prefect task
    wraps this)."""
    return asyncio.run(ingest_sources(sources, run))


def ingest(
    ctx: Context, source_ids: Sequence[str] = (), window: Window | None = None
) -> list[SourceResult]:
    """Ingest the chosen (or all enabled) sources concurrently, without Prefect."""
    sources = ctx.sources.enabled(list(source_ids))
    run = new_run(ctx, window)
    try:
        return ingest_many(sources, run)
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
    deliveries: tuple[SendResult, ...] = ()  # per profile recipient, with a subscriptions file
    failed: bool = False  # a send failed or a recipient was refused: recorded, retried


def brief(
    ctx: Context,
    week: str | None = None,
    *,
    send: bool = False,
    resend: bool = False,
    group_by: str = "topic",
    profile: str | None = None,
) -> BriefOutcome:
    """Render and archive a week's briefing (default: the last complete week); with send, mail
    it at most once (ledger), or with a subscriptions file send each profile's own briefing
    once per recipient. The week may be written in any case; ConfigError if invalid."""
    tz = ctx.settings.timezone
    week = briefing.canonical_week(week or briefing.last_complete_week(tz))
    briefing.check_group_by(group_by)
    profiles = _profiles(ctx, profile)
    # Earlier sends still owed go first, so this week's footer tells how they went.
    retried = _retry_mail(ctx, week, group_by) if send and not profiles else []
    briefing.claim_items(ctx.store, week, tz)
    b = _build(ctx, week, group_by)
    html, text, markdown, paths = _archive(ctx.settings.reports_dir, b)
    if profiles:
        return _brief_profiles(ctx, b, paths, markdown, profiles, send=send, resend=resend)
    if not send:
        return BriefOutcome(b, paths, False, note="not sent (--no-send)", markdown=markdown)
    outcome = replace(_deliver(ctx, b, html, text, paths, resend), markdown=markdown)
    return _after_retries(outcome, retried)


def _archive(folder: Path, b: Briefing) -> tuple[str, str, str, dict[str, Path]]:
    """Render a briefing (HTML, text, Markdown) and archive it in `folder`."""
    html, text, markdown = render.render_html(b), render.render_text(b), render.render_markdown(b)
    return html, text, markdown, archive.write_briefing(folder, b, html, text, markdown)


def _build(ctx: Context, week: str, group_by: str) -> Briefing:
    return briefing.build_briefing(
        ctx.store, week, ctx.sources.sources, group_by=group_by, timezone=ctx.settings.timezone
    )


def _profiles(ctx: Context, wanted: str | None) -> list[Profile]:
    """The profiles to brief: the one asked for, or all; none without a subscriptions file."""
    subs = ctx.subscriptions
    if wanted is not None:
        if subs is None:
            raise ConfigError(
                f"--profile {wanted}: no subscriptions file (create subscriptions.yaml in "
                f"{ctx.settings.home} or set POLICYWATCH_SUBSCRIPTIONS)"
            )
        return [subs.profile(wanted)]
    return list(subs.briefings) if subs else []


def _brief_profiles(
    ctx: Context,
    b: Briefing,
    paths: dict[str, Path],
    markdown: str,
    profiles: list[Profile],
    *,
    send: bool,
    resend: bool,
) -> BriefOutcome:
    """Archive (and with send, deliver) each profile's briefing; retry earlier weeks' failures."""
    results: list[SendResult] = []
    for profile in profiles:
        if send:  # first, so this week's footer tells how the retries went
            results += _retry_profile(ctx, b.week, profile, b.group_by)
        results += brief_profile(ctx, b, profile, send=send, resend=resend)
    note = _delivery_note(results) if send else "not sent (--no-send)"
    sent = any(r.status == "sent" for r in results)
    failed = any(r.status == "failed" for r in results)
    return BriefOutcome(
        b, paths, sent, note=note, markdown=markdown, deliveries=tuple(results), failed=failed
    )


def brief_profile(
    ctx: Context, base: Briefing, profile: Profile, *, send: bool, resend: bool = False
) -> list[SendResult]:
    """Archive the profile's view of `base` in reports/profiles/<id>/ and deliver it."""
    tags = delivery.source_tags(ctx.sources.sources)
    pb = delivery.profile_briefing(ctx.store, base, profile, tags)
    folder = ctx.settings.reports_dir / "profiles" / profile.id
    html, text, _markdown, _paths = _archive(folder, pb)
    if not send:
        return []
    outbox = Outbox(ctx.store, ctx.settings.smtp, folder)
    subject = delivery.profile_subject(pb.week, profile)
    message = delivery.briefing_message(pb, html, text)
    return outbox.deliver("briefing", subject, profile.to, message, pb.new_count, force=resend)


def _retry_profile(ctx: Context, week: str, profile: Profile, group_by: str) -> list[SendResult]:
    """Send earlier weeks' briefings of the profile to recipients that failed then."""
    outbox = Outbox(ctx.store, ctx.settings.smtp, ctx.settings.reports_dir)
    results: list[SendResult] = []
    for earlier in delivery.retry_weeks(week):
        subject = delivery.profile_subject(earlier, profile)
        if ctx.store.sends([subject]) and outbox.pending("briefing", subject, profile.to):
            results += brief_profile(ctx, _build(ctx, earlier, group_by), profile, send=True)
    return results


def _delivery_note(results: list[SendResult]) -> str:
    """'china-desk: sent to a@x; failed json://…: reason' — one clause per recipient."""
    if not results:
        return "no recipients"
    return "; ".join(
        f"{r.subject} {r.status} {r.recipient}" + (f" ({r.note})" if r.note else "")
        for r in results
    )


def delivery_rows(store: Store) -> list[dict[str, Any]]:
    """Every delivery, oldest first: the POLICYWATCH_MAIL_TO ledger (kind `briefing`, subject
    the week) and the subscriptions ledger (profiles, alerts, notices), one row per recipient."""
    rows = [_ledger_row("briefing", r["week"], r["recipients"], r) for r in store.deliveries()] + [
        _ledger_row(r["kind"], r["subject"], r["recipient"], r) for r in store.sends()
    ]
    return sorted(rows, key=lambda r: (r["attempted_at"] or "", r["subject"]))


def _ledger_row(kind: str, subject: str, recipient: str, row: dict[str, Any]) -> dict[str, Any]:
    from policywatch.subscriptions import mask_recipient

    def iso(value: Any) -> str | None:
        return archive.aware(value).isoformat(timespec="seconds") if value else None

    return {
        "kind": kind,
        "subject": subject,
        "recipient": mask_recipient(recipient),
        "status": row["status"],
        "items": row["item_count"],
        "attempted_at": iso(row["attempted_at"]),
        "sent_at": iso(row["sent_at"]),
        "error": row["error"],
    }


def after_ingest(ctx: Context, run_started: datetime) -> list[SendResult]:
    """Alert rules and source-failure notices, after an ingest run (none without a file)."""
    subs = ctx.subscriptions
    if subs is None:
        return []
    outbox = Outbox(ctx.store, ctx.settings.smtp, ctx.settings.reports_dir / "alerts")
    sources = ctx.sources.sources
    return delivery.run_alerts(outbox, subs, sources, run_started) + delivery.notify_failing(
        outbox, subs, sources
    )


def _deliver(
    ctx: Context,
    b: Briefing,
    html: str,
    text: str,
    paths: dict[str, Path],
    resend: bool,
    to: Sequence[str] | None = None,
) -> BriefOutcome:
    """Send (or write as .eml) once per week and recipient list (`to`, default
    POLICYWATCH_MAIL_TO), via the ledger; a send cut off by a crash is taken over once stale
    and re-sent with the same Message-ID."""
    smtp = ctx.settings.smtp
    if to is not None:
        smtp = smtp.model_copy(update={"mail_to": tuple(to)})
    recipients = ",".join(smtp.mail_to) if smtp.host else "eml"
    # Built before the ledger is touched: a bad address fails here and blocks nothing.
    message = mail.build_message(
        b, html, text, smtp, message_id=briefing.message_id(b.week, recipients)
    )
    msg_id, previous = briefing.ledger_begin(
        ctx.store, b.week, recipients, b.new_count, resend=resend, stale_after=STALE_SENDING
    )
    if msg_id is None:
        return BriefOutcome(b, paths, False, note=_not_sending(b.week, previous))
    outcome = _send_reserved(ctx, smtp, b, message, paths, recipients)
    if previous != "sending":
        return outcome
    return replace(
        outcome, note=f"{b.week} re-sent ({INTERRUPTED}; same Message-ID): {outcome.note}"
    )


def _not_sending(week: str, previous: str | None) -> str:
    """Why the week's send was not even tried: it is sent, or a send of it is under way."""
    if previous == "sent":
        return f"{week} already sent; use --resend to send again"
    return (
        f"{week} is being sent by another run, or an earlier send was cut off (may have "
        f"arrived): a run {delivery.stale_minutes()} minutes after it started re-sends it with "
        "the same Message-ID; use --resend to send it now"
    )


def _send_reserved(
    ctx: Context,
    smtp: SmtpSettings,
    b: Briefing,
    message: Any,
    paths: dict[str, Path],
    recipients: str,
) -> BriefOutcome:
    """Transmit a reserved send and record how it went; addresses the server refused get rows
    of their own (retried alone), a failure is recorded and raised as one line."""
    try:
        outcome = _transmit(ctx, smtp, b, message, paths)
    except RecipientsRefused as exc:
        briefing.ledger_finish(ctx.store, b.week, recipients)
        for address, reason in exc.refused.items():
            briefing.ledger_refused(ctx.store, b.week, address, b.new_count, reason)
        note = f"{b.week} sent, but {exc}; recorded, the next run sends it to them alone"
        return BriefOutcome(b, paths, True, note=note, failed=True)
    except Exception as exc:  # any failure before delivery: recorded, retried by a later run
        briefing.ledger_finish(ctx.store, b.week, recipients, error=str(exc) or repr(exc))
        if isinstance(exc, PolicywatchError):
            raise MailError(
                f"{b.week} not sent ({exc}); recorded, the next run retries it"
            ) from None
        raise
    briefing.ledger_finish(ctx.store, b.week, recipients)
    return outcome


def _retry_mail(ctx: Context, week: str, group_by: str) -> list[BriefOutcome]:
    """Send what the POLICYWATCH_MAIL_TO ledger still owes besides this week's send: earlier
    weeks' failed or cut-off sends, and addresses the server refused (alone)."""
    smtp = ctx.settings.smtp
    groups = [",".join(smtp.mail_to), *smtp.mail_to] if smtp.host else ["eml"]
    weeks = [*delivery.retry_weeks(week), week]
    owed = briefing.owed(ctx.store, weeks, groups, STALE_SENDING)
    done = []
    for earlier, recipients in [o for o in owed if o != (week, groups[0])]:
        b = _build(ctx, earlier, group_by)
        html, text, _markdown, paths = _archive(ctx.settings.reports_dir, b)
        to = recipients.split(",") if smtp.host else None
        try:
            done.append(_deliver(ctx, b, html, text, paths, False, to))
        except PolicywatchError as exc:
            done.append(BriefOutcome(b, paths, False, note=str(exc), failed=True))
        log.warning("%s", done[-1].note)
    return done


def _after_retries(outcome: BriefOutcome, retried: list[BriefOutcome]) -> BriefOutcome:
    """This week's outcome, with the notes of the sends retried before it first."""
    if not retried:
        return outcome
    note = "\n".join([*(r.note for r in retried), outcome.note])
    return replace(outcome, note=note, failed=outcome.failed or any(r.failed for r in retried))


def _transmit(
    ctx: Context, smtp: SmtpSettings, b: Briefing, message: Any, paths: dict[str, Path]
) -> BriefOutcome:
    if not smtp.host:
        eml = mail.write_eml(message, ctx.settings.reports_dir)
        return BriefOutcome(b, paths, True, eml, note=f"no SMTP host configured; wrote {eml}")
    mail.send_message(message, smtp)
    return BriefOutcome(b, paths, True, note=f"sent to {', '.join(smtp.mail_to)}")
