"""Progress: a live line on a terminal, nothing when output is piped or logged."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from policywatch.models import SourceResult
from policywatch.progress import SourceProgress


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def result(source: str, new: int, error: str | None = None) -> SourceResult:
    now = datetime.now(UTC)
    return SourceResult(source, now, now, new=new, error=error)


def test_terminal_gets_a_redrawn_line() -> None:
    stream = Tty()
    progress = SourceProgress(2, stream)
    progress.update(result("alpha", 3))
    progress.update(result("beta", 1, error="HTTP 503"))
    progress.close()
    text = stream.getvalue()
    assert "[1/2] sources done · 3 new · 0 failed · last: alpha" in text
    assert "[2/2] sources done · 4 new · 1 failed · last: beta" in text
    assert text.count("\r") == 2 and text.endswith("\n")


def test_pipe_stays_quiet() -> None:
    stream = io.StringIO()
    progress = SourceProgress(1, stream)
    progress.update(result("alpha", 3))
    progress.close()
    assert stream.getvalue() == ""
    assert (progress.finished, progress.new) == (1, 3)
