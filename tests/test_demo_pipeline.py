"""The whole pipeline over the bundled demo sites matches policywatch/demo/EXPECTED.md."""

from __future__ import annotations

from collections import defaultdict

import pytest
from conftest import isolate_env

from policywatch import app
from policywatch.briefing import week_label
from policywatch.demo import (
    DEMO_SITES,
    SiteServer,
    demo_sources_text,
    expected_ignored,
    expected_items,
)

STATUS = {"new": "new", "duplicate": "duplicate", "baseline": "baseline", "off-topic": "off_topic"}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> dict:  # type: ignore[type-arg]
    tmp = tmp_path_factory.mktemp("demo")
    mp = pytest.MonkeyPatch()
    with SiteServer(DEMO_SITES, first_ip=60) as server:
        (tmp / "sources.yaml").write_text(demo_sources_text(server), encoding="utf-8")
        isolate_env(mp, tmp)
        mp.setenv("POLICYWATCH_WORKERS", "2")  # exercise the real process pool once
        ctx = app.load_context()
        try:
            app.ingest(ctx)
            outcome = app.brief(ctx, week_label(server.anchor))
            rows = ctx.store.export()
        finally:
            ctx.close()
        hits = dict(server.hits)
        bases = dict(server.base_urls)
    mp.undo()
    return {"rows": rows, "briefing": outcome.briefing, "hits": hits, "bases": bases}


def _row(run: dict, site: str, path: str) -> dict | None:  # type: ignore[type-arg]
    url = run["bases"][site] + path
    return next((r for r in run["rows"] if r["url"] == url), None)


def test_each_demo_page_gets_its_expected_status(demo_run: dict) -> None:  # type: ignore[type-arg]
    stories: dict[str, list[str]] = defaultdict(list)
    for item in expected_items():
        row = _row(demo_run, item["site"], item["path"])
        if item["expect"] == "blocked":
            assert row is None or row["status"] == "failed"
            assert demo_run["hits"].get(item["site"] + item["path"], 0) == 0, "robots.txt ignored"
            continue
        if item["expect"] == "older":
            continue
        assert row is not None, f"{item['path']} not stored"
        if "story" in item:
            stories[item["story"]].append(row["status"])
            continue
        assert row["status"] == STATUS[item["expect"]], (item["path"], row["status"])
    for name, statuses in stories.items():
        assert sorted(statuses).count("new") == 1, (name, statuses)
        assert all(s in ("new", "duplicate") for s in statuses), (name, statuses)


def test_link_pattern_drops_sitemap_pages(demo_run: dict) -> None:  # type: ignore[type-arg]
    for item in expected_ignored():
        assert _row(demo_run, item["site"], item["path"]) is None, item


def test_last_weeks_briefing_has_the_thirteen_stories(demo_run: dict) -> None:  # type: ignore[type-arg]
    briefing = demo_run["briefing"]
    titles = {e.title for e in briefing.entries}
    expected_new = {
        i["title"]
        for i in expected_items()
        if i["expect"] == "new" and 0 <= i["offset"] <= 6 and "story" not in i
    }
    assert len(expected_new) >= 9
    missing = {t for t in expected_new if not any(t in title or title in t for title in titles)}
    assert not missing
    summit = [e for e in briefing.entries if len(e.also_reported_by) == 2]
    assert len(summit) == 1, "the three-copy story is one entry with two 'also reported by'"
    labels = [e for e in briefing.entries if len(e.also_reported_by) == 1]
    assert len(labels) == 1, "the two-copy story is one entry with one 'also reported by'"
