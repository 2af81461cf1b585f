"""Summaries, briefing rendering (HTML, text, Markdown) and the on-disk archive with its feed."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from briefing_samples import LONG_URL, empty_briefing, sample_briefing, sample_entries
from hypothesis import given, settings
from hypothesis import strategies as st

from policywatch.archive import read_archive, rebuild_index, write_briefing
from policywatch.errors import ArchiveError
from policywatch.models import Briefing
from policywatch.render import (
    date_range,
    group_entries,
    md_escape,
    render_html,
    render_markdown,
    render_text,
    safe_url,
)
from policywatch.summary import summarize

ATOM = "{http://www.w3.org/2005/Atom}"

# --- summarize ---------------------------------------------------------------------------

PRESS_RELEASE = """By Margaret Ellison, Digital Policy Correspondent
Published: 18 November 2026

BRUSSELS, 18 November 2026 – The European Commission on Tuesday adopted guidelines on the \
obligations of providers of general-purpose AI models. The guidelines explain when a model is \
presumed to have high-impact capabilities, e.g. when its training compute exceeds 10^25 FLOPs. \
Mr. Virkkunen said the U.S. and U.K. approaches were studied closely. Providers have until \
2 August 2027 to comply.

Share this page
"""

XINHUA = (
    "新华社北京11月18日电（记者 李明）国家互联网信息办公室18日发布《人工智能生成合成内容标识办法》"
    "实施指引。指引明确了显式标识和隐式标识的技术要求！服务提供者应当在元数据中添加隐式标识？"
    "专家认为，这将有助于治理虚假信息。\n来源：新华网"
)


def test_summary_skips_byline_dateline_and_keeps_three_sentences_verbatim() -> None:
    got = summarize(PRESS_RELEASE)
    assert got == (
        "The European Commission on Tuesday adopted guidelines on the obligations of providers "
        "of general-purpose AI models. The guidelines explain when a model is presumed to have "
        "high-impact capabilities, e.g. when its training compute exceeds 10^25 FLOPs. "
        "Mr. Virkkunen said the U.S. and U.K. approaches were studied closely."
    )


def test_summary_splits_chinese_sentences_and_drops_dateline() -> None:
    got = summarize(XINHUA)
    assert got == (
        "国家互联网信息办公室18日发布《人工智能生成合成内容标识办法》实施指引。"
        "指引明确了显式标识和隐式标识的技术要求！服务提供者应当在元数据中添加隐式标识？"
    )
    assert summarize(XINHUA, max_sentences=1).endswith("实施指引。")


def test_summary_respects_max_chars_without_cutting_words() -> None:
    got = summarize(PRESS_RELEASE, max_chars=150)
    assert got.startswith("The European Commission") and got.endswith("AI models.")
    tight = summarize(PRESS_RELEASE, max_chars=60)
    assert len(tight) <= 60 and tight.endswith("…")
    assert tight[:-1] == "The European Commission on Tuesday adopted guidelines on"


def test_summary_of_empty_or_fragmentary_text() -> None:
    assert summarize("") == ""
    assert summarize("   \n  ") == ""
    assert summarize("Read more.\nAI Act.") == "Read more. AI Act."  # nothing better: verbatim


_WORDS = st.lists(
    st.sampled_from(
        ["the", "Commission", "AI", "model", "rules", "U.S.", "e.g.", "监管", "人工智能", "2026"]
    ),
    min_size=1,
    max_size=12,
)
_SENTENCE = st.builds(
    lambda w, end: " ".join(w) + end, _WORDS, st.sampled_from([".", "!", "?", "。"])
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_SENTENCE, max_size=8), st.integers(1, 4), st.integers(20, 500))
def test_summary_is_extractive_and_bounded(
    sentences: list[str], max_sentences: int, max_chars: int
) -> None:
    text = " ".join(sentences)
    got = summarize(text, max_sentences=max_sentences, max_chars=max_chars)
    assert len(got) <= max_chars
    flat = " ".join(text.split())
    core = got.removesuffix("…")
    for piece in re.split(r"(?<=[.!?。！？])\s*", core):
        assert piece in flat  # every sentence (or the cut first one) is copied verbatim
    words = set(re.split(r"\s+|(?<=[。！？])", flat))
    kept = [w for w in re.split(r"\s+|(?<=[。！？])", core) if w]
    assert set(kept[:-1] if got.endswith("…") else kept) <= words  # no made-up or cut words


# --- rendering -----------------------------------------------------------------------------


class _Links(HTMLParser):
    """Collect hrefs, src attributes and tag names of an HTML document."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.srcs: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            if name == "href":
                self.hrefs.append(value or "")
            if name == "src":
                self.srcs.append(value or "")


def _parse(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def test_html_is_email_safe() -> None:
    html = render_html(sample_briefing())
    links = _parse(html)
    assert not {"script", "link", "img", "iframe", "form", "style"} & links.tags
    assert links.srcs == []
    assert all(h.startswith(("http://", "https://")) for h in links.hrefs)
    assert "@import" not in html and "url(" not in html
    assert 'class="container"' in html and "max-width: 640px" in html
    assert re.search(r'<table class="container" role="presentation"[^>]*width="100%"', html)


def test_html_groups_by_first_topic_newest_first() -> None:
    html = render_html(sample_briefing())
    headings = re.findall(r'<h2 class="group"[^>]*>([^<]+?) <span', html)
    assert headings == ["Regulation", "Export controls", "Privacy", "Safety", "Other"]
    regulation = html[html.index(">Regulation <") : html.index(">Export controls <")]
    order = [
        regulation.index(t) for t in ("国家网信办", "Commission publishes", "Senate committee")
    ]
    assert order == sorted(order)  # 19 Nov, 18 Nov, undated
    assert html.count("AI Safety Institute opens consultation") == 1  # first topic only


def test_group_by_region() -> None:
    groups = group_entries(sample_briefing(group_by="region"))
    assert [g.label for g in groups] == ["EU", "US", "CN", "UK", "International / unspecified"]
    assert [e.title[:10] for e in groups[0].entries] == ["Commission", "Data prote"]


def test_html_header_counts_footer_health_and_also_reported() -> None:
    html = render_html(sample_briefing())
    assert "Week 47, 2026" in html and "16–22 November 2026" in html
    counts = re.sub(r"<[^>]+>", "", html)
    assert "Filtered out: 9 duplicates, 3 baseline repeats, 21 off-topic." in counts
    assert re.search(r">48</span><span[^>]*>sources checked<", html)
    assert "HTTP 503 Service Unavailable" in html and "(failing for 3 runs in a row)" in html
    assert '<a href="https://www.euractiv.com/section/tech/news/ai-office-guidelines/"' in html
    assert "EU · Regulation · Frontier models" in html
    assert "18 Nov 2026" in html


def test_hostile_strings_are_escaped_and_bad_urls_not_linked() -> None:
    entry = replace(
        sample_entries()[0],
        title="<script>alert(1)</script> [click](javascript:alert(1)) *bold* & more",
        url="javascript:alert(1)",
        source_name='Ministry "<b>"',
        summary="<img src=x onerror=alert(1)> summary",
        also_reported_by=(("Mirror <i>", "data:text/html,<script>alert(1)</script>"),),
    )
    b = sample_briefing(entries=(entry,))
    html = render_html(b)
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert all(h.startswith("https://") for h in _parse(html).hrefs)
    assert "javascript:alert(1)" in html  # as text only
    md = render_markdown(b)
    assert r"\<script\>alert\(1\)\</script\> \[click\]\(javascript:alert\(1\)\) \*bold\*" in md
    assert "](" not in md.split("## Source health")[0].replace(r"\](", "")
    text = render_text(b)
    assert "<script>alert(1)</script>" in text  # plain text needs no escaping


def test_titles_with_newlines_and_controls_are_flattened() -> None:
    entry = replace(sample_entries()[1], title="Line one\r\nBcc: x@example.net\x00\x1b[31m red")
    b = sample_briefing(entries=(entry,))
    for out in (render_html(b), render_text(b), render_markdown(b).replace("\\[", "[")):
        assert "Line one Bcc: x@example.net [31m red" in " ".join(out.split())
        assert "\x00" not in out and "\x1b" not in out


def test_empty_week_says_nothing_new_everywhere() -> None:
    b = empty_briefing()
    assert "Nothing new this week" in render_html(b)
    assert "NOTHING NEW THIS WEEK" in render_text(b)
    assert "## Nothing new this week" in render_markdown(b)
    assert "All 48 sources were checked without errors." in render_text(b)


def test_markdown_structure_and_links() -> None:
    md = render_markdown(sample_briefing())
    assert md.startswith("# AI policy briefing · Week 47, 2026\n")
    assert "### [Commission publishes guidelines on the obligations of providers of " in md
    assert f"](<{LONG_URL}>)" in md
    assert "## Regulation \\(3\\)" not in md and "## Regulation (3)" in md
    assert "- **工业和信息化部**: timed out after 20 s" in md


def test_text_version_lists_urls_and_wraps_prose() -> None:
    text = render_text(sample_briefing())
    assert (
        "  https://www.gov.uk/government/consultations/pre-deployment-testing-frontier-ai" in text
    )
    prose = [line for line in text.splitlines() if " " in line.strip() and "http" not in line]
    assert max(len(line) for line in prose if line.isascii()) <= 110


def test_helpers() -> None:
    assert safe_url("https://example.org/a?b=1") == "https://example.org/a?b=1"
    for bad in ("javascript:alert(1)", "ftp://x.org/", "https://", "http://a b.org/", "//x.org"):
        assert safe_url(bad) is None
    assert md_escape("- [a](b) 2026. *x*") == r"\- \[a\]\(b\) 2026. \*x\*"
    assert md_escape("2026. Rules") == r"2026\. Rules"
    assert date_range(date(2026, 11, 30), date(2026, 12, 6)) == "30 November – 6 December 2026"
    assert date_range(date(2026, 12, 28), date(2027, 1, 3)) == "28 December 2026 – 3 January 2027"


# --- archive -------------------------------------------------------------------------------


def _archive(reports: Path, b: Briefing) -> dict[str, Path]:
    return write_briefing(reports, b, render_html(b), render_text(b), render_markdown(b))


def _week(n: int, entries: int) -> Briefing:
    start = date.fromisocalendar(2026, n, 1)
    return sample_briefing(
        week=f"2026-W{n:02d}",
        start=start,
        end=date.fromisocalendar(2026, n, 7),
        generated_at=datetime.combine(
            date.fromisocalendar(2026, n + 1, 1), datetime.min.time(), UTC
        ),
        entries=sample_entries()[:entries],
    )


def test_archive_writes_all_formats_atomically(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    paths = _archive(reports, sample_briefing())
    assert {k: p.name for k, p in paths.items()} == {
        "html": "2026-W47.html",
        "md": "2026-W47.md",
        "txt": "2026-W47.txt",
        "json": "2026-W47.json",
        "index": "index.html",
        "feed": "feed.xml",
    }
    assert paths["html"].read_text(encoding="utf-8") == render_html(sample_briefing())
    assert json.loads(paths["json"].read_text(encoding="utf-8"))["new_count"] == 7
    assert not list(reports.glob(".*.tmp"))  # no temporary files left behind
    _archive(reports, empty_briefing())  # rewriting a week replaces it
    assert json.loads(paths["json"].read_text(encoding="utf-8"))["new_count"] == 0


def test_index_lists_newest_first_with_counts(tmp_path: Path) -> None:
    for n, count in ((45, 2), (47, 7), (46, 0)):
        _archive(tmp_path, _week(n, count))
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    weeks = re.findall(r'data-week="(2026-W\d\d)"', index)
    assert weeks == ["2026-W47", "2026-W46", "2026-W45"]
    assert '<a href="2026-W47.html">Week 47, 2026</a>' in index
    assert "16–22 November 2026 · 7 new items" in index
    assert "2–8 November 2026 · 2 new items" in index and "0 new items" in index


def test_feed_is_valid_atom_listing_every_briefing(tmp_path: Path) -> None:
    for n in (44, 45, 46, 47):
        _archive(tmp_path, _week(n, n - 43))
    root = ET.parse(tmp_path / "feed.xml").getroot()
    assert root.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{tag}") is not None
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 4
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert ids == [f"tag:policywatch,2026:briefing:2026-W{n}" for n in (47, 46, 45, 44)]
    for entry in entries:
        for tag in ("id", "title", "updated", "summary"):
            assert entry.findtext(f"{ATOM}{tag}"), tag
        link = entry.find(f"{ATOM}link")
        assert link is not None and re.fullmatch(r"2026-W\d\d\.html", link.get("href", ""))
        updated = entry.findtext(f"{ATOM}updated") or ""
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", updated)
    assert root.findtext(f"{ATOM}updated") == "2026-11-23T00:00:00Z"
    assert "4 new items" in (entries[0].findtext(f"{ATOM}summary") or "")


def test_rebuild_index_skips_corrupt_sidecars_and_orphans(tmp_path: Path) -> None:
    _archive(tmp_path, _week(46, 1))
    _archive(tmp_path, _week(47, 2))
    (tmp_path / "2026-W47.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "2026-W48.json").write_text("{}", encoding="utf-8")  # no .html: not listed
    (tmp_path / "notes-W1.json").write_text("{}", encoding="utf-8")
    rebuild_index(tmp_path)
    assert [a.week for a in read_archive(tmp_path)] == ["2026-W46"]
    root = ET.parse(tmp_path / "feed.xml").getroot()
    assert len(root.findall(f"{ATOM}entry")) == 1


def test_archive_refuses_path_like_week(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="bad week"):
        _archive(tmp_path, sample_briefing(week="../../etc/passwd"))
    assert list(tmp_path.iterdir()) == []


def test_empty_archive_index_and_feed(tmp_path: Path) -> None:
    paths = rebuild_index(tmp_path)
    assert "No briefings yet." in paths["index"].read_text(encoding="utf-8")
    assert ET.parse(paths["feed"]).getroot().findall(f"{ATOM}entry") == []


def test_filter_counts_use_the_right_number() -> None:
    from dataclasses import replace

    from briefing_samples import sample_briefing

    from policywatch.render import render_text

    one = render_text(replace(sample_briefing(), duplicates_filtered=1, baseline_filtered=1))
    many = render_text(replace(sample_briefing(), duplicates_filtered=3, baseline_filtered=2))
    assert "1 duplicate, 1 baseline repeat," in one
    assert "3 duplicates, 2 baseline repeats," in many


def test_other_language_copies_follow_the_original_in_every_format() -> None:
    briefing = sample_briefing()
    html, text, md = render_html(briefing), render_text(briefing), render_markdown(briefing)
    assert 'Also reported in English by: <a href="https://english.news.cn/' in html
    assert "Also reported in English by:" in text and "  - China Daily: https://" in text
    assert "Also reported in English by: [Xinhua](<https://english.news.cn/" in md
    english = replace(
        briefing.entries[0],
        language="en",
        translations=(("工业和信息化部", "https://www.miit.gov.cn/a.html", "zh"),),
    )
    assert "中文原文：<a href=" in render_html(sample_briefing(entries=(english,)))
