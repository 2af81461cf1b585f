"""SQLAlchemy's errors mapped to StoreError at the storage boundary, naming the operation,
so a database failure reaches the user as one line, never as a traceback."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from sqlalchemy.exc import SQLAlchemyError

from policywatch.errors import StoreError

F = TypeVar("F", bound=Callable[..., Any])


def operation(what: str) -> Callable[[F], F]:
    """Decorate a Store method: SQLAlchemyError inside becomes StoreError('database error
    while trying to <what>: <reason>')."""

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            except SQLAlchemyError as exc:
                raise StoreError(f"database error while trying to {what}: {reason(exc)}") from exc

        return cast(F, run)

    return decorate


def reason(exc: SQLAlchemyError) -> str:
    """The driver's exception class and first message line ('OperationalError: database is
    locked'), without SQLAlchemy's SQL echo and background links."""
    cause = getattr(exc, "orig", None) or exc
    first = (str(cause).strip().splitlines() or [""])[0]
    return f"{type(cause).__name__}: {first}"[:300]
