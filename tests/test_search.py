"""`policywatch search` (issue 18, part 1): Chinese without word spaces and English, ranked,
on SQLite (FTS5 trigram) and PostgreSQL (pg_trgm), including databases upgraded in place."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pg import db_url  # noqa: F401
from sqlalchemy import create_engine, inspect

from policywatch.dedupe import fingerprint
from policywatch.errors import ConfigError
from policywatch.models import Article, Relevance
from policywatch.search import parse_query, rank
from policywatch.storage import Candidate, Store, migrations
from policywatch.storage.search import SearchFilters

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
ITEMS = {
    "compute": (
        "关于推进智能算力基础设施高质量发展的通知",
        "各地要统筹智能算力布局，发放算力券，降低企业使用算力的成本。到2028年，智能算力占比超过"
        "60%，建成一批国家级算力枢纽节点，推动东西部算力协同调度。",
        "cn-gov",
        date(2026, 11, 18),
    ),
    "annotation": (
        "关于印发《数据标注产业发展行动计划》的通知",
        "培育数据标注龙头企业，建设数据标注基地，提升训练数据质量，完善数据标注人员职业标准，"
        "推动标注工具国产化。",
        "cn-gov",
        date(2026, 11, 17),
    ),
    "labelling": (
        "Ministry consults on labelling rules for AI-generated content",
        "Platforms would have to label synthetic images and video. The labelling duty covers "
        "providers of generative AI services; comments are invited until 10 December.",
        "wire",
        date(2026, 11, 16),
    ),
    "vouchers": (
        "City launches compute vouchers for small AI firms",
        "The scheme offers compute vouchers worth up to 30% of cloud costs for start-ups that "
        "train models locally, alongside a talent programme.",
        "wire",
        date(2026, 10, 2),
    ),
}


def candidate(key: str) -> Candidate:
    title, text, source, published = ITEMS[key]
    url = f"https://{source}.example/{key}"
    article = Article(url=url, title=title, text=text, published=published)
    relevance = Relevance(0.9, True, ("industry",), "China" if source == "cn-gov" else None)
    return Candidate(source, url, url, "2026-W47", NOW, article, fingerprint(text), relevance)


@pytest.fixture()
def store(db_url: str) -> Iterator[Store]:  # noqa: F811
    opened = Store.open(db_url)
    opened.add([candidate(key) for key in ITEMS])
    yield opened
    opened.close()


def found(store: Store, query: str, **filters: object) -> list[str]:
    parsed = parse_query(query)
    hits = rank(parsed, store.search_candidates(parsed, SearchFilters(**filters)))  # type: ignore[arg-type]
    return [h.url.rsplit("/", 1)[-1] for h in hits]


def test_chinese_without_spaces_short_and_long_terms(store: Store) -> None:
    assert found(store, "算力") == ["compute"]  # two characters: scanned
    assert found(store, "智能算力布局") == ["compute"]  # three or more: the trigram index
    assert found(store, "数据标注 基地") == ["annotation"]
    assert found(store, "算力 标注") == []  # AND: no item has both


def test_english_phrases_or_exclusion_and_filters(store: Store) -> None:
    assert found(store, "labelling") == ["labelling"]
    assert found(store, '"compute vouchers"') == ["vouchers"]
    assert found(store, "LABEL") == ["labelling"]  # case-insensitive substring
    assert set(found(store, "labelling OR 标注")) == {"labelling", "annotation"}
    assert found(store, "AI -vouchers") == ["labelling"]
    assert found(store, "AI", source="wire", since=date(2026, 11, 1)) == ["labelling"]
    assert set(found(store, "的通知", region="china")) == {"compute", "annotation"}


def test_title_matches_rank_first_and_snippets_mark_terms(store: Store) -> None:
    parsed = parse_query("compute")
    [hit] = rank(parsed, store.search_candidates(parsed, SearchFilters()))
    assert "[compute]" in hit.title and "[compute]" in hit.snippet


@pytest.mark.parametrize(
    ("query", "message"),
    [('"unclosed', "unclosed quote"), ("OR labelling", "OR needs"), ("  ", "at least one")],
)
def test_bad_queries_are_clear_errors(query: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_query(query)


def test_items_stored_before_the_search_index_are_found_after_upgrade(db_url: str) -> None:  # noqa: F811
    engine = create_engine(db_url)
    stored = Store.open(db_url)
    stored.add([candidate("compute"), candidate("labelling")])
    stored.close()
    with engine.begin() as conn:  # back to the schema of the release before search
        migrations.downgrade(conn, "0004")
        assert migrations.current(conn) == "0004"
    engine.dispose()
    upgraded = Store.open(db_url)
    inspector = inspect(upgraded.engine)
    built = set(inspector.get_table_names()) | {i["name"] for i in inspector.get_indexes("items")}
    assert built & {"items_fts", "ix_items_search_trgm"}, "the search index was not built"
    assert found(upgraded, "智能算力") == ["compute"]
    assert found(upgraded, "labelling") == ["labelling"]
    upgraded.add([candidate("vouchers")])  # and items stored afterwards too
    assert found(upgraded, "vouchers") == ["vouchers"]
    upgraded.close()


def test_search_command(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'pw.db'}"
    store = Store.open(db)
    store.add([candidate(key) for key in ITEMS])
    store.close()
    env = {**os.environ, "POLICYWATCH_DB_URL": db, "POLICYWATCH_HOME": str(tmp_path)}
    command = str(Path(sys.executable).with_name("policywatch"))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [command, "search", *args], env=env, capture_output=True, text=True, timeout=60
        )

    table = run("算力")
    assert table.returncode == 0, table.stderr
    assert table.stdout.startswith("1 match") and "[算力]" in table.stdout
    rows = json.loads(run("AI", "--format", "json", "--limit", "1").stdout)
    assert len(rows) == 1 and rows[0]["url"].startswith("https://wire.example/")
    bad = run('"unclosed')
    assert bad.returncode == 2 and "unclosed quote" in bad.stderr and "Traceback" not in bad.stderr
