"""Storage behind a small interface (SQLAlchemy Core): SQLite by default, any SQLAlchemy URL.

Writes that decide a status (dedupe + insert) run under a database-wide write lock:
BEGIN IMMEDIATE on SQLite, an advisory transaction lock on PostgreSQL. So two processes
ingesting at once can never both store the same story as new. Inserts that must be idempotent
are dialect upserts (ON CONFLICT) as well, so even a writer without the lock cannot duplicate.
The schema is migrated by Alembic (policywatch.storage.migrations) when a store is opened.
"""

from __future__ import annotations

import importlib
import json
import os
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from policywatch.adoption import (
    MAX_DRAFT_AGE,
    DraftRef,
    adopted_draft,
    follows_consultation,
    renamed_instrument,
)
from policywatch.crosslang import LAYER, WINDOW, cross_match, is_chinese, lookup_keys
from policywatch.dedupe import FINGERPRINT_VERSION, Fingerprint, Prepared, compare, prepare
from policywatch.errors import StoreError
from policywatch.instruments import DRAFT, FINAL, other_stage
from policywatch.models import Article, Relevance, SourceResult, Validators
from policywatch.storage import migrations, schema
from policywatch.storage.briefings import BriefingQueries
from policywatch.storage.deliveries import DeliveryQueries
from policywatch.storage.errors import operation, reason, retrying
from policywatch.storage.maintenance import MaintenanceQueries
from policywatch.storage.search import SearchQueries
from policywatch.storage.statements import ItemStatements

SQLITE_POOL = 20  # pooled SQLite connections (and as many overflow): see _make_engine
FULL_DISK = 256 * 1024  # bytes free below which a failing open blames the disk
WRITE_LOCK_KEY = 0x706F6C6963790001  # PostgreSQL advisory lock id for status-deciding writes
MIGRATE_LOCK_KEY = 0x706F6C6963790002  # ... and for schema migrations
MAX_CANDIDATES = 50  # near-duplicate candidates verified per item (best LSH overlap first)
PREPARED_CACHE_SIZE = 2048  # prepared stored texts kept per process (~20 KB each)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One discovered page after fetch/extract/classify, ready to be stored."""

    source_id: str
    url: str
    canonical_url: str
    week: str
    first_seen: datetime
    article: Article | None = None
    fingerprint: Fingerprint | None = None
    relevance: Relevance | None = None
    baseline_id: str | None = None
    error: str | None = None
    prepared: Prepared | None = None  # the article text normalised and shingled (worker-made)
    cross_keys: frozenset[str] = frozenset()  # cross-language evidence (crosslang.story_keys)


@dataclass(frozen=True, slots=True)
class Stored:
    """What the store decided for a candidate."""

    url: str
    status: str  # failed | baseline | duplicate | off_topic | new | skipped (already stored)
    story_id: int | None = None
    duplicate_of: str | None = None


@dataclass(frozen=True, slots=True)
class _Decision:
    """A status with, for a duplicate, what it copies and the layer (and evidence) that said so."""

    status: str
    duplicate_of: str | None = None
    story: int | None = None
    layer: str | None = None
    evidence: tuple[str, ...] = ()


class _PreparedCache:
    """Least-recently-used prepared texts of stored items: the same old items come back as
    candidates again and again (shared stock phrases), and preparing one costs ~1-2 ms."""

    def __init__(self, size: int = PREPARED_CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[tuple[int, str | None], Prepared] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[int, str | None]) -> Prepared | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[int, str | None], prepared: Prepared) -> Prepared:
        with self._lock:
            self._items[key] = prepared
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return prepared


class Store(BriefingQueries, DeliveryQueries, SearchQueries, MaintenanceQueries):
    """The policywatch database. Create with Store.open(url)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._prepared = _PreparedCache()
        self._sql = ItemStatements(engine.dialect, MAX_CANDIDATES)
        # Writers of this process queue here, not holding a pooled connection while they wait
        # for the database's write lock: 1,000 sources exhausted the pool (bench/load.py).
        self._writers = threading.RLock()

    @classmethod
    def open(cls, url: str, *, create: bool = True) -> Store:
        """Open (and by default create or upgrade) the database at a SQLAlchemy URL."""
        try:
            engine = _make_engine(url)
            store = cls(engine)
            if create:
                retrying("open the database", store.upgrade)
        except SQLAlchemyError as exc:  # one line: no SQL echo, no background link
            raise StoreError(
                f"cannot open database {_safe_url(url)}: {reason(exc)}{_disk_full(url)}"
            ) from None
        except migrations.MigrationError as exc:
            raise StoreError(f"database {_safe_url(url)}: {exc}") from None
        return store

    def upgrade(self) -> None:
        """Migrate the schema to the Alembic head (idempotent; concurrent callers serialise)."""
        with self.read() as conn:
            if migrations.current(conn) == migrations.head():
                return
        with self.write(MIGRATE_LOCK_KEY) as conn:
            migrations.upgrade(conn)

    @operation("read the schema revision")
    def revision(self) -> str | None:
        """The schema revision of the database (None before the first upgrade)."""
        with self.read() as conn:
            return migrations.current(conn)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def write(self, lock: int = WRITE_LOCK_KEY) -> Iterator[Connection]:
        """A transaction holding a database-wide lock: the write lock, or another key (the
        migration lock). SQLite's BEGIN IMMEDIATE serialises writers; PostgreSQL takes an
        advisory transaction lock on the key."""
        with self._writers, self.engine.begin() as conn:
            if self.dialect == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _signed(lock)})
            yield conn

    @contextmanager
    def plain_write(self) -> Iterator[Connection]:
        """A transaction that decides nothing (an upsert, a log row): on SQLite it still waits
        in this process's writer queue, so no pooled connection idles on the write lock."""
        queue = self._writers if self.dialect == "sqlite" else nullcontext()
        with queue, self.engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reading (on SQLite its transactions are deferred: no write lock)."""
        with self.engine.connect().execution_options(policywatch_read=True) as conn:
            yield conn

    # -- discovery state -------------------------------------------------------------------

    @operation("look up known URLs")
    def known_urls(self, canonical_urls: Iterable[str]) -> set[str]:
        """Those of the given canonical URLs already stored (failed ones are retried)."""
        urls = list(dict.fromkeys(canonical_urls))
        found: set[str] = set()
        with self.read() as conn:
            for chunk in _chunks(urls, 500):
                query = select(schema.items.c.canonical_url).where(
                    schema.items.c.canonical_url.in_(chunk), schema.items.c.status != "failed"
                )
                found.update(conn.execute(query).scalars())
        return found

    def validators(self, url: str) -> Validators | None:
        """The conditional-GET validators of one URL, or None."""
        return self.validators_of([url]).get(url)

    @operation("read HTTP validators")
    def validators_of(self, urls: Iterable[str]) -> dict[str, Validators]:
        """The conditional-GET validators of those URLs that have some, in one read per 500
        (a group's sources ask once, not once each: issue 17)."""
        table, wanted = schema.http_cache, sorted(set(urls))
        found: dict[str, Validators] = {}
        with self.read() as conn:
            for chunk in _chunks(wanted, 500):
                rows = conn.execute(select(table).where(table.c.url.in_(chunk)))
                found.update({row.url: Validators(row.etag, row.last_modified) for row in rows})
        return found

    @operation("save HTTP validators")
    def save_validators(self, url: str, validators: Validators) -> None:
        """Upsert the conditional-GET validators of url (last writer wins)."""
        values = {"url": url, "etag": validators.etag, "last_modified": validators.last_modified}
        stmt = self.insert(schema.http_cache).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["url"],
            set_={"etag": validators.etag, "last_modified": validators.last_modified},
        )
        with self.plain_write() as conn:
            conn.execute(stmt)

    @operation("read cached robots.txt")
    def robots_txt(self, origins: Iterable[str], since: datetime) -> dict[str, str | None]:
        """The robots.txt bodies of `origins` fetched after `since` (None: absent)."""
        table, wanted = schema.robots_txt, sorted(set(origins))
        found: dict[str, str | None] = {}
        with self.read() as conn:
            for chunk in _chunks(wanted, 500):
                query = select(table.c.origin, table.c.body).where(
                    table.c.origin.in_(chunk), table.c.fetched_at > since
                )
                found.update({row.origin: row.body for row in conn.execute(query)})
        return found

    @operation("cache robots.txt")
    def save_robots_txt(self, bodies: Mapping[str, str | None]) -> None:
        """Upsert freshly fetched robots.txt bodies, stamped now (last writer wins)."""
        if not bodies:
            return
        now, table = datetime.now(UTC), schema.robots_txt
        rows = [{"origin": o, "body": b, "fetched_at": now} for o, b in bodies.items()]
        stmt = self.insert(table).values(rows)
        stmt = stmt.on_conflict_do_update(
            index_elements=["origin"],
            set_={"body": stmt.excluded.body, "fetched_at": stmt.excluded.fetched_at},
        )
        with self.plain_write() as conn:
            conn.execute(stmt)

    # -- items -----------------------------------------------------------------------------

    @operation("store items")
    def add(self, candidates: Sequence[Candidate]) -> list[Stored]:
        """Dedupe and insert a batch in one locked transaction; re-adding a URL is a no-op."""
        if not candidates:
            return []
        with self.write() as conn:
            return [self._add_one(conn, cand) for cand in candidates]

    def _add_one(self, conn: Connection, cand: Candidate) -> Stored:
        existing = conn.execute(self._sql.by_url, {"url": cand.canonical_url}).first()
        if existing is not None and existing.status != "failed":
            return Stored(cand.url, "skipped")
        if existing is not None:
            conn.execute(
                schema.lsh_buckets.delete().where(schema.lsh_buckets.c.item_id == existing.id)
            )
            conn.execute(schema.items.delete().where(schema.items.c.id == existing.id))
        decision = self._decide(conn, cand)
        status, story = decision.status, decision.story
        final_of = self._draft_adopted(conn, cand) if status != "failed" else None
        item_id = self._insert_item(conn, cand, decision, final_of)
        if item_id is None:  # stored meanwhile by a writer that did not take the lock
            return Stored(cand.url, "skipped")
        if status != "failed":
            story = self._index_item(conn, cand, item_id, story)
            self._link_earlier_finals(conn, cand)
        if status in ("new", "duplicate"):
            self._index_cross_keys(conn, cand, item_id)
        return Stored(cand.url, status, story, decision.duplicate_of)

    def _draft_adopted(self, conn: Connection, cand: Candidate) -> str | None:
        """URL of the stored draft a final instrument adopts (policywatch.adoption), or None.
        Candidates: the drafts published up to MAX_DRAFT_AGE before it (few: drafts are a
        small share of items; an index on stage and date finds them)."""
        final = _instrument_ref(cand, FINAL)
        if final is None:
            return None
        since = (final.published or cand.first_seen.date()) - MAX_DRAFT_AGE
        until = final.published or date.max  # a draft is never newer than its final
        rows = conn.execute(self._sql.drafts_since, {"since": since, "until": until})
        found = adopted_draft(final, [_ref(row) for row in rows])
        return found.url if found else None

    def _link_earlier_finals(self, conn: Connection, cand: Candidate) -> None:
        """A draft stored after its final (a backfill, or two sources in one run) links the
        stored finals that adopt it and have no draft yet."""
        draft = _instrument_ref(cand, DRAFT)
        if draft is None:
            return
        since = draft.published or cand.first_seen.date()
        until = draft.published + MAX_DRAFT_AGE if draft.published else date.max
        window = {"since": since, "until": until}
        for row in conn.execute(self._sql.unlinked_finals_since, window).all():
            final = _ref(row)
            if renamed_instrument(final.title, draft.title):  # the text decides (few rows)
                text = conn.execute(self._sql.text_of, {"item": row.id}).scalar() or ""
                final = replace(final, consulted=follows_consultation(text))
            if adopted_draft(final, [draft]):
                conn.execute(self._sql.set_final_of, {"item": row.id, "draft": cand.url})

    def _index_item(
        self, conn: Connection, cand: Candidate, item_id: int, story: int | None
    ) -> int:
        """Make a stored item findable: its story (itself if it starts one), LSH band keys and
        prepared text (cached, so later items verify against it without re-shingling)."""
        if story is None:
            story = item_id
            conn.execute(self._sql.set_story, {"item": item_id, "story": item_id})
        fp = cand.fingerprint
        if fp is not None:
            keys = [{"key": k, "item_id": item_id} for k in set(fp.band_keys)]
            if keys:  # a text too short to shingle has none (and only an exact twin)
                conn.execute(self._sql.insert_keys, keys)
            if cand.prepared is not None:
                self._prepared.put((item_id, fp.text_hash), cand.prepared)
        return story

    def _decide(self, conn: Connection, cand: Candidate) -> _Decision:
        """Status by precedence failed > baseline > duplicate > off_topic > new."""
        if cand.article is None or cand.fingerprint is None:
            return _Decision("failed")
        if cand.baseline_id is not None:
            return _Decision("baseline", cand.baseline_id)
        found = self._find_duplicate(
            conn, cand.prepared or cand.article.text, cand.fingerprint, cand.article.stage
        )
        if found is None:
            found = self._find_translation(conn, cand)
        if found is not None:
            row, layer, evidence = found
            if row.status == "baseline":
                return _Decision("baseline", row.duplicate_of, row.story_id, layer)
            return _Decision("duplicate", row.url, row.story_id, layer, evidence)
        if cand.relevance is not None and not cand.relevance.relevant:
            return _Decision("off_topic")
        return _Decision("new")

    def _find_duplicate(
        self, conn: Connection, text_: str | Prepared, fp: Fingerprint, stage: str | None
    ) -> tuple[Any, str, tuple[str, ...]] | None:
        """Earliest stored item that is the same text (hash) or a near/containment copy, of
        the same instrument stage, with the layer that matched: a final that repeats its
        draft's text is the adoption, news in its own right (instruments.other_stage)."""
        exact = conn.execute(self._sql.by_hash, {"hash": fp.text_hash}).first()
        if exact is not None and not other_stage(stage, exact.stage):
            return exact, "exact", ()
        prepared = None
        for row, stored_text in self._candidates(conn, fp):
            if other_stage(stage, row.stage):
                continue
            prepared = prepared or prepare(text_)  # shingle the new text once, if at all
            match = compare(prepared, stored_text)
            if match is not None:
                return row, match.layer, ()
        return None

    def _find_translation(
        self, conn: Connection, cand: Candidate
    ) -> tuple[Any, str, tuple[str, ...]] | None:
        """The stored item in the other language that reports the same story
        (policywatch.crosslang): candidates by shared evidence keys within the window, the
        best-scoring match of the same instrument stage wins (the earliest on a tie)."""
        art, keys = cand.article, lookup_keys(cand.cross_keys)
        if art is None or not keys:
            return None
        day = art.published or cand.first_seen.date()
        params = {
            "keys": keys,
            "language": "en" if is_chinese(art) else "zh",
            "since": day - WINDOW,
            "until": day + WINDOW,
        }
        rows = conn.execute(self._sql.cross_candidates, params).all()
        if not rows:
            return None
        their_keys: dict[int, set[str]] = {row.id: set() for row in rows}
        for item_id, key in conn.execute(self._sql.cross_keys_of, {"items": list(their_keys)}):
            their_keys[item_id].add(key)
        scored = [
            (match.score, -row.id, row, match)
            for row in rows
            if not other_stage(art.stage, row.stage)
            and (match := cross_match(cand.cross_keys, their_keys[row.id])) is not None
        ]
        if not scored:
            return None
        _score, _id, row, match = max(scored, key=lambda s: (s[0], s[1]))
        return row, LAYER, match.shared

    def _index_cross_keys(self, conn: Connection, cand: Candidate, item_id: int) -> None:
        """Make a live item findable by the cross-language layer (its keys, language, date)."""
        art = cand.article
        if art is None or not cand.cross_keys:
            return
        language = "zh" if is_chinese(art) else "en"
        day = art.published or cand.first_seen.date()
        rows = [
            {"key": key[:160], "item_id": item_id, "language": language, "published": day}
            for key in sorted(cand.cross_keys)
        ]
        conn.execute(self._sql.insert_cross_keys, rows)

    def _candidates(self, conn: Connection, fp: Fingerprint) -> list[tuple[Any, Prepared]]:
        """Stored items sharing LSH band keys with fp (most shared first, at most
        MAX_CANDIDATES), oldest first, each with its prepared text (cached per process)."""
        keys = list(set(fp.band_keys))
        if not keys:
            return []
        rows = conn.execute(self._sql.candidates, {"keys": keys}).all()
        prepared = self._prepared_texts(conn, [(row.id, row.text_hash) for row in rows])
        return [(row, prepared[row.id]) for row in rows if row.id in prepared]

    def _prepared_texts(
        self, conn: Connection, keys: list[tuple[int, str | None]]
    ) -> dict[int, Prepared]:
        """Prepared texts of stored items, from the per-process cache (keyed by id and text
        hash, so a row id reused after a rollback never hits a stale entry) or loaded once."""
        found = {k[0]: p for k in keys if (p := self._prepared.get(k)) is not None}
        missing = {item_id: digest for item_id, digest in keys if item_id not in found}
        if missing:
            query = select(schema.items.c.id, schema.items.c.text).where(
                schema.items.c.id.in_(list(missing))
            )
            for item_id, body in conn.execute(query):
                key = (item_id, missing[item_id])
                found[item_id] = self._prepared.put(key, prepare(body or ""))
        return found

    def _insert_item(
        self,
        conn: Connection,
        cand: Candidate,
        decision: _Decision,
        final_of: str | None = None,
    ) -> int | None:
        """INSERT ... ON CONFLICT (canonical_url) DO NOTHING; the new id, or None if present."""
        art, rel, fp = cand.article, cand.relevance, cand.fingerprint
        values = {
            "canonical_url": cand.canonical_url,
            "url": cand.url,
            "source_id": cand.source_id,
            "title": art.title if art else None,
            "text": art.text if art else None,
            "published": art.published if art else None,
            "first_seen": cand.first_seen,
            "week": cand.week,
            "language": art.language if art else None,
            "author": art.author if art else None,
            "sitename": art.sitename if art else None,
            "status": decision.status,
            "duplicate_of": decision.duplicate_of,
            "story_id": decision.story,
            "text_hash": fp.text_hash if fp else None,
            "relevance": rel.score if rel else None,
            "topics": json.dumps(list(rel.topics)) if rel else None,
            "region": rel.region if rel else None,
            "fired": json.dumps(list(rel.fired)) if rel else None,
            "error": cand.error,
            "document_number": art.document_number if art else None,
            "issuer": art.issuer if art else None,
            "cites": json.dumps(list(art.cites), ensure_ascii=False) if art else None,
            "stage": art.stage if art else None,
            "consultation_deadline": art.consultation_deadline if art else None,
            "effective_date": art.effective_date if art else None,
            "instrument_key": art.instrument_key if art else None,
            "final_of": final_of,
            "fingerprint_version": FINGERPRINT_VERSION if fp else None,
            "match_layer": decision.layer,
            "match_evidence": json.dumps(decision.evidence, ensure_ascii=False)
            if decision.evidence
            else None,
        }
        item_id = conn.execute(self._sql.insert_item, values).scalar_one_or_none()
        return None if item_id is None else int(item_id)

    # -- runs ------------------------------------------------------------------------------

    @operation("record a fetch run")
    def record_run(self, run_id: str, result: SourceResult) -> None:
        values = {
            "run_id": run_id,
            "source_id": result.source_id,
            "started": result.started,
            "finished": result.finished,
            "found": result.found,
            "fetched": result.fetched,
            "new": result.new,
            "duplicates": result.duplicates,
            "failed": result.failed,
            "error": result.error,
        }
        with self.plain_write() as conn:  # no advisory lock: a run row decides nothing
            conn.execute(schema.fetch_runs.insert().values(**values))

    @operation("read fetch runs")
    def recent_runs(self, source_id: str, limit: int = 10) -> list[Any]:
        """Latest fetch runs of a source, newest first (for health checks)."""
        with self.read() as conn:
            query = (
                select(schema.fetch_runs)
                .where(schema.fetch_runs.c.source_id == source_id)
                .order_by(schema.fetch_runs.c.started.desc(), schema.fetch_runs.c.id.desc())
                .limit(limit)
            )
            return list(conn.execute(query).all())

    @operation("read fetch runs")
    def runs_between(self, start: datetime, end: datetime) -> list[Any]:
        """Fetch runs started in [start, end), oldest first (health keeps the latest error)."""
        with self.read() as conn:
            query = (
                select(schema.fetch_runs)
                .where(schema.fetch_runs.c.started >= start, schema.fetch_runs.c.started < end)
                .order_by(schema.fetch_runs.c.started, schema.fetch_runs.c.id)
            )
            return list(conn.execute(query).all())

    # -- instruments -----------------------------------------------------------------------

    @operation("list open consultations")
    def open_consultations(self, week: str, closes_after: date) -> list[Any]:
        """Drafts briefed (or to be briefed) by `week` whose comments are due after
        `closes_after`, deadline first; each with the week that first reported it."""
        items, claimed = schema.items, schema.briefing_items
        first_week = func.coalesce(claimed.c.week, items.c.week)
        query = (
            select(items, first_week.label("first_week"))
            .outerjoin(claimed, claimed.c.item_id == items.c.id)
            .where(
                items.c.status == "new",
                items.c.consultation_deadline > closes_after,
                first_week <= week,
            )
            .order_by(items.c.consultation_deadline, items.c.id)
        )
        with self.read() as conn:
            return list(conn.execute(query).mappings())

    @operation("export items")
    def export(self, *, week: str | None = None, since: date | None = None) -> list[dict[str, Any]]:
        """Items as plain dicts (the `policywatch items` export), oldest first."""
        query = select(schema.items).order_by(schema.items.c.id)
        if week:
            query = query.where(schema.items.c.week == week)
        if since:
            query = query.where(
                (schema.items.c.published >= since)
                | (
                    schema.items.c.published.is_(None)
                    & (schema.items.c.first_seen >= _midnight(since))
                )
            )
        with self.read() as conn:
            return [item_dict(row) for row in conn.execute(query).mappings()]

    def insert(self, table: Any) -> Any:
        """Dialect INSERT with on_conflict_do_nothing/_do_update (SQLite and PostgreSQL). The
        dialect's module is the engine's, loaded with it (PostgreSQL's costs a SQLite store
        50 ms of start-up otherwise)."""
        name = "postgresql" if self.dialect == "postgresql" else "sqlite"
        return importlib.import_module(f"sqlalchemy.dialects.{name}").insert(table)


def item_dict(row: Any) -> dict[str, Any]:
    """One stored item row as the export's JSON object."""
    return {
        "id": row["id"],
        "url": row["url"],
        "source": row["source_id"],
        "title": row["title"],
        "published": _day(row["published"]),
        "first_seen": _iso(row["first_seen"]),
        "week": row["week"],
        "language": row["language"],
        "author": row["author"],
        "document_number": row["document_number"],
        "issuer": row["issuer"],
        "cites": json.loads(row["cites"]) if row["cites"] else [],
        "stage": row["stage"],
        "consultation_deadline": _day(row["consultation_deadline"]),
        "effective_date": _day(row["effective_date"]),
        "final_of": row["final_of"],
        "status": row["status"],
        "duplicate_of": row["duplicate_of"],
        "match_layer": row["match_layer"],
        "story": row["story_id"],
        "relevance": row["relevance"],
        "topics": json.loads(row["topics"]) if row["topics"] else [],
        "region": row["region"],
        "explain": json.loads(row["fired"]) if row["fired"] else [],
        "match_evidence": json.loads(row["match_evidence"]) if row["match_evidence"] else [],
        "error": row["error"],
        "text": row["text"],
    }


def _instrument_ref(cand: Candidate, stage: str) -> DraftRef | None:
    art = cand.article
    if art is None or art.stage != stage:
        return None
    consulted = stage == FINAL and follows_consultation(art.text)
    return DraftRef(cand.url, art.title, art.issuer, art.published, consulted)


def _ref(row: Any) -> DraftRef:
    return DraftRef(row.url, row.title or "", row.issuer, row.published)


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        return value.isoformat() + "+00:00"
    return value.isoformat()


def _midnight(day: date) -> datetime:
    """Start of a day as an aware UTC instant (naive means the session zone on PostgreSQL)."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        _ensure_sqlite_dir(url)
        # A SQLite connection is cheap: room for every thread of a large ingest to read.
        engine = create_engine(
            url, connect_args={"timeout": 60}, pool_size=SQLITE_POOL, max_overflow=SQLITE_POOL
        )
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    """Autocommit at the driver level so our BEGIN IMMEDIATE controls the transaction."""
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA busy_timeout=60000")
    _enable_wal(cursor)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


WAL_SWITCH_TRIES = 100  # x 0.05 s: two processes opening a fresh database at once


def _enable_wal(cursor: Any) -> None:
    """Switch to WAL. On a brand-new file the switch needs an exclusive lock and SQLite answers
    "database is locked" at once (no busy wait) while another connection creates the schema."""
    for _ in range(WAL_SWITCH_TRIES):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            time.sleep(0.05)
    cursor.execute("PRAGMA journal_mode=WAL")


def _sqlite_begin(conn: Connection) -> None:
    """Writers take SQLite's write lock up front (no lock upgrade deadlocks); readers don't."""
    read_only = conn.get_execution_options().get("policywatch_read", False)
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _ensure_sqlite_dir(url: str) -> None:
    path = url.split("///", 1)[-1] if "///" in url else ""
    if path and path != ":memory:" and not path.startswith("file:"):
        Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _disk_full(url: str) -> str:
    """'; its filesystem is full …' when a SQLite database's folder has (almost) no space left:
    SQLite then says only 'disk I/O error' (it cannot create its shared-memory file)."""
    path = url.split("///", 1)[-1] if url.startswith("sqlite") and "///" in url else ""
    if not path or path == ":memory:" or path.startswith("file:"):
        return ""
    try:
        stat = os.statvfs(Path(path).expanduser().parent)
    except OSError:
        return ""
    free = stat.f_bavail * stat.f_frsize
    return f"; its filesystem is full ({free // 1024} KB free)" if free < FULL_DISK else ""


def _safe_url(url: str) -> str:
    """The URL with any password masked, for error messages and logs."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # any unparsable URL: never echo it (it may hold a password)
        return "<invalid database URL>"


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _chunks(values: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
