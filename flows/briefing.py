"""The `weekly_briefing` flow: render, archive and (at most once) mail a week's briefing."""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from policywatch import app
from policywatch.errors import MailError


@flow(name="weekly_briefing")
def weekly_briefing(
    week: str | None = None, send: bool = True, resend: bool = False, group_by: str = "topic"
) -> str:
    """Brief the given ISO week (default: the last complete one) and publish it as an artifact."""
    ctx = app.load_context()
    try:
        outcome = app.brief(ctx, week, send=send, resend=resend, group_by=group_by)
    finally:
        ctx.close()
    b = outcome.briefing
    get_run_logger().info("briefing %s: %d new; %s", b.week, b.new_count, outcome.note)
    create_markdown_artifact(
        markdown=outcome.markdown,
        key=f"briefing-{b.week.lower()}",
        description=f"Briefing {b.week}",
    )
    if outcome.failed:  # recorded and retried by the next run; the run itself must not pass
        raise MailError(f"briefing {b.week}: a send failed: {outcome.note}")
    return outcome.note
