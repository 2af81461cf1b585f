"""A local multi-site HTTP server for the offline demo and the integration tests.

Each subdirectory of a sites directory is served as its own site on its own loopback address
(127.0.0.2, 127.0.0.3, ..., then 127.0.1.1, ...), so per-host politeness and robots.txt behave as
on the real web. One thread accepts for every site (a thousand benchmark sites need no thousand
polling threads); each connection is answered in a thread of its own.
Text files are templates: `{{BASE:site}}` and date placeholders are filled in at serve time.
Files named `*.gbk.*` are served encoded as GBK (URL without `.gbk`) to exercise charset guessing.
Paths under `/_status/NNN[-once]/`, `/_slow/` and `/_redirect/` simulate failing, slow and
moved pages; every static file supports ETag/If-None-Match and Last-Modified/If-Modified-Since.
"""

from __future__ import annotations

import collections
import hashlib
import mimetypes
import re
import selectors
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime, formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote, urlsplit

from policywatch.errors import ConfigError, PolicywatchError

TEXT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".json": "application/feed+json; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".yaml": "application/yaml; charset=utf-8",
}
GBK_MARK = ".gbk."
PLACEHOLDER = re.compile(r"\{\{(BASE|DATE|RFC822|RFC3339|ZHDATE|YEAR):\s*([^}\s]+)\s*\}\}")
BEHAVIOUR = re.compile(r"^/_(status)/(\d{3})(-once)?(/.*)?$|^/_(slow|redirect)(/.*)?$")
PUBLISH_HOUR = 9  # items are "published" at 09:00 UTC on their day
MAX_ADDRESSES = 254 * 255  # 127.0.0.1 .. 127.0.254.254, the fourth octet never 0 or 255


def default_anchor(today: date | None = None) -> date:
    """Monday of the last complete ISO week (UTC), so offsets 0..6 fall in "last week"."""
    today = today or datetime.now(UTC).date()
    return today - timedelta(days=today.weekday() + 7)


def render_template(text: str, base_urls: dict[str, str], anchor: date) -> str:
    """Fill `{{BASE:site}}` and the date placeholders `{{DATE|RFC822|RFC3339|ZHDATE|YEAR:+n}}`.

    Dates are anchor + n days (n may be negative); errors name the bad placeholder.
    """

    def substitute(match: re.Match[str]) -> str:
        kind, arg = match.group(1), match.group(2)
        if kind == "BASE":
            if arg not in base_urls:
                known = ", ".join(sorted(base_urls)) or "none"
                raise ConfigError(
                    f"template placeholder {match.group(0)}: unknown site (known: {known})"
                )
            return base_urls[arg]
        return _format_day(kind, _offset(match.group(0), arg), anchor)

    return PLACEHOLDER.sub(substitute, text)


def _offset(placeholder: str, arg: str) -> int:
    """Parse the day offset of a date placeholder ('+3', '-10', '0')."""
    try:
        return int(arg)
    except ValueError:
        raise ConfigError(
            f"template placeholder {placeholder}: offset must be like +3 or -10"
        ) from None


def _format_day(kind: str, offset: int, anchor: date) -> str:
    """Format anchor + offset days in the placeholder's style."""
    day = anchor + timedelta(days=offset)
    moment = datetime(day.year, day.month, day.day, PUBLISH_HOUR, tzinfo=UTC)
    if kind == "DATE":
        return day.isoformat()
    if kind == "RFC822":
        return format_datetime(moment)
    if kind == "RFC3339":
        return moment.isoformat()
    if kind == "YEAR":
        return str(day.year)
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request the server answered, for tests that check politeness and caching."""

    site: str
    method: str
    path: str
    status: int
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)


@dataclass(slots=True)
class _Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class SiteServer:
    """Serve each subdirectory of `sites_dir` as its own site on the (first_ip + i)-th loopback
    address (127.0.0.<first_ip + i> for the first 254)."""

    def __init__(
        self,
        sites_dir: Path,
        *,
        first_ip: int = 2,
        anchor: date | None = None,
        slow_seconds: float = 30.0,
    ) -> None:
        self.sites_dir = Path(sites_dir)
        if not self.sites_dir.is_dir():
            raise ConfigError(f"{self.sites_dir}: sites directory not found")
        self.sites = tuple(
            sorted(p.name for p in self.sites_dir.iterdir() if p.is_dir() and p.name[0] not in "._")
        )
        if not 1 <= first_ip <= MAX_ADDRESSES - len(self.sites):
            raise ConfigError(
                f"first_ip={first_ip}: {len(self.sites)} sites do not fit in 127.0.0.0/16"
            )
        self.first_ip = first_ip
        self.anchor = anchor or default_anchor()
        self.slow_seconds = slow_seconds
        self.base_urls: dict[str, str] = {}
        self.hits: collections.Counter[str] = collections.Counter()
        self.requests: list[RequestRecord] = []
        self._failed_once: set[str] = set()
        self._lock = threading.Lock()
        self._rendered: dict[tuple[str, int], tuple[bytes, str]] = {}
        self._stopping = threading.Event()
        self._servers: list[_SiteHTTPServer] = []
        self._thread: threading.Thread | None = None

    def url(self, site: str, path: str = "/") -> str:
        """Absolute URL of `path` on `site` (the server must be started)."""
        if site not in self.base_urls:
            raise PolicywatchError(
                f"site {site!r} is not being served (known: {', '.join(self.sites)})"
            )
        return self.base_urls[site] + "/" + path.lstrip("/")

    def hit_count(self, site: str, path: str) -> int:
        """How many requests `path` on `site` has received (any method, any status)."""
        return self.hits[site + "/" + path.lstrip("/")]

    def start(self) -> SiteServer:
        """Bind one server per site and accept for all of them from one daemon thread."""
        if self._servers:
            return self
        self._stopping.clear()
        for index, site in enumerate(self.sites):
            server = _SiteHTTPServer((loopback_address(self.first_ip + index), 0), self, site)
            host, port = server.server_address[:2]
            self.base_urls[site] = f"http://{host!s}:{port}"
            self._servers.append(server)
        self._thread = threading.Thread(target=self._accept, name="site-server", daemon=True)
        self._thread.start()
        return self

    def _accept(self) -> None:
        """Hand every incoming connection of every site to its server (a thread each)."""
        with selectors.DefaultSelector() as selector:
            for server in self._servers:
                selector.register(server, selectors.EVENT_READ, server)
            while not self._stopping.is_set():
                for key, _ in selector.select(0.1):
                    key.data.accept_one()

    def stop(self) -> None:
        """Stop serving; wakes up any request sleeping in `/_slow/`."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        for server in self._servers:
            server.server_close()
        self._servers.clear()

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- request handling (called from handler threads) --------------------------------------

    def respond(self, site: str, path: str, headers: dict[str, str]) -> _Response:
        """Work out the response for GET `path` on `site` (behaviour prefixes, then files)."""
        match = BEHAVIOUR.match(path)
        if not match:
            return self._static(site, path, headers)
        if match.group(1):  # /_status/NNN[-once]/rest
            code, once, rest = int(match.group(2)), bool(match.group(3)), match.group(4) or "/"
            key = f"{site}{path}"
            with self._lock:
                first = key not in self._failed_once
                self._failed_once.add(key)
            if not once or first:
                return _error_page(code, f"simulated status {code}")
            return self._static(site, path, headers, fallback=rest, synthetic=True)
        rest = match.group(6) or "/"
        if match.group(5) == "redirect":
            return _Response(301, b"", {"Location": self.url(site, rest)})
        self._stopping.wait(self.slow_seconds)
        return self._static(site, path, headers, fallback=rest, synthetic=True)

    def _static(
        self,
        site: str,
        path: str,
        headers: dict[str, str],
        *,
        fallback: str | None = None,
        synthetic: bool = False,
    ) -> _Response:
        """Serve a file (rendered, maybe GBK-encoded) with validators and 304 handling."""
        root = self.sites_dir / site
        file = _resolve(root, path) or (_resolve(root, fallback) if fallback else None)
        if file is None:
            if synthetic:
                body = f"<!doctype html><title>OK</title><p>{path}</p>".encode()
                return _Response(200, body, {"Content-Type": "text/html; charset=utf-8"})
            return _error_page(404, f"{path} not found")
        body, content_type = self._body(file)
        mtime = int(file.stat().st_mtime)
        etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        validators = {"ETag": etag, "Last-Modified": formatdate(mtime, usegmt=True)}
        if _not_modified(headers, etag, mtime):
            return _Response(304, b"", validators)
        return _Response(200, body, {"Content-Type": content_type, **validators})

    def _body(self, file: Path) -> tuple[bytes, str]:
        """Bytes and Content-Type of a file, rendered once per file version (the benchmark
        serves hundreds of large pages: rendering each request would compete for the CPU)."""
        key = (str(file), file.stat().st_mtime_ns)
        cached = self._rendered.get(key)
        if cached is None:
            cached = self._rendered[key] = self._render(file)
        return cached

    def _render(self, file: Path) -> tuple[bytes, str]:
        """Bytes and Content-Type of a file: templates rendered, `.gbk.` files GBK-encoded."""
        suffix = file.suffix.lower()
        if suffix not in TEXT_TYPES:
            guessed = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            return file.read_bytes(), guessed
        text = render_template(file.read_text(encoding="utf-8"), self.base_urls, self.anchor)
        if GBK_MARK in file.name:
            return text.encode("gbk"), TEXT_TYPES[suffix].split(";")[0]
        return text.encode("utf-8"), TEXT_TYPES[suffix]

    def record(self, record: RequestRecord) -> None:
        """Count a request (thread-safe)."""
        with self._lock:
            self.hits[record.site + record.path] += 1
            self.requests.append(record)


def loopback_address(number: int) -> str:
    """The number-th loopback address: 127.0.0.1 .. 127.0.0.254, then 127.0.1.1, ..."""
    third, fourth = divmod(number - 1, 254)
    return f"127.0.{third}.{fourth + 1}"


def _resolve(root: Path, url_path: str) -> Path | None:
    """Map a URL path to a file under root (index.html for directories, `.gbk.` variants)."""
    rel = unquote(url_path).lstrip("/")
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    base = root.resolve()
    candidate = (base / rel).resolve()
    if not candidate.is_relative_to(base):
        return None
    if candidate.is_dir():
        candidate = candidate / "index.html"
    if candidate.is_file():
        return candidate
    gbk = candidate.with_name(f"{candidate.stem}.gbk{candidate.suffix}")
    return gbk if candidate.suffix and gbk.is_file() else None


def _not_modified(headers: dict[str, str], etag: str, mtime: int) -> bool:
    """True when the request's validators show the client already has this version."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or etag in tags
    since = headers.get("if-modified-since")
    if since:
        try:
            return mtime <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False
    return False


def _error_page(status: int, message: str) -> _Response:
    body = f"<!doctype html><title>{status}</title><h1>{status}</h1><p>{message}</p>".encode()
    return _Response(status, body, {"Content-Type": "text/html; charset=utf-8"})


class _SiteHTTPServer(ThreadingHTTPServer):
    """One site's listening socket; handler threads are daemons and errors stay quiet."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], owner: SiteServer, site: str) -> None:
        self.owner = owner
        self.site = site
        super().__init__(address, _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that time out and hang up are expected in tests; do not print tracebacks."""

    def accept_one(self) -> None:
        """Accept one waiting connection and answer it in a new thread."""
        try:
            request, address = self.get_request()
        except OSError:  # the client gave up before we accepted
            return
        try:
            self.process_request(request, address)
        except Exception:
            self.handle_error(request, address)
            self.shutdown_request(request)


class _Handler(BaseHTTPRequestHandler):
    server: _SiteHTTPServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _answer(self, *, send_body: bool) -> None:
        owner, site = self.server.owner, self.server.site
        path = urlsplit(self.path).path or "/"
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            response = owner.respond(site, path, headers)
        except PolicywatchError as exc:
            response = _error_page(500, str(exc))
        owner.record(RequestRecord(site, self.command, path, response.status, headers))
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if send_body and response.status != 304:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: the demo and the tests read `SiteServer.requests` instead."""
