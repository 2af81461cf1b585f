"""Schema migrations (Alembic), run programmatically on an open connection.

Revision 0001 is the schema of release 0.1.0 (created by `metadata.create_all`, before Alembic);
such a database is recognised and stamped 0001, then upgraded in place like any other.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect

from policywatch.errors import StoreError

SCRIPTS = Path(__file__).parent
FIRST_RELEASE = "0001"  # the schema policywatch 0.1.0 created without Alembic
RELEASE_TABLES = ("items", "lsh_buckets", "fetch_runs", "http_cache", "briefings", "briefing_items")


# Search indexes of revision 0005 that SQLAlchemy's metadata cannot describe (an FTS5 virtual
# table and its shadow tables; a pg_trgm expression index): left out of schema comparisons.
OUTSIDE_METADATA = ("items_fts", "ix_items_search_trgm")


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's include_name hook: compare everything but OUTSIDE_METADATA."""
    return not (name or "").startswith(OUTSIDE_METADATA)


def config(connection: Connection | None = None) -> Config:
    """An Alembic Config for the shipped scripts; with a connection, env.py migrates on it."""
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    cfg.set_main_option("path_separator", "os")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@lru_cache(maxsize=1)
def head() -> str:
    """The newest revision shipped with this release."""
    revision = ScriptDirectory.from_config(config()).get_current_head()
    assert revision is not None
    return revision


@lru_cache(maxsize=1)
def known() -> frozenset[str]:
    """Every revision shipped with this release."""
    scripts = ScriptDirectory.from_config(config())
    return frozenset(script.revision for script in scripts.walk_revisions())


def current(conn: Connection) -> str | None:
    """The database's revision (None: empty, or created by 0.1.0 before Alembic)."""
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(conn: Connection, revision: str = "head") -> None:
    """Bring the database on conn to revision, stamping a pre-Alembic 0.1.0 database first.

    Runs inside the caller's transaction (the caller holds the write lock and commits).
    """
    revision_now = current(conn)
    if revision_now is not None and revision_now not in known():
        raise StoreError(
            f"schema revision {revision_now} is newer than this policywatch knows "
            f"(head {head()}): upgrade policywatch on this machine"
        )
    if revision_now is None and _is_release_0_1(conn):
        command.stamp(config(conn), FIRST_RELEASE)
    command.upgrade(config(conn), revision)


def downgrade(conn: Connection, revision: str) -> None:
    """Step the schema back to revision (for rollbacks and the migration tests)."""
    command.downgrade(config(conn), revision)


def _is_release_0_1(conn: Connection) -> bool:
    """True when conn holds policywatch tables but no Alembic version table."""
    tables = set(inspect(conn).get_table_names())
    if "items" not in tables:
        return False
    missing = [t for t in RELEASE_TABLES if t not in tables]
    if missing:
        raise StoreError(
            f"database has an items table but lacks {', '.join(missing)}: "
            "not a policywatch 0.1.0 database, refusing to migrate it"
        )
    return True
