"""Government-page conventions read from the parsed HTML, before main-text extraction.

Ministry, provincial and city portals (GB/T 42147) state the official title in
`<meta name="ArticleTitle">`; www.gov.cn's policy library puts a metadata table (索引号 /
发文机关 / 发文字号 / 成文日期 / 标题 / 发布日期) above the text. `<title>` adds the portal's
name ("…_国务院部门文件_中国政府网", " - Xinhua", " | GOV.UK"). A notice is signed by its body
above its date (GB/T 9704 署名, 成文日期); a ministry's site names a department without the
ministry (ContentSource "科技司"). See shared POLICY-CONVENTIONS.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import chain

from lxml import etree
from lxml.html import HtmlElement

from policywatch import identifiers
from policywatch.dates import date_spans, find_dates
from policywatch.pagelabels import LABELS, MAX_PIECES, body_pieces, labelled_values
from policywatch.siteowner import PUBLIC_BODY, body_name

# Labels of the policy-library info table; a table with this many of them is metadata.
INFO_LABELS = ("索引号", "主题分类", "发文机关", "成文日期", "标题", "发文字号", "发布日期", "文号")
# Other names of the labels (the 信息公开 tables of ministries: 信息名称 / 发文机构 / 生成日期).
_LABEL_ALIASES = {
    "文号": "发文字号",
    "发文机构": "发文机关",
    "信息名称": "标题",
    "信息索引": "索引号",
    "生成日期": "成文日期",
    "名称": "标题",  # 证监会 and other 信息公开 tables: 名 称 / 文 号 / 发文日期 / 分 类
    "发文日期": "成文日期",  # the date of issue (signature), beside 发布日期
    "分类": "主题分类",
}
MIN_INFO_LABELS = 3
MAX_NUMBER_LINE = 40  # characters: a longer line holding a number is a sentence citing it
# A trailing title segment naming the site or its column, not the document.
_SITE_WORDS = re.compile(
    r"(政府网|人民政府|门户网站|网站|部门文件|政策文件|部门动态|政策解读|新闻中心|新华网|人民网|央视网"
    r"|委员会办公室|标准化技术委员会|GOV\.UK|Xinhua|XINHUA|European Commission|CGTN"
    r"|China Daily|State Council|News|NEWS|Reuters|Ministry of [A-Z][A-Za-z ]+)"
    r"|^[\u4e00-\u9fff]{2,8}网$"  # a news site's name: 大众网, 南方网
)
_NEWS_KICKER = re.compile(
    r"(?:analysis|commentary|opinion|insights?|blog|explainer|news|feature|press release)\b",
    re.I,
)
_NEWS_FORMATS = frozenset({"press_release", "news_story", "news_article", "speech"})
_EEA_RELEVANCE = re.compile(r"\(Text with EEA relevance\)", re.I)
_SEPARATORS = re.compile(r"\s+[-|–—:]\s+|\s*[_｜|]\s*|(?<=[\u4e00-\u9fff》）])-(?=[\u4e00-\u9fff])")
MAX_SUFFIX_CHARS = 60


@dataclass(frozen=True, slots=True)
class GovMeta:
    """What the page says of itself: meta tags by lower-case name, and the info table."""

    meta: dict[str, str] = field(default_factory=dict)
    info: dict[str, str] = field(default_factory=dict)
    number_line: str | None = None  # a line of the page that is just a document number
    heading: str | None = None  # the first <h1>, else the first element classed as a title
    signature: str | None = None  # the body signing the notice above its date (GB/T 9704)
    tree: HtmlElement | None = field(default=None, compare=False, repr=False)  # read lazily
    own_pieces: tuple[str, ...] = ()  # text pieces outside lists, asides, header and footer
    copyright_years: frozenset[str] = frozenset()  # years of "© 2000-2027" notices
    paragraphs: tuple[str, ...] = ()  # the page's own paragraphs, main text or not
    kicker: str | None = None  # a series label set in the heading ("NIST AI 800-3 (Draft)")
    order_bodies: tuple[str, ...] = ()  # the bodies heading a joint order, lead first

    def official_title(self, *fallbacks: str | None) -> str | None:
        """ArticleTitle, og:title or the info table's 标题, else the first fallback; without
        the site's suffixes."""
        sites = self.site_names()
        for candidate in (
            self.meta.get("articletitle"),
            self.info.get("标题"),
            self.meta.get("og:title"),
            self._eur_lex_title(),  # EUR-Lex: the act's full title
            *fallbacks,
            self.heading,
        ):
            if not candidate or not candidate.strip() or _METADATA_LINE.match(candidate):
                continue  # a "发布日期：… 浏览次数：…" line taken for the title by the extractor
            if not _only_site_name(candidate.strip(), sites):
                title = _without_kicker(strip_site_suffix(candidate, sites), self.kicker)
                title = _without_number_prefix(title, self.heading)
                if not _column_title(title, candidate, self.tree):
                    return title
        return None  # only the site's name: a <title> of "全国网络安全标准化技术委员会"

    def _eur_lex_title(self) -> str | None:
        """EUR-Lex's WT.z_docTitle, the act's full title; where it holds only the act's
        designation or the start of its title, the designation followed by the Journal's
        title lines (`p.oj-doc-ti`: "of 14 July 2026", "laying down …")."""
        short = self.meta.get("wt.z_doctitle")
        if self.tree is None:
            return short
        lines = [" ".join(p.text_content().split()) for p in self.tree.xpath(_OJ_TITLE_XPATH)]
        lines = [line for line in lines if not _EEA_RELEVANCE.fullmatch(line)]
        if not short:  # no meta: the language bar's title, else the Journal's lines
            translated = " ".join(self.tree.xpath("string(//*[@id='translatedTitle'])").split())
            if translated or not lines:
                return translated or None
            short = _designation(lines[0])
        if not lines or not short.casefold().startswith(lines[0].casefold()):
            return short
        full = " ".join([_designation(lines[0]), *lines[1:]])
        return full if full.casefold().startswith(short.casefold()) else short

    def reports_news(self) -> bool:
        """True for a page its site files as news or analysis (GOV.UK's press releases, news
        stories and speeches; an "Analysis · China" eyebrow): it reports on an instrument,
        whatever it says of it."""
        kinds = {self.meta.get("govuk:format"), self.meta.get("govuk:schema-name")}
        return not kinds.isdisjoint(_NEWS_FORMATS) or bool(_NEWS_KICKER.match(self.kicker or ""))

    def published(self) -> str | None:
        """The publication date the page states (info table, PubDate, firstpublishedtime, the
        Highwire citation_publication_date of the Federal Register and journals), as
        'YYYY-MM-DD', or None."""
        for value in (
            self.info.get("发布日期"),
            _journal_day(self.info.get("official_journal")),
            self.meta.get("pubdate"),
            self.meta.get("firstpublishedtime"),
            self.meta.get("citation_publication_date"),
            *(self.meta.get(name) for name in _DATE_META),
            self.info.get("成文日期"),
        ):
            day = _iso_day(value or "")
            if day:
                return day
        return None

    def fallback_published(self, extracted: str | None) -> str | None:
        """The dateline under the title, else the extractor's date unless it is a copyright
        year read as 1 January ("© 2000-2027" -> 2000-01-01): the extractor guesses, and
        its guess is often a related link's date."""
        stated = _iso_day(self.dateline() or "") or self.period_start()
        if stated or not extracted or _copyright_day(extracted, self.copyright_years):
            return stated
        if _year_only_guess(extracted, self.own_pieces) or _other_day(extracted, self.own_pieces):
            return None
        return extracted

    def dateline(self) -> str | None:
        """A date standing alone under the title ("2027-03-19 21:36"), or the element classed
        as the page's date; read only when no meta or label states the date (the extractor
        works on a copy of the tree, so it is still whole)."""
        tagged = _tagged_date(self.tree) if self.tree is not None else None
        return tagged or _dateline(list(self.own_pieces))

    def period_start(self) -> str | None:
        """The opening day of a stated comment period "start - end" (a Have your say page
        states no other date of its own); None for a lone closing date."""
        days = find_dates(self.info.get("comment_period", ""))
        return days[0].isoformat() if len(days) > 1 else None

    def site_names(self) -> tuple[str, ...]:
        names = (self.meta.get(k) for k in ("sitename", "og:site_name", "application-name"))
        return tuple(n.strip() for n in names if n and n.strip())

    def ministry(self) -> str | None:
        """The body the site belongs to, from its name ("中华人民共和国工业和信息化部" ->
        "工业和信息化部"); None when the site is not named after a body ("中国网信网")."""
        chinese = (name for name in self.site_names() if not name.isascii())
        return next((body for name in chinese if (body := body_name(name))), None)


# Publication-date meta tags of CMSs and the Dublin Core (Commission, NIST, news sites).
_DATE_META = (
    "article:published_time",
    "dcterms.date",
    "dcterms.issued",
    "dcterms.created",
    "publishdate",
    "dc.date.issued",
)


def _without_kicker(title: str, kicker: str | None) -> str:
    """The title less a leading series label the heading sets apart ("NIST AI 800-3 (Initial
    Public Draft)" over "Guidelines for …"): the series and stage are not the name."""
    if kicker and title.startswith(kicker) and (rest := title[len(kicker) :].lstrip(" ,:–—-")):
        return title if rest[0].islower() else rest  # "Guidance" over "Guidance on using …"
    return title


MAX_PREFIX_CHARS = 24


def _without_number_prefix(title: str, heading: str | None) -> str:
    """The heading, where the title is the heading after the document's number ("M-27-09,
    Managing Risks of AI Agents …" over an <h1> without it); else the title."""
    if not heading or title == heading or not title.endswith(heading):
        return title
    prefix = title[: -len(heading)].rstrip(" ,:–—-")
    if prefix and len(prefix) <= MAX_PREFIX_CHARS and any(c.isdigit() for c in prefix):
        return heading
    return title


def _column_title(title: str, candidate: str, tree: HtmlElement | None) -> bool:
    """True for a <title> of the column and the site ("标准征求意见-…委员会"): a CMS detail
    page that names no document in its <title>. The links are read only for a short title
    that lost a suffix (reading them all took 2 ms a page)."""
    if title == " ".join(candidate.split()) or len(title) > MAX_COLUMN_CHARS or tree is None:
        return False
    return title in _column_names(tree)


def _copyright_day(day: str, years: frozenset[str]) -> bool:
    """True for 'YYYY-01-01' when YYYY is a year of the page's copyright notice."""
    return day[4:10] == "-01-01" and day[:4] in years


def _designation(line: str) -> str:
    """An act's designation as the Journal sets it in capitals, in the case its title uses:
    "COMMISSION DELEGATED REGULATION (EU) 2027/1342" -> "Commission Delegated Regulation
    (EU) 2027/1342"."""
    return " ".join(w.capitalize() if w.isalpha() and w.isupper() else w for w in line.split())


# What a day the page states is, when it is not its publication: a period's end, a deadline,
# a registration's close, an event's time ("15 October 2026, 10:00 - 12:00").
_OTHER_DAY = re.compile(
    r"\b(?:end(?:s|ing|ed)?|clos(?:e|es|ing|ed)|until|deadline|due|register|registration)\b"
    r"|\d{1,2}[:.]\d{2}\s*[-–]\s*\d{1,2}[:.]\d{2}|截止|报名|举办|召开",
    re.I,
)
_CLAUSES = re.compile(r"\s[·|]\s|[;；。]")


def _other_day(day: str, pieces: tuple[str, ...]) -> bool:
    """True when every clause stating the extractor's guessed day says, or follows a label
    saying, it is another day than the publication (the extractor takes a feedback period's
    end or an event's day: "Registration deadline:" over "November 30, 2026")."""
    stating = [
        f"{before[-40:]} {clause}"
        for before, piece in zip(("", *pieces), pieces, strict=False)
        for clause in _CLAUSES.split(piece)
        if day in {d.isoformat() for d in find_dates(clause)}
    ]
    return bool(stating) and all(_OTHER_DAY.search(c) for c in stating)


def _year_only_guess(day: str, pieces: tuple[str, ...]) -> bool:
    """True for 'YYYY-01-01' when the page never states 1 January of YYYY: the extractor
    read a bare year (a cited 〔2024〕58号, "Regulation (EU) 2024/1689", a URL's /202411/)."""
    if day[4:10] != "-01-01":
        return False
    year = day[:4]
    stated = re.compile(
        rf"{year}\s*年\s*0?1\s*月\s*0?1\s*日|{year}[-/.]0?1[-/.]0?1\b"
        rf"|\b(?:January|Jan\.?) 0?1(?:st)?,? {year}|\b0?1(?:st)? (?:January|Jan\.?) {year}"
        rf"|\b0?1/0?1/{year}",
        re.I,
    )
    return not any(stated.search(piece) for piece in pieces)


_DAY = re.compile(r"(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")
# A numeric date written month or day first ("05/20/2027" on the Federal Register, "20/05/2027"
# in Europe): read only where one part cannot be a month, so the order is not a guess.
_SLASHED_DAY = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])")


_JOURNAL_DAY = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})\b")


def _journal_day(value: str | None) -> str | None:
    """The day of an Official Journal reference ("OJ L, 2026/1873, 15.7.2026": day first, as
    the EU writes it), ISO-formatted, or None."""
    match = _JOURNAL_DAY.search(value or "")
    if not match:
        return None
    day, month, year = match.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _iso_day(value: str) -> str | None:
    match = _DAY.search(value)
    if not match:
        written = find_dates(value[:60])  # "03 December 2026"
        return written[0].isoformat() if written else _unambiguous_slashed(value[:60])
    year, month, day = match.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _unambiguous_slashed(value: str) -> str | None:
    """'YYYY-MM-DD' of a month/day/year or day/month/year date whose order its numbers fix
    (one of them above 12), else None."""
    match = _SLASHED_DAY.search(value)
    if not match:
        return None
    first, second, year = (int(g) for g in match.groups())
    if (first > 12) == (second > 12):
        return None
    month, day = (second, first) if first > 12 else (first, second)
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def read_gov_meta(tree: HtmlElement) -> GovMeta:
    """Meta tags and the info table of a parsed page; the table is removed from the tree, so
    it never opens the main text (or the briefing summary made from it)."""
    meta: dict[str, str] = {}
    for node in tree.iter("meta"):
        name = (node.get("name") or node.get("property") or "").strip().lower()
        content = " ".join((node.get("content") or "").split())
        if name and content:
            meta.setdefault(name, content)
    info = _take_info_table(tree)
    pieces = body_pieces(tree)
    _add_labels(info, pieces)
    own, own_text = _own_texts(tree)
    bodies, order_number = _joint_order(own_text)
    return GovMeta(
        meta,
        info,
        number_line=_number_line(own_text) or order_number or _labelled_number(own_text),
        order_bodies=bodies,
        heading=_heading(tree),
        kicker=_kicker(tree),
        signature=_signature(pieces),
        tree=tree,
        own_pieces=tuple(own),
        copyright_years=_copyright_years(pieces),
        paragraphs=_own_paragraphs(tree),
    )


def _add_labels(info: dict[str, str], pieces: list[str]) -> None:
    """Complete the info table with the labels the page states outside it: publication date,
    publisher or organisation, comment period."""
    for label, value in [*labelled_values(pieces).items(), *_more_labels(pieces).items()]:
        info.setdefault(label, value)
    if "published_by" not in info and (body := _body_label(pieces)):
        info["published_by"] = body
    if not find_dates(info.get("发布日期", "")) and (day := _labelled_date(pieces)):
        info["发布日期"] = day  # a "Publication" type line over the headline is no date
    if period := _latest_period(pieces):
        info["comment_period"] = period


def _heading(tree: HtmlElement) -> str | None:
    """The first <h1>; else the first element whose class or id names it a title (the
    div.detail-title or h3.news_title of CMS pages without an <h1>)."""
    nodes = chain(tree.iter("h1"), _lazy(tree, _TITLE_XPATH), _lazy(tree, _SUBHEAD_XPATH))
    texts = (" ".join(node.text_content().split()) for node in nodes)
    return next((t for t in texts if MIN_HEADING_CHARS <= len(t) <= MAX_HEADING_CHARS), None)


# A label set apart inside the heading: CSRC's span.pub-series, CMS kickers and eyebrows.
def _lazy(tree: HtmlElement, xpath: str) -> Iterator[HtmlElement]:
    """The nodes of an XPath, evaluated only when asked for (most pages have an <h1>)."""
    yield from tree.xpath(xpath)


_KICKER_XPATH = (
    "//h1//*[contains(@class, 'series') or contains(@class, 'kicker')"
    " or contains(@class, 'eyebrow')] | //h1/small"  # <h1><small>NIST AI 100-7 …</small><br>…
    " | //h1/preceding-sibling::*[1][self::small or contains(@id, 'series')"
    " or contains(@class, 'series') or contains(@class, 'eyebrow')"
    " or contains(@class, 'kicker')]"  # CSRC: <small id="pub-series">NIST AI 600-2</small><h1>
)


def _kicker(tree: HtmlElement) -> str | None:
    """The text of a series label or kicker inside the first <h1> that holds one, or set
    right above it, or None."""
    texts = (" ".join(node.text_content().split()) for node in tree.xpath(_KICKER_XPATH))
    return next((t for t in texts if t), None)


# A page without an <h1> or a title-classed element: its first h2/h3 outside the furniture.
_SUBHEAD_XPATH = (
    "(//body//*[self::h2 or self::h3][not(ancestor::a) and not(ancestor::li)"
    " and not(ancestor::nav) and not(ancestor::header) and not(ancestor::footer)"
    " and not(ancestor::aside)])[1]"
)
_METADATA_LINE = re.compile(
    r"\s*(?:发布日期|发布时间|日期|来源|浏览次数|Published|Posted|Updated|Last updated)\s*[:：]",
    re.I,
)
_OJ_TITLE_XPATH = "//p[contains(concat(' ', @class, ' '), ' oj-doc-ti ')]"
_TITLE_XPATH = (
    "//body//*[self::div or self::h2 or self::h3 or self::p or self::span]"
    "[contains(@class, 'title') or contains(@id, 'title')]"
    "[not(ancestor::a) and not(ancestor::li) and not(ancestor::nav)]"
)
MIN_HEADING_CHARS, MAX_HEADING_CHARS = 6, 200
MAX_COLUMN_CHARS = 12  # a link text this short names a column ("标准征求意见"), not a notice


def _column_names(tree: HtmlElement) -> frozenset[str]:
    """Texts of the page's short links: its navigation and breadcrumb name the columns."""
    texts = (" ".join(a.text_content().split()) for a in tree.iter("a"))
    return frozenset(t for t in texts if t and len(t) <= MAX_COLUMN_CHARS)


def _number_line(pieces: list[str]) -> str | None:
    """The first piece that is a document number and little else (the 文号 line under the
    title, or a title that is the number: 工业和信息化部公告2026年第31号). An order set on two
    lines ("国家互联网信息办公室令" over "第26号") is read as one."""
    for piece, following in zip(pieces, [*pieces[1:], ""], strict=True):
        if piece.endswith(("令", "公告", "通告")) and _ORDER_SEQUENCE.fullmatch(following):
            piece += following  # "国家药品监督管理局通告" over "2026年第31号" too
        if number := number_only(piece):
            return number
    return None


_ORDER_SEQUENCE = re.compile(r"(?:\d{4}\s*年\s*)?第\s*\d{1,5}\s*号")
MAX_JOINT_BODIES = 8


def _joint_order(pieces: list[str]) -> tuple[tuple[str, ...], str | None]:
    """The bodies and number of a joint order's heading: the bodies one a line, then "令",
    then "第26号" (GB/T 9704); the number is the lead body's (国家互联网信息办公室令第26号)."""
    for at, piece in enumerate(pieces[1:-1], start=1):
        if piece != "令" or not _ORDER_SEQUENCE.fullmatch(pieces[at + 1]):
            continue
        above = pieces[max(0, at - MAX_JOINT_BODIES) : at]
        bodies: list[str] = []
        for line in reversed(above):
            if not _SHORT_BODY.fullmatch(line):
                break
            bodies.insert(0, line)
        if bodies:
            lead = bodies[0].removeprefix("中华人民共和国")
            return tuple(bodies), normalise_number(lead + "令" + pieces[at + 1])
    return (), None


# A 文号 label inside a line of page facts: "发布日期：2027-03-18　文号：国标委发〔2027〕9号".
_NUMBER_LABEL = re.compile(r"(?:发文字号|文号)\s*[:：]\s*(?P<n>\S{4,30})")


def _labelled_number(pieces: list[str]) -> str | None:
    """The number a 文号 label states inside a piece of page facts, or None."""
    for piece in pieces:
        if (match := _NUMBER_LABEL.search(piece)) and (number := normalise_number(match["n"])):
            return number
    return None


# Labels the shared reader (policywatch.pagelabels) does not know, by info key: the
# Commission's "Publisher", Innovation Funding Service's "Funders:", NIST's "Comments due by",
# the Federal Register's "Agency/Docket Number".
_MORE_LABELS = {
    "publisher": "published_by",
    "funders": "published_by",
    "funder": "published_by",
    "comments due by": "comment_period",
    "comments due": "comment_period",
    "closing date": "comment_period",  # Ofcom: "Closing date for responses"
    "closing date for responses": "comment_period",
    "deadline for responses": "comment_period",
    "official journal": "official_journal",  # EUR-Lex: "OJ L, 2026/1873, 15.7.2026"
    "agency/docket number": "docket",  # the Federal Register's document details
    "docket number": "docket",
}
_PERIOD = re.compile(r"(?:feedback|comment|consultation) period\s*:?\s*(?P<dates>.*)", re.I)


def _more_labels(pieces: list[str]) -> dict[str, str]:
    """Info key -> value for the _MORE_LABELS label pieces (the piece after the label)."""
    found: dict[str, str] = {}
    for piece, following in zip(pieces, [*pieces[1:], ""], strict=True):
        key = _MORE_LABELS.get(piece.rstrip("：: ").lower())
        if key == "official_journal" and not _JOURNAL_DAY.search(following):
            continue  # the site's "Official Journal" menu entry, not the act's reference
        if key and following:
            found.setdefault(key, following)
    return found


# Labels whose value names the body when it is one: NIST's "Organization:", an "Author:" or
# an event's "Organiser" (persons under "Author(s)" are not bodies).
_BODY_LABELS = frozenset(
    [
        "author",
        "organization",
        "organisation",
        "organiser",
        "organizer",
        "organized by",
        "organised by",
        "hosted by",
    ]
)
# What such a label names may be a centre too ("Organized by: Center for AI Standards and …").
_LABELLED_BODY = re.compile(PUBLIC_BODY.pattern + r"|\b(?:Center|Centre)\b")
# Have your say names the Commission's Directorate-General in charge of an initiative.
_COMMISSION_DG_LABELS = frozenset(["lead dg", "commission department in charge"])
COMMISSION = "European Commission"


def _body_label(pieces: list[str]) -> str | None:
    """The body an organisation label names (the first body of a list: "NIST, Center for
    …"), or the Commission for its Directorate-General in charge; else None."""
    for piece, following in zip(pieces, [*pieces[1:], ""], strict=True):
        label = piece.rstrip("：: ").lower()
        if label in _COMMISSION_DG_LABELS and following:
            return COMMISSION
        if label in _BODY_LABELS:
            names = (n.strip() for n in following.split(","))
            if body := next((n for n in names if _LABELLED_BODY.search(n)), None):
                return _ACRONYM.sub("", body).strip()
    return None


def _labelled_date(pieces: list[str]) -> str | None:
    """The value of the first date label followed by a date: a type line "Publication" over
    the headline is a label word too, but no date follows it."""
    for piece, following in zip(pieces, [*pieces[1:], ""], strict=True):
        if LABELS.get(piece.rstrip("：: ").lower()) == "发布日期" and find_dates(following):
            return following
    return None


def _latest_period(pieces: list[str]) -> str | None:
    """The stated comment period that ends last: a Have your say timeline lists the closed
    call for evidence before the draft act's open period."""
    periods: list[tuple[date, str]] = []
    for index, piece in enumerate(pieces):
        if not (match := _PERIOD.fullmatch(piece)):
            continue
        value = match.group("dates") or _period_value(pieces[index + 1 : index + 4])
        if days := find_dates(value):
            periods.append((days[-1], value))
    return max(periods)[1] if periods else None


_RANGE_SIGN = re.compile(r"[-–—~]|to|until")


def _period_value(following: list[str]) -> str:
    """The period after a label, its end included when the dates stand in elements of their
    own (Have your say: <time>12 January 2027</time> - <time>09 February 2027</time>)."""
    if len(following) == 3 and _RANGE_SIGN.fullmatch(following[1]):
        return " ".join(following)
    return following[0] if following else ""


_ORG_SUFFIX = r"(?:部|委|局|厅|办|室|处|院|会|中心|政府|署|司|组|银行)"
_SIGNER = re.compile(r"[\u4e00-\u9fff（）]{3,30}" + _ORG_SUFFIX)
_SHORT_BODY = re.compile(r"[\u4e00-\u9fff（）]{2,30}" + _ORG_SUFFIX)  # 科技部 too
_WRITTEN_ON = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")


def _signature(pieces: list[str]) -> str | None:
    """The body signing the notice: a line naming a body (or bodies, "国家发展改革委　国家数据局")
    right above a line that is only the date (GB/T 9704 署名 and 成文日期), as under
    "…全国网络安全标准化技术委员会秘书处"."""
    for at, following in enumerate(pieces[1:], start=1):
        if not _WRITTEN_ON.fullmatch(following):
            continue
        lines = _signing_lines(pieces[:at])
        if lines:
            return "、".join(lines)
    return None


MAX_SIGNING_LINES = 4


def _signing_lines(above: list[str]) -> list[str]:
    """The bodies signing on the lines right above the date, last line first found; a joint
    signature may set its bodies on several lines, two to a line ("国家标准化管理委员会
    工业和信息化部" over "国家互联网信息办公室")."""
    bodies: list[str] = []
    for line in reversed(above[-MAX_SIGNING_LINES:]):
        if _SIGNER.fullmatch(line):
            bodies.insert(0, line)
        elif parts := _spaced_bodies(line):
            bodies[:0] = parts
        else:
            break
    return bodies


def _without_state_prefix(name: str) -> str:
    """A ministry as documents name it (司法部), not as its site does (中华人民共和国司法部)."""
    short = name.removeprefix("中华人民共和国")
    return short if short != name and _SHORT_BODY.fullmatch(short) else name


def _spaced_bodies(line: str) -> list[str]:
    """The Chinese bodies a line sets apart by spaces ("国家发展改革委 国家数据局 国家能源局");
    empty unless there are two or more and every part names a body."""
    parts = line.split()
    if len(parts) < 2 or not all(_SHORT_BODY.fullmatch(p) for p in parts):
        return []
    return parts


# A date standing alone under the title: numeric with a time, after a 发布时间 label, or
# in a byline ("作者：周衡 研究员　2026年10月20日").
_DATELINE = re.compile(
    r"(?:(?:发布|发稿)?(?:时间|日期)\s*[:：]\s*(?P<labelled>.{6,24})"
    r"|(?:作者|来源)\s*[:：][^:：]{0,20}?(?P<byline>\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)"
    r"|(?P<bare>\d{4}-\d{1,2}-\d{1,2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?(?:\s|$)"
    # an insight's "May 27, 2027 · Life Sciences"; a notice's signature date standing alone
    r"|(?P<written>(?:[A-Z][a-z]{2,8}\.? \d{1,2}, \d{4}|\d{1,2} [A-Z][a-z]{2,8} \d{4}))"
    r"(?=\s*[·|]|$)|(?P<signed>\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)$).*"
)
MAX_DATELINE_CHARS = 60
_META_SEPARATOR = re.compile(r"\s+[·|]\s+")
_COPYRIGHT = re.compile(r"(?:©|Copyright|版权所有)\D{0,20}(\d{4})(?:\s*[-–]\s*(\d{4}))?", re.I)


def _dateline(pieces: list[str]) -> str | None:
    """The first short piece that opens with a publication date (a news page's "2027-03-19
    21:36:10", a TC260 notice's "发布时间：2027-02-19　来源：秘书处"); not a "today" widget."""
    for piece in pieces:
        head = _META_SEPARATOR.split(piece, maxsplit=1)[0]  # "May 27, 2027 · Life Sciences · …"
        match = _DATELINE.fullmatch(piece) if len(head) <= MAX_DATELINE_CHARS else None
        if match is None:
            continue
        day = next(d for d in match.groupdict().values() if d)
        if _iso_day(day):
            return str(day)
    return None


# Elements outside the document: lists of related links, asides, footers, page headers, menus.
_NOT_OWN = (
    "ancestor-or-self::li or ancestor::aside or ancestor::footer or ancestor::header"
    " or ancestor::nav"
)
_OWN_TEXT = f"//body//text()[not(ancestor::script) and not(ancestor::style) and not({_NOT_OWN})]"
_OWN_TEXT_NODES = etree.XPath(_OWN_TEXT)
_LOWER_ID = "translate(@id, 'TIMEDA', 'timeda')"  # #articleTime, #pubDate
_DATED_XPATH = (
    f"//body//*[@id or @class][contains({_LOWER_ID}, 'time') or contains({_LOWER_ID}, 'date')"
    " or contains(@class, 'time') or contains(@class, 'date')]"
    f"[not({_NOT_OWN}) and not(ancestor-or-self::a)]"
)
_PARAGRAPH_XPATH = f"//body//p[not({_NOT_OWN})]"
# A short label before a stated date: "发布时间：", "日期：", "Published", "Date:".
_DATE_LABEL = re.compile(r"^(?:[^\d:：]{0,10}[:：]|Published|Posted|Issued)?\s*", re.I)
_NOT_PUBLISHED = re.compile(r"updated?|更新|修改|星期|周[一二三四五六日]|closes?|截止", re.I)


def _own_texts(tree: HtmlElement) -> tuple[list[str], list[str]]:
    """The body's text pieces outside related-link lists, asides, headers and footers; and
    those less the text right after a link ("<a>…方案</a>（京政办发〔2023〕12号）" gives the
    linked document's number, not the page's). One pass over the tree for both."""
    own: list[str] = []
    unlinked: list[str] = []
    for node in _OWN_TEXT_NODES(tree)[:MAX_PIECES]:
        if text := " ".join(str(node).split()):
            own.append(text)
            if not _after_link(node):
                unlinked.append(text)
    return own, unlinked


def _after_link(node: object) -> bool:
    """True for a text node that is the tail of an <a> (lxml marks tails so)."""
    parent = getattr(node, "getparent", lambda: None)()
    return bool(getattr(node, "is_tail", False)) and getattr(parent, "tag", "") == "a"


def _own_paragraphs(tree: HtmlElement) -> tuple[str, ...]:
    """Paragraphs outside lists, asides, headers and footers, the boxes an extractor drops
    included (NIST's "Request for comments" box stating the comment period)."""
    texts = (" ".join(p.text_content().split()) for p in tree.xpath(_PARAGRAPH_XPATH))
    return tuple(t for t in texts if t)


def _tagged_date(tree: HtmlElement) -> str | None:
    """The date opening the first element classed as the page's date or time (CAC's #pubtime,
    "detail-time", "date") that opens with a date: CMS pages mark their own date so."""
    for node in tree.xpath(_DATED_XPATH):
        text = " ".join(" ".join(node.itertext()).split())  # spans apart: "2026 04 / 24"
        if len(text) > MAX_DATELINE_CHARS or _NOT_PUBLISHED.search(text):
            continue
        if split := _SPLIT_DAY.match(text):  # Xinhua: <em>2026</em> <em>04</em>/<em>24</em>
            year, month, day = (int(g) for g in split.groups())
            return f"{year}-{month:02d}-{day:02d}"
        label = _DATE_LABEL.match(text)
        spans = date_spans(text[label.end() :] if label else text)
        if spans and spans[0][0].start == 0:
            return spans[0][1].isoformat()
    return None


_SPLIT_DAY = re.compile(r"((?:19|20)\d\d) (0?[1-9]|1[0-2]) ?/ ?(0?[1-9]|[12]\d|3[01])\b")


def _copyright_years(pieces: list[str]) -> frozenset[str]:
    """The years of the page's copyright notices (an extractor reads them as dates)."""
    years = (y for p in pieces for m in _COPYRIGHT.finditer(p) for y in m.groups() if y)
    return frozenset(years)


def number_only(line: str) -> str | None:
    """The document number a line consists of (give or take a few characters), or None: a
    number standing alone is the page's own; one inside a sentence is a citation."""
    line = line.strip()
    if len(line) > MAX_NUMBER_LINE:
        return None
    number = normalise_number(line)
    return number if number and len(line) <= len(number) + 4 else None


def _take_info_table(tree: HtmlElement) -> dict[str, str]:
    """Label -> value pairs of the first metadata table, which is then dropped from the tree."""
    for table in tree.iter("table"):
        cells = [
            (" ".join(c.text_content().split()), c.tag == "th") for c in table.iter("td", "th")
        ]
        pairs = _label_pairs(cells)
        if len(pairs) >= MIN_INFO_LABELS:
            table.drop_tree()
            return pairs
    return {}


def _label_pairs(cells: list[tuple[str, bool]]) -> dict[str, str]:
    """Cells 'label：' (or header cells <th>label</th>) followed by their value cell, for the
    known labels only."""
    pairs: dict[str, str] = {}
    for (label, header), (value, _) in zip(cells, [*cells[1:], ("", False)], strict=True):
        name = label.rstrip("：: ").replace(" ", "")
        name = _LABEL_ALIASES.get(name, name)
        marked = label != name or header
        if name in INFO_LABELS and marked and value and name not in pairs:
            pairs[name] = value
    return pairs


def strip_site_suffix(title: str, site_names: tuple[str, ...] = ()) -> str:
    """The title without trailing segments naming the site or its column."""
    text, stripped = " ".join(title.split()), False
    while True:
        parts = list(_SEPARATORS.finditer(text))
        if not parts:
            return text
        last = parts[-1]
        head, tail = text[: last.start()].strip(), text[last.end() :].strip()
        column = stripped and last.group().strip() == "_" and _COLUMN_SEGMENT.fullmatch(tail)
        if not head or not (column or _is_site_segment(tail, site_names)):
            return text
        text, stripped = head, True


# A short Chinese segment between the title and the site's name ("…的通知_张江科学城_上海市浦东
# 新区人民政府", "…_国务院部门文件_中国政府网"): the column or sub-site.
_COLUMN_SEGMENT = re.compile(r"[\u4e00-\u9fff]{2,12}")
_SITE_NAME = re.compile(r"[\u4e00-\u9fff]{2,24}(?:委员会|人民政府|政府网|门户网站|网站|网)")


def _only_site_name(title: str, site_names: tuple[str, ...]) -> bool:
    """A whole title that is just the site's name (a <title> without the document's)."""
    return title in site_names or _SITE_NAME.fullmatch(title) is not None


def _is_site_segment(segment: str, site_names: tuple[str, ...]) -> bool:
    if not segment or len(segment) > MAX_SUFFIX_CHARS:
        return False
    if any(segment == n or n in segment or segment in n for n in site_names):
        return True
    return bool(_SITE_WORDS.search(segment))


# GB/T 9704 document numbers, whatever bracket the page used: 工信部科〔2026〕215号.
# A GB/T 9704 number: issuer prefix, year in any bracket, sequence. In running text the
# prefix is kept short; a value that is only a number keeps its whole prefix.
_ZH_NUMBER_FORM = (
    r"([\u4e00-\u9fa5]{{1,{}}}?)\s*[〔\[【（(［]\s*(\d{{4}})\s*[〕\]】）)］]"
    r"\s*第?\s*0*(\d{{1,5}})\s*号"
)
_ZH_NUMBER = re.compile(_ZH_NUMBER_FORM.format(12))
_ZH_NUMBER_WHOLE = re.compile(_ZH_NUMBER_FORM.format(30))
_ZH_ORDER = re.compile(r"([\u4e00-\u9fa5]{2,20}令)\s*第\s*0*(\d{1,5})\s*号")
# 公告2024年第8号; also a 通告 and an order numbered within its year (…总局令2026年第5号)
_ZH_NOTICE = re.compile(
    r"([\u4e00-\u9fa5]{0,20}(?:公告|通告|令))\s*(\d{4})\s*年\s*第\s*0*(\d{1,5})\s*号"
)
NUMBER_HEAD_CHARS = 400  # an own number stands under the title, before the salutation
_ISSUER_SUFFIX = re.compile(r"(门户网站|网站|官网|官方网站)$")
# FDA's "Issued by: Guidance Issuing Office — Center for Devices and Radiological Health"
_ISSUING_OFFICE = re.compile(r"^(?:Guidance\s+)?Issuing Office\s*[—–:-]\s*")
_PUBLISHED_BY = re.compile(
    r"\b(?:Published|Issued) by:?\s+(?:the\s+)?([A-Z][\w&,' -]{2,80}?)(?:\s+on\b|[.\n]|$)"
    # a memorandum's sender: "FROM: Director, Office of Management and Budget"
    r"|^FROM:\s*(?:[A-Z][\w ]{2,40},\s*)?(?:the\s+)?([A-Z][\w&' -]{2,80}?)\s*$",
    re.M,
)


def normalise_number(text: str) -> str | None:
    """The first official document number in text, written the GB/T 9704 way, or None; a
    text that is one number keeps its whole prefix (中国证券监督管理委员会公告〔2026〕18号)."""
    if whole := _ZH_NUMBER_WHOLE.fullmatch(" ".join(text.split())):
        return f"{whole[1]}〔{whole[2]}〕{whole[3]}号"
    found = [m for p in (_ZH_NUMBER, _ZH_ORDER, _ZH_NOTICE) if (m := p.search(text))]
    if not found:
        return None
    return _spell(min(found, key=lambda m: m.start()))


def _spell(match: re.Match[str]) -> str:
    groups = match.groups()
    if match.re is _ZH_NUMBER:
        return f"{groups[0]}〔{groups[1]}〕{groups[2]}号"
    if match.re is _ZH_ORDER:
        return f"{groups[0]}第{groups[1]}号"
    return f"{groups[0]}{groups[1]}年第{groups[2]}号"


def document_number(gov: GovMeta, text: str) -> str | None:
    """The item's own number: the info table's 发文字号, else one under the title."""
    stated = gov.info.get("发文字号")
    if stated and any(c.isdigit() for c in stated):  # not 文号 "无" or "—"
        return normalise_number(stated) or " ".join(stated.split())
    if gov.number_line:
        return gov.number_line
    head = text[:NUMBER_HEAD_CHARS].split("\n")[:4]  # under the title, not deeper in the text
    if found := next((n for line in head if (n := number_only(line))), None):
        return found
    guide = _PUBLISHED_GUIDE.search(text[:NUMBER_HEAD_CHARS])
    return guide.group("n") if guide else None


# A TC260 practice guide published by the notice, its number after its name:
# "《网络安全标准实践指南——…》（TC260-PG-20263A），现予发布".
_PUBLISHED_GUIDE = re.compile(
    r"》\s*[（(](?P<n>TC260-PG-\d{5}[A-Z]?)[）)]\s*[，,]?\s*现予(?:发布|印发|公布)"
)


def issuer(gov: GovMeta, text: str) -> str | None:
    """The issuing body when the page states it (发文机关, ContentSource, "Published by …"),
    else the signature above the date, else the body whose order number the page carries."""
    stated = (
        gov.info.get("发文机关")
        or gov.meta.get("contentsource")
        or gov.meta.get("govuk:primary-publishing-organisation")
        or gov.info.get("published_by")  # the page's own "Issued by:" over the site's meta
        or gov.meta.get("dcterms.publisher")
    )
    if stated:
        return None if _PRESS_OFFICE.search(stated) else _with_ministry(_body_name(stated), gov)
    match = _PUBLISHED_BY.search(text[:2000])
    if match:
        return (match.group(1) or match.group(2)).strip(" ,")
    return (
        gov.signature
        or "、".join(gov.order_bodies)
        or _own_order_body(gov)
        or _acting_body(text)
        or _signing_department(text)
        or _title_body(gov, _SHORT_BODY)  # "科技部关于发布…": short names too
    )


# A press office or news centre as the source: a news release or Q&A (答记者问), not an act.
_PRESS_OFFICE = re.compile(r"新闻办|新闻中心|新闻发布|\bpress office\b|\bnewsroom\b", re.I)
# A body opening the text as the one consulting ("The Information Commissioner's Office (ICO)
# is consulting on …", "The Colorado Department of Law proposes rules …").
_ACTING_BODY = re.compile(
    r"^(?:The\s+)?(?P<body>[A-Z][\w'’&.-]*(?:\s+(?:[A-Z][\w'’&.-]*|of|for|and|on|the)){1,10}?)"
    r"(?:\s+\([A-Z]{2,8}\))?\s+"
    r"(?:is consulting|proposes|seeks|is seeking|requests|is requesting)\b",
    re.M,
)
ACTING_BODY_CHARS = 600  # the opening paragraph


# A UK statutory instrument's signature block: "Signed by authority of the Secretary of State
# for …", the minister's name and office, then the department on a line of its own.
_SIGNED_BY_AUTHORITY = re.compile(
    r"^Signed by authority of the Secretary of State\b.*\n(?:.*\n){0,3}?"
    r"(?P<department>Department (?:for|of) [A-Z][\w,' ]+)$",
    re.M,
)


def _signing_department(text: str) -> str | None:
    """The department whose minister signs a statutory instrument "by authority of the
    Secretary of State", or None."""
    match = _SIGNED_BY_AUTHORITY.search(text)
    return match.group("department").strip() if match else None


def _acting_body(text: str) -> str | None:
    """The public body the opening sentence names as consulting or proposing, or None."""
    match = _ACTING_BODY.search(text[:ACTING_BODY_CHARS])
    body = match.group("body") if match else ""
    return body if PUBLIC_BODY.search(body) else None


def _own_order_body(gov: GovMeta) -> str | None:
    """The body whose order the page's own number is (国家市场监督管理总局令第118号)."""
    return _order_body(gov.info.get("发文字号") or gov.number_line)


# A department named without its ministry (ContentSource "科技司", "秘书处", "办公厅"), or any
# short name ending in 司 (a ministry's department: "市场与信息化司"; not a 公司).
_BARE_DEPARTMENT = re.compile(
    r"(?:(?![部委省市县区国]|中央|全国|政府)[\u4e00-\u9fff]){1,6}(?:司|局|厅|处|室)"
    r"|[\u4e00-\u9fff]{2,8}(?<!公)司"
)
_ORDER_BODY = re.compile(r"([\u4e00-\u9fff]{2,20}?)令第\d+号")
_TITLE_BODY = re.compile(r"^([\u4e00-\u9fff]{3,30}?)关于")


def _with_ministry(name: str, gov: GovMeta) -> str:
    """A stated source the document itself names more fully: the signature it abbreviates
    (园区管委会 -> 苏州工业园区管理委员会); for a web department, the body signing or titling
    the document, else the department completed with the site's ministry."""
    if _abbreviates(name, gov.signature) or "、" in (gov.signature or ""):
        return str(gov.signature)  # a joint signature names every issuer; a source one
    if unit := _unit_of(name, gov):
        return unit
    if own := _document_body(name, gov):
        return own
    if not _BARE_DEPARTMENT.fullmatch(name):
        return name
    if gov.signature and gov.signature != name:
        return gov.signature  # 交通运输部 over ContentSource 运输服务司; or 工业和信息化部科技司
    if body := _title_body(gov, _SHORT_BODY) or _own_order_body(gov):
        return body  # ContentSource 法规司 of 国家市场监督管理总局令第118号; 科技部关于…
    ministry = gov.ministry()
    if not ministry or ministry.endswith(name):
        return name
    return ministry + name


def _unit_of(source: str, gov: GovMeta) -> str | None:
    """The body opening the title or signing, when it is a unit of the stated Chinese source
    (科技部办公厅 where ContentSource says 科技部): the document names its issuer exactly."""
    if source.isascii():
        return None
    for own in (_title_body(gov, _SHORT_BODY), gov.signature):
        if own and own != source and _unit_name_of(own, source):
            return own
    return None


def _unit_name_of(unit: str, body: str) -> bool:
    """True for a unit named after the body, in full or abbreviated (国家药监局综合司 of
    国家药品监督管理局, 科技部办公厅 of 科技部)."""
    if unit.startswith(body):
        return True
    cuts = (i for i in range(3, len(unit) - 1) if unit[i - 1] == body[-1])
    return any(_abbreviates(unit[:i], body) and _SHORT_BODY.fullmatch(unit[i:]) for i in cuts)


def _document_body(source: str, gov: GovMeta) -> str | None:
    """The body opening the document's title (else, for a portal source such as 首都之窗, its
    signature) when a Chinese web source names another unit (软件与信息服务业处, 高新区经济贸易局);
    None when the source is that body, a part of it, its full name (国家市场监督管理总局 for
    the title's 市场监管总局) or the body the site is named after."""
    if source.isascii() or source in gov.site_names():
        return None
    own = _title_body(gov)
    if own is None and not _SIGNER.fullmatch(source):
        own = gov.signature
    if not own or source in own or own in source or _abbreviates(own, source):
        return None
    if _abbreviates(own, gov.signature):
        return str(gov.signature)  # the title's 国家药监局, signed 国家药品监督管理局
    return own


def _abbreviates(short: str, full: str | None) -> bool:
    """True when `short` is `full` with characters left out, not a part of it: 管委会 for
    管理委员会 (a part, 国家标准化管理委员会 of …办公室, is another body)."""
    if not full or len(short) < 3 or short in full:
        return False
    rest = iter(full)
    return all(char in rest for char in short)


def _title_body(gov: GovMeta, body: re.Pattern[str] = _SIGNER) -> str | None:
    """The body opening the official title ("中国人民银行关于印发…的通知"), or None; `body`
    is the form a body's name must have (_SHORT_BODY admits 科技部)."""
    match = _TITLE_BODY.match(gov.official_title() or "")
    if not match or not body.fullmatch(match.group(1)):
        return None
    return _in_full(match.group(1), gov)


def _in_full(name: str, gov: GovMeta) -> str:
    """A province's or city's own short self-reference (省工业和信息化厅 in a 江苏 title) in
    the full form the signature or the site's name gives (江苏省工业和信息化厅)."""
    if not name.startswith(("省", "市")):
        return name
    fuller = (n for n in (gov.signature, *gov.site_names()) if n and n.endswith(name))
    return next((n for n in fuller if len(n) > len(name)), name)


def _order_body(number: str | None) -> str | None:
    """The body an order is numbered by ("国家互联网信息办公室令第33号"), or None."""
    match = _ORDER_BODY.fullmatch(number or "")
    return match.group(1).removeprefix("中华人民共和国") if match else None


# What follows a body's name in US Federal Register agency lines: "…; Commerce Department.",
# ", Commerce.", " (NIST)".
_AGENCY_TAIL = re.compile(
    r"\s*(?:;.*|,\s*(?:Commerce|Department of \w+|\w+ Department)\.?|\([A-Z]{2,8}\))\s*\.?$"
)


def _body_name(stated: str) -> str:
    """A stated issuer without site-name suffixes or the parent-department tail."""
    name = _ISSUING_OFFICE.sub("", _ISSUER_SUFFIX.sub("", " ".join(stated.split())))
    if not name.isascii():
        return "、".join(_spaced_bodies(name)) or _without_state_prefix(name)
    for _ in range(2):  # "… (NIST), Commerce.": the department, then the acronym
        name = _AGENCY_TAIL.sub("", name).rstrip(". ")
    return _without_parent(name)


# A parent department in a Federal Register agency list: "Department of Commerce", "Labor",
# "HHS" (an agency line names the agency, then its department, or the other way round).
_PARENT_DEPARTMENT = re.compile(r"Department of [A-Z][\w ]+|[A-Z][a-z]+|[A-Z]{2,6}")
_ACRONYM = re.compile(r"\s*\([A-Z]{2,8}\)")


def _without_parent(name: str) -> str:
    """The agency of a comma-separated agency list, its parent department and acronym dropped
    ("Food and Drug Administration, HHS", "Department of Commerce, National …
    Administration"); a name with no parent department in it is kept whole."""
    parts = [_ACRONYM.sub("", part).strip(" .") for part in name.split(",")]
    agencies = [part for part in parts if not _PARENT_DEPARTMENT.fullmatch(part)]
    if len(parts) < 2 or not agencies or len(agencies) == len(parts):
        return name
    return ", ".join(agencies)


def cited_identifiers(text: str, own: str | None = None) -> tuple[str, ...]:
    """Identifiers of other instruments the text cites, in order of first mention."""
    found: dict[str, int] = {}
    for pattern in (_ZH_NUMBER, _ZH_ORDER, _ZH_NOTICE):
        for m in pattern.finditer(text):
            found.setdefault(_spell(m), m.start())
    for identifier, start in identifiers.cited(text):  # EU, UK, US conventions
        found.setdefault(identifier, start)
    found.pop(own or "", None)
    return tuple(sorted(found, key=found.__getitem__))
