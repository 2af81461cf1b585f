"""Schema migrations (Alembic), run programmatically on an open connection.

Revision 0001 is the schema of release 0.1.0 (created by `metadata.create_all`, before Alembic);
such a database is recognised and stamped 0001, then upgraded in place like any other.

Alembic is imported only to migrate: opening a store at the head reads the database's revision
and the scripts' own `revision` lines (importing Alembic cost 0.4-0.5 s of every command's
start-up; issue 17).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

from policywatch.errors import StoreError

if TYPE_CHECKING:
    from alembic.config import Config

SCRIPTS = Path(__file__).parent
FIRST_RELEASE = "0001"  # the schema policywatch 0.1.0 created without Alembic
RELEASE_TABLES = ("items", "lsh_buckets", "fetch_runs", "http_cache", "briefings", "briefing_items")


# Search indexes of revision 0005 that SQLAlchemy's metadata cannot describe (an FTS5 virtual
# table and its shadow tables; a pg_trgm expression index): left out of schema comparisons.
OUTSIDE_METADATA = ("items_fts", "ix_items_search_trgm")


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's include_name hook: compare everything but OUTSIDE_METADATA."""
    return not (name or "").startswith(OUTSIDE_METADATA)


class MigrationError(StoreError):
    """Alembic could not migrate the database (its CommandError, as a StoreError)."""


def config(connection: Connection | None = None) -> Config:
    """An Alembic Config for the shipped scripts; with a connection, env.py migrates on it."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    cfg.set_main_option("path_separator", "os")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


_REVISION_LINE = re.compile(r"^revision(?::\s*str)?\s*=\s*[\"'](?P<id>[^\"']+)[\"']", re.M)
_DOWN_LINE = re.compile(r"^down_revision\b[^=]*=\s*(?P<value>.+)$", re.M)
_QUOTED = re.compile(r"[\"']([^\"']+)[\"']")


@lru_cache(maxsize=1)
def head() -> str:
    """The newest revision shipped with this release: the one no script names as its
    down_revision (a linear history; tests compare it with Alembic's own answer)."""
    revisions, parents = set(), set()
    for script in (SCRIPTS / "versions").glob("*.py"):
        source = script.read_text("utf-8")
        if found := _REVISION_LINE.search(source):
            revisions.add(found["id"])
        if down := _DOWN_LINE.search(source):
            parents.update(_QUOTED.findall(down["value"]))
    heads = revisions - parents
    if len(heads) != 1:
        raise StoreError(f"migration scripts in {SCRIPTS} have {len(heads)} heads: {heads}")
    return heads.pop()


@lru_cache(maxsize=1)
def known() -> frozenset[str]:
    """Every revision shipped with this release."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(config())
    return frozenset(script.revision for script in scripts.walk_revisions())


def current(conn: Connection) -> str | None:
    """The database's revision (None: empty, or created by 0.1.0 before Alembic), read as
    Alembic keeps it: the one row of `alembic_version`."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(rows) > 1:
        raise StoreError(f"the database has {len(rows)} schema revisions: {sorted(rows)}")
    return rows[0] if rows else None


def upgrade(conn: Connection, revision: str = "head") -> None:
    """Bring the database on conn to revision, stamping a pre-Alembic 0.1.0 database first.

    Runs inside the caller's transaction (the caller holds the write lock and commits).
    Alembic's CommandError is raised as a MigrationError.
    """
    from alembic.util.exc import CommandError

    try:
        _upgrade(conn, revision)
    except CommandError as exc:
        raise MigrationError(f"{exc.__class__.__name__}: {exc}") from None


def _upgrade(conn: Connection, revision: str) -> None:
    from alembic import command

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
    from alembic import command

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
