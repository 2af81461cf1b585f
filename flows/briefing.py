"""The `weekly_briefing` flow: render, archive and (at most once) mail a week's briefing."""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from policywatch import app, briefing, render


@flow(name="weekly_briefing")
def weekly_briefing(
    week: str | None = None, send: bool = True, resend: bool = False, group_by: str = "topic"
) -> str:
    """Brief the given ISO week (default: the last complete one) and publish it as an artifact."""
    ctx = app.load_context()
    try:
        week = week or briefing.last_complete_week(ctx.settings.timezone)
        outcome = app.brief(ctx, week, send=send, resend=resend, group_by=group_by)
    finally:
        ctx.close()
    get_run_logger().info("briefing %s: %d new; %s", week, outcome.briefing.new_count, outcome.note)
    create_markdown_artifact(
        markdown=render.render_markdown(outcome.briefing),
        key=f"briefing-{week.lower()}",
        description=f"Briefing {week}",
    )
    return outcome.note
