"""Alembic migrations: head equals schema.py; older databases upgrade in place, losing nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from pg import db_url  # noqa: F401
from sqlalchemy import MetaData, create_engine, inspect, text
from test_postgres import COMPUTE, LABELLING, candidate, run_together

from policywatch.errors import StoreError
from policywatch.storage import Store, migrations, schema

NEW_INDEXES = {  # added by revisions 0002 and 0004
    "ix_items_first_seen",
    "ix_fetch_runs_started",
    "ix_items_stage_published",
    "ix_items_consultation_deadline",
}
NEW_COLUMNS = {  # added by revisions 0003 and 0004, with a type each
    "document_number": "TEXT",
    "issuer": "TEXT",
    "cites": "TEXT",
    "stage": "TEXT",
    "consultation_deadline": "DATE",
    "effective_date": "DATE",
    "instrument_key": "TEXT",
    "final_of": "TEXT",
    "match_layer": "TEXT",  # revision 0007
    "match_evidence": "TEXT",
    "fingerprint_version": "INTEGER",  # revision 0008
}
NEW_TABLES = {"deliveries", "alert_claims", "alert_rules", "cross_keys", "robots_txt"}  # 0006-0009
HEAD = "0009"


def release_0_1_metadata() -> MetaData:
    """What policywatch 0.1.0's metadata.create_all built: today's schema minus revision 0002."""
    old = MetaData()
    for table in schema.metadata.tables.values():
        if table.name in NEW_TABLES:
            continue
        copy = table.to_metadata(old)
        for index in [i for i in copy.indexes if i.name in NEW_INDEXES]:
            copy.indexes.discard(index)
        for column in [c for c in copy.columns if c.name in NEW_COLUMNS]:
            copy._columns.remove(column)  # revision 0003's and 0004's columns
    return old


def schema_diff(url: str, metadata: MetaData) -> list[Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"include_name": migrations.include_name}
            )
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def migrate(url: str, revision: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            migrations.upgrade(conn, revision)
    finally:
        engine.dispose()


def add_items(url: str) -> list[dict[str, Any]]:
    """Two items through the current store code path; returns the export. On an older schema
    the columns of later revisions exist only while the items are written."""
    engine = create_engine(url)
    missing = sorted(set(NEW_COLUMNS) - {c["name"] for c in inspect(engine).get_columns("items")})
    with engine.begin() as conn:
        for name in missing:
            conn.execute(text(f"ALTER TABLE items ADD COLUMN {name} {NEW_COLUMNS[name]}"))
    store = Store(engine)
    store.add([candidate("https://a.example/labels", LABELLING)])
    store.add([candidate("https://a.example/fund", COMPUTE)])
    rows = store.export()
    with engine.begin() as conn:
        for name in missing:
            conn.execute(text(f"ALTER TABLE items DROP COLUMN {name}"))
    store.close()
    return rows


def indexes(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        inspector = inspect(engine)
        names = {i["name"] for t in ("items", "fetch_runs") for i in inspector.get_indexes(t)}
    finally:
        engine.dispose()
    return {n for n in names if n}


def db_upgrade_command(url: str) -> subprocess.CompletedProcess[str]:
    """Run the real `policywatch db upgrade` command against url."""
    env = {**os.environ, "POLICYWATCH_DB_URL": url}
    command = Path(sys.executable).with_name("policywatch")
    return subprocess.run(
        [str(command), "db", "upgrade"], env=env, capture_output=True, text=True, timeout=120
    )


def test_head_is_identical_to_schema_metadata(db_url: str) -> None:  # noqa: F811
    Store.open(db_url).close()
    assert schema_diff(db_url, schema.metadata) == []
    assert migrations.head() == HEAD


def test_revision_0001_is_the_first_release_schema(db_url: str) -> None:  # noqa: F811
    migrate(db_url, "0001")
    assert schema_diff(db_url, release_0_1_metadata()) == []


def test_db_upgrade_from_revision_0001_keeps_items(db_url: str) -> None:  # noqa: F811
    migrate(db_url, "0001")
    before = add_items(db_url)
    assert not NEW_INDEXES & indexes(db_url)
    done = db_upgrade_command(db_url)
    assert done.returncode == 0, done.stderr
    assert "up to date" in done.stderr
    store = Store.open(db_url, create=False)
    assert store.revision() == HEAD
    assert store.export() == before
    assert indexes(db_url) >= NEW_INDEXES
    assert set(inspect(create_engine(db_url)).get_table_names()) >= NEW_TABLES
    [copy] = store.add([candidate("https://b.example/labels", LABELLING, source="news")])
    assert copy.status == "duplicate" and copy.story_id == before[0]["id"]
    store.close()


def test_pre_alembic_database_is_stamped_then_upgraded(db_url: str) -> None:  # noqa: F811
    engine = create_engine(db_url)
    release_0_1_metadata().create_all(engine)  # exactly what 0.1.0 did on first use
    engine.dispose()
    before = add_items(db_url)
    store = Store.open(db_url)
    assert store.revision() == HEAD
    assert store.export() == before
    store.close()
    assert schema_diff(db_url, schema.metadata) == []


def test_downgrade_to_first_release_and_back(db_url: str) -> None:  # noqa: F811
    Store.open(db_url).close()
    before = add_items(db_url)
    engine = create_engine(db_url)
    with engine.begin() as conn:
        migrations.downgrade(conn, "0001")
    engine.dispose()
    assert schema_diff(db_url, release_0_1_metadata()) == []
    store = Store.open(db_url)
    assert store.revision() == HEAD and store.export() == before
    store.close()


def test_workers_opening_an_empty_database_at_once_migrate_it_once(
    db_url: str,  # noqa: F811
) -> None:
    stores = run_together(4, lambda _i: Store.open(db_url))
    assert {s.revision() for s in stores} == {HEAD}
    for store in stores:
        store.close()


def test_foreign_database_with_partial_tables_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'odd.db'}"
    engine = create_engine(url)
    schema.items.to_metadata(MetaData()).create(engine)
    engine.dispose()
    with pytest.raises(StoreError, match=r"lacks lsh_buckets.*not a policywatch 0\.1\.0 database"):
        Store.open(url)


def test_schema_newer_than_the_code_is_refused_clearly(db_url: str) -> None:  # noqa: F811
    """A worker still on an old release must not guess at a schema it does not know."""
    Store.open(db_url).close()
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    engine.dispose()
    with pytest.raises(StoreError, match="revision 0099 is newer than this policywatch knows"):
        Store.open(db_url)


def test_head_read_from_the_scripts_is_alembics_head() -> None:
    """head() parses the scripts' revision lines so that opening a store needs no Alembic."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(migrations.config())
    assert migrations.head() == scripts.get_current_head() == HEAD


def test_current_reads_the_revision_alembic_keeps(db_url: str) -> None:  # noqa: F811
    migrate(db_url, "0004")
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            assert (
                migrations.current(conn)
                == MigrationContext.configure(conn).get_current_revision()
                == "0004"
            )
    finally:
        engine.dispose()


def test_ingest_start_up_imports_no_alembic() -> None:
    """Alembic is imported only to migrate (0.4-0.5 s of every command's start-up)."""
    code = "import sys, flows.ingest, policywatch.cli; print('alembic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
