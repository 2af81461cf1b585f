"""Start the extraction workers' forkserver early, so its imports overlap the caller's own.

The forkserver imports the extraction code (trafilatura, lxml, numpy) once and warms it on
two sample pages (policywatch.warmup); workers fork from it, patterns compiled. Starting it
before the CLI imports Prefect lets both work at once on two cores.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing import forkserver

PRELOAD = ["policywatch.warmup"]  # imports policywatch.worker, then warms it


def context() -> multiprocessing.context.BaseContext:
    """The forkserver context with the extraction code preloaded."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def start_early() -> None:
    """Launch the forkserver now (idempotent); it imports PRELOAD in the background."""
    context()
    forkserver.ensure_running()
