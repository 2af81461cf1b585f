"""Official titles and the policy-library info table of government pages (issue 15, part 1)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from lxml.html import fromstring

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


ZH_FILLER = (
    "<p>为加快推动大模型在工业领域深度应用，发挥标准对技术创新和产业发展的引领作用，"
    "我们组织编制了标准体系建设指南，提出到2028年新制定国家标准和行业标准五十项以上，"
    "覆盖基础共性、数据集、模型能力、场景应用、安全可信等方面。</p>"
)
EN_FILLER = "".join(
    f"<p>Part {n} of the text sets out how providers test, monitor and report on AI systems, "
    "with duties that scale with the risk and a review after two years of operation.</p>"
    for n in range(3)
)


def page(head: str, body: str, filler: str = ZH_FILLER) -> str:
    """A small page: head tags, then the body's own markup above a paragraph of text."""
    return f"<html><head>{head}</head><body>{body}<article>{filler}</article></body></html>"


def test_a_disclosure_table_with_spaced_labels_is_read_and_its_number_kept_whole() -> None:
    table = (
        "<table><tr><td>索 引 号：</td><td>bm56000001/2027-00013508</td>"
        "<td>分　　类：</td><td>科技监管;证监会公告</td></tr>"
        "<tr><td>名 称：</td><td>证券期货业人工智能应用监管指引</td>"
        "<td>发文日期：</td><td>2027年03月06日</td></tr>"
        "<tr><td>文 号：</td><td>中国证券监督管理委员会公告〔2027〕18号</td></tr></table>"
    )
    article = extract_article(page("<title>监管指引</title>", table), "https://www.csrc.gov.cn/a")
    assert article.document_number == "中国证券监督管理委员会公告〔2027〕18号"
    assert article.title == "证券期货业人工智能应用监管指引"
    assert "索 引 号" not in article.text


def test_a_number_label_saying_none_gives_no_number() -> None:
    from policywatch.govmeta import GovMeta, document_number

    assert document_number(GovMeta(info={"发文字号": "无"}), "") is None
    assert document_number(GovMeta(info={"发文字号": "浙经信数字（2026）88号"}), "") == (
        "浙经信数字〔2026〕88号"
    )


def test_a_metadata_line_is_no_title_and_a_lone_h3_heads_the_page() -> None:
    body = (
        '<ol class="breadcrumb"><li><a href="/">首页</a></li></ol>'
        '<h3 class="text-center">关于国家标准《网络安全技术 训练数据安全要求》'
        "征求意见稿征求意见的通知</h3>"
        '<p class="text-muted">发布日期：2026-05-06　浏览次数：3178</p>'
    )
    html = page("<title>全国网络安全标准化技术委员会</title>", body)
    title = extract_article(html, "https://www.tc260.org.cn/a").title
    assert title == "关于国家标准《网络安全技术 训练数据安全要求》征求意见稿征求意见的通知"


def test_info_table_with_header_cells_is_read() -> None:
    table = (
        "<table><tr><th>索引号</th><td>ZB0000000/2027-00213</td></tr>"
        "<tr><th>发文机关</th><td>工业和信息化部办公厅</td></tr>"
        "<tr><th>发文字号</th><td>工信厅科〔2027〕21号</td></tr>"
        "<tr><th>发布日期</th><td>2027年03月26日</td></tr></table>"
    )
    html = page('<meta name="ContentSource" content="科技司">', table)
    article = extract_article(html, "https://www.miit.gov.cn/a.html")
    assert (article.issuer, article.document_number) == (
        "工业和信息化部办公厅",
        "工信厅科〔2027〕21号",
    )
    assert "索引号" not in article.text


SIGNED = '<p style="text-align:right">工业和信息化部科技司</p><p>2027年1月28日</p>'


@pytest.mark.parametrize(
    ("site", "body"),
    [
        ('<meta name="SiteName" content="中华人民共和国工业和信息化部">', ""),  # the site's name
        ("", SIGNED),  # the signature that ends with the department
    ],
)
def test_a_department_is_named_with_its_ministry(site: str, body: str) -> None:
    head = site + '<meta name="ContentSource" content="科技司">'
    article = extract_article(page(head, body), "https://www.miit.gov.cn/a.html")
    assert article.issuer == "工业和信息化部科技司"


def test_a_full_body_name_is_kept_and_a_news_site_adds_no_ministry() -> None:
    from policywatch.govmeta import GovMeta, issuer

    assert issuer(GovMeta({"contentsource": "国家数据局"}), "") == "国家数据局"
    news = GovMeta({"contentsource": "科技司", "sitename": "中国网信网"})
    assert issuer(news, "") == "科技司"


def test_the_body_opening_the_title_is_the_issuer_when_nothing_else_names_one() -> None:
    from policywatch.govmeta import GovMeta, issuer

    titled = GovMeta({"articletitle": "科技部关于发布国家重点研发计划项目申报指南的通知"})
    assert issuer(titled, "") == "科技部"  # a short name: two characters and 部
    assert issuer(GovMeta({"articletitle": "人工智能赋能新型工业化关于若干问题"}), "") is None


def test_the_signature_above_the_date_names_the_issuer() -> None:
    signed = '<p style="text-align:right">全国网络安全标准化技术委员会秘书处<br>2026年9月25日</p>'
    html = page("<title>标准征求意见</title>", "<p>各有关单位：</p>" + signed)
    assert extract_article(html, "https://www.tc260.org.cn/a").issuer == (
        "全国网络安全标准化技术委员会秘书处"
    )
    unsigned = page("<title>标准征求意见</title>", "<p>主任　庄荣文</p><p>2027年3月12日</p>")
    assert extract_article(unsigned, "https://www.tc260.org.cn/b").issuer is None


@pytest.mark.parametrize(
    ("label", "value"),
    [("Publisher", "European Commission"), ("Funders:", "Innovate UK")],
)
def test_publisher_and_funder_labels_name_the_issuer(label: str, value: str) -> None:
    body = f"<dl><dt>{label}</dt><dd>{value}</dd><dt>Topic</dt><dd>Digital economy</dd></dl>"
    html = page("<title>AI for public services</title>", body, EN_FILLER)
    assert extract_article(html, "https://ec.europa.eu/a").issuer == value


def test_a_column_name_in_the_title_gives_way_to_the_title_element() -> None:
    notice = "关于国家标准《网络安全技术 人工智能生成合成内容检测方法》征求意见稿征求意见的通知"
    body = (
        '<nav><a href="/">首页</a><a href="/list">标准征求意见</a></nav>'
        f'<div class="detail-title">{notice}</div><div class="detail-date">2026-09-25</div>'
    )
    html = page("<title>标准征求意见-全国网络安全标准化技术委员会</title>", body)
    assert extract_article(html, "https://www.tc260.org.cn/a").title == notice
    short = page("<title>AI Act - European Commission</title>", '<a href="/x">AI Act</a>')
    assert extract_article(short, "https://ec.europa.eu/a").title == "AI Act"  # not a column


def test_an_order_number_set_on_two_lines_is_one_number() -> None:
    body = '<p style="text-align:center">国家互联网信息办公室令</p><p>第26号</p>'
    html = page("<title>人工智能智能体服务管理暂行规定</title>", body)
    assert extract_article(html, "https://www.cac.gov.cn/a").document_number == (
        "国家互联网信息办公室令第26号"
    )


def test_copyright_years_are_not_publication_dates_and_the_dateline_is() -> None:
    from lxml.html import fromstring

    from policywatch.govmeta import read_gov_meta

    body = (
        "<h1>China unveils interim rules on AI agent services</h1>"
        '<span class="time">2027-03-19 21:36:10</span>'
        "<footer>Copyright © 2000-2027 XINHUANET.com All Rights Reserved.</footer>"
    )
    gov = read_gov_meta(fromstring(page("", body, EN_FILLER)))
    assert gov.copyright_years == {"2000", "2027"}
    assert gov.fallback_published("2000-01-01") == "2027-03-19"
    assert gov.fallback_published("2027-03-18") == "2027-03-19"  # stated beats guessed
    undated = read_gov_meta(fromstring(page("", "<h1>China unveils rules</h1>", EN_FILLER)))
    assert undated.fallback_published("2027-03-18") == "2027-03-18"  # the extractor's own
    labelled = read_gov_meta(fromstring(page("", "<p>发布时间：2027-02-19　来源：秘书处</p>")))
    assert labelled.fallback_published(None) == "2027-02-19"
    widget = read_gov_meta(fromstring(page("", "<span>2027年3月19日 星期五</span>")))
    assert widget.fallback_published(None) is None  # today's date in the page chrome


def test_the_comment_period_that_ends_last_is_the_open_one() -> None:
    timeline = (
        "<ol><li><strong>Call for evidence</strong> Feedback period: 09 December 2025 - "
        "06 January 2026 <span>FEEDBACK: CLOSED</span></li>"
        "<li><strong>Draft act</strong> Feedback period: 15 July 2026 - 12 August 2026 "
        "<span>FEEDBACK: OPEN</span></li></ol>"
    )
    html = page(
        "<title>Artificial intelligence – arrangements for AI regulatory sandboxes</title>",
        "<p>Published: 15 July 2026</p>" + timeline,
        EN_FILLER,
    )
    article = extract_article(html, "https://ec.europa.eu/a")
    assert (article.stage, article.consultation_deadline) == ("draft", date(2026, 8, 12))


def test_comments_due_label_makes_a_draft_with_its_deadline() -> None:
    body = (
        "<h1>Profile for AI Agents: Managing Risks of Agentic Systems</h1>"
        "<dl><dt>Published</dt><dd>January 29, 2027</dd>"
        "<dt>Comments due by</dt><dd>March 31, 2027</dd></dl>"
    )
    head = (
        '<meta name="dcterms.publisher" content="National Institute of Standards and Technology">'
    )
    article = extract_article(page(head, body, EN_FILLER), "https://www.nist.gov/a")
    assert (article.stage, article.consultation_deadline) == ("draft", date(2027, 3, 31))


RELATED = (
    '<aside class="related"><ul><li><a href="/old">Earlier framework</a> — January 26, 2023'
    "</li></ul></aside><footer>© 2027 Example</footer>"
)


@pytest.mark.parametrize(
    "head",
    [
        '<meta property="article:published_time" content="2027-02-17T10:00:00-05:00">',
        '<meta name="dcterms.date" content="2027-02-17">',
        '<meta name="dcterms.created" content="2027-02-17">',
    ],
)
def test_publication_date_meta_tags_beat_dates_of_related_links(head: str) -> None:
    from policywatch.govmeta import read_gov_meta

    html = page(head + "<title>Practices for documenting AI evaluations</title>", RELATED)
    assert read_gov_meta(fromstring(html)).published() == "2027-02-17"


@pytest.mark.parametrize(
    ("body", "day"),
    [
        ('<span id="pubtime">2027年06月09日 19:30</span>', "2027-06-09"),  # CAC
        ('<p class="detail-time">发布时间：2027-03-13</p>', "2027-03-13"),  # TC260
        ('<p class="date">January 26, 2027</p>', "2027-01-26"),  # a law firm's alert
        ('<p class="last-update">Last update: 5 February 2027</p>', None),  # not published
        ('<div class="head"><div class="date">2026年12月09日 星期三</div></div>', None),  # widget
    ],
)
def test_an_element_classed_as_the_date_is_the_dateline(body: str, day: str | None) -> None:
    from policywatch.govmeta import read_gov_meta

    related = '<ul class="related"><li><a href="/x">相关阅读</a> 2023-07-13</li></ul>'
    gov = read_gov_meta(fromstring(page("", body + related)))
    assert gov.fallback_published("2023-07-13") == (day or "2023-07-13")


def test_dates_in_related_link_lists_are_no_dateline() -> None:
    from policywatch.govmeta import read_gov_meta

    related = '<div><ul><li><a href="/x">备案工作的公告</a> 2027-05-20</li></ul></div>'
    assert read_gov_meta(fromstring(page("", related))).dateline() is None


def test_a_type_line_labelled_publication_does_not_hide_the_published_date() -> None:
    body = (
        '<p class="type">Publication</p><h1>Practices for Documenting AI Evaluations</h1>'
        "<p><strong>Published:</strong> February 17, 2026</p>"
    )
    article = extract_article(page("", body, EN_FILLER), "https://www.nist.gov/a")
    assert article.published == date(2026, 2, 17)


MOT_SIGNED = (
    '<p style="text-align:right">交通运输部</p><p style="text-align:right">2026年5月29日</p>'
)


@pytest.mark.parametrize(
    ("source", "site", "signed", "issuer"),
    [
        ("运输服务司", "中华人民共和国交通运输部", MOT_SIGNED, "交通运输部"),
        (
            "市场与信息化司",
            "中华人民共和国农业农村部",
            SIGNED.replace("工业和信息化部科技司", "农业农村部办公厅"),
            "农业农村部办公厅",
        ),
        ("条法司", "中国人民银行", "<p>中国人民银行</p><p>2027年1月27日</p>", "中国人民银行"),
        (
            "园区管委会",
            "苏州工业园区",
            "<p>苏州工业园区管理委员会</p><p>2027年1月30日</p>",
            "苏州工业园区管理委员会",
        ),
        (  # the unit signing for the stated body is the issuer (POLICY-LABELS.md)
            "国家标准化管理委员会",
            "",
            "<p>国家标准化管理委员会办公室</p><p>2027年1月30日</p>",
            "国家标准化管理委员会办公室",
        ),
        (  # ... and so is the unit opening the title
            "科技部网站",
            "",
            "<h1>科技部办公厅关于公开征求《人工智能科技伦理审查实施细则（征求意见稿）》意见的通知</h1>",
            "科技部办公厅",
        ),
    ],
)
def test_the_body_signing_the_document_beats_a_web_department_source(
    source: str, site: str, signed: str, issuer: str
) -> None:
    head = f'<meta name="SiteName" content="{site}"><meta name="ContentSource" content="{source}">'
    article = extract_article(page(head, signed), "https://www.gov.cn/a.html")
    assert article.issuer == issuer


def test_an_unsigned_document_is_issued_by_the_body_opening_its_title() -> None:
    from policywatch.govmeta import GovMeta, issuer

    title = "中国人民银行关于印发《金融业人工智能应用风险管理指引》的通知"
    gov = GovMeta({"contentsource": "条法司", "articletitle": title, "sitename": "中国人民银行"})
    assert issuer(gov, "") == "中国人民银行"


def test_an_order_is_issued_by_the_body_that_numbers_it() -> None:
    body = (
        '<p style="text-align:center">国家互联网信息办公室令</p><p>第33号</p>'
        "<p>国家互联网信息办公室主任</p><p>2027年10月10日</p>"
    )
    html = page("<title>生成式人工智能服务安全事件应急处置规定</title>", body)
    assert extract_article(html, "https://www.cac.gov.cn/a").issuer == "国家互联网信息办公室"


@pytest.mark.parametrize(
    ("body", "issuer"),
    [
        (
            "<p><strong>Organization:</strong> National Institute of Standards and Technology,"
            " Center for AI Standards and Innovation</p>",
            "National Institute of Standards and Technology",
        ),
        ("<dl><dt>Organiser</dt><dd>European AI Office</dd></dl>", "European AI Office"),
        ("<p><strong>Author:</strong> European AI Office</p>", "European AI Office"),
        (
            "<dl><dt>Lead DG</dt><dd>Employment, Social Affairs and Inclusion</dd></dl>",
            "European Commission",
        ),
        ("<p><strong>Author(s):</strong> Rachel Okafor, Daniel Lindqvist</p>", None),  # persons
        ("<p><strong>Author:</strong> Rachel Okafor</p>", None),
    ],
)
def test_organisation_labels_name_the_issuer(body: str, issuer: str | None) -> None:
    html = page("<title>Guidelines for documenting AI evaluations</title>", body, EN_FILLER)
    assert extract_article(html, "https://www.nist.gov/a").issuer == issuer


@pytest.mark.parametrize(
    "related",
    [
        "<ul><li><a>北京市机器人产业创新发展行动方案</a>（京政办发〔2023〕12号）</li></ul>",
        "<nav><a>规章库</a> 国家市场监督管理总局令第37号</nav>",
        "<div><p>相关阅读：</p><p><a>人工智能先锋城市行动方案</a>（深府办〔2025〕3号）</p></div>",
    ],
)
def test_a_related_document_number_is_not_the_page_own(related: str) -> None:
    title = "<h1>某市关于公开征求《促进机器人产业发展行动方案（征求意见稿）》意见的通知</h1>"
    html = page("", title + related)
    assert extract_article(html, "https://jxj.example.gov.cn/a.html").document_number is None


def test_a_number_labelled_in_the_page_facts_line_is_the_page_own() -> None:
    facts = "<div>发布日期：2027-03-18　　文号：国标委发〔2027〕9号　　来源：标准技术管理司</div>"
    html = page("<title>国家标准委关于印发《工作要点》的通知</title>", facts)
    assert (
        extract_article(html, "https://www.sac.gov.cn/a").document_number == "国标委发〔2027〕9号"
    )


@pytest.mark.parametrize(
    ("agency", "issuer"),
    [
        ("Food and Drug Administration, HHS.", "Food and Drug Administration"),
        (
            "Employment and Training Administration (ETA), Labor.",
            "Employment and Training Administration",
        ),
        (
            "Department of Commerce, National Telecommunications and Information Administration",
            "National Telecommunications and Information Administration",
        ),
        (  # a comma inside a body's own name is kept
            "Department for Science, Innovation and Technology",
            "Department for Science, Innovation and Technology",
        ),
    ],
)
def test_a_federal_register_agency_is_named_without_its_department(
    agency: str, issuer: str
) -> None:
    html = page("<title>Request for comments</title>", f"<p>AGENCY:</p><p>{agency}</p>", EN_FILLER)
    assert extract_article(html, "https://www.federalregister.gov/d/1").issuer == issuer


@pytest.mark.parametrize(
    ("source", "site", "title", "signed", "issuer"),
    [
        (  # a department of the body titling the notice
            "软件与信息服务业处",
            "浙江省经济和信息化厅",
            "浙江省经济和信息化厅关于举办人工智能产业对接会的通知",
            "",
            "浙江省经济和信息化厅",
        ),
        (  # another unit's name under a 管委会's notice
            "高新区经济贸易局",
            "合肥高新技术产业开发区",
            "合肥高新技术产业开发区管理委员会关于公开征求《若干政策（征求意见稿）》意见的公告",
            "",
            "合肥高新技术产业开发区管理委员会",
        ),
        (  # a portal's name
            "首都之窗",
            "北京市人民政府",
            "",
            "<p>北京市人民政府办公厅</p><p>2026年12月5日</p>",
            "北京市人民政府办公厅",
        ),
        (  # the body the site is named after stays
            "国家标准化管理委员会",
            "国家标准化管理委员会",
            "国家标准委办公室关于征集标准项目的通知",
            "",
            "国家标准化管理委员会",
        ),
        (  # the title's short name of the source's body keeps the full name
            "国家市场监督管理总局",
            "",
            "市场监管总局关于公开征求《管理规定（征求意见稿）》意见的公告",
            "",
            "国家市场监督管理总局",
        ),
    ],
)
def test_a_web_department_or_portal_gives_way_to_the_document_body(
    source: str, site: str, title: str, signed: str, issuer: str
) -> None:
    head = (
        f'<meta name="SiteName" content="{site}"><meta name="ContentSource" content="{source}">'
        f'<meta name="ArticleTitle" content="{title}">'
    )
    article = extract_article(page(head, signed), "https://www.example.gov.cn/a.html")
    assert article.issuer == issuer


def test_a_press_office_source_marks_a_news_page_without_issuer() -> None:
    head = '<meta name="ContentSource" content="教育部新闻办">'
    html = page(head + "<title>教育部有关负责人就《应用指南》答记者问</title>", "")
    assert extract_article(html, "http://www.moe.gov.cn/a.html").issuer is None


def test_a_department_source_of_an_order_is_the_ordering_body() -> None:
    head = (
        '<meta name="SiteName" content="国家市场监督管理总局">'
        '<meta name="ContentSource" content="法规司">'
    )
    body = "<p>国家市场监督管理总局令</p><p>第118号</p><p>局长　陈立新</p><p>2026年12月28日</p>"
    html = page(head + "<title>网络交易平台算法推荐管理规定</title>", body)
    assert extract_article(html, "https://www.samr.gov.cn/a").issuer == "国家市场监督管理总局"


def test_an_open_government_table_names_the_issuing_body() -> None:
    table = (
        "<table><tr><th>信息名称：</th><td>教育部关于印发《应用指南》的通知</td></tr>"
        "<tr><th>信息索引：</th><td>360A06-07-2026-0021-1</td><th>生成日期：</th><td>2026-08-25</td></tr>"
        "<tr><th>发文机构：</th><td>教育部</td><th>发文字号：</th><td>教基〔2026〕7号</td></tr></table>"
    )
    html = page('<meta name="ContentSource" content="基础教育司">', table)
    article = extract_article(html, "http://www.moe.gov.cn/a.html")
    assert (article.issuer, article.document_number) == ("教育部", "教基〔2026〕7号")


def test_a_series_label_set_apart_in_the_heading_is_not_the_title() -> None:
    heading = (
        '<h1><span class="pub-series">NIST AI 800-3 (Initial Public Draft)</span><br>'
        "Guidelines for Securing AI Agent Deployments</h1>"
    )
    html = page("<title>NIST AI 800-3, Guidelines | CSRC</title>", heading, EN_FILLER)
    assert extract_article(html, "https://csrc.nist.gov/a").title == (
        "Guidelines for Securing AI Agent Deployments"
    )


def test_a_feedback_period_in_time_elements_ends_on_its_second_date() -> None:
    period = (
        "<h1>Artificial intelligence – real-world testing plan</h1><p>Feedback period</p>"
        '<p><time datetime="2026-10-12">12 October 2026</time> - '
        '<time datetime="2026-11-09">09 November 2026</time> (midnight Brussels time)</p>'
        "<ul><li>Related initiative — feedback closed 14 October 2025</li></ul>"
    )
    article = extract_article(page("", period, EN_FILLER), "https://ec.europa.eu/info/a")
    assert article.consultation_deadline == date(2026, 11, 9)
    assert article.published == date(2026, 10, 12)  # no other date of its own: the period opens


def test_the_page_date_is_read_from_a_mixed_case_id_and_dublin_core_meta() -> None:
    from policywatch.govmeta import read_gov_meta

    body = '<div><span id="articleTime">2026年03月11日 07:42</span></div>'
    related = "<ul><li><a>An older notice</a> 2025-12-20</li></ul>"
    html = page("<title>Notice</title>", body + related)
    assert extract_article(html, "https://www.example.org/a").published == date(2026, 3, 11)
    meta = '<meta name="DC.date.issued" content="2026-12-08">'
    assert read_gov_meta(fromstring(page(meta, ""))).published() == "2026-12-08"


@pytest.mark.parametrize(
    ("opening", "issuer"),
    [
        (
            "The Information Commissioner's Office (ICO) is consulting on draft guidance on AI.",
            "Information Commissioner's Office",
        ),
        (
            "The Colorado Department of Law proposes rules under the Act.",
            "Colorado Department of Law",
        ),
        ("The draft proposes rules for providers.", None),  # no body
        ("The AI Office invites you to a webinar.", None),  # an invitation, not a consultation
    ],
)
def test_the_body_opening_the_text_as_consulting_is_the_issuer(
    opening: str, issuer: str | None
) -> None:
    html = page("<title>Draft guidance</title>", "", f"<p>{opening}</p>{EN_FILLER}")
    assert extract_article(html, "https://www.example.org/a").issuer == issuer


def test_a_statutory_instrument_is_issued_by_the_department_signing_it() -> None:
    body = (
        "<h1>The Data Protection (Automated Decision-Making Safeguards) Regulations 2026</h1>"
        "<p>STATUTORY INSTRUMENTS</p><p>2026 No. 1187</p><p>The Secretary of State makes these "
        "Regulations in exercise of the powers conferred by the Data (Use and Access) Act 2025."
        "</p>" + EN_FILLER + "<p>Signed by authority of the Secretary of State for Science, "
        "Innovation and Technology</p><p>Sarah Whitcombe<br>Parliamentary Under-Secretary of "
        "State<br>Department for Science, Innovation and Technology</p><p>2nd November 2026</p>"
    )
    html = (
        f"<html><head><title>Regulations 2026</title></head><body><main>{body}</main></body></html>"
    )
    article = extract_article(html, "https://www.legislation.gov.uk/uksi/2026/1187/made")
    assert article.issuer == "Department for Science, Innovation and Technology"
    assert article.document_number == "SI 2026/1187"


def test_eur_lex_publication_is_the_official_journal_day_and_menus_are_no_label() -> None:
    head = "<title>Implementing regulation - EU - 2026/1873 - EN - EUR-Lex</title>"
    body = (
        '<nav><a href="/oj">Official Journal</a> <a href="/s">Advanced search</a></nav>'
        "<dl><dt>Date of document:</dt><dd>14/07/2026</dd><dt>Official Journal:</dt>"
        "<dd>OJ L, 2026/1873, 15.7.2026</dd></dl>"
    )
    article = extract_article(page(head, body, EN_FILLER), "https://eur-lex.europa.eu/eli/x")
    assert article.published == date(2026, 7, 15)


def test_an_event_organiser_label_names_a_centre() -> None:
    body = "<p><strong>Organized by:</strong> Center for AI Standards and Innovation (CAISI)</p>"
    from policywatch.govmeta import read_gov_meta

    gov = read_gov_meta(fromstring(page("<title>Workshop</title>", body, EN_FILLER)))
    assert gov.info["published_by"] == "Center for AI Standards and Innovation"


def test_a_tc260_practice_guide_published_by_the_notice_carries_its_number() -> None:
    body = (
        "<h1>关于发布《网络安全标准实践指南——人工智能生成合成内容标识方法》的通知</h1><p>各有关单位：</p>"
        "<p>秘书处组织完成了《网络安全标准实践指南——人工智能生成合成内容标识方法》（TC260-PG-20263A），"
        "现予发布。本实践指南与GB 45438—2025配套使用，往期指南TC260-PG-20251A同时废止。</p>"
    )
    article = extract_article(
        page("<title>全国网络安全标准化技术委员会</title>", body), "https://www.tc260.org.cn/a"
    )
    assert article.document_number == "TC260-PG-20263A"


def test_eur_lex_full_title_from_the_journal_lines_when_the_meta_gives_only_the_act() -> None:
    head = (
        '<meta name="WT.z_docTitle" content="Commission Implementing Regulation (EU) 2026/1873">'
        "<title>Implementing regulation - EU - 2026/1873 - EN - EUR-Lex</title>"
    )
    body = (
        '<p class="oj-doc-ti" id="title">COMMISSION IMPLEMENTING REGULATION (EU) 2026/1873</p>'
        '<p class="oj-doc-ti">of 14 July 2026</p><p class="oj-doc-ti">laying down detailed '
        "arrangements for AI regulatory sandboxes</p>"
    )
    article = extract_article(page(head, body, EN_FILLER), "https://eur-lex.europa.eu/eli/x")
    assert article.title == (
        "Commission Implementing Regulation (EU) 2026/1873 of 14 July 2026 laying down "
        "detailed arrangements for AI regulatory sandboxes"
    )
    full = head.replace('2026/1873">', '2026/1873 of 14 July 2026 on sandboxes">')
    assert extract_article(
        page(full, body, EN_FILLER), "https://eur-lex.europa.eu/eli/x"
    ).title == ("Commission Implementing Regulation (EU) 2026/1873 of 14 July 2026 on sandboxes")


def test_a_bare_year_read_as_1_january_is_no_publication_date() -> None:
    body = (
        "<h1>苏州工业园区关于人工智能医疗器械产业的若干措施（征求意见稿）</h1>"
        "<p>参照《生物医药三年行动计划》（苏园管〔2024〕58号）执行。</p>"
        '<p style="text-align:right">2026年9月1日</p>'
    )
    article = extract_article(page("<title>园区通知</title>", body), "https://www.sipac.gov.cn/a")
    assert article.published == date(2026, 9, 1)  # the signature date, not 2024-01-01
    event = "<h1>AI Pact webinar on Annex III</h1><p>Under Regulation (EU) 2024/1689 …</p>"
    webinar = extract_article(page("<title>Webinar</title>", event, EN_FILLER), "https://x.eu/e")
    assert webinar.published is None


@pytest.mark.parametrize(
    ("stated", "day"),
    [("05/20/2026", date(2026, 5, 20)), ("20/05/2026", date(2026, 5, 20)), ("05/06/2026", None)],
)
def test_a_slashed_publication_date_is_read_only_when_its_order_is_certain(
    stated: str, day: date | None
) -> None:
    """Month first on the Federal Register, day first in Europe: 05/06 could be either."""
    from policywatch.govmeta import read_gov_meta

    body = f"<h1>Final AI device rule</h1><dl><dt>Publication Date:</dt><dd>{stated}</dd></dl>"
    gov = read_gov_meta(fromstring(page("<title>Rule</title>", body, EN_FILLER)))
    assert gov.published() == (day.isoformat() if day else None)


def test_an_insight_dateline_before_its_topics_is_the_publication_date() -> None:
    body = (
        "<h1>Two AI device rules to plan for</h1>"
        '<p class="insight-meta">May 27, 2026 · Life Sciences · Digital Health · Artificial '
        "Intelligence</p>"
    )
    article = extract_article(page("<title>Insight</title>", body, EN_FILLER), "https://law.x/i")
    assert article.published == date(2026, 5, 27)


def test_a_series_label_above_the_heading_gives_a_nist_number_and_its_stage() -> None:
    body = (
        '<div><small id="pub-series">NIST AI 600-2</small><h1 id="pub-title">Profile for '
        "Agentic AI Systems</h1></div><dl><dt>Date Published:</dt><dd>December 9, 2026</dd></dl>"
    )
    text = "<p>Compared with the initial public draft, this final version renames the profile.</p>"
    article = extract_article(
        page("<title>CSRC</title>", body, text + EN_FILLER), "https://csrc.x/p"
    )
    assert (article.title, article.document_number, article.stage) == (
        "Profile for Agentic AI Systems",
        "NIST AI 600-2",
        "final",
    )


def test_a_joint_order_heading_gives_the_lead_body_s_number_and_every_issuer() -> None:
    body = (
        "<h1>人工智能智能体服务管理暂行办法</h1>"
        '<p style="text-align:center">国家互联网信息办公室<br>中华人民共和国工业和信息化部'
        "<br>中华人民共和国公安部</p><p>令</p><p>第26号</p>"
    )
    article = extract_article(page("<title>办法</title>", body), "https://www.cac.gov.cn/a")
    assert article.document_number == "国家互联网信息办公室令第26号"
    assert (
        article.issuer == "国家互联网信息办公室、中华人民共和国工业和信息化部、中华人民共和国公安部"
    )


def test_a_joint_signature_beats_the_posting_centre_and_spaced_issuers_are_joined() -> None:
    head = '<meta name="ContentSource" content="创新驱动发展中心"><title>公告</title>'
    body = (
        "<h1>关于《算力调度管理办法（征求意见稿）》公开征求意见的公告</h1>"
        f"{ZH_FILLER}<p>国家发展改革委　国家数据局</p><p>2026年5月22日</p>"
    )
    article = extract_article(page(head, body), "https://www.ndrc.gov.cn/a")
    assert article.issuer == "国家发展改革委、国家数据局"
    table = (
        "<table><tr><td>发文机关：</td><td>国家发展改革委 国家数据局 国家能源局</td>"
        "<td>发文字号：</td><td>发改数据〔2026〕1187号</td><td>成文日期：</td><td>2026年08月28日</td>"
        "</tr></table>"
    )
    from policywatch.govmeta import issuer, read_gov_meta

    assert issuer(read_gov_meta(fromstring(page("", table))), "") == (
        "国家发展改革委、国家数据局、国家能源局"
    )


@pytest.mark.parametrize(
    ("source", "title", "issuer"),
    [
        ("中华人民共和国司法部", "司法部关于《条例（征求意见稿）》公开征求意见的通知", "司法部"),
        ("资源配置与管理司", "科技部关于发布重点专项项目申报指南的通知", "科技部"),
    ],
)
def test_a_ministry_is_named_as_its_documents_name_it(source: str, title: str, issuer: str) -> None:
    head = f'<meta name="ContentSource" content="{source}">'
    head += f'<meta name="ArticleTitle" content="{title}">'
    article = extract_article(page(head, f"<h1>{title}</h1>"), "https://www.gov.cn/b")
    assert article.issuer == issuer


@pytest.mark.parametrize("translated", [True, False])
def test_eur_lex_title_without_the_meta_from_the_language_bar_or_the_journal(
    translated: bool,
) -> None:
    full = (
        "Commission Delegated Regulation (EU) 2026/1342 of 5 May 2026 amending Annex III as "
        "regards the list of high-risk AI systems"
    )
    bar = f'<p id="translatedTitle">{full}</p>' if translated else ""
    body = (
        f'{bar}<p class="oj-doc-ti">COMMISSION DELEGATED REGULATION (EU) 2026/1342</p>'
        '<p class="oj-doc-ti">of 5 May 2026</p><p class="oj-doc-ti">amending Annex III as '
        "regards the list of high-risk AI systems</p>"
    )
    head = "<title>Delegated regulation - EU - 2026/1342 - EN - EUR-Lex</title>"
    article = extract_article(page(head, body, EN_FILLER), "https://eur-lex.europa.eu/eli/y")
    assert article.title == full


def test_a_gov_uk_press_release_and_an_analysis_report_on_an_instrument() -> None:
    text = "<p>The guidance follows a consultation earlier this year and is published today.</p>"
    head = (
        '<meta name="govuk:format" content="press_release"><meta name="govuk:primary-publishing'
        '-organisation" content="Department for Science, Innovation and Technology">'
        "<title>New guidance to help public bodies buy AI - GOV.UK</title>"
    )
    release = extract_article(page(head, "<h1>New guidance</h1>", text + EN_FILLER), "https://g/r")
    assert (release.stage, release.issuer) == (None, None)
    body = '<p class="eyebrow">Analysis · China · Finance</p><h1>China builds an AI rulebook</h1>'
    analysis = extract_article(page("<title>Observatory</title>", body, text), "https://o/a")
    assert (analysis.stage, analysis.issuer) == (None, None)


def test_an_omb_memorandum_is_a_final_from_its_sender_under_its_number() -> None:
    memo_lines = (
        "<p>M-26-09</p><p>MEMORANDUM FOR THE HEADS OF EXECUTIVE DEPARTMENTS AND AGENCIES</p>"
        "<p>FROM: Director, Office of Management and Budget</p>"
    )
    head = '<meta property="og:title" content="M-26-09, Managing Risks of AI Agents in Federal '
    head += 'Agency Operations"><title>OMB</title>'
    body = "<h1>Managing Risks of AI Agents in Federal Agency Operations</h1>"
    memo = extract_article(page(head, body, memo_lines + EN_FILLER), "https://www.wh.gov/m")
    assert (memo.title, memo.stage, memo.document_number, memo.issuer) == (
        "Managing Risks of AI Agents in Federal Agency Operations",
        "final",
        "M-26-09",
        "Office of Management and Budget",
    )


def test_a_notice_to_the_units_under_a_body_is_a_final() -> None:
    title = "国家金融监督管理总局办公厅关于加强银行保险机构大模型应用数据安全管理的通知"
    body = f"<h1>{title}</h1><p>各金融监管局，各政策性银行：</p>"
    head = '<meta name="ContentSource" content="国家金融监督管理总局办公厅"><title>通知</title>'
    notice = extract_article(page(head, body), "https://www.nfra.gov.cn/n")
    assert notice.stage == "final"


def test_a_title_loses_every_site_segment() -> None:
    title = "关于举办对接会的通知_张江科学城_上海市浦东新区人民政府"
    article = extract_article(page(f"<title>{title}</title>", ""), "https://x.cn/t")
    assert article.title == "关于举办对接会的通知"


def test_a_plain_word_kicker_stays_in_the_title() -> None:
    body = '<p class="kicker">Guidance</p><h1>Guidance on using AI tools in recruitment</h1>'
    article = extract_article(page("<title>ICO</title>", body, EN_FILLER), "https://ico/t")
    assert article.title == "Guidance on using AI tools in recruitment"


def test_eur_lex_meta_that_cuts_the_title_short_gives_way_to_the_journal_lines() -> None:
    short = "Commission Implementing Regulation (EU) 2026/2044 of 21 September 2026 establishing"
    head = f'<meta name="WT.z_docTitle" content="{short} a template">'
    body = (
        '<p class="oj-doc-ti">COMMISSION IMPLEMENTING REGULATION (EU) 2026/2044</p>'
        '<p class="oj-doc-ti">of 21 September 2026</p><p class="oj-doc-ti">establishing a '
        'template and the list of elements</p><p class="oj-doc-ti">(Text with EEA relevance)</p>'
    )
    article = extract_article(page(head, body, EN_FILLER), "https://eur-lex.europa.eu/eli/z")
    assert article.title == f"{short} a template and the list of elements"


@pytest.mark.parametrize(
    ("heading", "number"),
    [
        (("国家药品监督管理局通告", "2026年第31号"), "国家药品监督管理局通告2026年第31号"),
        (("国家金融监督管理总局令", "2026年第5号"), "国家金融监督管理总局令2026年第5号"),
    ],
)
def test_a_notice_or_order_numbered_within_its_year_on_two_lines(
    heading: tuple[str, str], number: str
) -> None:
    body = f"<h1>人工智能医疗器械指导原则</h1><p><strong>{heading[0]}</strong><br>{heading[1]}</p>"
    article = extract_article(page("<title>通告</title>", body), "https://www.nmpa.gov.cn/a")
    assert article.document_number == number


def test_an_office_named_by_its_body_s_short_name_and_a_title_signed_in_full() -> None:
    head = '<meta name="ContentSource" content="国家药品监督管理局"><title>征求意见</title>'
    body = (
        "<h1>国家药监局综合司公开征求《指导原则（征求意见稿）》意见</h1>"
        f"{ZH_FILLER}<p>国家药监局综合司</p><p>2026年3月18日</p>"
    )
    draft = extract_article(page(head, body), "https://www.nmpa.gov.cn/d")
    assert draft.issuer == "国家药监局综合司"
    head = '<meta name="ContentSource" content="医疗器械注册管理司">'
    head += '<meta name="ArticleTitle" content="国家药监局关于发布指导原则的通告">'
    body = f"<h1>国家药监局关于发布指导原则的通告</h1>{ZH_FILLER}"
    body += "<p>国家药品监督管理局</p><p>2026年8月7日</p>"
    final = extract_article(page(head, body), "https://www.nmpa.gov.cn/f")
    assert final.issuer == "国家药品监督管理局"


@pytest.mark.parametrize(
    ("body", "day"),
    [
        (  # Xinhua's header time, its parts in spans of their own
            '<div class="header-time"><span><em>2026</em></span><span><em>04</em>/<em>24</em>'
            "</span><span>20:15:36</span></div>",
            date(2026, 4, 24),
        ),
        ('<div class="info"><span>时间：2026-02-27 07:30</span></div>', date(2026, 2, 27)),
    ],
)
def test_split_and_bare_time_labels_state_the_publication_day(body: str, day: date) -> None:
    from policywatch.govmeta import read_gov_meta

    gov = read_gov_meta(fromstring(page("<title>新闻</title>", body)))
    assert gov.fallback_published(None) == day.isoformat()


@pytest.mark.parametrize(
    "stated",
    [
        "<p><strong>Registration deadline:</strong></p><p>November 30, 2026 (in-person)</p>",
        "<p>The feedback period is ending on 30 November 2026.</p>",
        "<dl><dt>Date</dt><dd>30 November 2026, 10:00 - 12:00 (CET)</dd></dl>",
    ],
)
def test_a_guessed_day_the_page_gives_as_a_deadline_or_event_is_no_publication(stated: str) -> None:
    from policywatch.govmeta import read_gov_meta

    gov = read_gov_meta(fromstring(page("<title>Event</title>", stated, EN_FILLER)))
    assert gov.fallback_published("2026-11-30") is None
    posted = "<p>Posted: November 30, 2026 · Full Proposal Deadline: January 5, 2027</p>"
    gov = read_gov_meta(fromstring(page("<title>Call</title>", posted, EN_FILLER)))
    assert gov.fallback_published("2026-11-30") == "2026-11-30"


def test_a_joint_signature_over_two_lines_and_an_issuing_office_label() -> None:
    body = (
        f"<h1>国家标准化管理委员会等关于印发《指南》的通知</h1>{ZH_FILLER}"
        '<p style="text-align:right">国家标准化管理委员会　　工业和信息化部<br>国家互联网信息办公室'
        "<br>2026年8月29日</p>"
    )
    article = extract_article(page("<title>通知</title>", body), "https://www.sac.gov.cn/a")
    assert article.issuer == "国家标准化管理委员会、工业和信息化部、国家互联网信息办公室"
    from policywatch.govmeta import issuer, read_gov_meta

    head = '<meta name="dcterms.publisher" content="U.S. Food and Drug Administration">'
    label = "<dl><dt>Issued by:</dt><dd>Guidance Issuing Office — Center for Devices and "
    label += "Radiological Health</dd></dl>"
    gov = read_gov_meta(fromstring(page(head, label, EN_FILLER)))
    assert issuer(gov, "") == "Center for Devices and Radiological Health"


def test_a_news_site_s_name_ends_a_title() -> None:
    title = "山东印发制造业赋能行动方案 到2028年打造标杆工厂_山东新闻_大众网"
    article = extract_article(page(f"<title>{title}</title>", ""), "https://www.dzwww.com/a")
    assert article.title == "山东印发制造业赋能行动方案 到2028年打造标杆工厂"
