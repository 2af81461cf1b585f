"""A source's `issuer` (sources.yaml): the body whose site it is issues the drafts, finals,
numbered documents and calls of that site that name no issuer; news pages keep none."""

from __future__ import annotations

from pathlib import Path

import pytest

from policywatch.classify import load_lexicon
from policywatch.config import load_sources
from policywatch.errors import ConfigError
from policywatch.worker import PageJob, init_worker, process_page

DRAFT = """<html><head>
<title>关于《人工智能生成内容标识指南（征求意见稿）》公开征求意见的通知</title>
</head><body><h1>关于《人工智能生成内容标识指南（征求意见稿）》公开征求意见的通知</h1>
<p>为规范人工智能生成合成内容标识，我们起草了《人工智能生成内容标识指南（征求意见稿）》，现向社会公开征求意见。
公众可通过电子邮件提出意见，意见反馈截止时间为2026年12月20日。</p>
<p>附件：人工智能生成内容标识指南（征求意见稿）</p></body></html>"""
NEWS = """<html><head><title>人工智能产业论坛在京举行</title></head><body>
<h1>人工智能产业论坛在京举行</h1>
<p>本报讯 记者从会上获悉，人工智能产业论坛日前在京举行，来自企业和高校的代表参加了论坛，
围绕大模型应用、算力建设和人才培养等话题进行了交流。与会代表认为，人工智能正在加快赋能千行百业。</p>
</body></html>"""
SIGNED = DRAFT.replace("</p></body>", "</p><p>国家数据局</p><p>2026年11月20日</p></body>")


def _issuer(html: str, source_issuer: str | None) -> str | None:
    init_worker(load_lexicon(), ())
    job = PageJob(
        url="https://www.example.gov.cn/zqyj/2026-11/20/c_1.htm",
        body=html.encode(),
        charset="utf-8",
        source_issuer=source_issuer,
    )
    result = process_page(job)
    assert result.article is not None, result.error
    return result.article.issuer


def test_a_draft_naming_no_issuer_gets_the_source_body() -> None:
    assert _issuer(DRAFT, None) is None
    assert _issuer(DRAFT, "国家互联网信息办公室") == "国家互联网信息办公室"


def test_news_keeps_no_issuer_and_a_stated_issuer_wins() -> None:
    assert _issuer(NEWS, "国家互联网信息办公室") is None
    assert _issuer(SIGNED, "国家互联网信息办公室") == "国家数据局"


CALL = """<html><head><title>关于征集2026年人工智能典型应用案例的通知</title></head><body>
<h1>关于征集2026年人工智能典型应用案例的通知</h1>
<p>为推广人工智能在制造、医疗、交通等领域的典型应用，现组织开展2026年人工智能典型应用案例征集工作。
请各有关单位于2026年12月31日前通过系统报送案例材料，逾期不予受理。案例将择优纳入典型案例集。</p>
</body></html>"""


def test_a_call_naming_no_issuer_gets_the_source_body() -> None:
    """Calls are a body's documents too (bench/data/POLICY-LABELS.md)."""
    assert _issuer(CALL, "工业和信息化部办公厅") == "工业和信息化部办公厅"


def test_issuer_key_is_validated_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    body = "sources:\n  - id: cac\n    name: CAC\n    kind: feed\n    url: https://www.cac.gov.cn/rss.xml\n"
    path.write_text(body + "    issuer: 国家互联网信息办公室\n", encoding="utf-8")
    assert load_sources(path).sources[0].issuer == "国家互联网信息办公室"
    path.write_text(body + "    issuer: [a, b]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sources\.yaml:\d+.*issuer"):
        load_sources(path)
