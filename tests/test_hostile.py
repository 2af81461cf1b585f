"""Hostile sources: one ingest run over a misbehaving server next to a good source.

Each fault must end within bounded time and memory, be recorded against its source (or page)
with a clear reason, and leave every item of the good sources stored.
"""

from __future__ import annotations

import asyncio
import os
import re
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import isolate_env
from hostile_server import HostileServer, article_text

from policywatch import app, mail, render
from policywatch.briefing import FAILING_RUNS_FLAG, week_label
from policywatch.config import FetchSettings, SmtpSettings, settings_from_env
from policywatch.errors import FetchError
from policywatch.fetch import Fetcher
from policywatch.models import SourceResult

REPO = Path(__file__).parent.parent
GOOD = 6  # articles per good site

# (source id, kind, path): the URL is the hostile server's.
SOURCES = [
    ("good", "feed", "good/main/feed.xml"),
    ("reset", "feed", "reset"),
    ("hang", "feed", "hang"),
    ("trickle", "feed", "trickle"),
    ("big10", "feed", "big10"),
    ("big200", "feed", "big200"),
    ("gzip-bomb", "feed", "gzip-bomb"),
    ("redirect-loop", "feed", "redirect-loop-a"),
    ("redirect-file", "feed", "redirect-file"),
    ("redirect-ftp", "feed", "redirect-ftp"),
    ("throttled", "feed", "throttled"),
    ("throttled-long", "feed", "throttled-long"),
    ("unavailable", "feed", "unavailable"),
    ("wrong-type", "feed", "wrong-type"),
    ("short-body", "feed", "short-body"),
    ("broken-xml", "feed", "broken.xml"),
    ("laughs-feed", "feed", "laughs.xml"),
    ("laughs-sitemap", "sitemap", "laughs-sitemap.xml"),
    ("laughs-listing", "listing", "laughs.html"),
    ("tricky", "feed", "tricky.xml"),
    ("binary", "page", "binary"),
    ("invalid-utf8", "page", "invalid-utf8"),
    ("charset-lie", "page", "charset-lie"),
    ("truncated", "page", "truncated"),
    ("xss", "page", "good/xss/0.html"),
]

# Source-level failures and the words their recorded reason must contain.
SOURCE_ERRORS = {
    "reset": "connection failed",
    "hang": "timed out",
    "trickle": "timed out",
    "big10": "exceeds the 2000000-byte limit",
    "big200": "exceeds the 2000000-byte limit",
    "gzip-bomb": "exceeds the 2000000-byte limit",
    "redirect-loop": "more than 5 redirects",
    "redirect-file": "refused non-HTTP URL 'file:///etc/passwd'",
    "redirect-ftp": "refused non-HTTP URL 'ftp:",
    "throttled-long": "Retry-After 86400s is too long",
    "wrong-type": "unsupported content type 'image/png'",
    "short-body": "connection failed",
    "broken-xml": "malformed feed",
}


@dataclass
class Run:
    server: HostileServer
    results: dict[str, SourceResult]
    rows: list[dict[str, Any]]
    runs: dict[str, Any]
    seconds: float
    rss_growth_mb: float
    env: Path


def sources_yaml(server: HostileServer) -> str:
    lines = [
        "fetch: {delay: 0, timeout: 2, retries: 1, max_bytes: 2000000, respect_robots: true}",
        "sources:",
    ]
    for sid, kind, path in SOURCES:
        lines.append(
            f'  - {{id: {sid}, name: "Site {sid}", kind: {kind}, url: "{server.url(path)}"}}'
        )
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    env = tmp_path_factory.mktemp("hostile")
    with HostileServer(articles_per_site=GOOD) as server, pytest.MonkeyPatch.context() as mp:
        isolate_env(mp, env)
        (env / "sources.yaml").write_text(sources_yaml(server), encoding="utf-8")
        server.bomb()  # build the bomb before the clock starts
        ctx = app.load_context()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.monotonic()
        try:
            results = app.ingest(ctx)
            seconds = time.monotonic() - started
            growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
            rows = ctx.store.export()
            runs = {s: ctx.store.recent_runs(s, 1)[0] for s, _k, _p in SOURCES}
        finally:
            ctx.close()
        yield Run(server, {r.source_id: r for r in results}, rows, runs, seconds, growth, env)


def rows_under(run: Run, prefix: str) -> dict[str, dict[str, Any]]:
    base = run.server.url(prefix)
    return {r["url"].removeprefix(base): r for r in run.rows if r["url"].startswith(base)}


def test_run_is_bounded_in_time_and_memory(hostile_run: Run) -> None:
    # trickle is the slowest: 2 attempts x (3 x 2 s overall timeout) + backoff.
    assert hostile_run.seconds < 40, hostile_run.seconds
    # 10 MB and 200 MB bodies and a 256 MB gzip bomb must not be held in memory.
    assert hostile_run.rss_growth_mb < 150, hostile_run.rss_growth_mb
    assert set(hostile_run.results) == {sid for sid, _k, _p in SOURCES}


def test_good_source_items_all_stored(hostile_run: Run) -> None:
    good = rows_under(hostile_run, "good/main/")
    assert sorted(good) == [f"{n}.html" for n in range(GOOD)]
    for n, row in enumerate(sorted(good.values(), key=lambda r: r["url"])):
        assert row["status"] == "new", row
        assert row["title"] == article_text("main", n)[0]
    assert hostile_run.results["good"].error is None
    assert hostile_run.results["good"].new == GOOD


@pytest.mark.parametrize("source_id", sorted(SOURCE_ERRORS))
def test_bad_source_recorded_with_reason(hostile_run: Run, source_id: str) -> None:
    result = hostile_run.results[source_id]
    assert result.error is not None and SOURCE_ERRORS[source_id] in result.error, result.error
    assert hostile_run.server.url("") in result.error  # names the URL at fault
    assert "\n" not in result.error
    recorded = hostile_run.runs[source_id]
    assert recorded.error == result.error  # the fetch_runs table keeps the reason


@pytest.mark.parametrize("site", ["throttled", "recovered"])
def test_429_and_503_recover_on_retry(hostile_run: Run, site: str) -> None:
    sid = {"throttled": "throttled", "recovered": "unavailable"}[site]
    assert hostile_run.results[sid].error is None
    assert len(rows_under(hostile_run, f"good/{site}/")) == GOOD


def test_entity_bombs_do_not_expand(hostile_run: Run) -> None:
    for sid in ("laughs-feed", "laughs-sitemap", "laughs-listing"):
        result = hostile_run.results[sid]
        assert result.error is None or "malformed" in result.error, result.error
    for row in hostile_run.rows:
        assert len(row["title"] or "") <= 500
        assert "hahahahaha" * 10 not in (row["title"] or "") + (row["text"] or "")
    # the links inside the bomb documents were still found and fetched
    for site in ("laughs", "lsmap", "llist"):
        assert rows_under(hostile_run, f"good/{site}/"), site


def page_row(run: Run, path: str) -> dict[str, Any]:
    return next(r for r in run.rows if r["url"] == run.server.url(path))


def test_binary_with_html_type_fails_the_page_with_a_reason(hostile_run: Run) -> None:
    row = page_row(hostile_run, "binary")
    assert row["status"] == "failed"
    assert "binary data, not an HTML page" in row["error"]
    assert hostile_run.results["binary"].failed == 1


def test_invalid_utf8_and_truncated_html_still_extract(hostile_run: Run) -> None:
    broken = page_row(hostile_run, "invalid-utf8")
    assert broken["status"] == "new" and "artificial intelligence" in broken["text"]
    cut = page_row(hostile_run, "truncated")
    assert cut["status"] == "new" and "artificial intelligence" in cut["text"]


def test_charset_lie_decodes_gbk(hostile_run: Run) -> None:
    row = page_row(hostile_run, "charset-lie")
    assert "关于促进人工智能安全发展的若干意见" in row["text"]
    assert row["title"] == "人工智能安全发展意见"


def test_feed_oddities_duplicate_guids_dates_and_links(hostile_run: Run) -> None:
    nodate = rows_under(hostile_run, "good/nodate/")
    # duplicate GUIDs with different links are both kept; the same link twice is stored once
    assert sorted(nodate) == ["0.html", "1.html", "2.html"]
    this_week = week_label(datetime.now(UTC).date())
    for row in nodate.values():
        # a 2099 or 1900 feed date is no date: the item belongs to the week it was first seen
        assert row["published"] is None, row
        assert row["week"] == this_week
    # 8 entries: javascript: and mailto: links are dropped at discovery; 2.html with and without
    # utm_source are two links but one canonical URL, fetched once
    tricky = hostile_run.results["tricky"]
    assert tricky.found == 6 and tricky.fetched <= 4, tricky
    # the link to another (loopback) host was refused, never fetched
    assert not [r for r in hostile_run.rows if r["url"].startswith(hostile_run.server.other_host)]
    assert hostile_run.server.hits["/good/foreign/0.html"] == 0
    assert not [r for r in hostile_run.rows if not r["url"].startswith("http")]


def test_no_item_has_an_implausible_date(hostile_run: Run) -> None:
    latest = date.today() + timedelta(days=2)
    for row in hostile_run.rows:
        if row["published"]:
            assert "1995-01-01" <= row["published"] <= latest.isoformat()
        assert row["week"] <= week_label(latest)


def test_extracted_markup_is_escaped_in_briefing_and_mail(hostile_run: Run) -> None:
    """A page whose title carries <script>, an onerror attribute and a CRLF header attempt."""
    row = page_row(hostile_run, "good/xss/0.html")
    assert row["status"] == "new" and "<script>" in row["title"]
    with pytest.MonkeyPatch.context() as mp:
        isolate_env(mp, hostile_run.env)
        ctx = app.load_context()
        try:
            outcome = app.brief(ctx, row["week"])
        finally:
            ctx.close()
    b = outcome.briefing
    assert any("<script>" in e.title for e in b.entries)
    html = render.render_html(b)
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert not re.search(r"<[^>]*onerror", html, re.I)  # only ever escaped text
    assert "&lt;script&gt;" in html
    for href in _hrefs(html):
        assert href.startswith(("http://", "https://", "mailto:", "#")), href
    smtp = SmtpSettings(host="127.0.0.1", mail_to=("a@example.org",), security="none")
    msg = mail.build_message(b, html, render.render_text(b), smtp)
    assert msg["Bcc"] is None and "\n" not in str(msg["Subject"])
    headers = msg.as_string().split("\r\n\r\n", 1)[0]
    assert "Bcc" not in headers and "<script" not in headers


def _hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', html)


def test_hostile_robots_txt_is_given_up_on_and_disallows_the_site() -> None:
    """A robots.txt that never finishes is given up on within the timeout; per RFC 9309 an
    unreachable robots.txt disallows the site for the run (a clear error, no hang)."""
    settings = FetchSettings(delay=0, timeout=1, retries=0, respect_robots=True)

    async def fetch(server: HostileServer) -> str:
        async with Fetcher(settings) as fetcher:
            with pytest.raises(FetchError) as caught:
                await fetcher.get(server.url("good/robots/feed.xml", host=1))
            with pytest.raises(FetchError):  # decided once per origin and run
                await fetcher.get(server.url("good/robots/other.xml", host=1))
            return str(caught.value)

    with HostileServer() as server:
        started = time.monotonic()
        error = asyncio.run(fetch(server))
        assert "robots.txt unreachable (timed out)" in error and "RFC 9309" in error
        assert time.monotonic() - started < 3.5
        assert server.hits["/robots.txt"] == 1


# -- health: repeated failures and layout changes are flagged ------------------------------------

CLI = [sys.executable, "-m", "policywatch.cli"]
HEALTH_SOURCES = """fetch: {{delay: 0, timeout: 2, retries: 0, respect_robots: false}}
sources:
  - {{id: good, name: Good Site, kind: feed, url: "{good}"}}
  - {{id: images, name: Image Host, kind: feed, url: "{bad}"}}
  - {{id: redesign, name: Redesigned Listing, kind: listing, url: "{layout}",
      link_selector: "ul.list li a"}}
"""


@pytest.fixture()
def health_env(pw_env: Path) -> Iterator[tuple[HostileServer, list[list[SourceResult]]]]:
    """Three ingest runs: `images` fails every time, `redesign` loses its links after run 1."""
    with HostileServer(articles_per_site=2) as server:
        (pw_env / "sources.yaml").write_text(
            HEALTH_SOURCES.format(
                good=server.url("good/h/feed.xml"),
                bad=server.url("wrong-type"),
                layout=server.url("layout.html"),
            ),
            encoding="utf-8",
        )
        runs = []
        for _ in range(3):
            ctx = app.load_context()
            try:
                runs.append(app.ingest(ctx))
            finally:
                ctx.close()
        yield server, runs


def test_source_failing_three_runs_is_flagged_in_briefing_and_check(
    health_env: tuple[HostileServer, list[list[SourceResult]]], pw_env: Path
) -> None:
    ctx = app.load_context()
    try:
        outcome = app.brief(ctx, week_label(datetime.now(UTC).date()))
    finally:
        ctx.close()
    flagged = {h.source_id: h for h in outcome.briefing.unhealthy}
    assert flagged["images"].consecutive_failures == FAILING_RUNS_FLAG == 3
    assert "unsupported content type 'image/png'" in flagged["images"].error
    assert "good" not in flagged
    assert "layout changed?" in flagged["redesign"].error  # zero links after finding some
    assert flagged["redesign"].consecutive_failures == 2
    footer = outcome.paths["md"].read_text(encoding="utf-8").split("Source health", 1)[1]
    assert "Image Host" in footer and "failing for 3 runs in a row" in footer
    html = outcome.paths["html"].read_text(encoding="utf-8")
    assert "failing for 3 runs in a row" in html

    check = subprocess.run([*CLI, "sources", "check"], capture_output=True, text=True, timeout=120)
    assert check.returncode == 1, check.stderr
    lines = {line.split()[1]: line for line in check.stdout.splitlines()}
    assert lines["images"].startswith("FAIL") and "[failed the last 3 runs]" in lines["images"]
    assert lines["good"].startswith("OK")
    assert lines["redesign"].startswith("FAIL") and "layout changed?" in lines["redesign"]


def test_listing_that_suddenly_yields_no_links_is_a_failed_run(
    health_env: tuple[HostileServer, list[list[SourceResult]]],
) -> None:
    _server, runs = health_env
    first, later = runs[0], runs[1:]
    assert next(r for r in first if r.source_id == "redesign").found == 3
    for results in later:
        redesign = next(r for r in results if r.source_id == "redesign")
        assert redesign.error is not None and "layout changed?" in redesign.error


# -- secrets: the SMTP password never reaches a log, an error, the database or a report ----------

PASSWORD = "hunter2-Sekr1t-pw"  # the right one
WRONG = "Wr0ng-Sekr1t-guess"


def test_smtp_password_never_logged_or_stored(pw_env: Path) -> None:
    from smtp_server import password_authenticator, start_smtp_server

    week = week_label(datetime.now(UTC).date())
    (pw_env / "sources.yaml").write_text(
        'sources:\n  - {id: a, name: A, kind: feed, url: "http://127.0.0.1:9/rss.xml"}\n',
        encoding="utf-8",
    )
    auth = password_authenticator("mailer", PASSWORD)
    outputs = []
    with start_smtp_server(authenticator=auth, auth_require_tls=False) as smtp:
        env = dict(
            os.environ,
            POLICYWATCH_SMTP_HOST=smtp.host,
            POLICYWATCH_SMTP_PORT=str(smtp.port),
            POLICYWATCH_SMTP_SECURITY="none",
            POLICYWATCH_SMTP_USER="mailer",
            POLICYWATCH_MAIL_TO="analyst@example.org",
            POLICYWATCH_LOG_LEVEL="DEBUG",
        )
        send = [*CLI, "brief", "--week", week, "--send"]
        for password, code in ((WRONG, 1), (PASSWORD, 0)):
            done = subprocess.run(
                send,
                capture_output=True,
                text=True,
                timeout=120,
                env=dict(env, POLICYWATCH_SMTP_PASSWORD=password),
            )
            assert done.returncode == code, done.stderr
            outputs += [done.stdout, done.stderr]
        assert "login as 'mailer' refused" in outputs[1]
        assert len(smtp.messages) == 1
        outputs.append(smtp.messages[0].as_string())
    outputs += [p.read_text(errors="replace") for p in pw_env.rglob("*") if p.is_file()]
    assert not [text for text in outputs if PASSWORD in text or WRONG in text]
    settings = settings_from_env(dict(env, POLICYWATCH_SMTP_PASSWORD=PASSWORD))
    assert PASSWORD not in repr(settings) and PASSWORD not in str(settings.smtp)
