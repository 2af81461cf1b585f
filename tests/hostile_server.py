"""A deliberately misbehaving HTTP server on 127.0.0.x for reliability tests (raw asyncio sockets).

Every path is one fault: resets, hangs, trickles, huge or compressed-bomb bodies, redirect loops,
throttling, lying headers, broken or hostile XML/HTML. `/good/<site>/...` serves a well-behaved
generated news site (a feed plus article pages) so tests can check that the good sources' items
survive next to the bad ones. Bodies are generated while streaming: a 200 MB response never
exists in memory. The server runs its own event loop in a daemon thread.
"""

from __future__ import annotations

import asyncio
import collections
import random
import re
import socket
import struct
import threading
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from types import TracebackType
from urllib.parse import urlsplit

MB = 1 << 20
ARTICLES_DUP_AT = 5  # on `*-dup` sites, article 5 is a copy of article 0
CHUNK = 64 * 1024
BOMB_BYTES = 256 * MB  # what the gzip bomb expands to (compressed: ~260 kB)

Handler = Callable[["Exchange"], Awaitable[None]]


@dataclass
class Exchange:
    """One request: its path and query, and the stream to answer on."""

    path: str
    query: str
    headers: dict[str, str]
    writer: asyncio.StreamWriter
    server: HostileServer

    async def send(
        self,
        status: int,
        body: bytes = b"",
        ctype: str | None = "text/html; charset=utf-8",
        extra: dict[str, str] | None = None,
        *,
        length: bool = True,
    ) -> None:
        """Status line, headers (Content-Length unless length=False) and a body."""
        head = [f"HTTP/1.1 {status} {REASONS.get(status, 'Whatever')}", "Connection: close"]
        if ctype:
            head.append(f"Content-Type: {ctype}")
        if length:
            head.append(f"Content-Length: {len(body)}")
        head += [f"{k}: {v}" for k, v in (extra or {}).items()]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        await self.writer.drain()

    @property
    def origin(self) -> str:
        """http://host:port the client asked for (the Host header), else the first host."""
        host = self.headers.get("host")
        return f"http://{host}" if host else self.server.url("").rstrip("/")

    async def stream(self, chunks: int, size: int = CHUNK, pause: float = 0.0) -> None:
        """Write `chunks` chunks of filler text, generated on the fly (never held whole)."""
        filler = (b"<p>" + b"filler text " * (size // 12))[:size]
        for _ in range(chunks):
            self.writer.write(filler)
            await self.writer.drain()
            if pause:
                await asyncio.sleep(pause)


REASONS = {
    200: "OK",
    301: "Moved Permanently",
    302: "Found",
    404: "Not Found",
    429: "Too Many Requests",
    503: "Service Unavailable",
}


@dataclass
class HostileServer:
    """Serve the fault catalogue on `hosts` (each its own 127.0.0.x), all on one port."""

    hosts: tuple[str, ...] = ("127.0.0.77", "127.0.0.78")
    anchor: date = field(default_factory=lambda: _last_monday())
    articles_per_site: int = 6
    article_delay: float = 0.0  # seconds every /good/ article response waits (crash tests)
    site_delays: dict[str, float] = field(default_factory=dict)  # per good site, overrides it
    port: int = 0
    hits: collections.Counter[str] = field(default_factory=collections.Counter)

    def __post_init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._servers: list[asyncio.AbstractServer] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._bomb: bytes | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> HostileServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(timeout=10)
        return self

    async def _listen(self) -> None:
        for host in self.hosts:
            server = await asyncio.start_server(self._client, host, self.port, reuse_address=True)
            self.port = server.sockets[0].getsockname()[1]
            self._servers.append(server)

    def stop(self) -> None:
        async def shutdown() -> None:
            for server in self._servers:
                server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.sleep(0)

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def url(self, path: str, host: int = 0) -> str:
        return f"http://{self.hosts[host]}:{self.port}/{path.lstrip('/')}"

    @property
    def other_host(self) -> str:
        return f"http://{self.hosts[1]}:{self.port}"

    def bomb(self) -> bytes:
        """A gzip body of ~260 kB that inflates to 256 MB of zeros (built once, lazily)."""
        if self._bomb is None:
            packer = zlib.compressobj(9, zlib.DEFLATED, 31)
            zeros = bytes(MB)
            self._bomb = b"".join(packer.compress(zeros) for _ in range(BOMB_BYTES // MB))
            self._bomb += packer.flush()
        return self._bomb

    # -- connection handling -----------------------------------------------------------------

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            exchange = await self._read_request(reader, writer)
            if exchange is not None:
                self.hits[exchange.path] += 1
                await route(exchange)
        except (
            ConnectionError,
            TimeoutError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
        ):
            pass  # the client gave up (or never asked): expected for most faults
        except asyncio.CancelledError:
            pass
        finally:
            self._tasks.discard(task)
            if not writer.is_closing():
                writer.close()

    async def _read_request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> Exchange | None:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) < 2:
            return None
        target = urlsplit(parts[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name:
                headers[name.strip().lower()] = value.strip()
        return Exchange(target.path, target.query, headers, writer, self)


def _last_monday(today: date | None = None) -> date:
    """Monday of the last complete ISO week (so dated articles fall into a briefable week)."""
    today = today or datetime.now(UTC).date()
    return today - timedelta(days=today.weekday() + 7)


# -- the good site ------------------------------------------------------------------------------

_WORD_TEXT = (
    "ministry agency council committee office bureau regulator commission provincial municipal "
    "national federal draft final interim guideline measure notice rule standard framework code "
    "consultation comment filing registration audit inspection penalty fine licence permit "
    "dataset training model algorithm chip compute cloud platform service provider developer "
    "deployer user minor worker consumer hospital school bank insurer court police border "
    "transparency labelling watermark safety security privacy fairness accountability oversight "
    "risk incident report register sandbox pilot zone fund subsidy tax credit procurement export "
    "import control licence quota tariff summit treaty dialogue forum partnership cooperation "
    "january february march april may june july august september october november december "
    "north south east west coastal inland river mountain harbour valley capital district county"
)
WORDS = tuple(_WORD_TEXT.split())
TOPICS = (
    "generative AI labelling",
    "algorithm registration",
    "AI safety institutes",
    "chip export controls",
    "facial recognition in public spaces",
    "AI in hospitals",
    "training data copyright",
    "compute subsidies",
)


def article_text(site: str, n: int) -> tuple[str, list[str]]:
    """Headline and paragraphs of generated article n of site: distinct, on AI policy.

    On sites named `*-dup` the last article reprints article 0 under a new headline.
    """
    if site.endswith("-dup") and n == ARTICLES_DUP_AT:
        _title, paragraphs = article_text(site, 0)
        return f"Reprint: {_title}", paragraphs
    rng = random.Random(f"{site}/{n}")
    topic = TOPICS[(n + len(site)) % len(TOPICS)]
    title = f"Regulator issues {topic} rules, notice {site.upper()}-{n:03d}"
    paragraphs = [
        f"The regulator published rules on {topic} for artificial intelligence providers on "
        f"{rng.choice(WORDS)} day, notice {site}-{n}, covering generative AI services."
    ]
    for _ in range(5):
        words = rng.sample(WORDS, 28)
        paragraphs.append(" ".join(words).capitalize() + ".")
    paragraphs.append(
        "Officials said the artificial intelligence regulation takes effect next quarter and "
        "invited public comment on the draft measures."
    )
    return title, paragraphs


def article_html(site: str, n: int, day: date) -> str:
    """A news article page with boilerplate around the main text."""
    title, paragraphs = article_text(site, n)
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="article:published_time" content="{day.isoformat()}T08:00:00+00:00">'
        "</head><body><nav><a href='/'>Home</a> <a href='/tech'>Tech</a></nav>"
        f"<main><article><h1>{title}</h1>{body}</article></main>"
        "<footer>© Good Site. All rights reserved.</footer></body></html>"
    )


def good_feed(ex: Exchange, site: str) -> bytes:
    """RSS of the good site: articles 0..n-1, dated within the anchor week."""
    items = []
    for n in range(ex.server.articles_per_site):
        title, _ = article_text(site, n)
        day = ex.server.anchor + timedelta(days=n % 7)
        stamp = format_datetime(datetime(day.year, day.month, day.day, 9, tzinfo=UTC))
        link = f"{ex.origin}/good/{site}/{n}.html"  # on the host asked (one site per host)
        items.append(
            f"<item><title>{title}</title><link>{link}</link><guid>{site}-{n}</guid>"
            f"<pubDate>{stamp}</pubDate></item>"
        )
    if site.endswith("-dup"):  # and a link that is always missing: a `failed` item
        items.append(
            f"<item><title>Gone</title><link>{ex.server.url(f'good/{site}/999.html')}"
            "</link><guid>gone</guid></item>"
        )
    return _rss("".join(items)).encode()


def _rss(items: str, preamble: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{preamble}<rss version="2.0"><channel>'
        f"<title>Feed</title><link>http://example.org/</link><description>d</description>"
        f"{items}</channel></rss>"
    )


async def serve_good(ex: Exchange) -> None:
    parts = ex.path.strip("/").split("/")  # good/<site>/feed.xml | good/<site>/<n>.html
    if len(parts) != 3:
        return await ex.send(404, b"not found")
    site, leaf = parts[1], parts[2]
    if leaf == "feed.xml":
        return await ex.send(200, good_feed(ex, site), "application/rss+xml; charset=utf-8")
    stem = leaf.removesuffix(".html")
    if not stem.isdigit() or int(stem) >= ex.server.articles_per_site + 2:
        return await ex.send(404, b"<h1>404</h1>")
    delay = ex.server.site_delays.get(site, ex.server.article_delay)
    if delay:
        await asyncio.sleep(delay)
    day = ex.server.anchor + timedelta(days=int(stem) % 7)
    html = article_html(site, int(stem), day)
    if site.startswith("nodate"):  # no date on the page: the feed's date (or none) decides
        html = re.sub(r"<meta property=[^>]*>", "", html)
    await ex.send(200, html.encode())


# -- faults ----------------------------------------------------------------------------------------


async def reset(ex: Exchange) -> None:
    """Abort the TCP connection (RST) without answering."""
    sock = ex.writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    ex.writer.transport.abort()


async def hang_after_headers(ex: Exchange) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000\r\n\r\n<html>"
    ex.writer.write(head)
    await ex.writer.drain()
    await asyncio.sleep(3600)


async def trickle(ex: Exchange) -> None:
    """An endless body, one small chunk every 0.2 s: every read succeeds, nothing ends."""
    await ex.send(200, b"", extra={"Transfer-Encoding": "chunked"}, length=False)
    while True:
        ex.writer.write(b"6\r\n<p>a  \r\n")
        await ex.writer.drain()
        await asyncio.sleep(0.2)


async def big_declared(ex: Exchange) -> None:
    """10 MB with an honest Content-Length."""
    size = 10 * MB
    await ex.send(200, b"", extra={"Content-Length": str(size)}, length=False)
    await ex.stream(size // CHUNK)


async def big_undeclared(ex: Exchange) -> None:
    """200 MB, no Content-Length (ends at close), generated while streaming."""
    await ex.send(200, b"", length=False)
    await ex.stream(200 * MB // CHUNK)


async def gzip_bomb(ex: Exchange) -> None:
    body = ex.server.bomb()
    await ex.send(200, body, extra={"Content-Encoding": "gzip"})


async def redirect_loop(ex: Exchange) -> None:
    nxt = "/redirect-loop-b" if ex.path.endswith("-a") else "/redirect-loop-a"
    await ex.send(302, b"", extra={"Location": nxt})


async def redirect_scheme(ex: Exchange) -> None:
    await ex.send(301, b"", extra={"Location": "file:///etc/passwd"})


async def redirect_ftp(ex: Exchange) -> None:
    await ex.send(302, b"", extra={"Location": "ftp://127.0.0.1/pub/feed.xml"})


async def throttled_once(ex: Exchange) -> None:
    """429 with Retry-After: 1 on the first request, then a good feed."""
    if ex.server.hits[ex.path] == 1:
        return await ex.send(429, b"slow down", extra={"Retry-After": "1"})
    await ex.send(200, good_feed(ex, "throttled"), "application/rss+xml")


async def throttled_long(ex: Exchange) -> None:
    """429 asking the client to come back tomorrow."""
    await ex.send(429, b"slow down", extra={"Retry-After": "86400"})


async def unavailable_once(ex: Exchange) -> None:
    """503 on the first request, then a good feed."""
    if ex.server.hits[ex.path] == 1:
        return await ex.send(503, b"maintenance")
    await ex.send(200, good_feed(ex, "recovered"), "application/rss+xml")


async def unavailable(ex: Exchange) -> None:
    """503 on every request (a server down for good)."""
    await ex.send(503, b"maintenance")


async def wrong_type(ex: Exchange) -> None:
    await ex.send(200, b"\x89PNG\r\n\x1a\n" + bytes(2000), "image/png")


async def binary_as_html(ex: Exchange) -> None:
    rng = random.Random(7)
    await ex.send(200, bytes(rng.getrandbits(8) for _ in range(50_000)))


async def invalid_utf8(ex: Exchange) -> None:
    """A real article in UTF-8 with stray invalid bytes sprinkled in."""
    html = article_html("utf", 0, ex.server.anchor).encode()
    broken = html.replace(b"regulator", b"regul\xff\xfeator", 2).replace(b"</h1>", b"\xc3</h1>")
    await ex.send(200, broken)


async def charset_lie(ex: Exchange) -> None:
    """A GBK page declared as UTF-8 in the header and ISO-8859-1 in a meta tag."""
    text = "关于促进人工智能安全发展的若干意见。" * 12
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
        f"<title>人工智能安全发展意见</title></head><body><article><h1>人工智能安全发展意见</h1>"
        f"<p>{text}</p><p>{text}</p></article></body></html>"
    )
    await ex.send(200, html.encode("gbk"))


async def truncated_html(ex: Exchange) -> None:
    """Markup that stops mid-tag (the transfer itself is complete)."""
    html = article_html("cut", 0, ex.server.anchor).encode()
    await ex.send(200, html[: html.rindex(b"</p>") - 40] + b"<p class=")


async def short_body(ex: Exchange) -> None:
    """Content-Length promises more than is sent before the connection closes."""
    html = article_html("short", 0, ex.server.anchor).encode()
    await ex.send(200, b"", extra={"Content-Length": str(len(html))}, length=False)
    ex.writer.write(html[: len(html) // 2])
    await ex.writer.drain()


async def broken_xml(ex: Exchange) -> None:
    body = b'<?xml version="1.0"?><rss><channel><title>x</ti<item><<link>>&&&</rss'
    await ex.send(200, body, "application/rss+xml")


def _laughs(root: str) -> str:
    entities = '<!ENTITY a0 "hahahahahaha">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
    )
    return f'<?xml version="1.0"?><!DOCTYPE {root} [{entities}]>'


async def laughs_feed(ex: Exchange) -> None:
    body = _laughs("rss") + (
        '<rss version="2.0"><channel><title>&a9;</title><item><title>&a9;</title>'
        f"<link>{ex.server.url('good/laughs/0.html')}</link></item></channel></rss>"
    )
    await ex.send(200, body.encode(), "application/rss+xml")


async def laughs_sitemap(ex: Exchange) -> None:
    body = _laughs("urlset") + (
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{ex.server.url('good/lsmap/0.html')}</loc><lastmod>&a9;</lastmod></url>"
        "</urlset>"
    )
    await ex.send(200, body.encode(), "application/xml")


async def laughs_listing(ex: Exchange) -> None:
    body = _laughs("html") + (
        "<html><body><h1>&a9;</h1><ul><li><a href='/good/llist/0.html'>&a9;</a></li></ul>"
        "</body></html>"
    )
    await ex.send(200, body.encode())


async def tricky_feed(ex: Exchange) -> None:
    """Duplicate GUIDs, future and 1900 dates, relative, protocol-relative and foreign links."""
    s, other = ex.server, ex.server.other_host
    host = f"{s.hosts[0]}:{s.port}"
    items = [
        ("dup-guid", "/good/nodate/0.html", "Thu, 01 Jan 2099 09:00:00 GMT"),
        ("dup-guid", "good/nodate/1.html", "Mon, 01 Jan 1900 09:00:00 GMT"),
        ("rel", f"//{host}/good/nodate/2.html", "not a date"),
        ("same-link", f"//{host}/good/nodate/2.html?utm_source=rss", ""),
        ("foreign", f"{other}/good/foreign/0.html", ""),
        ("js", "javascript:alert(1)", ""),
        ("mail", "mailto:x@example.org", ""),
        ("xss", "/good/xss/0.html", ""),
    ]
    xml = "".join(
        f"<item><title>t {guid}</title><link>{link.replace('&', '&amp;')}</link>"
        f"<guid>{guid}</guid><pubDate>{when}</pubDate></item>"
        for guid, link, when in items
    )
    await ex.send(200, _rss(xml).encode(), "application/rss+xml")


async def xss_article(ex: Exchange) -> None:
    """An article whose title and text carry markup and header-injection attempts."""
    title = 'AI rules <script>alert("t")</script> & <img src=x onerror=alert(1)>\r\nBcc: x@evil'
    text = (
        "The regulator published artificial intelligence rules on generative AI labelling. "
        "&lt;script&gt;alert('body')&lt;/script&gt; Providers must label synthetic content. "
    ) * 4
    html = (
        f"<html><head><title>{title.replace('<', '&lt;')}</title></head><body><article>"
        f"<h1>{title.replace('<', '&lt;')}</h1><p>{text}</p><p>{text}</p></article></body></html>"
    )
    await ex.send(200, html.encode())


async def layout_change(ex: Exchange) -> None:
    """A listing whose first version links articles; later versions render links by script."""
    if ex.server.hits[ex.path] == 1:
        items = "".join(f"<li><a href='/good/layout/{n}.html'>Story {n}</a></li>" for n in range(3))
        return await ex.send(
            200, f"<html><body><ul class='list'>{items}</ul></body></html>".encode()
        )
    body = "<html><body><div id='app'></div><script src='/bundle.js'></script></body></html>"
    await ex.send(200, body.encode())


async def not_found(ex: Exchange) -> None:
    await ex.send(404, b"<h1>404</h1>")


ROUTES: dict[str, Handler] = {
    "/reset": reset,
    "/hang": hang_after_headers,
    "/trickle": trickle,
    "/big10": big_declared,
    "/big200": big_undeclared,
    "/gzip-bomb": gzip_bomb,
    "/redirect-loop-a": redirect_loop,
    "/redirect-loop-b": redirect_loop,
    "/redirect-file": redirect_scheme,
    "/redirect-ftp": redirect_ftp,
    "/throttled": throttled_once,
    "/throttled-long": throttled_long,
    "/unavailable": unavailable_once,
    "/down": unavailable,
    "/wrong-type": wrong_type,
    "/binary": binary_as_html,
    "/invalid-utf8": invalid_utf8,
    "/charset-lie": charset_lie,
    "/truncated": truncated_html,
    "/short-body": short_body,
    "/broken.xml": broken_xml,
    "/laughs.xml": laughs_feed,
    "/laughs-sitemap.xml": laughs_sitemap,
    "/laughs.html": laughs_listing,
    "/tricky.xml": tricky_feed,
    "/layout.html": layout_change,
    "/good/xss/0.html": xss_article,
}


async def route(ex: Exchange) -> None:
    """Dispatch a request to its fault (or the good site, or 404)."""
    if ex.path == "/robots.txt" and ex.origin == ex.server.other_host:
        return await trickle(ex)  # the second host's robots.txt never finishes
    handler = ROUTES.get(ex.path)
    if handler is not None:
        return await handler(ex)
    if ex.path.startswith("/good/"):
        return await serve_good(ex)
    return await not_found(ex)
