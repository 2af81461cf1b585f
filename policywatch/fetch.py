"""HTTP fetching at the edge: one httpx.AsyncClient per event loop (`FetchSession`, shared
by the sources ingested in it, with their robots.txt), polite and bounded per source.

Bounded concurrency overall and per host, a per-host delay, timeouts, retries with backoff on
timeouts/5xx/429 (honouring Retry-After), robots.txt, conditional GET, a body-size cap and a
content-type allow-list. Every failure becomes a FetchError naming the URL.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import ssl
import threading
import time
import zlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from policywatch.config import FetchSettings
from policywatch.errors import FetchError
from policywatch.models import Validators
from policywatch.urls import same_host

# Content types we parse; anything else (images, PDFs, archives) is refused before download.
ALLOWED_TYPES = (
    "text/html",
    "application/xhtml+xml",
    "application/xml",
    "text/xml",
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+json",
    "application/json",
    "text/plain",
)
MAX_REDIRECTS = 5
MAX_RETRY_AFTER = 120.0  # seconds; a longer Retry-After fails the URL for this run
BACKOFF_BASE = 0.5  # seconds; doubled per retry
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
GONE_STATUSES = frozenset({404, 410})  # "page gone" in source health
ROBOTS_MAX_BYTES = 500_000


@dataclass(frozen=True, slots=True)
class Response:
    """A fetched resource; body is empty when not_modified."""

    url: str
    final_url: str
    status: int
    body: bytes
    content_type: str
    charset: str | None
    validators: Validators
    not_modified: bool = False


LinkGuard = Callable[[str], bool]
BeforeRequest = Callable[[], Awaitable[None]]  # awaited before each request of a page


_TLS_LOCK = threading.Lock()


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One verifying TLS context (certifi's CA store) for every client of the process:
    building it costs ~40 ms of CPU, which every Fetcher paid again (half of an unchanged
    re-run of 120 sources, issue 17). Verification stays on for every real host. Built
    under a lock: the groups' threads start together and would each build one."""
    with _TLS_LOCK:
        return _shared_context()


@functools.cache
def _shared_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()


Robots = RobotFileParser | None  # None: everything allowed (absent or unusable robots.txt)


def new_client(
    settings: FetchSettings,
    transport: httpx.AsyncBaseTransport | None = None,
    connections: int | None = None,
) -> httpx.AsyncClient:
    """The one way policywatch builds an HTTP client: no automatic redirects (every hop is
    vetted), verifying TLS, at most `connections` (default settings.concurrency) open."""
    timeout = httpx.Timeout(settings.timeout, connect=min(settings.timeout, 10.0))
    return httpx.AsyncClient(
        timeout=timeout,
        follow_redirects=False,
        headers={
            "User-Agent": settings.user_agent,
            "Accept-Language": "en,zh;q=0.8",
            "Accept-Encoding": "gzip, deflate",
        },
        transport=transport,
        limits=httpx.Limits(max_connections=connections or settings.concurrency),
        verify=tls_context(),
    )


class FetchSession:
    """What the Fetchers of one event loop share: one HTTP client per origin (its kept-alive
    connections serve every source on that site) and each origin's robots.txt, fetched once
    per run however many sources use it, or taken from `robots_txt` (origin -> body, None:
    absent; a cached copy), and the stored validators of its sources' URLs when read at
    once (`validators`). What was fetched is in `fetched_robots`, to cache. Use as
    `async with FetchSession(...)`.

    One client per origin, not one for all: httpcore 1.0's pool walks all its connections,
    twice nested, on every request and release (encode/httpcore#1035), so a pool holding the
    connections of 25 or 120 sites cost 6-9 s of CPU per 120 pages; a client costs 0.3 ms."""

    def __init__(
        self,
        settings: FetchSettings,
        *,
        sources: int = 1,
        robots_txt: Mapping[str, str | None] | None = None,
        validators: Mapping[str, Validators] | None = None,
    ) -> None:
        self._settings = settings
        self.validators = validators  # stored validators of the sources' URLs, read at once
        self._connections = settings.concurrency * max(sources, 1)
        self._clients: dict[str, httpx.AsyncClient] = {}
        self.robots: dict[str, asyncio.Future[Robots | RobotsUnavailable]] = {}
        self.fetched_robots: dict[str, str | None] = {}
        for origin, body in (robots_txt or {}).items():
            self.robots[origin] = _done(parse_robots(body))

    async def __aenter__(self) -> FetchSession:
        return self

    def client_for(self, url: str) -> httpx.AsyncClient:
        """The client of the URL's origin (scheme, host, port), made on first use."""
        origin = origin_of(url)
        if origin not in self._clients:
            self._clients[origin] = new_client(self._settings, connections=self._connections)
        return self._clients[origin]

    async def __aexit__(self, *exc: object) -> None:
        for client in self._clients.values():
            await client.aclose()


class Fetcher:
    """Polite async fetcher; use as `async with Fetcher(settings) as f: await f.get(url)`.

    Limits (concurrency, per host) are per Fetcher, i.e. per source; with a `session`, the
    client and robots.txt are shared with the session's other Fetchers."""

    def __init__(
        self,
        settings: FetchSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        session: FetchSession | None = None,
    ) -> None:
        self.settings = settings
        self._transport = transport
        self._session = session
        self._client: httpx.AsyncClient | None = None
        self._global = asyncio.Semaphore(settings.concurrency)
        self._hosts: dict[str, _HostSlot] = {}
        self._robots = session.robots if session is not None else {}
        self._fetched_robots = session.fetched_robots if session is not None else {}

    async def __aenter__(self) -> Fetcher:
        if self._session is None or self._transport is not None:
            self._client = new_client(self.settings, self._transport)
        return self

    def session_validators(self) -> Mapping[str, Validators] | None:
        """The validators the session read for its sources at once, or None (read each)."""
        return self._session.validators if self._session is not None else None

    def _client_for(self, url: str) -> httpx.AsyncClient:
        """The session's client of the URL's origin, else this Fetcher's own."""
        if self._client is None and self._session is not None:
            return self._session.client_for(url)
        assert self._client is not None, "use Fetcher as an async context manager"
        return self._client

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None and (self._session is None or self._transport is not None):
            await self._client.aclose()

    async def get(
        self,
        url: str,
        *,
        validators: Validators | None = None,
        guard: LinkGuard | None = None,
        delay: float | None = None,
        before_request: BeforeRequest | None = None,
    ) -> Response:
        """Fetch url with retries; `guard` vets every redirect hop of untrusted links, and
        `before_request` is awaited once the host's turn has come, before each request
        (the pipeline takes a place for the body there: see policywatch.bounds)."""
        attempts = self.settings.retries + 1
        for attempt in range(attempts):
            try:
                return await self._follow(url, validators, guard, delay, before_request)
            except _Retryable as exc:
                if exc.retry_after is not None and exc.retry_after > MAX_RETRY_AFTER:
                    wait = f"Retry-After {exc.retry_after:.0f}s is too long"
                    raise FetchError(url, f"{exc.reason}; {wait}, giving up for this run") from None
                if attempt + 1 >= attempts:
                    raise FetchError(url, f"{exc.reason} (after {attempts} attempts)") from None
                await asyncio.sleep(exc.retry_after or BACKOFF_BASE * 2**attempt)
        raise FetchError(url, "no attempt made")  # pragma: no cover - attempts >= 1

    async def _follow(
        self,
        url: str,
        validators: Validators | None,
        guard: LinkGuard | None,
        delay: float | None,
        before_request: BeforeRequest | None = None,
    ) -> Response:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            _check_scheme(url, current)
            if guard is not None and current != url and not guard(current):
                raise FetchError(url, f"redirect to a refused address: {current}")
            await self._check_robots(url, current)
            result = await self._request(url, current, validators, delay, before_request)
            if isinstance(result, Response):
                return result
            current = result
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects")

    async def _request(
        self,
        url: str,
        current: str,
        validators: Validators | None,
        delay: float | None,
        before_request: BeforeRequest | None = None,
    ) -> Response | str:
        """One HTTP exchange; returns a Response, or the next URL of a redirect."""
        client = self._client_for(current)
        headers = _conditional_headers(validators) if current == url else {}
        overall = self.settings.timeout * 3  # bounds slow "trickle" bodies too
        async with self._global, self._slot(current).use(self._delay(delay)):
            if before_request is not None:
                await before_request()
            try:  # the deadline starts once the slots are ours: queueing is not timing out
                async with asyncio.timeout(overall):
                    async with client.stream("GET", current, headers=headers) as resp:
                        return await self._handle(url, current, resp)
            except TimeoutError:
                raise _Retryable(f"timed out after {overall:.0f}s") from None
            except httpx.TimeoutException:
                raise _Retryable("timed out") from None
            except (httpx.TransportError, httpx.DecodingError) as exc:
                detail = f": {exc}" if str(exc) else " (connection reset or closed early)"
                raise _Retryable(f"connection failed: {type(exc).__name__}{detail}") from None
            except httpx.InvalidURL as exc:
                raise FetchError(url, f"invalid URL: {exc}") from None

    async def _handle(self, url: str, current: str, resp: httpx.Response) -> Response | str:
        status = resp.status_code
        if status in (301, 302, 303, 307, 308):
            return _redirect_target(url, current, status, resp.headers.get("location"))
        if status == 304:
            return _response(url, current, resp, b"", not_modified=True)
        if status in RETRY_STATUSES:
            raise _Retryable(f"HTTP {status}", _retry_after(resp.headers.get("retry-after")))
        if status in GONE_STATUSES:
            raise FetchError(url, f"page gone: HTTP {status}")
        if status >= 400:
            raise FetchError(url, f"HTTP {status}")
        _check_type(url, resp)
        body = await read_capped(url, resp, self.settings.max_bytes)
        return _response(url, current, resp, body)

    def _delay(self, delay: float | None) -> float:
        return self.settings.delay if delay is None else delay

    def _slot(self, url: str) -> _HostSlot:
        host = urlsplit(url).netloc.lower()
        if host not in self._hosts:
            self._hosts[host] = _HostSlot(host, self.settings.per_host)
        return self._hosts[host]

    async def _check_robots(self, url: str, current: str) -> None:
        if not self.settings.respect_robots:
            return
        parser = await self._robots_for(current)
        if isinstance(parser, RobotsUnavailable):
            raise FetchError(
                url,
                f"robots.txt unreachable ({parser.reason}): disallowing the site for this run "
                "(RFC 9309)",
            )
        if parser is not None and not parser.can_fetch(self.settings.user_agent, current):
            raise FetchError(url, f"disallowed by robots.txt ({current})")

    async def _robots_for(self, url: str) -> RobotFileParser | RobotsUnavailable | None:
        """The origin's robots.txt, loaded once: later callers (of any source of the session)
        await the first load; a caller cancelled meanwhile does not cancel it."""
        origin = origin_of(url)
        if origin not in self._robots:
            self._robots[origin] = asyncio.ensure_future(self._load_robots(origin))
        return await asyncio.shield(self._robots[origin])

    async def _robots_body(self, url: str) -> bytes | None:
        """robots.txt following a few http(s) redirects on the same host; None when absent."""
        host = urlsplit(url).hostname
        for _ in range(ROBOTS_REDIRECTS + 1):
            status, target, body = await _robots_hop(self._client_for(url), url)
            if status == 200:
                return body
            if status >= 500:
                raise RobotsUnavailable(f"HTTP {status}")
            if target is None or urlsplit(target).scheme not in ("http", "https"):
                return None
            if not same_host(target, host or ""):
                return None
            url = target
        return None

    async def _load_robots(self, origin: str) -> RobotFileParser | RobotsUnavailable | None:
        """Fetch robots.txt once per origin, per RFC 9309: absent (4xx) or unusable (a bad
        redirect) allows everything; unreachable or 5xx disallows the site for this run."""
        url = origin + "/robots.txt"
        try:
            async with asyncio.timeout(min(self.settings.timeout, 10.0)):
                body = await self._robots_body(url)
        except RobotsUnavailable as exc:
            return exc
        except TimeoutError:
            return RobotsUnavailable("timed out")
        except (httpx.ConnectError, httpx.ReadError, httpx.TimeoutException) as exc:
            return RobotsUnavailable(f"connection failed: {type(exc).__name__}")
        except (httpx.HTTPError, FetchError, ValueError):  # ValueError: a malformed Location
            return None
        text = None if body is None else body.decode("utf-8", "replace")
        self._fetched_robots[origin] = text
        return parse_robots(text)


def origin_of(url: str) -> str:
    """scheme://host[:port] of url: what one robots.txt covers."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def parse_robots(text: str | None) -> Robots:
    """A parsed robots.txt; None (everything allowed) for an absent one."""
    if text is None:
        return None
    parser = RobotFileParser()
    parser.parse(text.splitlines())
    return parser


def _done(value: Robots) -> asyncio.Future[Robots | RobotsUnavailable]:
    """A future already holding value (a cached robots.txt needs no load)."""
    future: asyncio.Future[Robots | RobotsUnavailable] = asyncio.get_running_loop().create_future()
    future.set_result(value)
    return future


ROBOTS_REDIRECTS = 5  # http -> https -> www. hops a robots.txt may take


class RobotsUnavailable(Exception):
    """robots.txt could not be read (unreachable, 5xx): RFC 9309 says disallow all."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def _robots_hop(client: httpx.AsyncClient, url: str) -> tuple[int, str | None, bytes]:
    """One robots.txt request: status, redirect target (if any) and capped body."""
    async with client.stream("GET", url) as resp:
        if resp.status_code in (301, 302, 303, 307, 308):
            location = resp.headers.get("location")
            return resp.status_code, urljoin(url, location) if location else None, b""
        if resp.status_code != 200:
            return resp.status_code, None, b""
        return 200, None, await read_capped(url, resp, ROBOTS_MAX_BYTES)


async def read_capped(url: str, resp: httpx.Response, limit: int) -> bytes:
    """The body, decompressed by us with a bound: no gzip bomb inflates past `limit` bytes."""
    declared = resp.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise FetchError(url, f"body of {int(declared)} bytes exceeds the {limit}-byte limit")
    inflater = _Inflater(url, resp.headers.get("content-encoding", ""))
    chunks: list[bytes] = []
    size = 0
    async for raw in resp.aiter_raw():
        chunk = inflater.feed(raw, limit - size)
        size += len(chunk)
        if size > limit:
            raise FetchError(url, f"body exceeds the {limit}-byte limit")
        chunks.append(chunk)
    return b"".join(chunks)


class _Inflater:
    """Incremental gzip/deflate decoding that never produces more than the caller's budget."""

    def __init__(self, url: str, encoding: str) -> None:
        self.url = url
        codings = [c.strip().lower() for c in encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise FetchError(url, f"unsupported content encoding {encoding!r}")
        self.coding = codings[0] if codings else None
        wbits = zlib.MAX_WBITS | 16 if self.coding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._zlib = zlib.decompressobj(wbits) if self.coding else None
        self._started = False

    def feed(self, data: bytes, budget: int) -> bytes:
        """Decoded bytes of `data`; at most budget + 1 of them (one more means over budget)."""
        if self._zlib is None:
            return data
        try:
            return self._inflate(data, budget)
        except zlib.error as exc:
            raise FetchError(self.url, f"corrupt {self.coding} body ({exc})") from None

    def _inflate(self, data: bytes, budget: int) -> bytes:
        assert self._zlib is not None
        if not self._started and self.coding == "deflate" and data[:1] and data[0] & 0x0F != 8:
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, no zlib header
        self._started = self._started or bool(data)
        return self._zlib.decompress(data, max(budget, 0) + 1)


class _PolitenessClock:
    """Next allowed request start per host, shared by every Fetcher in the process: sources
    ingested in parallel (each in its own task and event loop) still space out their requests
    to a host they share, e.g. two gov.cn listings."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}

    def reserve(self, host: str, delay: float) -> float:
        """Book the next start on host; returns how long the caller must wait for it."""
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next.get(host, 0.0))
            self._next[host] = start + delay
            return start - now


POLITENESS = _PolitenessClock()


class _HostSlot:
    """Per-host concurrency limit (per Fetcher) plus the process-wide politeness delay."""

    def __init__(self, host: str, limit: int) -> None:
        self.host = host
        self._sem = asyncio.Semaphore(limit)

    def use(self, delay: float) -> _HostUse:
        return _HostUse(self, delay)


class _HostUse:
    def __init__(self, slot: _HostSlot, delay: float) -> None:
        self.slot, self.delay = slot, delay

    async def __aenter__(self) -> None:
        await self.slot._sem.acquire()
        try:  # cancelled while waiting for the politeness delay: give the slot back
            wait = POLITENESS.reserve(self.slot.host, self.delay)
            if wait > 0:
                await asyncio.sleep(wait)
        except BaseException:
            self.slot._sem.release()
            raise

    async def __aexit__(self, *exc: object) -> None:
        self.slot._sem.release()


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.retry_after = reason, retry_after


def _check_scheme(url: str, current: str) -> None:
    if urlsplit(current).scheme not in ("http", "https"):
        raise FetchError(url, f"refused non-HTTP URL {current!r}")


def _redirect_target(url: str, current: str, status: int, location: str | None) -> str:
    """The absolute URL a redirect points to; FetchError if it has none or it is malformed."""
    if not location or not location.strip():
        raise FetchError(url, f"HTTP {status} redirect without Location")
    try:
        target = urljoin(current, location.strip())
        urlsplit(target).port  # noqa: B018 - raises ValueError on a malformed host or port
    except ValueError as exc:
        raise FetchError(url, f"redirect to a malformed URL {location!r} ({exc})") from None
    return target


def _check_type(url: str, resp: httpx.Response) -> None:
    ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype and not ctype.startswith(ALLOWED_TYPES) and not ctype.endswith(("+xml", "+json")):
        raise FetchError(url, f"unsupported content type {ctype!r}")


def _conditional_headers(validators: Validators | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if validators is not None and validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators is not None and validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    return headers


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta or HTTP date); None when unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
            if when.tzinfo is None:  # "-0000" means UTC but parses naive
                when = when.replace(tzinfo=UTC)
        except (TypeError, ValueError):
            return None
        seconds = (when - datetime.now(UTC)).total_seconds()
    return max(0.0, seconds)


def _response(
    url: str, current: str, resp: httpx.Response, body: bytes, not_modified: bool = False
) -> Response:
    ctype = resp.headers.get("content-type", "")
    return Response(
        url=url,
        final_url=current,
        status=resp.status_code,
        body=body,
        content_type=ctype.split(";")[0].strip().lower(),
        charset=resp.charset_encoding,
        validators=Validators(resp.headers.get("etag"), resp.headers.get("last-modified")),
        not_modified=not_modified,
    )
