"""Fetcher politeness must not turn into timeouts: queueing for a host is not a slow server."""

from __future__ import annotations

import asyncio
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from policywatch.config import FetchSettings
from policywatch.demo.server import SiteServer
from policywatch.errors import FetchError
from policywatch.fetch import Fetcher, _retry_after


def test_many_queued_requests_to_one_host_all_succeed(sites: SiteServer) -> None:
    settings = FetchSettings(per_host=2, delay=0.5, timeout=1, retries=0, respect_robots=False)
    urls = [sites.url("alpha", f"/news/ai-rules.html?n={i}") for i in range(10)]

    async def fetch_all() -> list[int]:
        async with Fetcher(settings) as fetcher:
            responses = await asyncio.gather(*(fetcher.get(u) for u in urls))
            return [r.status for r in responses]

    # 10 requests x 0.5 s delay = ~5 s of queueing, beyond the 3 s per-request deadline.
    assert asyncio.run(fetch_all()) == [200] * 10


def test_cancelled_waiter_gives_its_host_slot_back(sites: SiteServer) -> None:
    settings = FetchSettings(per_host=1, delay=0.5, timeout=2, retries=0, respect_robots=False)
    url = sites.url("alpha", "/news/compute-fund.html")

    async def scenario() -> int:
        async with Fetcher(settings) as fetcher:
            await fetcher.get(url)
            waiter = asyncio.create_task(fetcher.get(url + "?second"))
            await asyncio.sleep(0.1)  # now inside the politeness delay, holding the slot
            waiter.cancel()
            await asyncio.gather(waiter, return_exceptions=True)
            third = await asyncio.wait_for(fetcher.get(url + "?third"), timeout=5)
            return third.status

    assert asyncio.run(scenario()) == 200


def test_retry_after_http_date_in_minus_zero_zone() -> None:
    assert _retry_after("Wed, 21 Oct 2015 07:28:00 -0000") == 0.0
    assert _retry_after("120") == 120.0
    assert _retry_after("not a date") is None


def test_two_sources_on_one_host_share_the_politeness_delay(sites: SiteServer) -> None:
    import time

    settings = FetchSettings(per_host=2, delay=0.4, timeout=5, retries=0, respect_robots=False)
    starts: list[float] = []

    def one_source(tag: str) -> None:
        async def fetch_three() -> None:
            async with Fetcher(settings) as fetcher:
                for i in range(3):
                    await fetcher.get(sites.url("beta", f"/posts/summit.html?{tag}{i}"))
                    starts.append(time.monotonic())

        asyncio.run(fetch_three())

    threads = [threading.Thread(target=one_source, args=(t,)) for t in "ab"]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    # Six requests to one host, 0.4 s apart whichever source sends them: at least 2 s.
    assert len(starts) == 6 and time.monotonic() - began >= 5 * 0.4


def _robots_redirect_server(location: str) -> ThreadingHTTPServer:
    """A site whose /robots.txt redirects to `location`; /static/robots.txt disallows /private/."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/robots.txt":
                self.send_response(301)
                self.send_header("Location", location)
                self.end_headers()
                return
            body = (
                b"User-agent: *\nDisallow: /private/\n" if "robots" in self.path else b"<p>ok</p>"
            )
            self.send_response(200)
            self.send_header("Content-Type", "text/plain" if "robots" in self.path else "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_robots_txt_behind_a_redirect_is_obeyed() -> None:
    server = _robots_redirect_server("/static/robots.txt")
    base = f"http://127.0.0.1:{server.server_address[1]}"
    settings = FetchSettings(delay=0, timeout=3, retries=0)

    async def scenario() -> None:
        async with Fetcher(settings) as fetcher:
            assert (await fetcher.get(base + "/public/a.html")).status == 200
            with pytest.raises(FetchError, match=r"robots\.txt"):
                await fetcher.get(base + "/private/b.html")

    try:
        asyncio.run(scenario())
    finally:
        server.shutdown()


def test_robots_txt_redirect_to_a_malformed_location_counts_as_no_robots_txt() -> None:
    server = _robots_redirect_server("http://[::1/robots.txt")
    base = f"http://127.0.0.1:{server.server_address[1]}"

    async def scenario() -> int:
        async with Fetcher(FetchSettings(delay=0, timeout=3, retries=0)) as fetcher:
            return (await fetcher.get(base + "/private/b.html")).status

    try:
        assert asyncio.run(scenario()) == 200
    finally:
        server.shutdown()
