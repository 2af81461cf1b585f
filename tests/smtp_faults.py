"""A misbehaving SMTP server on 127.0.0.x for fault tests: raw asyncio, so it can fail where a
real server fails (a 421 greeting, 451 after DATA, 550 for one recipient, a connection dropped
in the middle of DATA, a broken STARTTLS handshake, a DATA command or a DATA body that stalls
until released: "stall-at-data" before its 354 reply (the message never leaves the client),
"stall-in-data" after the body's first line (the client has handed over the whole message, so
the server gets it even if the client dies: it then has a message the client never saw
confirmed, as a real server would).

`FaultySmtp(mode=...)` runs in a thread; `.mode` may be changed between sends ("ok" delivers).
Only complete transactions answered 250 count in `.messages`, as on a real server.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from smtp_server import plain_smtp

from policywatch.config import SmtpSettings

HOST = "127.0.0.91"
MODES = (
    "ok",
    "greet-421",
    "data-451",
    "drop-in-data",
    "tls-garbage",
    "stall-at-data",
    "stall-in-data",
)


def refused_port(host: str = HOST) -> int:
    """A port on `host` where nothing listens (a connection to it is refused)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class Transaction:
    """One delivered message: envelope and parsed content."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class FaultySmtp:
    """The server; `refuse` maps a recipient to the reply its RCPT TO gets (e.g. 550)."""

    mode: str = "ok"
    refuse: dict[str, str] = field(default_factory=dict)
    host: str = HOST
    port: int = 0
    delivered: list[Transaction] = field(default_factory=list)
    connections: int = 0
    finished: int = 0  # sessions over (the connection closed either way)
    data_started: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def messages(self) -> list[EmailMessage]:
        return [t.message for t in self.delivered]

    def settings(self, **changes: Any) -> SmtpSettings:
        """SmtpSettings pointing here (plain SMTP, no login)."""
        return plain_smtp({"host": self.host, "port": self.port} | changes)

    def env(self, mail_to: str, security: str = "none") -> dict[str, str]:
        """POLICYWATCH_SMTP_* / MAIL_TO variables pointing here."""
        return {
            "POLICYWATCH_SMTP_HOST": self.host,
            "POLICYWATCH_SMTP_PORT": str(self.port),
            "POLICYWATCH_SMTP_SECURITY": security,
            "POLICYWATCH_MAIL_TO": mail_to,
        }

    def __enter__(self) -> FaultySmtp:
        assert self.mode in MODES, self.mode
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), daemon=True)
        self._thread.start()
        assert ready.wait(10), "fault SMTP server did not start"
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release.set()
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def _serve(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._main(ready))
        self._loop.close()

    async def _main(self, ready: threading.Event) -> None:
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._session, self.host, self.port)
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        async with server:
            await self._stop.wait()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            await _Session(self, reader, writer).run()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            self.finished += 1

    def wait_idle(self, timeout: float = 10) -> None:
        """Until every session so far has ended (a killed client's included)."""
        deadline = time.monotonic() + timeout
        while self.finished < self.connections and time.monotonic() < deadline:
            time.sleep(0.01)
        assert self.finished == self.connections, "an SMTP session did not end"


@dataclass
class _Session:
    """One SMTP conversation, failing as the server's mode says."""

    server: FaultySmtp
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    mail_from: str = ""
    rcpt_tos: list[str] = field(default_factory=list)

    async def reply(self, line: str) -> None:
        self.writer.write(line.encode() + b"\r\n")
        await self.writer.drain()

    async def run(self) -> None:
        mode = self.server.mode
        if mode == "greet-421":
            await self.reply("421 4.3.2 faults.test shutting down for maintenance")
            return
        await self.reply("220 faults.test ESMTP")
        while line := (await self.reader.readline()).decode("ascii", "replace").strip():
            verb, _, arg = line.partition(" ")
            if not await self.command(verb.upper(), arg):
                return

    async def command(self, verb: str, arg: str) -> bool:
        """Answer one command; False ends the session."""
        if verb in ("EHLO", "HELO"):
            tls = ["250-STARTTLS"] if self.server.mode == "tls-garbage" else []
            for line in ["250-faults.test", *tls, "250-8BITMIME", "250 SMTPUTF8"]:
                await self.reply(line)
        elif verb == "STARTTLS":
            await self.reply("220 2.0.0 ready to start TLS")
            self.writer.write(b"this is not a TLS server hello\r\n" * 4)  # the handshake fails
            await self.writer.drain()
            return False
        elif verb == "MAIL":
            self.mail_from, self.rcpt_tos = _address(arg), []
            await self.reply("250 2.1.0 ok")
        elif verb == "RCPT":
            await self.rcpt(_address(arg))
        elif verb == "DATA":
            return await self.data()
        elif verb == "QUIT":
            await self.reply("221 2.0.0 bye")
            return False
        else:  # RSET, NOOP
            await self.reply("250 2.0.0 ok")
        return True

    async def rcpt(self, address: str) -> None:
        refusal = self.server.refuse.get(address)
        if refusal:
            await self.reply(refusal)
            return
        self.rcpt_tos.append(address)
        await self.reply("250 2.1.5 ok")

    async def data(self) -> bool:
        mode = self.server.mode
        if mode == "stall-at-data":
            self.server.data_started.set()
            await asyncio.to_thread(self.server.release.wait, 120)
        await self.reply("354 end data with <CR><LF>.<CR><LF>")
        first = await self.reader.readline()
        self.server.data_started.set()
        if mode == "drop-in-data":
            return False  # the connection goes away with the message half sent
        if mode == "stall-in-data":
            await asyncio.to_thread(self.server.release.wait, 120)
        body = first + await self.reader.readuntil(b"\r\n.\r\n")
        if mode == "data-451":
            await self.reply("451 4.3.0 temporary local problem, try again later")
            return True
        lines = body[: -len(b".\r\n")].split(b"\r\n")
        content = b"\r\n".join(line[1:] if line.startswith(b".") else line for line in lines)
        msg = message_from_bytes(content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.server.delivered.append(Transaction(self.mail_from, list(self.rcpt_tos), msg))
        await self.reply("250 2.0.0 queued")
        return True


def _address(arg: str) -> str:
    """'FROM:<a@x> SIZE=10' -> 'a@x'."""
    return arg.partition("<")[2].partition(">")[0]
