"""Deliver to subscriptions: each profile's weekly briefing, alert rules after an ingest, and
source-failure notices. Exactly once per subject and recipient, through the store's ledger:
a failing recipient is recorded and retried by the next run, and never blocks the others."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from policywatch import channels
from policywatch.channels import Message
from policywatch.config import Source
from policywatch.errors import PolicywatchError, RecipientsRefused
from policywatch.models import Briefing
from policywatch.settings import SmtpSettings
from policywatch.storage import Store
from policywatch.storage.deliveries import INTERRUPTED
from policywatch.subscriptions import (
    AlertRule,
    Profile,
    SubscriptionsFile,
    expand,
    is_email,
    mask_recipient,
    matches,
)

log = logging.getLogger("policywatch")

# A send left `sending` this long was cut off (a crash, a killed worker): the next run takes it
# over, so nothing is lost; the longest real send (SMTP, 30 s timeout, retries) is far shorter.
STALE_SENDING = timedelta(minutes=15)
# Failed alert batches and profile briefings are retried by later runs for this long.
RETRY_WINDOW = timedelta(days=14)
RETRY_WEEKS = 2  # earlier weeks whose profile briefing is retried by `brief --send`


@dataclass(frozen=True)
class SendResult:
    """One recipient of one message: sent, failed (with the masked reason) or skipped."""

    kind: str
    subject: str
    recipient: str  # as shown: masked
    status: str  # sent | failed | skipped
    note: str = ""


@dataclass(frozen=True)
class Outbox:
    """Where messages go: the store's ledger, the SMTP settings, and the folder for .eml files
    when no SMTP host is configured."""

    store: Store
    smtp: SmtpSettings
    eml_dir: Path

    def deliver(
        self,
        kind: str,
        subject: str,
        to: Sequence[str],
        message: Message,
        item_count: int,
        *,
        force: bool = False,
    ) -> list[SendResult]:
        """Send `message` once to every recipient group of `to` not yet sent for `subject`
        (`force`: again, even to those that have it), and alone to each address the server
        refused within a group that got it."""
        results: list[SendResult] = []
        for group in self._groups(kind, subject, to):
            results += self._deliver_one(kind, subject, group, message, item_count, force)
        return results

    def _deliver_one(
        self, kind: str, subject: str, group: str, message: Message, count: int, force: bool
    ) -> list[SendResult]:
        shown = mask_recipient(group)
        won, previous = self.store.begin_send(
            kind, subject, group, count, STALE_SENDING, force=force
        )
        if not won:
            why = "already sent" if previous == "sent" else "being sent by another run"
            return [SendResult(kind, subject, shown, "skipped", why)]
        key = subject.replace("/", "-")
        try:
            note = channels.send(group, message, self.smtp, self.eml_dir, key)
        except RecipientsRefused as exc:  # the others have it: only the refused are retried
            self.store.finish_send(kind, subject, group)
            sent = SendResult(kind, subject, shown, "sent", _reason(group, exc))
            return [
                sent,
                *(self._refused(kind, subject, a, r, count) for a, r in exc.refused.items()),
            ]
        except Exception as exc:  # any failure of one channel is recorded, never raised
            return [self._failed(kind, subject, group, _reason(group, exc))]
        self.store.finish_send(kind, subject, group)
        if previous == "sending":
            note = f"{note}; re-sent: {INTERRUPTED} (same Message-ID)"
        return [SendResult(kind, subject, shown, "sent", note)]

    def _refused(
        self, kind: str, subject: str, address: str, reason: str, count: int
    ) -> SendResult:
        """Record one refused address of a group as its own failed send (retried alone)."""
        self.store.begin_send(kind, subject, address, count, STALE_SENDING, force=True)
        return self._failed(kind, subject, address, reason)

    def _failed(self, kind: str, subject: str, group: str, reason: str) -> SendResult:
        self.store.finish_send(kind, subject, group, reason)
        shown = mask_recipient(group)
        log.warning("%s %s to %s failed: %s", kind, subject, shown, reason)
        return SendResult(kind, subject, shown, "failed", reason)

    def _groups(self, kind: str, subject: str, to: Sequence[str]) -> list[str]:
        """recipient_groups(to), then the addresses refused alone on an earlier send and not
        sent since (each has a ledger row of its own)."""
        rows = {
            r["recipient"]: r["status"] for r in self.store.sends([subject]) if r["kind"] == kind
        }
        groups = recipient_groups(to)
        alone = [a.strip() for a in to if is_email(a) and a.strip() not in groups]
        return groups + [a for a in alone if rows.get(a) not in (None, "sent")]

    def pending(self, kind: str, subject: str, to: Sequence[str]) -> bool:
        """Whether some recipient group of `to` (or a refused address) lacks `subject` yet."""
        sent = {
            row["recipient"]
            for row in self.store.sends([subject])
            if row["kind"] == kind and row["status"] == "sent"
        }
        return any(group not in sent for group in self._groups(kind, subject, to))


def _reason(group: str, exc: BaseException) -> str:
    """One line, secrets masked: the error's own message, or its type for a foreign one."""
    text = str(exc) if isinstance(exc, PolicywatchError) else f"{type(exc).__name__}: {exc}"
    try:
        return " ".join(expand(group).redact(text).split())
    except PolicywatchError:
        return " ".join(text.split())


def recipient_groups(to: Sequence[str]) -> list[str]:
    """Email addresses as one list 'a@x,b@y' (one message to all), each apprise URL alone."""
    emails = [r.strip() for r in to if is_email(r)]
    return ([",".join(emails)] if emails else []) + [r for r in to if not is_email(r)]


# -- briefing profiles ---------------------------------------------------------------------


def profile_briefing(
    store: Store, base: Briefing, profile: Profile, tags: Mapping[str, Sequence[str]]
) -> Briefing:
    """The week's briefing as `profile` sees it: only the entries and open consultations its
    `match` accepts, under its name; counts of what was filtered stay the week's."""
    ids = [e.item_id for e in base.entries] + [c.item_id for c in base.consultations]
    rows = {row["id"]: row for row in store.items_by_id(ids)}
    keep = {
        i for i, row in rows.items() if matches(profile.match, row, tags.get(row["source_id"], ()))
    }
    return replace(
        base,
        entries=tuple(e for e in base.entries if e.item_id in keep),
        consultations=tuple(c for c in base.consultations if c.item_id in keep),
        profile=profile.name,
        delivery_notes=profile_notes(store, base.week, profile),
    )


def profile_notes(store: Store, week: str, profile: Profile) -> tuple[str, ...]:
    """Footer lines on the profile's sends of the weeks before `week` that were not clean."""
    subjects = [profile_subject(earlier, profile) for earlier in retry_weeks(week)]
    rows = [r for r in store.sends(subjects) if r["kind"] == "briefing"]
    return ledger_notes((r["subject"].split("/")[0], r["recipient"], r) for r in rows)


def briefing_message(b: Briefing, html: str, text: str) -> Message:
    """A profile briefing as one message: the full HTML email, or Markdown lines on channels."""
    from policywatch.mail import subject_for

    lines = tuple(
        f"- [{_md(e.title)}]({e.url}) — {_md(e.source_name)}"
        + (f" · {e.published:%d %b}" if e.published else "")
        for e in b.entries
    ) or ("Nothing new this week.",)
    open_ = f"{len(b.consultations)} consultations open for comment." if b.consultations else ""
    return Message(subject_for(b), lines, open_, html=html, text=text)


def profile_subject(week: str, profile: Profile) -> str:
    return f"{week}/{profile.id}"


# -- alerts --------------------------------------------------------------------------------


def run_alerts(
    outbox: Outbox,
    subs: SubscriptionsFile,
    sources: Sequence[Source],
    run_started: datetime,
) -> list[SendResult]:
    """Claim each rule's new matching stories into a batch and send every batch still owed to
    someone (this run's, and earlier ones that failed or were cut off)."""
    names, tags = _source_maps(sources)
    results: list[SendResult] = []
    for rule in subs.alerts:
        since = outbox.store.alert_since(rule.id, run_started)
        matched = alert_candidates(outbox.store, rule, tags, since)
        batch = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
        outbox.store.claim_alert_stories(rule.id, [row["id"] for row in matched], batch)
        results += _send_batches(outbox, rule, names)
    return results


def alert_candidates(
    store: Store, rule: AlertRule, tags: Mapping[str, Sequence[str]], since: datetime
) -> list[Any]:
    """New stories first seen since `since` (when the rule started alerting: the start of the
    first run that saw it) that its `match` accepts and it has not claimed yet."""
    rows = [
        row
        for row in store.new_stories_since(since)
        if matches(rule.match, row, tags.get(row["source_id"], ()))
    ]
    claimed = store.alert_claimed(rule.id, [row["id"] for row in rows])
    return [row for row in rows if row["id"] not in claimed]


PREVIEW_WINDOW = timedelta(days=7)  # `alerts test` of a rule no run has seen yet looks back


def preview_alert(
    store: Store, rule: AlertRule, sources: Sequence[Source], now: datetime
) -> tuple[list[str], Message]:
    """What the next run would send for `rule` (recipients masked, and the message), without
    claiming, recording or sending anything."""
    names, tags = _source_maps(sources)
    since = store.alert_started(rule.id) or now - PREVIEW_WINDOW
    rows = alert_candidates(store, rule, tags, since)
    return [mask_recipient(g) for g in recipient_groups(rule.to)], alert_message(rule, rows, names)


def _send_batches(outbox: Outbox, rule: AlertRule, names: Mapping[str, str]) -> list[SendResult]:
    results: list[SendResult] = []
    since = datetime.now(UTC) - RETRY_WINDOW
    for batch in outbox.store.alert_batches(rule.id, since):
        subject = f"{rule.id}/{batch}"
        if not outbox.pending("alert", subject, rule.to):
            continue
        rows = outbox.store.alert_batch_items(batch)
        results += outbox.deliver(
            "alert", subject, rule.to, alert_message(rule, rows, names), len(rows)
        )
    return results


def alert_message(rule: AlertRule, rows: Sequence[Any], names: Mapping[str, str]) -> Message:
    """'policywatch alert · <rule> · 2 new stories', one Markdown line per story."""
    count = f"{len(rows)} new {'story' if len(rows) == 1 else 'stories'}"
    return Message(
        f"policywatch alert · {rule.id} · {count}", tuple(_story_line(r, names) for r in rows)
    )


def _story_line(row: Any, names: Mapping[str, str]) -> str:
    title = _md(row["title"] or row["url"])
    parts = [names.get(row["source_id"], row["source_id"])]
    if row["published"]:
        parts.append(f"{row['published']:%Y-%m-%d}")
    if row["stage"] == "draft" and row["consultation_deadline"]:
        parts.append(f"comments due {row['consultation_deadline']:%Y-%m-%d}")
    return f"- [{title}]({row['url']}) — {' · '.join(_md(p) for p in parts)}"


# -- source failures -----------------------------------------------------------------------


def notify_failing(
    outbox: Outbox, subs: SubscriptionsFile, sources: Sequence[Source]
) -> list[SendResult]:
    """Tell `source_failing` recipients once per failure streak that reached `after` runs."""
    rule = subs.source_failing
    if rule is None:
        return []
    results: list[SendResult] = []
    for source in sources:
        streak = outbox.store.failing_streak(source.id)
        if len(streak) < rule.after:
            continue
        first = streak[-1]
        subject = f"{source.id}/{first.run_id}"
        if outbox.pending("source_failing", subject, rule.to):
            message = failing_message(source, streak)
            results += outbox.deliver("source_failing", subject, rule.to, message, len(streak))
    return results


def failing_message(source: Source, streak: Sequence[Any]) -> Message:
    first, latest = streak[-1], streak[0]
    title = f"policywatch: source {source.id} failing ({len(streak)} runs in a row)"
    lines = (
        f"- source: {_md(source.name)} ({source.url})",
        f"- failing since: {_utc(first.started):%Y-%m-%d %H:%M} UTC",
        f"- latest error: {_md(latest.error or '')}",
    )
    return Message(title, lines, "You are told once per failure streak.")


# -- the ledger in the next briefing's footer ----------------------------------------------


def ledger_notes(rows: Iterable[tuple[str, str, Mapping[str, Any]]]) -> tuple[str, ...]:
    """One footer line per (label, recipient, ledger row) whose send was not clean."""
    return tuple(note for label, to, row in rows if (note := ledger_note(label, to, row)))


def ledger_note(label: str, recipient: str, row: Mapping[str, Any]) -> str | None:
    """'2026-W46 to a@x: not delivered (reason); …' for a send that failed, was cut off or
    went out only on a retry; None for one that went out at the first attempt."""
    who = "the .eml file" if recipient == "eml" else mask_recipient(recipient)
    status, error = row["status"], row["error"]
    if status == "failed":
        return f"{label} to {who}: not delivered ({error}); the next run sends it again"
    if status == "sending":
        return (
            f"{label} to {who}: not confirmed (the send of {_stamp(row['attempted_at'])} was "
            f"cut off or is still running); a run {stale_minutes()} minutes later re-sends it"
        )
    if error == INTERRUPTED:
        return (
            f"{label} to {who}: re-sent {_stamp(row['sent_at'])} after a send was cut off "
            "(same Message-ID: most mail clients show one copy)"
        )
    if error:
        return f"{label} to {who}: delivered {_stamp(row['sent_at'])} on a retry, after: {error}"
    return None


def stale_minutes() -> str:
    """STALE_SENDING in minutes, for messages ('15')."""
    return f"{STALE_SENDING.total_seconds() / 60:g}"


def _stamp(value: datetime) -> str:
    return f"{_utc(value):%Y-%m-%d %H:%M} UTC"


# -- helpers -------------------------------------------------------------------------------


def _source_maps(sources: Sequence[Source]) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    return {s.id: s.name for s in sources}, {s.id: tuple(s.tags) for s in sources}


def source_tags(sources: Sequence[Source]) -> dict[str, tuple[str, ...]]:
    return _source_maps(sources)[1]


def _md(value: str) -> str:
    """Escape the Markdown link brackets an extracted title may carry."""
    return " ".join(str(value).split()).replace("[", "\\[").replace("]", "\\]")


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def retry_weeks(week: str, weeks: int = RETRY_WEEKS) -> list[str]:
    """The `weeks` ISO weeks before `week`, oldest first (their failed sends are retried)."""
    from policywatch.briefing import parse_week, week_label

    start = parse_week(week)[0]
    return [week_label(start - timedelta(weeks=n)) for n in range(weeks, 0, -1)]
