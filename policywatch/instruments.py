"""What a policy page says of the instrument it carries: its stage (draft for comment or
final), the date comments are due, the date it takes effect, and the name that links a final
instrument to the draft it adopts. Pure functions over title and text (no I/O).

Which draft a final adopts is policywatch.adoption. Conventions (shared
POLICY-CONVENTIONS.md): Chinese drafts carry （征求意见稿） and
"意见反馈截止时间为…"; finals are "关于印发《…》的通知", often with
"自…起施行" (an effective date, never a comment deadline). Calls for cases or
funding (征集, 申报, "applications close") and news reports about a consultation
are neither: they get no stage and no deadline.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from policywatch.dates import date_spans, find_dates

DRAFT, FINAL = "draft", "final"
REPORT = "report"  # a declared news report: no stage, whatever its wording
_NEWS_BYLINE = re.compile(r"记者|日报|晚报|新闻|Correspondent|Reporter|Staff Writer")
# How much of the text is read for the stage and dates (the operative part of a notice).
HEAD_CHARS = 6000


def _either(*alternatives: str, flags: int = re.I) -> re.Pattern[str]:
    """One pattern matching any of the alternatives (each written on a line of its own)."""
    return re.compile("|".join(alternatives), flags)


_DRAFT_TITLE = _either(
    r"征求意见稿|公开征求|征求.{0,30}意见|意见征集|草案.{0,4}意见|送审稿",
    r"\bconsultation\b",
    r"call for (?:evidence|views|input|comments?)",
    r"request for (?:comments?|information)",
    r"\bhave your say\b",
    r"\bdraft\b.{0,80}\bfor (?:public )?(?:comment|consultation|feedback)",
    r"notice of proposed rulemaking|\bproposed rules?\b|\bopen for (?:comment|feedback)",
    r"\bpublic comments?\b|^draft\b",
    r"[;:]\s*draft (?:guidance|rules?|regulations?|standards?|guidelines)\b",  # "…; Draft Guidance"
    r"\b(?:requests?|seeks?|invites?)\b.{0,30}\b(?:comments?|views|feedback|input)\b",
)
# Text that invites comments on the page's own draft (read after the title rules).
_DRAFT_TEXT = _either(
    r"现(?:向社会)?公开征求意见|意见反馈截止|征求意见稿",
    r"\bwe are consulting on\b|\bseek(?:s|ing) (?:public )?(?:views|evidence|comments?|input)\b",
    r"\bgive feedback on this draft\b|\binvites? (?:comments|feedback|views|responses)\b",
    r"\bACTION:\s*Proposed rule\b|\bcomments must be received\b",
    r"\bthis (?:consultation|call for (?:evidence|views|input)) closes\b",
    r"\b(?:submit|accept) (?:their |your )?(?:comments|feedback|contributions)\b",
    r"\b(?:written )?comment period (?:closes|ends)\b|\bmay submit (?:written )?comments\b",
)
# A title naming an instrument; with an issuer the page states, a published one.
# How a body's opinions or decision titled as themselves end (交通运输部关于推进…的实施意见).
ZH_OPINION_ENDING = r"(?:的意见|实施意见|指导意见|的决定)"
_INSTRUMENT_TITLE = _either(
    r"\b(?:guidance|guidelines|standards|code of practice|framework|regulations?|rules"
    r"|strategy|action plan|profile|policy|directive|memorandum)\b",
    # a body's notice, opinions or decision to those under it (关于加强…的通知, …的实施意见)
    rf"^[\u4e00-\u9fff、]{{2,40}}关于.{{4,80}}(?:的通知|{ZH_OPINION_ENDING})$",
)
# Published guidance introducing itself ("About this guidance", "This guidance is for …");
# read after the draft rules, as a draft says "this draft guidance" or invites comments.
_OWN_GUIDANCE = _either(
    r"^About this (?:guidance|code of practice)\b",
    r"\bThis (?:guidance|code of practice) (?:is for|explains|sets out|applies to)\b",
    flags=re.M,
)
# Pages about an instrument rather than the instrument: interpretation and analysis.
_ANALYSIS_TITLE = _either(
    r"解读|答记者问|专家|评论|综述",
    r"^(?:analysis|explainer|commentary|opinion|q&a)\b|\bwhat .{3,60} means\b|\bexplained\b",
    r"\bwhat .{2,40} (?:needs?|should|have) to know\b|\bkey takeaways\b",
)
# A headline asking a question is journalism or analysis ("How China's New Dataset Guidance
# Aims to …"); "How to …" is a guide's title.
_HEADLINE = re.compile(r"^(?:how|why|what|where|when|who)\b(?!\s+to\b)", re.I)
_FINAL_TITLE = _either(
    r"印发|公布|施行|令第\s*\d+\s*号|公告\s*\d{4}\s*年",
    r"发布.{0,20}(?:办法|规定|指南|意见|方案|规划|标准|通知|公告)",
    r"\badopt(?:s|ed)?\b",
    r"\bpublishe[sd]\b.{0,40}\bOfficial Journal\b",
    r"\bfinal (?:rule|guidance|report|version)\b",
    r"\bexecutive order\b|^(?:NIST )?(?:AI|SP|IR|CSWP) \d+-\d+\b|^M-\d{2}-\d{2}\b",
    r"\bissue[sd]?\b.{0,60}\b(?:guidance|guidelines|code|framework|regulation|rules)\b",
    r"\bgovernment response\b|\bconsultation outcome\b",
    r"^[\u4e00-\u9fa5、]{2,40}关于.{2,80}的(?:意见|决定|办法|规定|方案|批复|指导意见)$",
)
_FINAL_TEXT = _either(
    r"现予?(?:公布|印发|发布)|现将《[^》]{2,80}》(?:印发|公布|发布)|自(?:公布|印发|发布)之日起(?:施行|实施)",
    r"(?:经|已经).{0,20}(?:会议|审议)(?:审议)?通过",
    r"自\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*起\s*(?:施行|实施)",
    r"\bhas (?:today )?adopted\b|\bwas published in the Official Journal\b",
    r"\b(?:were|was) (?:formally )?adopted by (?:the |a )?(?:Commission|Communication|Decision)\b",
    r"\b(?:enters?|comes?) into force\b|\bhereby (?:ordered|issued)\b",
    r"\bfinali[sz]es the draft\b|\bACTION:\s*Final rule\b",
    r"\b(?:the|this) final (?:version|profile|guidance|guidelines|publication|report|rule)\b",
    r"\b(?:developed|revised|finalised|finalized) following (?:a|the) (?:public )?consultation\b",
    r"现提出如下意见|现印发给你们|现予印发",
    r"(?:^|\n)MEMORANDUM FOR (?:THE )?HEADS OF\b",  # an OMB memorandum to agencies
)
# Pages that report on an instrument rather than carry it: news copy, analysis.
_REPORT = _either(
    r"（记者|\(记者|记者\s*[\u4e00-\u9fa5]{2,3}(?:\s|报道|摄)|新华社\S{0,6}电",
    r"(?:社|报|网|台)[\u4e00-\u9fa5]{0,8}\d{1,2}月\d{1,2}日(?:电|讯)(?=[\s（(])",  # 新华社北京…电
    r"来源[:：]\s*\S{0,10}(?:新闻|日报|晚报|时报|新华网|人民网|央视网|澎湃)",
    r"记者(?:梳理|了解|获悉|注意到|采访|从)",
    r"据.{1,20}(?:消息|报道|介绍)",
    r"\(Xinhua\)|\bXinhua\b.{0,20}--|\bReporting by\b",
    r"\baccording to (?:the|a) (?:notice|draft|document|statement|ministry)",
    r"\b(?:said|says) in a statement\b|[”\"],? (?:said|says) [A-Z]",
    r"\bthe (?:government|ministry|department|commission|agency|regulator) said\b",
    r"\b(?:Correspondent|Staff Writer|Staff Reporter)\b",
    r"\bour analysis\b|\bthis (?:commentary|explainer|analysis)\b",
)
# A think tank's disclaimer, usually at the foot of the piece: it carries opinion, not an act.
_AUTHORS_VIEWS = _either(
    r"\b(?:reflect|represent|are) (?:only )?(?:the )?(?:views|opinions) of (?:the|their|its)"
    r" (?:authors?|contributors?)\b",
    r"仅代表作者(?:个人)?观点",
    r"\b(?:does not|do not|is not intended to) constitute legal advice\b|\battorney advertising\b",
)
# Calls that collect cases, projects or applications, and events: deadlines there are not
# comment deadlines.
_CALLS = (
    r"征集.{0,20}(?:案例|项目|成果|方案|典型|揭榜)|申报|遴选|推荐.{0,10}(?:工作|名单)|报名",
    r"(?:案例|项目|成果|典型)[^，。]{0,8}征集|揭榜挂帅工作",  # 典型应用案例征集工作的通知
    r"call for (?:applications|proposals|cases|papers|projects)|funding (?:competition|call)",
    r"\bapplications? (?:open|close)|\bgrants?\b|\bapplicants\b|\bfunding opportunity\b",
    r"\b(?:launch(?:es|ed)?|opens?|new)\b[^.:;]{0,40}\bcalls? (?:to|for) (?!action\b)",
)
_CALL = _either(*_CALLS)
_CALL_OR_EVENT = _either(
    *_CALLS,
    r"大会|论坛|峰会|研讨会|培训班|召开|举办|举行|座谈会|调研|会见|签约",
    r"\bconference\b|\bsummit\b|\bwebinar\b|\bworkshop\b|\bregister\b",
)


def is_call(title: str) -> bool:
    """True for a call for cases, projects, applications or funding (an issuer's document,
    though neither a draft nor a final)."""
    return _CALL.search(title) is not None


def issued_document(stage_: str | None, number: str | None, title: str) -> bool:
    """True for what a body issues (a draft, a final, a numbered instrument or a call), which
    takes the site's or the source's body when it names none; news and events do not."""
    return stage_ is not None or number is not None or is_call(title)


# A sentence that states when comments are due (its date is the deadline).
_ZH_DEADLINE = re.compile(
    r"(?:意见|建议|反馈|评论).{0,12}(?:截止|截至)|(?:截止|截至).{0,30}(?:意见|建议|反馈)"
    r"|请于.{0,40}(?:前|之前|以前).{0,60}(?:意见|建议)|(?:意见|建议|反馈).{0,20}请于"
    r"|(?:于|在)[^，。；]{0,24}(?:前|之前)[，,]?.{0,30}(?:提出|提交|反馈|发送).{0,6}(?:意见|建议)"
    r"|(?:于|在)[^，。；]{0,24}(?:前|之前)[，,]?.{0,12}(?:意见|建议).{0,24}(?:提出|提交|反馈|发送|报送)"
    r"|征求意见(?:的)?(?:时间|期限|期)|(?:意见)?(?:反馈|征集)(?:的)?(?:时间|期限|日期)\s*[:：为]"
    r"|(?:意见|建议)[^。]{0,40}(?:于|在)[^，。；]{0,30}(?:前|之前)[^，。；]{0,12}?"
    r"(?:反馈|提交|报送|发送)"  # "于2026年9月30日24:00前以电子邮件形式反馈至秘书处"
)
_EN_DEADLINE = re.compile(
    r"\b(?:consultation|call for evidence|call for views)\b.{0,60}"
    r"\b(?:closes?|closed|ends?|ended|runs?|ran|until|open)\b"
    r"|\b(?:feedback|comment|consultation|response) period\b"
    r"|\b(?:comments?|responses?|feedback|views|submissions?|input|contributions)\b.{0,80}"
    r"\b(?:by|before|until|through|no later than|due|received|closes?|deadline)\b"
    r"|\bdeadline for (?:comments|responses|feedback|submissions)\b"
    r"|\bclosing date for (?:responses|comments|submissions)\b|\brespond\b.{0,20}\bby\b",
    re.I,
)
_NOT_DEADLINE = re.compile(
    r"施行|实施之日|生效|申报|报名|报送.{0,6}(?:材料|案例|项目)|会议|举办|召开"
    r"|\binto force\b|\bapplies from\b|\bapply from\b|\btakes? effect\b|\beffective\b"
    r"|\bapplications?\b|\bregistration\b|\bconference\b|\bevent\b",
    re.I,
)
LEADING_DATE_CHARS = 16  # "11:59pm on " before the date: a line that opens with it
# A deadline sentence cut off before its date (the date stands in the next element).
_DANGLING = re.compile(
    r"(?:\b(?:at|on|by|before|until|from)|[:：]|截止时间为|截至|征求意见(?:的)?(?:时间|期限))\s*$",
    re.I,
)
# A sentence stating when a comment period opens, not when it closes.
_PERIOD_START = re.compile(r"\b(?:begins|began|opens|opened|starts|started|commences)\b", re.I)
_PERIOD_END = re.compile(r"\b(?:closes?|closed|ends?|ended|until|by|due|received)\b", re.I)
# Between the two dates of a period: "4 March 2026 to 11:59pm on 29 April 2026", "… – …".
_RANGE_JOIN = re.compile(r"\s*(?:(?:to|until|till|through)\b|[-–—~至])\s*(?:[\w:.]+\s+){0,2}", re.I)
MAX_RANGE_GAP = 20
_ZH_EFFECTIVE = re.compile(r"自\s*(?P<d>[^，。；起]{6,24}?)\s*起\s*(?:施行|实施|执行|生效)")
_EN_EFFECTIVE = re.compile(
    r"\b(?:comes? into force|enters? into force|entered into force|applies|will apply|shall apply"
    r"|takes? effect|effective)\s+(?:on|from|as of)?\s*(?P<d>[A-Z0-9][^.;]{3,30})",
    re.I,
)
# Sentence ends; not after a time's "a.m." / "p.m." ("by 11:59 p.m. Eastern Time on May 21").
_SENTENCES = re.compile(r"(?<=[。；！？\n])|(?<=[.;!?])(?<![ap]\.m\.)\s+(?=[A-Z(])")


def stage(
    title: str, text: str, declared: str | None = None, issuer: str | None = None
) -> str | None:
    """'draft' for a draft or consultation inviting comments, 'final' for an adopted or
    issued instrument, None for news, analysis, calls and events. `declared` is what the
    page's labels say ("Status: Final", a "Feedback period"), trusted over wording."""
    head = text[:HEAD_CHARS]
    if declared == REPORT or _REPORT.search(head[:1500]) or _AUTHORS_VIEWS.search(head):
        return None
    if about_an_instrument(title):
        return None
    if declared in (DRAFT, FINAL):
        return declared
    if _DRAFT_TITLE.search(title):
        return DRAFT
    if _CALL_OR_EVENT.search(title) or _HEADLINE.search(title):
        return None
    if _FINAL_TITLE.search(title) or _FINAL_TEXT.search(head):
        return FINAL
    if _DRAFT_TEXT.search(head[:3000]):
        return DRAFT
    if _OWN_GUIDANCE.search(head[:1500]):
        return FINAL
    return FINAL if issuer and _INSTRUMENT_TITLE.search(title) else None


def about_an_instrument(title: str) -> bool:
    """True for a page about an instrument, not the instrument: an interpretation (解读,
    答记者问), analysis or commentary. It issues nothing, so it has no issuer."""
    return _ANALYSIS_TITLE.search(title) is not None


def declared_stage(status: str | None, comment_period: str | None, byline: str = "") -> str | None:
    """The stage a page's labels state: "Status: Final" / "Draft", an open comment period,
    or REPORT for a news byline (来源：南方日报, 作者：记者 …)."""
    if _NEWS_BYLINE.search(byline):
        return REPORT
    word = (status or "").strip().lower()
    if word.startswith("final"):
        return FINAL
    if re.search(r"\bdraft\b", word) or comment_period:  # "Initial Public Draft (ipd)"
        return DRAFT
    return None


def other_stage(a: str | None, b: str | None) -> bool:
    """True for a draft and a final: the same text at two stages is two events."""
    return a is not None and b is not None and a != b


def consultation_deadline(
    text: str, published: date | None, stage_: str | None, period: str | None = None
) -> date | None:
    """The date comments are due, for a draft inviting them; None otherwise (effective dates,
    events and application deadlines are not comment deadlines). `period` is a labelled
    comment period ("10 November 2026 - 8 December 2026"): its last date."""
    if stage_ != DRAFT:
        return None
    stated = find_dates(period, published) if period else []
    if stated:
        return stated[-1]
    sentences = list(_sentences(text[:HEAD_CHARS]))
    for sentence, following in zip(sentences, [*sentences[1:], ""], strict=True):
        pattern = _ZH_DEADLINE if has_cjk(sentence) else _EN_DEADLINE
        if not pattern.search(sentence) or _NOT_DEADLINE.search(sentence):
            continue
        if _PERIOD_START.search(sentence) and not _PERIOD_END.search(sentence):
            continue  # "The public comment period begins July 10": its start, not its end
        found = find_dates(sentence, published)
        if not found and _DANGLING.search(sentence):  # "This consultation closes at" + date line
            found = _leading_date(following, published)
        if found and (published is None or found[-1] >= published):
            return found[-1]  # "from 10 November to 8 December": the end
    return None  # a date before publication closed an earlier consultation the page recalls


def _leading_date(line: str, published: date | None) -> list[date]:
    """The date a line opens with ("11:59pm on 15 January 2027"), as a list, the period's end
    when the line opens with a period ("… 4 March 2026 to 11:59pm on 29 April 2026"); else
    empty."""
    spans = date_spans(line, published)
    if not spans or spans[0][0].start > LEADING_DATE_CHARS:
        return []
    if len(spans) > 1 and _joins_range(line[spans[0][0].stop : spans[1][0].start]):
        return [spans[1][1]]
    return [spans[0][1]]


def _joins_range(gap: str) -> bool:
    """True for the short text between the two dates of a period ("to 11:59pm on", " - ")."""
    return len(gap) <= MAX_RANGE_GAP and _RANGE_JOIN.fullmatch(gap) is not None


def effective_date(text: str, published: date | None) -> date | None:
    """The date an instrument takes effect (自…起施行, "applies from …"), or None."""
    head = text[:HEAD_CHARS]
    for pattern in (_ZH_EFFECTIVE, _EN_EFFECTIVE):
        for match in pattern.finditer(head):
            found = find_dates(match.group("d"), published)
            if found:
                return found[0]
    return None


def _sentences(text: str) -> Iterable[str]:
    return (s.strip() for s in _SENTENCES.split(text) if s.strip())


def has_cjk(text: str) -> bool:
    """True when the text holds Chinese characters (choose the Chinese rules over the
    English ones)."""
    return re.search(r"[\u4e00-\u9fff]", text) is not None
