"""ProcessBound: one bound across the event loops of a process's threads."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from test_ingest import write_sources

from policywatch import app
from policywatch.bounds import ProcessBound, Ticket
from policywatch.demo.server import SiteServer
from policywatch.models import SourceResult
from policywatch.worker import PageJob, PageResult


def _run_loops(bound: ProcessBound, loops: int, holders: int) -> tuple[int, int]:
    """`holders` tasks in each of `loops` threads hold the bound for 20 ms; returns the most
    held at once and how many finished."""
    most, finished, lock = [0], [0], threading.Lock()

    async def hold_once() -> None:
        async with bound.hold():
            with lock:
                most[0] = max(most[0], bound.held)
            await asyncio.sleep(0.02)
        with lock:
            finished[0] += 1

    async def one_loop() -> None:
        await asyncio.gather(*(hold_once() for _ in range(holders)))

    threads = [threading.Thread(target=asyncio.run, args=(one_loop(),)) for _ in range(loops)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return most[0], finished[0]


def test_the_bound_holds_across_event_loops_in_threads() -> None:
    bound = ProcessBound(3)
    most, finished = _run_loops(bound, loops=4, holders=10)
    assert finished == 40
    assert most == 3  # reached, never passed, although each loop alone would run 10 at once
    assert bound.held == 0


def test_a_cancelled_waiter_leaves_no_place_taken() -> None:
    async def scenario() -> int:
        bound = ProcessBound(1)
        await bound.acquire()
        waiter = asyncio.create_task(bound.acquire())
        await asyncio.sleep(0.01)
        waiter.cancel()
        bound.release()  # may grant the cancelled waiter: it must pass the place on
        await asyncio.sleep(0.01)
        with pytest.raises(asyncio.CancelledError):
            await waiter
        await asyncio.wait_for(bound.acquire(), 1)  # the place is free again
        bound.release()
        return bound.held

    assert asyncio.run(scenario()) == 0


def test_a_waiter_cancelled_after_its_grant_passes_the_place_on() -> None:
    async def scenario() -> int:
        bound = ProcessBound(1)
        await bound.acquire()
        waiter = asyncio.create_task(bound.acquire())
        await asyncio.sleep(0.01)
        bound.release()
        await asyncio.sleep(0)  # the grant runs: the waiter holds the place ...
        assert waiter.cancel()  # ... and is cancelled before it wakes up
        with pytest.raises(asyncio.CancelledError):
            await waiter
        await asyncio.wait_for(bound.acquire(), 1)
        bound.release()
        return bound.held

    assert asyncio.run(scenario()) == 0


def test_a_ticket_takes_one_place_however_often_it_is_taken() -> None:
    async def scenario() -> list[int]:
        bound = ProcessBound(2)
        ticket = Ticket(bound)
        await ticket.take()
        await ticket.take()  # a retry or a redirect asks again: still one place
        seen = [bound.held]
        ticket.give_back()
        ticket.give_back()
        seen.append(bound.held)
        return seen

    assert asyncio.run(scenario()) == [1, 0]


def test_a_bound_needs_a_place() -> None:
    with pytest.raises(ValueError, match="at least one place"):
        ProcessBound(0)


SOURCES = """
fetch: {delay: 0, timeout: 5, retries: 0, respect_robots: false}
sources:
  - {id: alpha, name: Alpha Daily, kind: feed, url: "{{BASE:alpha}}/rss.xml", language: en}
  - {id: beta-atom, name: Beta Institute, kind: feed, url: "{{BASE:beta}}/atom.xml"}
  - {id: beta-map, name: Beta sitemap, kind: sitemap, url: "{{BASE:beta}}/sitemap.xml"}
"""


def test_groups_in_their_own_event_loops_share_the_bound_on_page_bodies(
    sites: SiteServer, pw_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The flow runs each group of sources in a thread with its own loop: the pages whose
    body is held (received, or waiting for extraction) stay within one bound per process."""
    write_sources(sites, pw_env / "sources.yaml", SOURCES)
    ctx = app.load_context()
    run = app.new_run(ctx)
    run.extractor.bodies = ProcessBound(2)
    extract, seen, inside, lock = run.extractor.run, [], [0], threading.Lock()

    async def slow_extract(job: PageJob) -> PageResult:
        with lock:
            inside[0] += 1
            seen.append((inside[0], run.extractor.bodies.held))
        await asyncio.sleep(0.05)  # bodies pile up here unless the bound holds them back
        with lock:
            inside[0] -= 1
        return await extract(job)

    monkeypatch.setattr(run.extractor, "run", slow_extract)
    results: list[SourceResult] = []
    groups = [[source] for source in ctx.sources.enabled([])]
    threads = [
        threading.Thread(target=lambda g=g: results.extend(app.ingest_many(g, run))) for g in groups
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        run.extractor.close()
        ctx.close()
    assert [r.error for r in results] == [None, None, None]
    assert len(seen) > 4 and run.extractor.bodies.held == 0
    assert max(waiting for waiting, _ in seen) == 2  # three loops, never more than two bodies
    assert max(held for _, held in seen) == 2
