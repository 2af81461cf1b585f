"""Stage, comment deadlines, effective dates and draft → final links (issue 15), through
extraction, the store (SQLite and PostgreSQL) and the briefing's "Open consultations"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from pg import db_url  # noqa: F401

from policywatch.adoption import DraftRef, adopted_draft, follows_consultation, instrument_key
from policywatch.briefing import build_briefing, claim_items
from policywatch.dedupe import fingerprint
from policywatch.extract import extract_article
from policywatch.instruments import consultation_deadline, declared_stage, effective_date, stage
from policywatch.models import Relevance
from policywatch.render import render_html, render_markdown, render_text
from policywatch.storage import Candidate, Store

PUBLISHED = date(2026, 9, 15)
BODY = (
    "<p>为规范人工智能生成合成内容标识，保护公民、法人和其他组织合法权益，维护社会公共利益，"
    "根据有关法律法规，制定本办法。本办法适用于在境内提供人工智能生成合成服务的网络信息服务提供者。</p>"
    "<p>服务提供者应当对文本、图片、音频、视频等生成合成内容添加显式标识和隐式标识，"
    "并在用户协议中明确说明标识的方法、样式等规范内容。</p>"
)


def zh_page(title: str, extra: str, pubdate: str = "2026-09-15 10:00:00") -> str:
    return (
        f'<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}_部门文件_中国政府网</title>'
        f'<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="{pubdate}">'
        '<meta name="ContentSource" content="国家互联网信息办公室"></head><body>'
        f"<nav>首页 | 政务公开 | 互动服务</nav><article><h1>{title}</h1>{extra}{BODY}</article>"
        "<footer>主办：国家互联网信息办公室</footer></body></html>"
    )


DRAFT_TITLE = "关于公开征求《人工智能生成合成内容标识办法（征求意见稿）》意见的通知"
DRAFT_HTML = zh_page(
    DRAFT_TITLE,
    "<p>为规范人工智能生成合成内容标识，现向社会公开征求意见。"
    "意见反馈截止时间为 2026 年 10 月 25 日 24:00。</p>",
)
FINAL_TITLE = "关于印发《人工智能生成合成内容标识办法》的通知"
FINAL_HTML = zh_page(
    FINAL_TITLE,
    "<p>现将《人工智能生成合成内容标识办法》印发给你们，自2027年3月1日起施行。</p>",
    pubdate="2026-12-01 09:00:00",
)


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        (DRAFT_TITLE, "意见反馈截止时间为2026年12月10日。", "draft"),
        (
            "Consultation on AI assurance services",
            "This consultation closes on 5 Jan 2027.",
            "draft",
        ),
        (FINAL_TITLE, "现将办法印发给你们，请认真贯彻执行。", "final"),
        (
            "Commission adopts guidelines on general-purpose AI",
            "The Commission has adopted…",
            "final",
        ),
        (
            "China seeks public comment on AI labelling rules",
            "BEIJING, Sept. 15 (Xinhua) -- China's cyberspace regulator on Monday …",
            None,
        ),
        ("关于征集2026年人工智能典型应用案例的通知", "请于2026年11月20日前报送申报材料。", None),
        (
            "Generative AI Training Data Disclosures",
            "Any interested person may submit written comments until September 16.",
            "draft",
        ),
        ("Beyond the hype: what the AI Act means", "Our analysis of the rules …", None),
    ],
)
def test_stage(title: str, text: str, expected: str | None) -> None:
    assert stage(title, text) == expected


@pytest.mark.parametrize(
    ("text", "deadline"),
    [
        ("意见反馈截止时间为2026年12月10日。", date(2026, 12, 10)),
        ("请于2026年11月30日前将意见通过电子邮件反馈至我部。", date(2026, 11, 30)),
        ("意见反馈截止时间为 2026 年 10 月 25 日 24:00。", date(2026, 10, 25)),
        ("This consultation closes at 11:59pm on 15 January 2027.", date(2027, 1, 15)),
        ("Comments must be received on or before December 10, 2026.", date(2026, 12, 10)),
        ("Feedback period 10 November 2026 - 8 December 2026.", date(2026, 12, 8)),
        ("We welcome comments until December 10.", date(2026, 12, 10)),
        ("This consultation closes at\n11:59pm on 15 January 2027\nDetails", date(2027, 1, 15)),
        ("Comments due by\nMarch 31, 2027", date(2027, 3, 31)),
        ("公众可在2026年10月20日前，通过以下途径和方式提出反馈意见：", date(2026, 10, 20)),
        (
            "有关单位和个人可在2026年12月9日（星期三）前，将意见建议通过电子邮件发送至我厅。",
            date(2026, 12, 9),
        ),
        ("本次征求意见的截止日期为二〇二六年十二月十七日，逾期不再汇总。", date(2026, 12, 17)),
        (
            "The written comment period closes at 5:00 p.m. on Wednesday, December 16, 2026.",
            date(2026, 12, 16),
        ),
        ("本规定自二〇二七年一月一日起施行。", None),
        (
            "如有意见或建议，请填写意见汇总处理表，于 2026 年 12 月 5 日 24:00 前反馈至秘书处。",
            date(2026, 12, 5),
        ),
        ("一、征求意见时间\n2026年11月20日至2026年12月19日\n二、意见反馈方式", date(2026, 12, 19)),
        (
            "The public comment period begins November 20, 2026. Written comments must be "
            "received by 5:00 p.m. on January 8, 2027.",
            date(2027, 1, 8),
        ),
        ("Our earlier consultation, which closed on 20 October 2025, informed these rules.", None),
        ("This consultation closes at\nDetails of the event on 5 December 2026", None),
        ("本办法自2027年3月1日起施行。", None),
        ("The rules apply from 2 August 2027.", None),
        ("会议将于2026年12月5日在北京召开。", None),
    ],
)
def test_comment_deadline_is_not_any_date(text: str, deadline: date | None) -> None:
    assert consultation_deadline(text, PUBLISHED, "draft") == deadline


def test_deadline_needs_a_draft_and_effective_dates_are_their_own() -> None:
    text = "请于2026年11月20日前将意见反馈至联系人。"
    assert consultation_deadline(text, PUBLISHED, None) is None
    assert effective_date("本办法自2027年3月1日起施行。", PUBLISHED) == date(2027, 3, 1)
    assert effective_date("The Regulation applies from 2 August 2027.", PUBLISHED) == date(
        2027, 8, 2
    )


def test_draft_and_final_share_an_instrument_key_but_different_names_do_not() -> None:
    assert instrument_key(DRAFT_TITLE) == instrument_key(FINAL_TITLE)
    assert instrument_key("关于印发《人工智能生成内容标识办法》的通知") != instrument_key(
        FINAL_TITLE
    )
    assert instrument_key("Consultation on the AI Assurance Code of Practice") == instrument_key(
        "AI Assurance Code of Practice: government response"
    )


def test_extracted_page_carries_stage_deadline_and_key() -> None:
    draft = extract_article(DRAFT_HTML, "https://www.cac.gov.cn/d.htm")
    assert (draft.stage, draft.consultation_deadline, draft.published) == (
        "draft",
        date(2026, 10, 25),
        PUBLISHED,
    )
    final = extract_article(FINAL_HTML, "https://www.cac.gov.cn/f.htm")
    assert (final.stage, final.consultation_deadline, final.effective_date) == (
        "final",
        None,
        date(2027, 3, 1),
    )
    assert final.instrument_key == draft.instrument_key is not None


def candidate(url: str, html: str, week: str) -> Candidate:
    article = extract_article(html, url)
    relevance = Relevance(0.9, True, ("regulation",), "china")
    seen = datetime.combine(article.published or PUBLISHED, datetime.min.time(), UTC)
    return Candidate("cac", url, url, week, seen, article, fingerprint(article.text), relevance)


@pytest.fixture()
def store(db_url: str) -> Iterator[Store]:  # noqa: F811
    opened = Store.open(db_url)
    yield opened
    opened.close()


@pytest.mark.parametrize("order", ["draft first", "final first"])
def test_final_links_the_draft_it_adopts_in_either_order(store: Store, order: str) -> None:
    draft = candidate("https://www.cac.gov.cn/d.htm", DRAFT_HTML, "2026-W38")
    final = candidate("https://www.cac.gov.cn/f.htm", FINAL_HTML, "2026-W49")
    other = candidate(
        "https://www.cac.gov.cn/o.htm",
        FINAL_HTML.replace("生成合成内容标识办法", "安全评估规定").replace(
            "服务提供者应当", "评估机构应当"
        ),
        "2026-W49",
    )
    batches = [[draft], [final, other]] if order == "draft first" else [[final, other], [draft]]
    for batch in batches:
        store.add(batch)
    rows = {r["url"]: r for r in store.export()}
    assert rows[final.url]["final_of"] == draft.url
    assert rows[other.url]["final_of"] is None  # same issuer and week, another instrument
    assert rows[draft.url]["consultation_deadline"] == "2026-10-25"
    assert rows[draft.url]["stage"] == "draft" and rows[final.url]["stage"] == "final"


RENAMED_TITLE = "关于印发《人工智能生成合成内容标识规则》的通知"


def renamed_final(url: str, evidence: str) -> Candidate:
    """A final whose name changed on adoption, with or without text saying it was consulted on."""
    html = zh_page(
        RENAMED_TITLE,
        f"<p>{evidence}现将《人工智能生成合成内容标识规则》印发给你们，请认真贯彻执行。</p>",
        pubdate="2026-12-01 09:00:00",
    )
    return candidate(url, html, "2026-W49")


@pytest.mark.parametrize("order", ["draft first", "final first"])
def test_renamed_final_links_only_when_its_text_says_it_was_consulted_on(
    store: Store, order: str
) -> None:
    draft = candidate("https://www.cac.gov.cn/d.htm", DRAFT_HTML, "2026-W38")
    consulted = renamed_final(
        "https://www.cac.gov.cn/r1.htm", "在前期广泛征求意见的基础上，我办修改形成本规定。"
    )
    silent = renamed_final("https://www.cac.gov.cn/r2.htm", "为规范标识活动，")
    finals = [consulted, silent]
    for batch in [[draft], finals] if order == "draft first" else [finals, [draft]]:
        store.add(batch)
    rows = {r["url"]: r for r in store.export()}
    assert rows[consulted.url]["final_of"] == draft.url
    assert rows[silent.url]["final_of"] is None  # similar name, no word of a consultation


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("在广泛征求意见的基础上，形成本办法。", True),
        ("The Code was revised following the public consultation.", True),
        ("Compared to the draft, the final guidance narrows the scope.", True),
        ("本措施征求意见稿已于10月30日至11月30日向社会公开征求意见。", True),
        ("现已根据各方意见修改完善。", True),
        ("In response to comments, the final rule replaces the proposed reminder.", True),
        ("Responses to that consultation will be published later.", False),
        ("Those who responded to the consultation on data access", False),
        ("现就《办法》公开征求意见，截止时间为12月10日。", False),
        (
            "(3) The Commission consulted stakeholders on a draft of this Regulation between 15 "
            "January and 12 February 2027 and took the feedback received into account.",
            True,
        ),
        ("The Commission consulted the AI Board on its annual work programme.", False),
    ],
)
def test_consultation_evidence_phrases(text: str, expected: bool) -> None:
    assert follows_consultation(text) is expected


TOPIC_BODIES = {
    "算力基础设施": "<p>算力基础设施是数字经济发展的重要底座。"
    "本办法所称算力基础设施，是指提供通用计算、智能计算和超级计算服务的数据中心、智算中心及其配套网络设施。各地应当统筹布局，"
    "推动算力资源跨区域调度，提升绿色低碳水平，严禁盲目建设和低水平重复建设。</p>",
    "数据标注": "<p>数据标注是人工智能训练数据生产的关键环节。数据标注服务提供者应当建立标注规则，"
    "对标注人员开展培训，核验标注质量，保护个人信息和重要数据，不得利用标注活动"
    "从事危害国家安全、损害他人合法权益的活动。行业组织应当加强自律。</p>",
}


def consultation_page(title: str, deadline: str, topic: str) -> str:
    return zh_page(
        title,
        f"<p>现就{topic}公开征求意见，意见反馈截止时间为{deadline}。</p>",
        pubdate="2026-11-02 10:00:00",
    ).replace(BODY, TOPIC_BODIES[topic])


def test_open_consultations_lead_the_briefing_and_carry_until_the_deadline(store: Store) -> None:
    early = "https://www.cac.gov.cn/early.htm"
    late = "https://www.cac.gov.cn/late.htm"
    store.add(
        [
            candidate(
                late,
                consultation_page(
                    "关于公开征求《算力基础设施管理办法（征求意见稿）》意见的通知",
                    "2027年1月20日",
                    "算力基础设施",
                ),
                "2026-W45",
            ),
            candidate(
                early,
                consultation_page(
                    "关于公开征求《数据标注管理办法（征求意见稿）》意见的通知",
                    "2026年11月18日",
                    "数据标注",
                ),
                "2026-W45",
            ),
        ]
    )
    claim_items(store, "2026-W45")
    first = build_briefing(store, "2026-W45", ())
    assert [c.url for c in first.consultations] == [early, late]  # deadline order
    html = render_html(first)
    assert html.index("Open consultations") < html.index("In this issue")
    assert "18 Nov 2026" in html and "9 days left" in html  # sent Monday 9 Nov
    later = build_briefing(store, "2026-W47", ())  # 16-22 Nov: the early one has closed
    assert [c.url for c in later.consultations] == [late]
    text = render_text(later)
    assert "first reported in 2026-W45" in text and "OPEN CONSULTATIONS (1)" in text
    assert "first reported in 2026-W45" in render_markdown(later)


def test_final_entry_says_which_draft_it_adopts(store: Store) -> None:
    store.add([candidate("https://www.cac.gov.cn/d.htm", DRAFT_HTML, "2026-W38")])
    store.add([candidate("https://www.cac.gov.cn/f.htm", FINAL_HTML, "2026-W49")])
    claim_items(store, "2026-W49")
    html = render_html(build_briefing(store, "2026-W49", ()))
    assert "Final version of the draft of 15 Sep 2026" in html
    assert 'href="https://www.cac.gov.cn/d.htm"' in html
    assert "国家互联网信息办公室" in html  # the issuer beside the title


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("How China's New Dataset Guidance Aims to Feed Its AI Models", "The final version adds…"),
        ("Why the AI Act's sandboxes matter", "The Regulation enters into force in May."),
        (
            "国务院办公厅印发《关于加快推进人工智能赋能公共服务的意见》",
            "新华社北京10月14日电　经国务院同意，国务院办公厅日前印发《意见》，自印发之日起施行。",
        ),
        (
            "Dataset guidance takes shape",
            "The final version frames datasets as infrastructure. "
            "These pieces reflect the views of their authors, not of the university.",
        ),
        ("人工智能产品安全新规观察", "现予公布。本文仅代表作者个人观点，不代表本院立场。"),
    ],
)
def test_headlines_wire_copy_and_opinion_pieces_have_no_stage(title: str, text: str) -> None:
    assert stage(title, text) is None


def test_how_to_guides_and_question_consultations_keep_their_stage() -> None:
    assert stage("How to apply the AI Act guidelines", "The final guidance was issued.") == "final"
    assert stage("Who pays? A call for evidence on AI liability", "") == "draft"


def test_a_status_naming_a_draft_declares_a_draft() -> None:
    assert declared_stage("Initial Public Draft (ipd)", None) == "draft"
    assert declared_stage("Final", None) == "final"
    assert declared_stage("Withdrawn", None) is None


NAMED_FINAL_TEXT = (
    "国家数据局于2026年7月就《关于促进人工智能训练数据高质量供给的指导意见（征求意见稿）》"
    "向社会公开征求意见，在认真研究吸纳各方意见的基础上修改完善形成本意见。"
)


def test_a_final_names_the_draft_it_consulted_on() -> None:
    assert follows_consultation(NAMED_FINAL_TEXT) == {
        "关于促进人工智能训练数据高质量供给的指导意见"
    }
    draft = DraftRef(
        "https://nda/d",
        "国家数据局关于公开征求《关于促进人工智能训练数据高质量供给的指导意见（征求意见稿）》意见的通知",
        "国家数据局",
        date(2026, 7, 10),
    )
    other = DraftRef(
        "https://nda/o",
        "国家数据局关于公开征求《数据标注产业发展行动计划（征求意见稿）》意见的通知",
        "国家数据局",
        date(2026, 8, 1),
    )
    final = DraftRef(
        "https://gov/f",
        "国家数据局关于加快人工智能高质量数据集建设的指导意见",
        "国家数据局",
        date(2026, 11, 20),
        follows_consultation(NAMED_FINAL_TEXT),
    )
    assert adopted_draft(final, [draft, other]) == draft  # renamed beyond the looser match
    elsewhere = DraftRef(final.url, final.title, "教育部", final.published, final.consulted)
    assert adopted_draft(elsewhere, [draft, other]) is None  # another body's final


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (
            "OPM Proposes Rules for AI Hiring Tools: What Vendors Need to Know",
            "Comments on the proposal are due March 22, 2027. "
            "Vendors should submit comments through regulations.gov.",
        ),
        (
            "OPM proposes rules for AI hiring tools",
            "Interested parties should submit comments before the March 22 deadline. "
            "This alert does not constitute legal advice.",
        ),
    ],
)
def test_a_law_firm_alert_about_a_proposed_rule_has_no_stage_or_deadline(
    title: str, text: str
) -> None:
    found = stage(title, text)
    assert found is None
    assert consultation_deadline(text, date(2027, 1, 26), found) is None


def test_a_grants_guidance_for_applicants_is_a_call_not_a_final() -> None:
    title = "Systemic AI safety grants: round 3 guidance for applicants"
    assert stage(title, "Applications close at 11:59pm on 17 February 2027.", None, "AISI") is None


def test_a_call_for_evidence_seeking_evidence_is_a_draft_with_its_closing_date() -> None:
    text = (
        "We are seeking evidence on how AI is used to deliver legal services.\n"
        "This call for evidence closes at\n11:59pm on 23 June 2027\nCall for evidence description"
    )
    found = stage("Use of artificial intelligence in legal services", text)
    assert found == "draft"
    assert consultation_deadline(text, date(2027, 4, 28), found) == date(2027, 6, 23)


def test_a_deadline_after_a_p_m_time_stays_in_its_sentence() -> None:
    text = "DATES: Responses must be received by 11:59 p.m. Eastern Time on May 21, 2027."
    assert consultation_deadline(text, date(2027, 4, 6), "draft") == date(2027, 5, 21)


def test_a_comment_box_the_extractor_dropped_still_gives_the_deadline() -> None:
    from policywatch.extract import _deadline
    from policywatch.govmeta import GovMeta

    box = "The public comment period for this draft is open through September 21, 2026."
    gov = GovMeta(paragraphs=("Guidelines for Documenting AI Evaluations", box))
    assert _deadline("Abstract of the draft.", date(2026, 7, 22), "draft", gov) == date(2026, 9, 21)
    assert _deadline("Abstract of the final.", date(2026, 7, 22), "final", gov) is None


def test_draft_measures_issued_as_provisions_link_to_their_draft() -> None:
    draft = DraftRef(
        "https://www.mot.gov.cn/d",
        "交通运输部关于公开征求《智能网联汽车运输服务管理办法（征求意见稿）》意见的通知",
        "交通运输部",
        date(2026, 5, 29),
    )
    order = DraftRef(
        "https://www.gov.cn/f", "智能网联汽车运输服务管理规定", "交通运输部", date(2026, 10, 21)
    )
    assert adopted_draft(order, [draft]) == draft
    other = DraftRef(order.url, "智能网联汽车数据安全管理规定", "交通运输部", order.published)
    assert adopted_draft(other, [draft]) is None


def test_an_english_final_naming_its_draft_by_title_links_to_it() -> None:
    text = (
        "This final publication supersedes the initial public draft, Guidelines for "
        "Documenting AI Evaluations, released for comment on July 22, 2026."
    )
    nist = "National Institute of Standards and Technology"
    draft = DraftRef("https://nist/d", "Guidelines for Documenting AI Evaluations", nist, None)
    other = DraftRef("https://nist/o", "Profile for AI Agents", nist, None)
    final = DraftRef(
        "https://nist/f",
        "Practices for Documenting AI Model and System Evaluations",
        nist,
        date(2027, 2, 17),
        follows_consultation(text),
    )
    assert adopted_draft(final, [draft, other]) == draft


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (
            "Proposed Rules Implementing the State Artificial Intelligence Act",
            "Written comments will be accepted through August 21, 2026.",
        ),
        (
            "Monitoring of AI-Enabled Devices; Draft Guidance for Industry and Staff; Availability",
            "To ensure that the Agency considers your comment before it begins work on the final "
            "version of the guidance, submit comments on the draft guidance by March 15, 2026.",
        ),
    ],
)
def test_state_proposed_rules_and_draft_guidance_notices_are_drafts(title: str, text: str) -> None:
    found = stage(title, text, None, "Agency")
    assert found == "draft"
    assert consultation_deadline(text, date(2026, 1, 14), found) is not None


@pytest.mark.parametrize(
    ("text", "deadline"),
    [
        ("反馈时间：2026年5月15日至2026年6月14日。", date(2026, 6, 14)),
        ("一、征集时间：2026年3月10日至2026年4月9日。", date(2026, 4, 9)),
        (
            "This consultation ran from\n9:30am on 4 March 2026 to 11:59pm on 29 April 2026\n"
            "Consultation description",
            date(2026, 4, 29),
        ),
        ("This consultation closes at\n11:59pm on 15 May 2026\nWays to respond", date(2026, 5, 15)),
    ],
)
def test_a_comment_period_gives_its_end_as_the_deadline(text: str, deadline: date) -> None:
    assert consultation_deadline(text, date(2026, 3, 4), "draft") == deadline


def test_an_order_issued_under_the_full_name_links_to_the_draft_of_the_short_name() -> None:
    draft = DraftRef(
        "https://www.samr.gov.cn/d",
        "市场监管总局关于公开征求《网络交易平台算法推荐管理规定（征求意见稿）》意见的公告",
        "市场监管总局",
        date(2026, 6, 30),
    )
    order = DraftRef(
        "https://www.samr.gov.cn/f", "网络交易平台算法推荐管理规定", "国家市场监督管理总局", None
    )
    assert adopted_draft(order, [draft]) == draft
    other = DraftRef(order.url, order.title, "国家互联网信息办公室", None)
    assert adopted_draft(other, [draft]) is None


@pytest.mark.parametrize(
    ("final", "draft", "same"),
    [
        (
            "工业和信息化部关于印发《工业领域人工智能应用安全管理规定（试行）》的通知",
            "关于公开征求《工业领域人工智能应用安全管理办法（征求意见稿）》意见的通知",
            True,
        ),
        (
            "国家互联网信息办公室关于印发《智能体服务安全管理暂行规定》的通知",
            "关于公开征求《智能体服务安全管理办法（征求意见稿）》意见的通知",
            True,
        ),
        (
            "关于印发《浙江省数据要素流通管理办法》的通知",
            "关于公开征求《浙江省数据要素登记办法（征求意见稿）》意见的通知",
            False,
        ),
        (  # adoption drops the field qualifier opening the name
            "智能体服务安全管理暂行规定",
            "关于《人工智能智能体服务安全管理规定（征求意见稿）》公开征求意见的通知",
            True,
        ),
        (  # one two-character word dropped on adoption
            "生成式人工智能数据标注安全管理办法",
            "关于《生成式人工智能服务数据标注安全管理办法（征求意见稿）》公开征求意见的通知",
            True,
        ),
        (  # a word replaced is another instrument
            "关于印发《江苏省人工智能赋能服务业行动计划》的通知",
            "关于公开征求《江苏省人工智能赋能制造业行动计划（征求意见稿）》意见的通知",
            False,
        ),
        (  # more than one word apart
            "关于印发《生成式人工智能服务安全管理办法》的通知",
            "关于《生成式人工智能服务数据标注安全管理办法（征求意见稿）》公开征求意见的通知",
            False,
        ),
        (  # ... but the rest must still be the same name
            "《人工智能安全办法》",
            "关于《安全办法（征求意见稿）》公开征求意见的通知",
            False,
        ),
    ],
)
def test_a_trial_mark_or_an_interim_rule_does_not_hide_the_adopted_draft(
    final: str, draft: str, same: bool
) -> None:
    from policywatch.adoption import same_instrument

    assert same_instrument(final, draft) is same


def test_an_eu_act_adopted_as_the_kind_of_act_its_draft_named_links_renamed() -> None:
    commission = "European Commission"
    draft = DraftRef(
        "https://ec/hys/1",
        "Artificial intelligence – implementing act on AI regulatory sandboxes",
        commission,
        date(2026, 3, 12),
    )
    delegated = DraftRef(
        "https://ec/hys/2",
        "Artificial intelligence – delegated act on AI regulatory sandboxes",
        commission,
        date(2026, 3, 12),
    )
    final = DraftRef(
        "https://eur-lex/f",
        "Commission Implementing Regulation (EU) 2026/1873 of 14 July 2026 laying down detailed "
        "arrangements for the operation of AI regulatory sandboxes pursuant to Regulation (EU) "
        "2024/1689",
        commission,
        date(2026, 7, 15),
    )
    assert adopted_draft(final, [delegated]) is None  # another kind of act, text silent
    assert adopted_draft(final, [draft, delegated]) == draft


def test_calls_for_cases_named_before_the_call_are_calls() -> None:
    from policywatch.instruments import is_call, stage

    title = "工业和信息化部办公厅关于组织开展2026年人工智能赋能新型工业化典型应用案例征集工作的通知"
    assert is_call(title)
    assert stage(title, "各省、自治区工业和信息化主管部门：", None, "工业和信息化部办公厅") is None
    deadline = "请提出意见和建议，填写《反馈表》，"
    deadline += "于 2026 年 9 月 30 日 24:00 前以电子邮件形式反馈至秘书处。"
    assert consultation_deadline(deadline, date(2026, 8, 1), "draft") == date(2026, 9, 30)


@pytest.mark.parametrize(
    "text",
    [
        "Closing date for responses: 3 September 2026",
        "Please respond by 5pm on 3 September 2026 using the response form below.",
    ],
)
def test_uk_regulator_closing_phrasings_give_the_deadline(text: str) -> None:
    assert consultation_deadline(text, date(2026, 6, 11), "draft") == date(2026, 9, 3)
