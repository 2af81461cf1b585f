"""Output formats of the commands that print rows: JSON (an array), JSON lines, CSV, and a
human table where the command has one."""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from typing import Any


class Format(StrEnum):
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


class TableFormat(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


def format_rows(rows: list[dict[str, Any]], fmt: Format) -> str:
    """Rows as JSON, JSON lines or CSV (lists in CSV cells as JSON)."""
    if fmt is Format.json:
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    if fmt is Format.jsonl:
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {
                    k: json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v
                    for k, v in row.items()
                }
            )
    return out.getvalue()
