"""English instruments' own identifiers (EU, UK, US conventions) and the reading rules added
with them: the page's own number beside the ones it cites (issue 15)."""

from __future__ import annotations

import pytest
from test_instruments import zh_page

from policywatch.adoption import same_instrument
from policywatch.extract import extract_article
from policywatch.identifiers import own_identifier
from policywatch.instruments import stage

PARAGRAPH = (
    "<p>The measures set out obligations for providers and deployers of artificial "
    "intelligence systems, with documentation, testing and reporting duties that apply "
    "across the sectors concerned and are reviewed after two years.</p>"
)


def page(title: str, body: str, head: str = "") -> str:
    return (
        f"<html><head><title>{title}</title>{head}</head><body><main><h1>{title}</h1>"
        f"{body}{PARAGRAPH * 3}</main></body></html>"
    )


@pytest.mark.parametrize(
    ("titles", "text", "own"),
    [
        (
            ["Export controls: revisions"],
            "DEPARTMENT OF COMMERCE\n[Docket No. 261020-0287; BIS-2026-0012]\nRIN 0694-AJ98",
            "BIS-2026-0012",
        ),
        (["Adversarial ML"], "Report Number: NIST AI 100-2e2026\nAbstract", "NIST AI 100-2e2026"),
        (
            ["COMMISSION IMPLEMENTING REGULATION (EU) 2026/2210 of 18 November 2026"],
            "Having regard to Regulation (EU) 2024/1689",
            "Implementing Regulation (EU) 2026/2210",
        ),
        (
            ["Procurement"],
            "Presidential Documents\nExecutive Order 14362 of May 4, 2026",
            "Executive Order 14362",
        ),
        (
            ["Thresholds Regulations 2026"],
            "STATUTORY INSTRUMENTS\n2026 No. 1045\nONLINE SAFETY",
            "SI 2026/1045",
        ),
        (
            ["Commission Guidelines on transparency"],
            "The guidelines were adopted by Commission Communication C(2026) 4120 final.",
            "C(2026) 4120 final",
        ),
        (
            ["Commission Delegated Regulation amending Annex III to Regulation (EU) 2024/1689"],
            "The Commission has adopted Delegated Regulation (EU) 2027/1180 amending Annex III.",
            "Delegated Regulation (EU) 2027/1180",
        ),
        (
            ["Request for Comments on Draft NIST AI 100-7"],
            "ADDRESSES: Comments may be submitted through www.regulations.gov under docket "
            "number NIST-2026-0003, or by email to ai@nist.gov.",
            "NIST-2026-0003",
        ),
        (
            ["Request for Information on AI-Enabled Discovery"],
            "Comments may be sent to www.regulations.gov under docket OSTP-TECH-2026-0014.",
            "OSTP-TECH-2026-0014",
        ),
        (
            ["NIST AI 100-7, AI RMF Profile"],
            "It reflects comments received on the draft announced in the Federal Register "
            "(docket NIST-2026-0003).",
            "NIST AI 100-7",
        ),
        (["Guidance implementing Executive Order 14110"], "Agencies shall report.", None),
        (
            ["Draft guidelines under Article 50 of Regulation (EU) 2024/1689"],
            "We invite views.",
            None,
        ),
    ],
)
def test_own_identifier_is_where_the_instrument_names_itself(
    titles: list[str], text: str, own: str | None
) -> None:
    assert own_identifier(titles, text) == own


def test_a_federal_register_docket_label_names_the_page_own_docket() -> None:
    """The page's "Agency/Docket Number" detail, outside the main text, is its own docket; an
    agency docket that is not a regulations.gov one is passed over."""
    text = "Effective date: This rule is effective September 7, 2027."
    assert own_identifier(["Use of AI tools"], text, "FDA-2027-D-0142") == "FDA-2027-D-0142"
    assert own_identifier(["Use of AI tools"], text, "Docket No. 261124-0298") is None
    html = page(
        "Use of AI-Based Assessment Tools in Federal Hiring",
        "<p>ACTION: Final rule.</p><p>The Office of Personnel Management is issuing final "
        "regulations on automated assessment tools.</p>",
        head="",
    ).replace(
        "<main>",
        "<dl><dt>Agency/Docket Number:</dt><dd>OPM-2027-0002</dd>"
        "<dt>Document Number:</dt><dd>2027-14877</dd></dl><main>",
    )
    article = extract_article(html, "https://www.federalregister.gov/documents/2027/08/05/x")
    assert article.stage == "final"
    assert article.document_number == "OPM-2027-0002"


def test_an_english_final_gets_its_own_number_and_cites_the_rest() -> None:
    html = page(
        "Ensuring Accountable AI in Federal Procurement",
        "<p>Executive Order 14362 of May 4, 2026</p><p>By the authority vested in me as "
        "President, it is hereby ordered: building on Executive Order 14179 and OMB "
        "Memorandum M-25-22, agencies shall acquire reliable AI systems.</p>",
    )
    article = extract_article(html, "https://www.federalregister.gov/d/2026-09000")
    assert article.stage == "final"
    assert article.document_number == "Executive Order 14362"
    assert article.cites == ("Executive Order 14179", "M-25-22")


def test_news_citing_an_identifier_gets_no_number() -> None:
    html = page(
        "What Executive Order 14362 means for federal buyers",
        "<p>Executive Order 14362, signed in May, tells agencies to test AI before buying it, "
        "according to the statement.</p>",
    )
    article = extract_article(html, "https://news.example.com/eo-14362")
    assert article.stage is None and article.document_number is None
    assert article.cites == ("Executive Order 14362",)


def test_a_kicker_in_small_type_is_the_number_not_the_title() -> None:
    title = "Provenance Tracking for Synthetic Content"
    html = (
        f"<html><head><title>NIST AI 100-7 (Initial Public Draft), {title} | CSRC</title></head>"
        f"<body><main><h1><small>NIST AI 100-7 (Initial Public Draft)</small><br>{title}</h1>"
        "<p>NIST is seeking public comment on the initial public draft. Comments are due "
        f"by 15 January 2027.</p>{PARAGRAPH * 3}</main></body></html>"
    )
    article = extract_article(html, "https://csrc.nist.gov/pubs/ai/100/7/ipd")
    assert article.title == title
    assert (article.stage, article.document_number) == ("draft", "NIST AI 100-7")


def test_eur_lex_title_meta_gives_the_acts_full_title() -> None:
    full = (
        "Commission Implementing Regulation (EU) 2026/2210 of 18 November 2026 laying down a "
        "template"
    )
    html = page(
        "Implementing regulation - EU - 2026/2210 - EN",
        "",
        f'<meta name="WT.z_docTitle" content="{full}">',
    )
    assert (
        extract_article(html, "https://eur-lex.europa.eu/eli/reg_impl/2026/2210/oj").title == full
    )


def test_an_eu_act_links_to_its_draft_by_the_name_after_its_formal_opening() -> None:
    draft = (
        "Artificial intelligence – template for the post-market monitoring plan for high-risk "
        "AI systems"
    )
    final = (
        "Commission Implementing Regulation (EU) 2026/2210 of 18 November 2026 laying down a "
        "template for the post-market monitoring plan for high-risk AI systems and the list of "
        "elements to be included in the plan"
    )
    assert same_instrument(final, draft)
    assert not same_instrument(
        final, "Artificial intelligence – serious incident reporting guidelines"
    )


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        (
            "证券期货业人工智能应用监管指引",
            "现公布《证券期货业人工智能应用监管指引》，自公布之日起施行。",
            "final",
        ),
        (
            "Generative AI and data protection: lawful basis for training",
            "About this guidance\nThis guidance is for developers of generative AI models.",
            "final",
        ),
        (
            "Generative AI and data protection: lawful basis for training",
            "We are consulting on this draft guidance. This guidance is for developers.",
            "draft",
        ),
    ],
)
def test_finals_that_announce_themselves_plainly(title: str, text: str, expected: str) -> None:
    assert stage(title, text) == expected


def test_an_interpretation_issues_nothing() -> None:
    title = "《工业领域人工智能安全管理办法》解读"
    html = zh_page(title, "<p>一、出台背景。工业和信息化部制定了本办法。</p>").replace(
        'content="国家互联网信息办公室"', 'content="科技司"', 1
    )
    article = extract_article(html, "https://www.miit.gov.cn/jd/art_1.html")
    assert (article.stage, article.issuer) == (None, None)


def test_a_provinces_short_self_reference_is_named_in_full() -> None:
    title = "省工业和信息化厅关于公开征求《江苏省人工智能行动计划（征求意见稿）》意见的通知"
    html = zh_page(title, "<p>现向社会公开征求意见，意见反馈截止时间为2026年6月10日。</p>")
    html = html.replace(
        '<meta name="ContentSource" content="国家互联网信息办公室">',
        '<meta name="ContentSource" content="人工智能产业处">'
        '<meta name="SiteName" content="江苏省工业和信息化厅">',
    )
    article = extract_article(html, "https://gxt.jiangsu.gov.cn/art/2026/5/11/art_1.html")
    assert article.issuer == "江苏省工业和信息化厅"


@pytest.mark.parametrize(
    ("final", "draft", "same"),
    [
        (  # a plan gains its years on adoption
            "关于印发《北京市加快具身智能产业创新发展行动方案（2027—2029年）》的通知",
            "关于《北京市加快具身智能产业创新发展行动方案（征求意见稿）》公开征求意见的通知",
            True,
        ),
        (  # two plans stating different years are two plans
            "关于印发《北京市加快具身智能产业创新发展行动方案（2027—2029年）》的通知",
            "关于《北京市加快具身智能产业创新发展行动方案（2024—2026年）（征求意见稿）》的通知",
            False,
        ),
        (  # 若干政策 adopted as 若干措施
            "关于印发《合肥市促进数据标注产业高质量发展若干措施》的通知",
            "关于公开征求《合肥市促进数据标注产业高质量发展若干政策（征求意见稿）》意见的公告",
            True,
        ),
        (
            "关于印发《合肥市促进数据标注产业高质量发展若干措施》的通知",
            "关于公开征求《合肥市促进数据交易产业高质量发展若干政策（征求意见稿）》意见的公告",
            False,
        ),
    ],
)
def test_chinese_names_across_adoption(final: str, draft: str, same: bool) -> None:
    assert same_instrument(final, draft) is same


@pytest.mark.parametrize(
    ("final", "draft"),
    [
        (  # an edition gained on adoption
            "教育部 中央网信办关于印发《中小学人工智能通识教育指南（2026年版）》的通知",
            "教育部办公厅关于公开征求《中小学人工智能教育指南（征求意见稿）》意见的通知",
        ),
        (  # a notice (通告) issuing the instrument it names without 《》
            "国家药监局关于发布人工智能医疗器械临床评价注册审查指导原则的通告（2026年第31号）",
            "国家药监局综合司公开征求《人工智能医疗器械临床评价注册审查指导原则（征求意见稿）》意见",
        ),
        (  # opinions titled as themselves
            "交通运输部关于推进人工智能交通运输的实施意见",
            "交通运输部关于公开征求《关于推进人工智能交通运输的实施意见（征求意见稿）》意见的通知",
        ),
    ],
)
def test_chinese_finals_that_name_their_draft_s_instrument(final: str, draft: str) -> None:
    assert same_instrument(final, draft)


def test_an_office_of_a_body_and_a_joint_issue_are_the_body() -> None:
    from policywatch.adoption import same_body

    assert same_body("国家药品监督管理局", "国家药监局综合司")
    assert same_body("教育部、中央网信办", "教育部办公厅")
    assert not same_body("教育部、中央网信办", "国家数据局")


def test_a_final_rule_s_docket_is_where_the_comments_received_are() -> None:
    from policywatch.identifiers import own_identifier

    text = (
        "ADDRESSES: The comments received and this document are available at "
        "https://www.regulations.gov in docket FTC-2026-0031.\nSUMMARY: The Commission adopts."
    )
    assert own_identifier([], text) == "FTC-2026-0031"
    nist = "The final profile reflects 180 comments received on the draft (docket NIST-2026-0003)."
    assert own_identifier([], nist) is None
