"""Official titles and the policy-library info table of government pages (issue 15, part 1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from policywatch.extract import extract_article
from policywatch.govmeta import strip_site_suffix
from policywatch.summary import summarize

PAGES = Path(__file__).parent / "pages"
OFFICIAL = "工业和信息化部关于印发《人工智能产业标准体系建设指南（2026版）》的通知"


def test_gov_cn_page_yields_official_title_and_no_info_table() -> None:
    html = (PAGES / "govcn_policy_library.html").read_text(encoding="utf-8")
    article = extract_article(html, "https://www.gov.cn/zhengce/zhengceku/202611/content_1.htm")
    assert article.title == OFFICIAL
    for label in ("索引号", "发文字号", "主题分类", "成文日期"):
        assert label not in article.text
    assert article.text.startswith("各省、自治区")
    assert summarize(article.text).startswith("为加快推动人工智能产业高质量发展")


@pytest.mark.parametrize(
    ("title", "official"),
    [
        (OFFICIAL + "_国务院部门文件_中国政府网", OFFICIAL),
        ("关于印发X方案的通知-中共中央网络安全和信息化委员会办公室", "关于印发X方案的通知"),
        ("China unveils AI plan - Xinhua", "China unveils AI plan"),
        (
            "AI regulation: a pro-innovation approach - GOV.UK",
            "AI regulation: a pro-innovation approach",
        ),
        ("Call for evidence on AI assurance | GOV.UK", "Call for evidence on AI assurance"),
        ("AI Act - European Commission", "AI Act"),
        (
            "Beyond the hype - what AI means for policy",
            "Beyond the hype - what AI means for policy",
        ),
        ("EU-China summit ends", "EU-China summit ends"),
    ],
)
def test_site_suffixes_are_stripped_and_nothing_else(title: str, official: str) -> None:
    assert strip_site_suffix(title) == official


def test_site_name_meta_names_the_suffix_to_strip() -> None:
    html = (
        "<html><head><title>Ministers agree compute plan - Policy Ledger</title>"
        '<meta property="og:site_name" content="Policy Ledger"></head><body><article>'
        + "".join(
            f"<p>Ministers agreed part {n} of a shared plan for public AI compute in the region, "
            "with funding for research centres and a review after two years of operation.</p>"
            for n in range(4)
        )
        + "</article></body></html>"
    )
    assert extract_article(html, "https://ledger.example/a").title == "Ministers agree compute plan"


def test_salutations_do_not_open_the_summary() -> None:
    text = (
        "Dear stakeholders,\nThe department is consulting on new rules for AI assurance services "
        "across the public sector. Responses are invited by the end of January."
    )
    assert summarize(text).startswith("The department is consulting")
    zh = (
        "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：\n"
        "现将《人工智能安全治理方案》印发给你们，请认真贯彻执行。"
    )
    assert summarize(zh).startswith("现将《人工智能安全治理方案》")


def test_document_number_issuer_and_citations_are_read_and_exported(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from policywatch.dedupe import fingerprint
    from policywatch.storage import Candidate, Store

    html = (PAGES / "govcn_policy_library.html").read_text(encoding="utf-8")
    html = html.replace(
        "认真贯彻落实。", "认真贯彻落实。依据《新一代人工智能发展规划》（国发[2017]35号）。"
    )
    url = "https://www.gov.cn/zhengce/zhengceku/202611/content_1.htm"
    article = extract_article(html, url)
    assert article.document_number == "工信部科〔2026〕215号"
    assert article.issuer == "工业和信息化部"
    assert article.cites == ("国发〔2017〕35号",)
    store = Store.open(f"sqlite:///{tmp_path / 'pw.db'}")
    cand = Candidate(
        "gov", url, url, "2026-W47", datetime.now(UTC), article, fingerprint(article.text)
    )
    store.add([cand])
    (row,) = store.export()
    store.close()
    assert (row["document_number"], row["issuer"], row["cites"]) == (
        "工信部科〔2026〕215号",
        "工业和信息化部",
        ["国发〔2017〕35号"],
    )


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("国发（2017）35号", "国发〔2017〕35号"),
        ("工信部科[2026]215号", "工信部科〔2026〕215号"),
        ("渝府办发【2026】第 7 号", "渝府办发〔2026〕7号"),
        ("国家互联网信息办公室令第 12 号", "国家互联网信息办公室令第12号"),
        ("商务部公告2024年第5号", "商务部公告2024年第5号"),
        ("no number here", None),
    ],
)
def test_numbers_are_normalised(text: str, number: str | None) -> None:
    from policywatch.govmeta import normalise_number

    assert normalise_number(text) == number


def test_english_identifiers_and_publisher() -> None:
    from policywatch.govmeta import GovMeta, cited_identifiers, issuer

    text = (
        "Published by the Department for Science, Innovation and Technology on 3 March 2026.\n"
        "The guidance implements Regulation (EU) 2024/1689 and responds to COM(2025) 45 final, "
        "Executive Order 14110, SI 2024/123 and docket NIST-2024-0001."
    )
    assert issuer(GovMeta(), text) == "Department for Science, Innovation and Technology"
    assert cited_identifiers(text) == (
        "Regulation (EU) 2024/1689",
        "COM(2025) 45 final",
        "Executive Order 14110",
        "SI 2024/123",
        "NIST-2024-0001",
    )


@pytest.mark.parametrize(
    ("head", "body", "issuer"),
    [
        (
            '<meta name="dcterms.publisher"'
            ' content="National Institute of Standards and Technology">',
            "",
            "National Institute of Standards and Technology",
        ),
        (
            "",
            "<p><b>AGENCY:</b></p><p>National Institute of Standards and Technology (NIST), "
            "Commerce.</p>",
            "National Institute of Standards and Technology",
        ),
        ("", "<p>AGENCY:</p><p>Federal Trade Commission.</p>", "Federal Trade Commission"),
    ],
)
def test_issuer_from_dublin_core_and_federal_register_agency(
    head: str, body: str, issuer: str
) -> None:
    html = (
        f"<html><head><title>Request for comments</title>{head}</head><body>{body}<article>"
        + "".join(
            f"<p>The agency requests comments on part {n} of its draft profile for managing "
            "risks of AI agents, including testing, monitoring and incident reporting.</p>"
            for n in range(4)
        )
        + "</article></body></html>"
    )
    assert extract_article(html, "https://www.federalregister.gov/d/1").issuer == issuer
