"""`policywatch alerts test` and `policywatch deliveries`: the subscription side of the CLI,
registered on the main app by policywatch.cli (which alone imports this module)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from policywatch.formats import Format, TableFormat, format_rows

alerts_app = typer.Typer(no_args_is_help=True, help="Alert rules of subscriptions.yaml.")

PREVIEW_LIMIT = 4000  # characters of the previewed message (a chat channel's usual limit)


@alerts_app.command("test")
def alerts_test(
    rule: Annotated[str, typer.Argument(help="The id of an alert rule in subscriptions.yaml.")],
) -> None:
    """Show what the next ingest would send for RULE (to whom, and the message); sends nothing."""
    from policywatch import app as lib
    from policywatch import delivery
    from policywatch.errors import ConfigError

    ctx = lib.load_context()
    try:
        if ctx.subscriptions is None:
            raise ConfigError("no subscriptions file (create subscriptions.yaml or set "
                              "POLICYWATCH_SUBSCRIPTIONS)")  # fmt: skip
        chosen = ctx.subscriptions.rule(rule)
        to, message = delivery.preview_alert(
            ctx.store, chosen, ctx.sources.sources, datetime.now(UTC)
        )
    finally:
        ctx.close()
    typer.echo(f"to: {', '.join(to)}")
    typer.echo(f"title: {message.title}\n")
    typer.echo(message.markdown(PREVIEW_LIMIT) if message.lines else "(nothing to send)")


def deliveries(
    fmt: Annotated[TableFormat, typer.Option("--format", help="Output format.")] = (
        TableFormat.table
    ),
) -> None:
    """What was sent where and when, and what failed (briefings, alerts, notices)."""
    from policywatch import app as lib
    from policywatch.config import settings_from_env
    from policywatch.storage import Store

    store = Store.open(settings_from_env().db_url)
    try:
        rows = lib.delivery_rows(store)
    finally:
        store.close()
    if fmt is TableFormat.table:
        sys.stdout.write(_table(rows))
    else:
        sys.stdout.write(format_rows(rows, Format(fmt.value)))


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "nothing delivered yet\n"
    lines = [f"{'when':16}  {'kind':14}  {'status':7}  {'subject':32}  recipient"]
    for r in rows:
        when = (r["sent_at"] or r["attempted_at"] or "")[:16].replace("T", " ")
        lines.append(
            f"{when:16}  {r['kind']:14}  {r['status']:7}  {r['subject']:32}  {r['recipient']}"
        )
        if r["error"]:
            lines.append(f"{'':16}  error: {r['error']}")
    return "\n".join(lines) + "\n"
