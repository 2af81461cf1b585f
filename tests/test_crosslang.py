"""One story across languages (issue 16): an English report of a Chinese notice is a
`duplicate` of it with match_layer cross-language, and the briefing shows one entry."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from conftest import SITES
from pg import db_url  # noqa: F401
from test_ingest import write_sources

from policywatch import app, maintenance
from policywatch.briefing import build_briefing, claim_items, week_label
from policywatch.crosslang import cross_match, story_keys
from policywatch.dedupe import FINGERPRINT_VERSION, fingerprint
from policywatch.demo.server import SiteServer, render_template
from policywatch.errors import ConfigError
from policywatch.extract import extract_article
from policywatch.glossary import load_glossary
from policywatch.maintenance import refingerprint
from policywatch.models import BriefingEntry, Relevance
from policywatch.render import render_html, render_text
from policywatch.storage import Candidate, Store

SITE = SITES / "epsilon"
ANCHOR = date(2026, 11, 16)
NOTICE = "miit/humanoid.html"
VOUCHERS = "miit/vouchers.html"
REPORT = "en/china-humanoid-robot-guideline.html"
OTHER = "en/china-data-labeling-pilots.html"
SOURCES = """
fetch: {delay: 0, timeout: 2, retries: 1}
sources:
  - id: miit
    name: 工业和信息化部
    kind: listing
    url: "{{BASE:epsilon}}/miit/index.html"
    link_selector: "ul.doc-list li a"
  - id: wire
    name: Policy Wire
    kind: listing
    url: "{{BASE:epsilon}}/en/index.html"
    link_selector: "ul.stories li a"
    language: en
"""


def candidate(page: str, source: str) -> Candidate:
    """A fixture page of the epsilon site as the pipeline would hand it to the store."""
    url = f"https://{source}.example/{page}"
    html = render_template((SITE / page).read_text("utf-8"), {}, ANCHOR)
    article = extract_article(html, url)
    seen = datetime.combine(article.published or ANCHOR, datetime.min.time(), UTC)
    week = week_label(article.published or ANCHOR)
    relevance = Relevance(0.9, True, ("industry",), "china")
    keys = story_keys(article, load_glossary())
    fp = fingerprint(article.text)
    return Candidate(source, url, url, week, seen, article, fp, relevance, cross_keys=keys)


@pytest.fixture()
def store(db_url: str) -> Iterator[Store]:  # noqa: F811
    opened = Store.open(db_url)
    yield opened
    opened.close()


@pytest.mark.parametrize("order", ["notice first", "report first"])
def test_report_and_notice_are_one_story_in_either_order(store: Store, order: str) -> None:
    notice, report = candidate(NOTICE, "miit"), candidate(REPORT, "wire")
    others = [candidate(VOUCHERS, "miit"), candidate(OTHER, "wire")]
    first, second = (notice, report) if order == "notice first" else (report, notice)
    store.add([first, *others])
    [stored] = store.add([second])
    rows = {r["url"]: r for r in store.export()}
    assert stored.status == "duplicate" and stored.duplicate_of == first.url
    assert rows[second.url]["match_layer"] == "cross-language"
    assert rows[second.url]["story"] == rows[first.url]["story"]
    evidence = rows[second.url]["match_evidence"]
    assert f"doc:{ANCHOR.year}-215" in evidence and "term:t-humanoid" in evidence
    for other in others:  # the same ministry's other notice, the same wire's other report
        assert rows[other.url]["status"] == "new", other.url
    entries = briefed(store, week_label(ANCHOR))
    lead = next(e for e in entries if "人形机器人" in e.title)
    assert lead.url == notice.url  # led by the original, whichever was stored first
    assert lead.translations == (("wire", report.url, "en"),)
    assert not any(e.url == report.url for e in entries)


def briefed(store: Store, week: str) -> tuple:  # type: ignore[type-arg]
    claim_items(store, week)
    following = week_label(ANCHOR + timedelta(days=7))
    claim_items(store, following)
    return build_briefing(store, week, ()).entries + build_briefing(store, following, ()).entries


def test_same_ministry_same_week_different_notices_stay_apart() -> None:
    glossary = load_glossary()
    keys = {
        page: story_keys(candidate(page, "x").article, glossary)  # type: ignore[arg-type]
        for page in (NOTICE, VOUCHERS, REPORT, OTHER)
    }
    assert cross_match(keys[NOTICE], keys[REPORT]) is not None
    for zh, en in ((VOUCHERS, REPORT), (NOTICE, OTHER), (VOUCHERS, OTHER)):
        assert cross_match(keys[zh], keys[en]) is None, (zh, en)


def test_different_own_document_numbers_veto_a_match() -> None:
    shared = {"body:miit", "term:t-humanoid", "num:50", "num:1e+11", "year:2028", "pct:30"}
    assert cross_match(shared | {"doc:2026-215"}, shared | {"doc:2026-215"}) is not None
    assert cross_match(shared | {"doc:2026-215"}, shared | {"doc:2026-216"}) is None


def test_ingest_links_the_english_report_in_the_same_run_and_briefs_one_entry(
    sites: SiteServer, pw_env: Path
) -> None:
    write_sources(sites, pw_env / "sources.yaml", SOURCES)
    ctx = app.load_context()
    try:
        app.ingest(ctx)
        rows = {r["url"].split("/", 3)[-1]: r for r in ctx.store.export()}
        notice, report = rows[NOTICE], rows[REPORT]
        copy = notice if notice["status"] == "duplicate" else report  # sources race
        head = report if copy is notice else notice
        assert (copy["status"], copy["match_layer"], head["status"]) == (
            "duplicate",
            "cross-language",
            "new",
        )
        assert report["story"] == notice["story"]
        assert rows[VOUCHERS]["status"] == rows[OTHER]["status"] == "new"
        week = head["week"]
        claim_items(ctx.store, week)
        briefing = build_briefing(ctx.store, week, ctx.sources.sources)
    finally:
        ctx.close()
    html, text = render_html(briefing), render_text(briefing)
    [entry] = [e for e in briefing.entries if notice["url"] in (e.url, *_urls(e))]
    assert entry.url == notice["url"] and entry.title == notice["title"]  # the original leads
    assert entry.translations == (("Policy Wire", report["url"], "en"),)
    assert "Also reported in English by" in html and report["url"] in html
    assert "Also reported in English by" in text


def _urls(entry: BriefingEntry) -> tuple[str, ...]:
    return tuple(url for _, url, _ in entry.translations)


def test_user_glossary_extends_the_built_in_and_errors_name_the_file(tmp_path: Path) -> None:
    extra = tmp_path / "glossary.yaml"
    extra.write_text(
        "entities:\n  - {id: t-quantum-dot, kind: term, zh: [量子点], en: [quantum dot]}\n",
        encoding="utf-8",
    )
    glossary = load_glossary(extra)
    assert glossary.entities("发展量子点显示产业", zh=True) >= {"term:t-quantum-dot"}
    assert "term:t-quantum-dot" in glossary.entities("Quantum dots displays", zh=False)
    extra.write_text("entities:\n  - {id: x, kind: body, zh: [工信部], en: [X]}\n", "utf-8")
    with pytest.raises(ConfigError, match=r"glossary.yaml: entity 'x': form '工信部' already"):
        load_glossary(extra)
    extra.write_text("entities:\n  - id: y\n    kind: bdy\n    zh: [甲]\n    en: [Y]\n", "utf-8")
    with pytest.raises(ConfigError, match=r"glossary.yaml:3: entity 'y': field 'kind'"):
        load_glossary(extra)


def test_education_departments_are_not_the_ministry_of_education() -> None:
    glossary = load_glossary()
    assert "body:moe" not in glossary.entities("各地教育部门要加强指导", zh=True)
    assert "body:moe" in glossary.entities("教育部印发通知", zh=True)


def test_readme_glossary_example_is_valid(tmp_path: Path) -> None:
    readme = (SITES.parent.parent / "README.md").read_text("utf-8")
    section = readme.split("**One story across languages**", 1)[1]
    example = section.split("```yaml", 1)[1].split("```", 1)[0]
    path = tmp_path / "glossary.yaml"
    path.write_text("\n".join(line[2:] for line in example.splitlines()), "utf-8")
    assert "zone:xixian" in load_glossary(path).entities("西咸新区发布", zh=True)


def test_refingerprint_indexes_items_stored_before_the_layer(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    notice = candidate(NOTICE, "miit")
    store.add([dataclasses.replace(notice, cross_keys=frozenset())])  # stored before 0007
    assert store.stale_items(FINGERPRINT_VERSION) != []
    assert refingerprint(store, load_glossary()).items == 1
    assert refingerprint(store, load_glossary()).items == 0  # nothing stale is left
    [report] = store.add([candidate(REPORT, "wire")])
    assert (report.status, report.duplicate_of) == ("duplicate", notice.url)
    monkeypatch.setattr(maintenance, "FINGERPRINT_VERSION", FINGERPRINT_VERSION + 1)
    assert refingerprint(store, load_glossary()).items == 2  # a new version: every text again
    assert store.stale_items(FINGERPRINT_VERSION + 1) == []
    [again] = store.add([candidate(REPORT, "wire2")])  # band keys still find the copy
    assert again.status == "duplicate"
