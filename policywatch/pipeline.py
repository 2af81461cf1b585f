"""Ingest orchestration without Prefect: discover → fetch → extract (processes) → dedupe → store.

One call of `ingest_source` handles one source end to end and never raises: a failing source
is a SourceResult with `error` set. Page-level concurrency lives here (asyncio), not in Prefect.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import threading
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from policywatch import forkserver
from policywatch.baseline import BaselineDoc
from policywatch.bounds import ProcessBound, Ticket
from policywatch.briefing import week_label
from policywatch.classify import Lexicon
from policywatch.config import FetchSettings, Source
from policywatch.discover import (
    local_dates,
    next_page_url,
    parse_feed,
    parse_listing,
    parse_sitemap,
)
from policywatch.errors import DiscoveryError, PolicywatchError, StoreError
from policywatch.fetch import Fetcher, FetchSession, Response, Validators, origin_of
from policywatch.glossary import Glossary
from policywatch.models import Link, SourceResult
from policywatch.storage import Candidate, Store, Stored
from policywatch.urls import canonical_url, is_allowed_link
from policywatch.worker import PageJob, PageResult, init_worker, process_page

log = logging.getLogger("policywatch.pipeline")

STORE_BATCH = 50  # items per locked write transaction
MAX_CHILD_SITEMAPS = 20  # child sitemaps followed from one sitemap index


@dataclass(frozen=True, slots=True)
class Window:
    """Publication-date range of a backfill (inclusive); None bound = open."""

    since: date | None = None
    until: date | None = None

    def contains(self, day: date | None) -> bool:
        if day is None:
            return False
        return (self.since is None or day >= self.since) and (
            self.until is None or day <= self.until
        )


class Extractor:
    """Runs process_page in worker processes (or in a thread when workers == 1).

    Workers fork from a forkserver that has already imported the extraction code. They start
    when the first source has pages to fetch (`warm()`), so their start-up overlaps the page
    fetches, and an unchanged re-run starts none (sending each the lexicon, baseline and
    glossary cost 0.1-0.3 s of the run and 0.75 s of their CPU). `slot()` bounds the pages being
    fetched or extracted per event loop; `bodies` bounds, across all the loops of the process,
    the pages whose body is being received or waits for extraction, so memory grows with
    neither the number of pages nor the number of sources (groups run in loops of their own).
    """

    def __init__(
        self,
        workers: int,
        lexicon: Lexicon,
        baseline: tuple[BaselineDoc, ...],
        glossary: Glossary | None = None,
    ) -> None:
        self.workers = workers if workers > 0 else (os.cpu_count() or 1)
        self.ahead = 4 * self.workers + 16  # pages in flight (fetching or queued) per event loop
        self.bodies = ProcessBound(self.ahead)  # bodies held, whichever loop holds them
        self._pool: ProcessPoolExecutor | None = None
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]
        self._slots = weakref.WeakKeyDictionary()
        self._slots_lock = threading.Lock()
        self._pool_lock = threading.Lock()
        self._initargs = (lexicon, baseline, glossary)
        self._closed = self._warming = False
        init_worker(lexicon, baseline, glossary)

    def warm(self) -> None:
        """Start the worker processes now, if not started: pages are about to be fetched."""
        if self.workers == 1:
            return
        with self._pool_lock:
            if self._pool is not None or self._closed:
                return
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=forkserver.context(),
                initializer=init_worker,
                initargs=self._initargs,
            )
            for _ in range(self.workers):  # each submit starts one worker process
                self._pool.submit(os.getpid)

    def slot(self) -> asyncio.Semaphore:
        """Hold from before the fetch until extracted: bounds page bodies in memory."""
        loop = asyncio.get_running_loop()
        with self._slots_lock:
            if loop not in self._slots:
                self._slots[loop] = asyncio.Semaphore(self.ahead)
            return self._slots[loop]

    def warm_soon(self) -> None:
        """Start the workers in a thread of their own: starting one blocks for ~0.1 s while
        the forkserver reads its state, which would stall the event loop's other sources."""
        if self.workers > 1 and not (self._warming or self._closed):
            self._warming = True  # one starter thread (a race only starts a second, idle one)
            threading.Thread(target=self.warm, name="extraction-workers", daemon=True).start()

    async def run(self, job: PageJob) -> PageResult:
        if self.workers > 1 and self._pool is None and not self._closed:
            await asyncio.to_thread(self.warm)
        if self._pool is None:
            return await asyncio.to_thread(process_page, job)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, process_page, job)

    def close(self) -> None:
        with self._pool_lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


@dataclass
class IngestRun:
    """Shared, long-lived parts of one ingest run."""

    store: Store
    extractor: Extractor
    fetch: FetchSettings
    run_id: str
    timezone: str = "UTC"
    window: Window | None = None


ROBOTS_MAX_AGE = timedelta(hours=24)  # RFC 9309: a cached robots.txt for at most 24 hours


async def ingest_sources(sources: Sequence[Source], run: IngestRun) -> list[SourceResult]:
    """Ingest sources concurrently in this event loop, sharing one HTTP client and each
    origin's robots.txt (limits stay per source); the robots.txt of the sources' own sites is
    read from the store while fresh, and what was fetched is kept there."""
    cached = await asyncio.to_thread(_cached_robots, sources, run)
    known = await asyncio.to_thread(_known_validators, sources, run)
    async with FetchSession(
        run.fetch, sources=len(sources), robots_txt=cached, validators=known
    ) as session:
        results = await asyncio.gather(*(ingest_source(s, run, session) for s in sources))
        await asyncio.to_thread(_cache_robots, session.fetched_robots, run)
    return list(results)


def _cached_robots(sources: Sequence[Source], run: IngestRun) -> dict[str, str | None]:
    """The fresh cached robots.txt of the sources' origins ({} when robots are ignored or the
    store is unreachable: then they are fetched)."""
    if not run.fetch.respect_robots:
        return {}
    origins = {origin_of(s.url) for s in sources}
    try:
        return run.store.robots_txt(origins, datetime.now(UTC) - ROBOTS_MAX_AGE)
    except StoreError as exc:
        log.warning("robots.txt cache not read (%s); fetching them", exc)
        return {}


def _known_validators(sources: Sequence[Source], run: IngestRun) -> dict[str, Validators] | None:
    """The stored validators of the sources' URLs, read once for the group (None in a
    backfill, which lists everything, or when the store is unreachable: then each source
    reads its own, and a failure is that source's)."""
    if run.window is not None:
        return None
    try:
        return run.store.validators_of(s.url for s in sources)
    except StoreError as exc:
        log.warning("HTTP validators not read for the group (%s); reading them per source", exc)
        return None


def _cache_robots(bodies: dict[str, str | None], run: IngestRun) -> None:
    """Keep the robots.txt fetched in this run (a failure only costs a fetch next time)."""
    try:
        run.store.save_robots_txt(bodies)
    except StoreError as exc:
        log.warning("robots.txt cache not written (%s)", exc)


async def ingest_source(
    source: Source, run: IngestRun, session: FetchSession | None = None
) -> SourceResult:
    """Ingest one source; any failure is returned in the result, never raised."""
    started = datetime.now(UTC)
    try:
        result = await _ingest(source, run, started, session)
    except StoreError as exc:  # still failing after the retries of a dropped connection
        result = SourceResult(
            source.id, started, datetime.now(UTC), error=str(exc), database_failed=True
        )
    except PolicywatchError as exc:
        result = SourceResult(source.id, started, datetime.now(UTC), error=str(exc))
    except Exception as exc:  # a bug must not crash the other sources' run
        log.exception("source %s: unexpected error", source.id)
        result = SourceResult(
            source.id, started, datetime.now(UTC), error=f"internal error: {exc!r}"
        )
    try:
        await asyncio.to_thread(run.store.record_run, run.run_id, result)
    except StoreError as exc:  # the database hiccuped: the items are stored, the run row lost
        log.error("source %s: could not record the fetch run: %s", source.id, exc)
        result = replace(result, database_failed=True)
    return result


async def _ingest(
    source: Source, run: IngestRun, started: datetime, session: FetchSession | None
) -> SourceResult:
    async with Fetcher(run.fetch, session=session) as fetcher:  # gets pass the source's delay
        links, validators = await discover_links(
            source, fetcher, run.store, backfill=run.window is not None
        )
        links = local_dates(links, run.timezone)
        if not links and validators is not None and source.kind == "listing":
            await _check_layout(source, run)
        todo = await asyncio.to_thread(_select_links, source, links, run) if links else []
        if todo:
            run.extractor.warm_soon()  # workers start while the first pages are fetched
        results, stored = await _process_and_store(fetcher, source, todo, run)
    # Remember validators only when nothing is left to retry: a 304 next time finds no links.
    retry_later = len(todo) >= run.fetch.max_items_per_source or any(r.error for r in results)
    if validators is not None and not retry_later:
        await asyncio.to_thread(run.store.save_validators, source.url, validators)
    summary = _summarise(source, started, len(links), results, stored)
    return replace(summary, error=_own_url_error(source, results))


def _own_url_error(source: Source, results: Sequence[PageResult]) -> str | None:
    """A `page` source whose own URL failed is a failing source (health from the first failed
    run), not only a failed item: the page the analyst watches may be gone."""
    if source.kind != "page":
        return None
    return next((r.error for r in results if r.error), None)


NO_LINKS = "listing yielded no links (layout changed?)"


async def _check_layout(source: Source, run: IngestRun) -> None:
    """A listing that found links on its last good run and none now was probably redesigned."""
    history = await asyncio.to_thread(run.store.recent_runs, source.id, 50)
    last_good = next((r for r in history if r.error is None), None)
    if last_good is not None and last_good.found > 0:
        raise DiscoveryError(source.url, NO_LINKS)


async def discover_links(
    source: Source, fetcher: Fetcher, store: Store | None, *, backfill: bool = False
) -> tuple[list[Link], Validators | None]:
    """Candidate links of a source and the validators to remember once they are stored.

    Without a store (or in a backfill) no conditional GET is made: everything is listed."""
    if source.kind == "page":
        return [Link(source.url, source.name)], None
    known = None
    if store is not None and not backfill:
        read_at_once = fetcher.session_validators()
        if read_at_once is not None:
            known = read_at_once.get(source.url)
        else:
            known = await asyncio.to_thread(store.validators, source.url)
    response = await fetcher.get(
        source.url, validators=known, delay=source.delay, guard=_guard(source)
    )
    if response.not_modified:
        return [], None
    if source.kind == "feed":
        return list(parse_feed(response.body, response.final_url)), response.validators
    if source.kind == "sitemap":
        return await _sitemap_links(source, fetcher, response), response.validators
    return await _listing_links(source, fetcher, response, backfill), response.validators


async def _sitemap_links(source: Source, fetcher: Fetcher, response: Response) -> list[Link]:
    result = parse_sitemap(response.body, response.final_url)
    links = list(result.links)
    for child in result.sitemaps[:MAX_CHILD_SITEMAPS]:
        if not is_allowed_link(child, source.host):
            continue
        child_resp = await fetcher.get(child, guard=_guard(source), delay=source.delay)
        links.extend(parse_sitemap(child_resp.body, child_resp.final_url).links)
    return sorted(links, key=lambda link: link.published or date.min, reverse=True)


async def _listing_links(
    source: Source, fetcher: Fetcher, response: Response, backfill: bool
) -> list[Link]:
    html = _text(response)
    links = list(parse_listing(html, response.final_url, source.link_selector, source.link_pattern))
    pages = source.max_pages if backfill and source.next_page else 1
    seen_pages = {response.final_url}
    for _ in range(pages - 1):
        nxt = next_page_url(html, response.final_url, source.next_page or "")
        if nxt is None or nxt in seen_pages or not is_allowed_link(nxt, source.host):
            break
        seen_pages.add(nxt)
        response = await fetcher.get(nxt, guard=_guard(source), delay=source.delay)
        html = _text(response)
        links.extend(
            parse_listing(html, response.final_url, source.link_selector, source.link_pattern)
        )
    return links


def _text(response: Response) -> str:
    from policywatch.decode import decode_body

    return decode_body(response.body, response.charset)


def _select_links(source: Source, links: Sequence[Link], run: IngestRun) -> list[tuple[str, Link]]:
    """Allowed, unseen, in-window links with their canonical URL (the store's key, computed
    once here), newest first, capped per source."""
    unique: dict[str, Link] = {}
    for link in links:
        if not _wanted(source, link, run.window):
            continue
        try:
            unique.setdefault(canonical_url(link.url), link)
        except DiscoveryError as exc:  # one malformed link (bad port, ...) skips only itself
            log.warning("source %s: skipped link: %s", source.id, exc)
    known = run.store.known_urls(unique)
    fresh = [(key, link) for key, link in unique.items() if key not in known]
    return fresh[: run.fetch.max_items_per_source]


def _wanted(source: Source, link: Link, window: Window | None) -> bool:
    """Fetch a discovered link if it is safe, in the backfill window and matches link_pattern."""
    if source.kind == "page":
        return True
    if not is_allowed_link(link.url, source.host):
        log.warning(
            "source %s: refused link %s (private address, foreign host)", source.id, link.url
        )
        return False
    if window is not None and link.published is not None and not window.contains(link.published):
        return False
    # Listings apply link_pattern while parsing; feeds and sitemaps are filtered here.
    return not source.link_pattern or re.search(source.link_pattern, link.url) is not None


async def _fetch_and_process(
    fetcher: Fetcher, run: IngestRun, source: Source, key: str, link: Link
) -> tuple[str, Link, PageResult]:
    """Fetch one page and extract it in a worker; errors become a failed PageResult."""
    guard = _guard(source)  # redirect hops of any page (even a configured one) are vetted
    body = Ticket(run.extractor.bodies)  # taken when the host's turn comes: no polite wait
    async with run.extractor.slot():
        try:
            return key, link, await _fetch_and_extract(fetcher, run, source, link, guard, body)
        finally:
            body.give_back()


async def _fetch_and_extract(
    fetcher: Fetcher,
    run: IngestRun,
    source: Source,
    link: Link,
    guard: Callable[[str], bool],
    body: Ticket,
) -> PageResult:
    """The page fetched (its body's place taken just before the request) and extracted."""
    try:
        response = await fetcher.get(
            link.url, guard=guard, delay=source.delay, before_request=body.take
        )
    except PolicywatchError as exc:
        return PageResult(link.url, error=str(exc))
    job = PageJob(
        url=link.url,
        body=response.body,
        charset=response.charset,
        fallback_title=link.title,
        source_region=source.region,
        include=source.include,
        exclude=source.exclude,
        source_issuer=source.issuer,
    )
    del response  # the job holds the body now; one copy of it while it waits
    return await run.extractor.run(job)


def _guard(source: Source) -> Callable[[str], bool]:
    """Untrusted links may reach private addresses only on the source's own host."""
    return lambda url: is_allowed_link(url, source.host)


async def _process_and_store(
    fetcher: Fetcher, source: Source, links: Sequence[tuple[str, Link]], run: IngestRun
) -> tuple[list[PageResult], list[Stored]]:
    """Fetch and extract pages concurrently; store each batch of STORE_BATCH as it completes,
    so database work overlaps extraction. Oldest pages go first, so originals precede copies."""
    ordered = sorted(links, key=lambda pair: pair[1].published or date.max)
    tasks = [
        asyncio.create_task(_fetch_and_process(fetcher, run, source, key, link))
        for key, link in ordered
    ]
    writer = _BatchWriter(source, run)
    results: list[PageResult] = []
    try:
        for next_done in asyncio.as_completed(tasks):
            key, link, result = await next_done
            results.append(result)
            await writer.add(key, link, result)
    finally:  # on an unexpected error, stop the other pages before the fetcher closes
        for task in tasks:
            task.cancel()
    return results, await writer.finish()


class _BatchWriter:
    """Collects finished pages and stores them in batches, one batch at a time, in a thread."""

    def __init__(self, source: Source, run: IngestRun) -> None:
        self.source, self.run = source, run
        self.batch: list[Candidate] = []
        self.stored: list[Stored] = []
        self.pending: asyncio.Task[list[Stored]] | None = None

    async def add(self, key: str, link: Link, result: PageResult) -> None:
        if _in_window(result, link, self.run.window):
            now = datetime.now(UTC)
            self.batch.append(_candidate(self.source, key, link, result, now, self.run))
        if len(self.batch) >= STORE_BATCH:
            await self._flush()

    async def _flush(self) -> None:
        if self.pending is not None:
            self.stored.extend(await self.pending)
        batch, self.batch = _oldest_first(self.batch), []
        self.pending = asyncio.create_task(asyncio.to_thread(self.run.store.add, batch))

    async def finish(self) -> list[Stored]:
        if self.batch:  # nothing to store (an unchanged source): no thread hop
            await self._flush()
        if self.pending is not None:
            self.stored.extend(await self.pending)
        return self.stored


def _oldest_first(candidates: list[Candidate]) -> list[Candidate]:
    """Earliest-published first, so within a batch the original becomes the story's new item."""
    return sorted(
        candidates,
        key=lambda c: (c.article is None, (c.article and c.article.published) or date.max),
    )


def _in_window(result: PageResult, link: Link, window: Window | None) -> bool:
    """Backfills store only items published in range (failed pages are kept for retry)."""
    if window is None or result.article is None:
        return True
    return window.contains(result.article.published or link.published)


def _candidate(
    source: Source, key: str, link: Link, result: PageResult, now: datetime, run: IngestRun
) -> Candidate:
    published = result.article.published if result.article else None
    published = published or link.published
    article = result.article
    if article is not None and article.published is None and published is not None:
        article = replace(article, published=published)
    return Candidate(
        source_id=source.id,
        url=link.url,
        canonical_url=key,
        week=week_of(published, now, run.timezone),
        first_seen=now,
        article=article,
        fingerprint=result.fingerprint,
        relevance=result.relevance,
        baseline_id=result.baseline_id,
        error=result.error,
        prepared=result.prepared,
        cross_keys=result.cross_keys,
    )


def week_of(published: date | None, first_seen: datetime, timezone: str = "UTC") -> str:
    """ISO week an item belongs to: of its publication date, else of its first sighting."""
    return week_label(published or first_seen.astimezone(ZoneInfo(timezone)).date())


def _summarise(
    source: Source,
    started: datetime,
    found: int,
    results: Sequence[PageResult],
    stored: Sequence[Stored],
) -> SourceResult:
    statuses = [s.status for s in stored]
    failures = tuple(r.error for r in results if r.error)[:20]
    return SourceResult(
        source_id=source.id,
        started=started,
        finished=datetime.now(UTC),
        found=found,
        fetched=len(results),
        new=statuses.count("new"),
        duplicates=statuses.count("duplicate") + statuses.count("baseline"),
        failed=statuses.count("failed"),
        failures=failures,
    )
