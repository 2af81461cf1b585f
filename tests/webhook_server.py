"""A loopback HTTP receiver standing in for Slack, Teams and generic webhooks: apprise's real
json:// and form:// plugins post to it. It records every request, and can fail the first N
(HTTP 500) or hold requests (to SIGKILL a sender mid-send)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest

HOST = "127.0.0.1"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def payload(self) -> dict[str, Any]:
        """The JSON body (json://) or the form fields (form://)."""
        if self.headers.get("content-type", "").startswith("application/json"):
            return dict(json.loads(self.body))
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Receiver:
    host: str
    port: int
    requests: list[Received] = field(default_factory=list)
    fail_next: int = 0  # answer this many requests with HTTP 500
    hold: threading.Event | None = None  # when set, requests wait for it before answering
    arrived: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str, scheme: str = "json") -> str:
        return f"{scheme}://{self.host}:{self.port}/{path.lstrip('/')}"

    def at(self, path: str) -> list[dict[str, Any]]:
        """Payloads received on one path (answered 2xx or not), oldest first."""
        return [r.payload() for r in self.requests if r.path == "/" + path.lstrip("/")]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            headers = {k.lower(): v for k, v in self.headers.items()}
            receiver.requests.append(Received(self.path, headers, self.rfile.read(length)))
            receiver.arrived.set()
            if receiver.hold is not None:
                receiver.hold.wait(30)
            status = 500 if receiver.fail_next > 0 else 200
            receiver.fail_next = max(0, receiver.fail_next - 1)
            self.send_response(status)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def start_receiver() -> Iterator[Receiver]:
    """Run a receiver on a free loopback port until the block ends."""
    receiver = Receiver(HOST, 0)
    server = ThreadingHTTPServer((HOST, 0), _handler(receiver))
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        if receiver.hold is not None:
            receiver.hold.set()
        server.shutdown()
        server.server_close()


@pytest.fixture()
def webhook() -> Iterator[Receiver]:
    """A webhook receiver on a free loopback port."""
    with start_receiver() as receiver:
        yield receiver
