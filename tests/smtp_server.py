"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd), as a reusable pytest fixture.

Use it from any test module with `from smtp_server import smtp_server  # noqa: F401` (or list
"smtp_server" in `pytest_plugins` of the top-level conftest), then take `smtp_server` as an
argument: it has .host, .port, .messages (parsed EmailMessage objects), .envelopes and
.settings(**changes) -> SmtpSettings pointing at it (security "none", no login).
`start_smtp_server(...)` gives the same object for TLS or AUTH variants.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from flows.serve import free_port
from policywatch.config import SmtpSettings

HOST = "127.0.0.1"


@dataclass
class Envelope:
    """The SMTP envelope of one received message."""

    mail_from: str
    rcpt_tos: list[str]


@dataclass
class SmtpServer:
    """A running test SMTP server and everything it has received."""

    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[Envelope] = field(default_factory=list)

    def settings(self, **changes: Any) -> SmtpSettings:
        """SmtpSettings for this server: plain SMTP, no login, one recipient."""
        return plain_smtp({"host": self.host, "port": self.port} | changes)


def plain_smtp(changes: dict[str, Any]) -> SmtpSettings:
    """SmtpSettings for a test server (`changes` names host and port): plain SMTP, no login,
    one recipient."""
    values: dict[str, Any] = {
        "security": "none",
        "mail_from": "Policywatch <policywatch@example.org>",
        "mail_to": ("analyst@example.org",),
    }
    return SmtpSettings(**(values | changes))


class _Handler:
    """aiosmtpd handler that parses and keeps every message."""

    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.server.messages.append(msg)
        self.server.envelopes.append(Envelope(envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


def password_authenticator(user: str, password: str) -> Any:
    """An aiosmtpd authenticator accepting exactly one user/password (LOGIN and PLAIN)."""

    def authenticate(_server: Any, _session: Any, _envelope: Any, mechanism: str, data: Any) -> Any:
        ok = (
            mechanism in ("LOGIN", "PLAIN")
            and isinstance(data, LoginPassword)
            and (data.login.decode(), data.password.decode()) == (user, password)
        )
        return AuthResult(success=ok, handled=False)

    return authenticate


@contextmanager
def start_smtp_server(
    *,
    tls_context: ssl.SSLContext | None = None,
    ssl_context: ssl.SSLContext | None = None,
    authenticator: Any = None,
    auth_require_tls: bool = True,
) -> Iterator[SmtpServer]:
    """Run an aiosmtpd server on a free loopback port (STARTTLS, implicit TLS or AUTH optional)."""
    for attempt in range(5):
        server = SmtpServer(HOST, free_port(HOST))
        controller = Controller(
            _Handler(server),
            hostname=HOST,
            port=server.port,
            ssl_context=ssl_context,
            tls_context=tls_context,
            authenticator=authenticator,
            auth_require_tls=auth_require_tls,
        )
        try:
            controller.start()
        except (OSError, RuntimeError):
            if attempt == 4:
                raise
            continue
        break
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A plain SMTP server on 127.0.0.1 collecting parsed messages in .messages."""
    with start_smtp_server() as server:
        yield server
