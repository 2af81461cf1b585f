"""Source health: probing sources without storing anything (`policywatch sources check`)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from policywatch.briefing import FAILING_RUNS_FLAG, consecutive_failures
from policywatch.config import Settings, Source, SourcesFile
from policywatch.errors import PolicywatchError, StoreError
from policywatch.fetch import Fetcher
from policywatch.pipeline import discover_links
from policywatch.storage import Store


@dataclass(frozen=True, slots=True)
class ProbeRow:
    """One line of the `sources check` table."""

    source_id: str
    kind: str
    links: int
    error: str | None = None
    failing_runs: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None and self.links > 0

    def line(self) -> str:
        state = "OK  " if self.ok else "FAIL"
        detail = self.error or ("no links found (layout changed?)" if self.links == 0 else "")
        if self.failing_runs >= FAILING_RUNS_FLAG:
            detail += f" [failed the last {self.failing_runs} runs]"
        return f"{state} {self.source_id:28} {self.kind:8} {self.links:5} links  {detail}".rstrip()


def probe_sources(cfg: SourcesFile, settings: Settings, only: list[str]) -> list[ProbeRow]:
    """Discover each source's links now (nothing stored) and add its run history."""
    store = _open_store(settings)
    sources = cfg.enabled(only)

    async def probe_all() -> list[ProbeRow]:
        async with Fetcher(cfg.fetch) as fetcher:
            return list(await asyncio.gather(*(_probe(s, fetcher, store) for s in sources)))

    try:
        return asyncio.run(probe_all())
    finally:
        if store is not None:
            store.close()


async def _probe(source: Source, fetcher: Fetcher, store: Store | None) -> ProbeRow:
    streak = consecutive_failures(store, source.id) if store else 0
    try:
        if source.kind == "page":  # the page itself is the source: probe it, as a listing is
            await fetcher.get(source.url, delay=source.delay)
        links, _ = await discover_links(source, fetcher, None, backfill=True)
    except PolicywatchError as exc:
        return ProbeRow(source.id, source.kind, 0, str(exc), streak)
    except Exception as exc:  # one broken source must not abort the whole check
        return ProbeRow(source.id, source.kind, 0, f"internal error: {exc!r}", streak)
    return ProbeRow(source.id, source.kind, len(links), None, streak)


def _open_store(settings: Settings) -> Store | None:
    try:
        return Store.open(settings.db_url)
    except StoreError:
        return None
