"""Terminal progress for long runs: a live line on a TTY, silence otherwise (logs suffice)."""

from __future__ import annotations

import sys
from typing import TextIO

from policywatch.models import SourceResult


class SourceProgress:
    """Counts finished sources; redraws one stderr line when stderr is a terminal."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total, self.finished, self.new, self.failed = total, 0, 0, 0
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()

    def update(self, result: SourceResult) -> None:
        self.finished += 1
        self.new += result.new
        self.failed += 1 if result.error else 0
        if self.live:
            line = (
                f"\r[{self.finished}/{self.total}] sources done · {self.new} new · "
                f"{self.failed} failed · last: {result.source_id}"
            )
            self.stream.write(line[:120].ljust(120))
            self.stream.flush()

    def close(self) -> None:
        if self.live and self.finished:
            self.stream.write("\n")
            self.stream.flush()
