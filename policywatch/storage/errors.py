"""SQLAlchemy's errors mapped to StoreError at the storage boundary, naming the operation,
so a database failure reaches the user as one line, never as a traceback.

A dropped connection (PostgreSQL restarted, the backend terminated, the server not yet
accepting connections) is transient: the whole operation, one transaction, is run again after
a short backoff (RETRY_DELAYS), then it fails as above. Every Store operation is one
transaction that either commits or rolls back whole, so running it again is safe.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError

from policywatch.errors import StoreError

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

log = logging.getLogger("policywatch.storage")

# Seconds before each new attempt (7.7 s in all): backoff capped at 2 s, so a server back
# within the window is met within 2 s (a 4 s last wait missed one restarting under load).
RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0, 2.0, 2.0)
# SQLSTATE classes of a lost server: connection exception (08), admin/crash shutdown and
# "cannot connect now" (57P01-57P03, also what pg_terminate_backend sends).
TRANSIENT_STATES = ("08", "57P01", "57P02", "57P03")
# Connection failures carry no SQLSTATE: these are the ones a restart causes.
TRANSIENT_MESSAGES = (
    "connection refused",
    "the database system is",  # ... starting up / shutting down / in recovery mode
    "server closed the connection",
    "terminating connection",
    "could not receive data",
    "could not send data",
    "timeout expired",
    "connection is closed",
)


def operation(what: str) -> Callable[[F], F]:
    """Decorate a Store method: retried on a dropped connection, and SQLAlchemyError inside
    becomes StoreError('database error while trying to <what>: <reason>')."""

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return retrying(what, lambda: method(*args, **kwargs))
            except SQLAlchemyError as exc:
                raise StoreError(f"database error while trying to {what}: {reason(exc)}") from exc

        return cast(F, run)

    return decorate


def retrying(what: str, attempt: Callable[[], T]) -> T:
    """attempt(), run again after each of RETRY_DELAYS while it fails on a dropped connection."""
    for delay in RETRY_DELAYS:
        try:
            return attempt()
        except SQLAlchemyError as exc:
            if not transient(exc):
                raise
            log.warning(  # the operator sees the database flap; a final failure is the error
                "database connection failed while trying to %s (%s); retrying in %.1f s",
                what,
                reason(exc),
                delay,
            )
            time.sleep(delay)
    return attempt()


def transient(exc: SQLAlchemyError) -> bool:
    """Whether exc is a lost or refused connection (worth one more try), not a bad query,
    a constraint or SQLite's own errors (its driver errors carry no SQLSTATE)."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    orig = exc.orig
    if not hasattr(orig, "sqlstate"):
        return False
    state = getattr(orig, "sqlstate", None)
    if state:
        return str(state).startswith(TRANSIENT_STATES)
    return any(marker in str(orig).lower() for marker in TRANSIENT_MESSAGES)


def reason(exc: SQLAlchemyError) -> str:
    """The driver's exception class and first message line ('OperationalError: database is
    locked'), without SQLAlchemy's SQL echo and background links."""
    cause = getattr(exc, "orig", None) or exc
    first = (str(cause).strip().splitlines() or [""])[0]
    return f"{type(cause).__name__}: {first}"[:300]
