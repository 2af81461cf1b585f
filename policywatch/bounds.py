"""A counting semaphore shared by every event loop of a process.

The ingest flow runs groups of sources in threads, each with its own event loop; asyncio's
Semaphore belongs to one loop, so a bound on page bodies held in memory per process (not per
group) needs this one. Waiters are served first come, first served across loops.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

Waiter = tuple[asyncio.AbstractEventLoop, "asyncio.Future[None]"]


class ProcessBound:
    """At most `limit` holders at once, whichever thread and event loop they run in."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"a bound needs at least one place, not {limit}")
        self.limit = limit
        self._free = limit
        self._lock = threading.Lock()
        self._waiters: deque[Waiter] = deque()

    @property
    def held(self) -> int:
        """Places taken now (for tests and progress)."""
        with self._lock:
            return self.limit - self._free

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._free > 0 and not self._waiters:
                self._free -= 1
                return
            waiter: Waiter = (loop, loop.create_future())
            self._waiters.append(waiter)
        try:
            await waiter[1]
        except asyncio.CancelledError:
            self._give_up(waiter)
            raise

    def release(self) -> None:
        """Hand the place to the oldest waiter whose loop still runs, or free it."""
        with self._lock:
            while self._waiters:
                loop, future = self._waiters.popleft()
                if not loop.is_closed():
                    loop.call_soon_threadsafe(self._grant, future)
                    return
            self._free += 1

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        await self.acquire()
        try:
            yield
        finally:
            self.release()

    def _grant(self, future: asyncio.Future[None]) -> None:
        """Runs in the waiter's loop: a waiter cancelled meanwhile passes the place on."""
        if future.done():
            self.release()
        else:
            future.set_result(None)

    def _give_up(self, waiter: Waiter) -> None:
        """A cancelled waiter: leave the queue, or pass on a place already granted to it."""
        with self._lock:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
                return
        future = waiter[1]
        if future.done() and not future.cancelled():
            self.release()


class Ticket:
    """One holder's place in a ProcessBound, taken once however often it is asked for (a
    page's retries and redirects) and given back once."""

    def __init__(self, bound: ProcessBound) -> None:
        self.bound, self.taken = bound, False

    async def take(self) -> None:
        if not self.taken:
            await self.bound.acquire()
            self.taken = True

    def give_back(self) -> None:
        if self.taken:
            self.taken = False
            self.bound.release()
