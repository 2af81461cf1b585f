"""The store on SQLite and PostgreSQL alike: dedupe, upserts, runs, races, end-to-end ingest."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pg import db_url  # noqa: F401
from sqlalchemy import func, select
from test_ingest import by_url, write_sources

from policywatch import app, briefing
from policywatch.dedupe import fingerprint
from policywatch.demo.server import SiteServer
from policywatch.fetch import Validators
from policywatch.models import Article, Relevance, SourceResult
from policywatch.storage import Candidate, Store, schema
from policywatch.storage.store import _Decision

NOW = datetime(2026, 1, 14, 9, 30, tzinfo=UTC)
WEEK = "2026-W03"

LABELLING = (
    "The Ministry of Industry on Tuesday published draft measures on labelling content "
    "produced by generative artificial intelligence services.\n"
    "Providers would have to attach visible marks to synthetic images, audio and video, and "
    "embed machine-readable metadata in every generated file they distribute.\n"
    "Platforms that host user uploads must check for such metadata and warn users when a "
    "post appears to be synthetic, according to the draft published for comment.\n"
    "Public comments are invited until the end of next month, the ministry said in a notice."
)
LABELLING_SYNDICATED = LABELLING + (
    "\nThis report was distributed by the wire service to subscribing newspapers and sites."
)
COMPUTE = (
    "The city government announced a five billion yuan fund to subsidise computing power "
    "for small companies training artificial intelligence models this year.\n"
    "Firms may claim vouchers covering up to forty percent of rented accelerator hours at "
    "approved data centres, the finance bureau said in a statement on Monday.\n"
    "Applications open in March and will be reviewed every quarter by an expert panel "
    "drawn from universities, industry associations and the local statistics office."
)
FOOTBALL = (
    "The home side won the derby in stoppage time after a corner was flicked on at the near "
    "post and turned in from close range by the substitute striker.\n"
    "Both managers praised the crowd, which filled the stadium for the first time since the "
    "roof was repaired, and the result lifts the winners into fourth place.\n"
    "The return fixture is scheduled for April, weather permitting, the league confirmed."
)


def candidate(
    url: str, text: str | None, *, source: str = "wire", relevant: bool = True
) -> Candidate:
    """A stored-ready candidate for url; text None makes it a failed fetch."""
    if text is None:
        return Candidate(source, url, url, WEEK, NOW, error="HTTP 503 from server")
    article = Article(url=url, title=url.rsplit("/", 1)[-1], text=text, published=date(2026, 1, 13))
    relevance = Relevance(0.9 if relevant else 0.05, relevant, ("governance",) if relevant else ())
    return Candidate(source, url, url, WEEK, NOW, article, fingerprint(text), relevance)


@pytest.fixture()
def store(db_url: str) -> Iterator[Store]:  # noqa: F811
    opened = Store.open(db_url)
    yield opened
    opened.close()


def statuses(store: Store) -> dict[str, tuple[str, int | None]]:
    return {row["url"]: (row["status"], row["story"]) for row in store.export()}


def test_add_dedupes_clusters_and_skips(store: Store) -> None:
    first = store.add(
        [
            candidate("https://a.example/labels", LABELLING),
            candidate("https://b.example/labels", LABELLING, source="news"),
            candidate("https://c.example/labels-wire", LABELLING_SYNDICATED, source="paper"),
            candidate("https://a.example/fund", COMPUTE),
            candidate("https://a.example/derby", FOOTBALL, relevant=False),
        ]
    )
    assert [s.status for s in first] == ["new", "duplicate", "duplicate", "new", "off_topic"]
    rows = statuses(store)
    story = rows["https://a.example/labels"][1]
    assert rows["https://b.example/labels"] == ("duplicate", story)
    assert rows["https://c.example/labels-wire"] == ("duplicate", story)
    assert rows["https://a.example/fund"][1] not in (None, story)
    again = store.add([candidate("https://a.example/labels", LABELLING)])
    assert [s.status for s in again] == ["skipped"]
    assert len(store.export()) == 5


def test_failed_page_is_retried_and_stored_once(store: Store) -> None:
    store.add([candidate("https://a.example/fund", None)])
    assert store.known_urls(["https://a.example/fund"]) == set()
    assert store.export()[0]["error"] == "HTTP 503 from server"
    [stored] = store.add([candidate("https://a.example/fund", COMPUTE)])
    assert stored.status == "new"
    assert store.known_urls(["https://a.example/fund", "https://x.example/"]) == {
        "https://a.example/fund"
    }
    [row] = store.export()
    assert row["status"] == "new" and row["error"] is None and row["story"] == row["id"]


def test_item_insert_is_an_upsert_even_without_the_lock(store: Store) -> None:
    """A writer that skips the write lock still cannot store a canonical URL twice."""
    cand = candidate("https://a.example/labels", LABELLING)
    with store.engine.begin() as conn:
        first = store._insert_item(conn, cand, _Decision("new"))
        second = store._insert_item(conn, cand, _Decision("new"))
    assert first is not None and second is None
    assert len(store.export()) == 1


def test_validators_upsert_keeps_the_latest(store: Store) -> None:
    url = "https://a.example/rss.xml"
    assert store.validators(url) is None
    store.save_validators(url, Validators('"v1"', "Mon, 12 Jan 2026 08:00:00 GMT"))
    store.save_validators(url, Validators('"v2"', None))
    assert store.validators(url) == Validators('"v2"', None)


def test_validators_of_many_urls_read_in_chunks(store: Store) -> None:
    """A group's validators are read at once, past the 500-URL chunk, unknown URLs absent."""
    urls = [f"https://a.example/feed-{n}.xml" for n in range(1203)]
    for n, url in enumerate(urls[::2]):
        store.save_validators(url, Validators(f'"e{n}"', None))
    found = store.validators_of([*urls, urls[0]])
    assert len(found) == 602 and set(found) == set(urls[::2])
    assert found[urls[1200]] == Validators('"e600"', None)
    assert store.validators_of([]) == {}


def test_runs_recorded_and_queried_by_source_and_time(store: Store) -> None:
    for hours, error in ((0, None), (1, "HTTP 500"), (2, "timed out")):
        start = NOW + timedelta(hours=hours)
        result = SourceResult("wire", start, start + timedelta(seconds=3), found=4, error=error)
        store.record_run("run-1", result)
    store.record_run("run-1", SourceResult("other", NOW, NOW, found=1))
    assert [r.error for r in store.recent_runs("wire", limit=2)] == ["timed out", "HTTP 500"]
    assert briefing.consecutive_failures(store, "wire") == 2
    window = store.runs_between(NOW, NOW + timedelta(hours=1))
    assert sorted(r.source_id for r in window) == ["other", "wire"]


def test_export_filters_by_week_and_since(store: Store) -> None:
    store.add([candidate("https://a.example/fund", COMPUTE)])
    assert len(store.export(week=WEEK)) == 1
    assert store.export(week="2026-W04") == []
    assert len(store.export(since=date(2026, 1, 13))) == 1
    assert store.export(since=date(2026, 1, 20)) == []


def run_together(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run work(0..count-1) in threads released at the same instant; re-raise any error."""
    barrier, results, errors = threading.Barrier(count), [None] * count, []

    def body(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    if errors:
        raise errors[0]
    return results


def test_concurrent_writers_store_each_story_once(db_url: str) -> None:  # noqa: F811
    """Four writers (own engines, like four machines) add overlapping batches at once."""
    pages = [
        ("https://a.example/labels", LABELLING),
        ("https://b.example/labels", LABELLING),
        ("https://c.example/labels-wire", LABELLING_SYNDICATED),
        ("https://a.example/fund", COMPUTE),
        ("https://d.example/fund-copy", COMPUTE),
        ("https://a.example/derby", FOOTBALL),
    ]
    Store.open(db_url).close()
    stores = [Store.open(db_url) for _ in range(4)]

    def writer(index: int) -> list[str]:
        order = pages[index % 3 :] + pages[: index % 3]  # each starts somewhere else
        stored = []
        for url, text in order:  # one batch per page: interleave as much as possible
            stored += stores[index].add([candidate(url, text, source=f"w{index}")])
        return [s.status for s in stored]

    outcomes = run_together(4, writer)
    rows = stores[0].export()
    for opened in stores:
        opened.close()
    assert sorted(r["url"] for r in rows) == sorted(url for url, _ in pages)
    assert Counter(s for o in outcomes for s in o)["skipped"] == 3 * len(pages)
    roots = {r["id"]: r for r in rows if r["status"] == "new"}
    assert len(roots) == 3, "one new item per story (labelling, fund, derby)"
    for row in rows:
        assert row["story"] in roots, f"{row['url']} points at a missing story"


def test_briefing_claims_and_ledger_are_race_free(db_url: str) -> None:  # noqa: F811
    """Six briefing runs at once (own engines): each item claimed once, one send reserved."""
    seed = Store.open(db_url)
    seed.add(
        [
            candidate("https://a.example/labels", LABELLING),
            candidate("https://a.example/fund", COMPUTE),
        ]
    )
    seed.close()
    stores = [Store.open(db_url) for _ in range(6)]

    def brief(index: int) -> str | None:
        briefing.claim_items(stores[index], WEEK)
        msg_id, _previous = briefing.ledger_begin(
            stores[index], WEEK, "analyst@example.org", 2, resend=False
        )
        return msg_id

    winners = [m for m in run_together(6, brief) if m is not None]
    with stores[0].read() as conn:
        claimed = conn.execute(select(func.count()).select_from(schema.briefing_items)).scalar()
    ledger = briefing.ledger(stores[0])
    for opened in stores:
        opened.close()
    assert len(winners) == 1
    assert claimed == 2
    assert [(row["week"], row["status"]) for row in ledger] == [(WEEK, "sending")]


def test_ledger_compare_and_set_refuses_a_second_reservation(store: Store) -> None:
    first, previous = briefing.ledger_begin(store, WEEK, "a@example.org", 1, resend=False)
    assert first is not None and previous is None
    second, previous = briefing.ledger_begin(store, WEEK, "a@example.org", 1, resend=False)
    assert second is None and previous == "sending"
    briefing.ledger_finish(store, WEEK, "a@example.org")
    again, previous = briefing.ledger_begin(store, WEEK, "a@example.org", 1, resend=True)
    assert again == first and previous == "sent"


def export(url: str) -> list[dict[str, Any]]:
    store = Store.open(url)
    try:
        return store.export()
    finally:
        store.close()


def ingest_all() -> list[SourceResult]:
    """One `policywatch ingest` without Prefect, on POLICYWATCH_DB_URL (a Context of its own)."""
    ctx = app.load_context()
    try:
        return app.ingest(ctx)
    finally:
        ctx.close()


def test_ingest_end_to_end(
    db_url: str,  # noqa: F811
    sites: SiteServer,
    pw_env: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POLICYWATCH_DB_URL", db_url)
    write_sources(sites, pw_env / "sources.yaml")
    results = ingest_all()
    rows = export(db_url)
    items = by_url(rows)
    assert items["news/compute-fund.html"]["status"] == "new"
    gov = items["zcwj/t20261116_1001.html"]
    assert gov["title"] == "关于加快推进人工智能产业高质量发展的若干措施"
    assert items["news/gone.html"]["status"] == "failed"
    assert len([r for r in rows if r["url"].endswith("/posts/eu-code.html")]) == 1
    assert {r.source_id for r in results if r.error} == {"broken", "missing"}
    again = ingest_all()
    rows2 = export(db_url)
    assert sum(r.new for r in again) == 0
    assert [r["url"] for r in rows2] == [r["url"] for r in rows]


def test_two_ingests_at_once_store_nothing_twice(
    db_url: str,  # noqa: F811
    sites: SiteServer,
    pw_env: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POLICYWATCH_DB_URL", db_url)
    write_sources(sites, pw_env / "sources.yaml")
    Store.open(db_url).close()
    run_together(2, lambda _i: ingest_all())
    rows = export(db_url)
    urls = [r["url"] for r in rows]
    assert len(urls) == len(set(urls))
    roots = {r["id"] for r in rows if r["story"] == r["id"]}
    assert all(r["story"] in roots for r in rows if r["story"] is not None)
