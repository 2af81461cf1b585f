"""Alembic environment: migrate the connection policywatch.storage.migrations hands in, or a URL.

From the alembic CLI:
`alembic -c policywatch/storage/migrations/alembic.ini -x url=DB_URL upgrade head`
(without -x url, POLICYWATCH_DB_URL or the default SQLite file is used).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from policywatch.storage import schema
from policywatch.storage.migrations import include_name


def _url() -> str:
    from policywatch.config import settings_from_env

    return context.get_x_argument(as_dictionary=True).get("url") or settings_from_env().db_url


def _migrate(connection: Connection) -> None:
    """All pending revisions in one transaction (DDL is transactional on SQLite and PostgreSQL)."""
    context.configure(
        connection=connection,
        target_metadata=schema.metadata,
        transactional_ddl=True,
        render_as_batch=connection.dialect.name == "sqlite",
        include_name=include_name,  # the search indexes are not in the metadata
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    if context.is_offline_mode():
        context.configure(url=_url(), target_metadata=schema.metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    engine = create_engine(_url())
    try:
        with engine.connect() as conn:
            _migrate(conn)
    finally:
        engine.dispose()


run()
