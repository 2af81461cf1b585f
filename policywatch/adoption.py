"""Which stored draft a final instrument adopts: the same instrument name, a compatible
issuer, an earlier date. Pure functions; the store supplies the candidate drafts.

Chinese instruments are named in 《…》 (or between 关于印发 … 的通知) and keep the name from
draft to final, less （征求意见稿）: the names must be equal. English titles change more
("Draft statutory guidance on police use of live facial recognition" → "Police use of live
facial recognition: statutory guidance"), so their content words are compared, a title's
parts either side of a colon or dash as names of their own. A final renamed beyond recognition
still links when its text names the draft consulted on ("就《…（征求意见稿）》向社会公开征求意见").
Thresholds were set on the tune half of bench/data/policy (bench/policy_quality.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from policywatch.instruments import ZH_OPINION_ENDING, has_cjk

# How far back a final may look for the draft it adopts (drafts are typically adopted within
# months; a longer gap is more often a different instrument with a reused name).
MAX_DRAFT_AGE = timedelta(days=3 * 365)
MIN_SHARED_WORDS = 4  # English names: content words both must share ...
MIN_OVERLAP = 0.8  # ... as a share of the shorter name's words ...
MIN_JACCARD = 0.5  # ... and of both names' words together
MIN_ISSUER_BIGRAMS = 0.4  # 国家发展改革委 ~ 国家发展和改革委员会 (0.5); other bodies < 0.2
# A final renamed on adoption ("draft product safety expectations" -> "product safety
# standards", 《…生成内容标识办法》 -> 《…生成合成内容标识办法》) is linked on a looser name match
# only when its text says it follows a consultation; set on bench/data/policy (tune) and
# bench/data/policy-heldout (whose two renamed finals motivated it).
MIN_RENAMED_SHARED = 4  # English: content words both share ...
MIN_RENAMED_OVERLAP = 0.6  # ... as a share of the shorter name's words
MIN_RENAMED_BIGRAMS = 0.5  # Chinese: shared character pairs of the two names (Jaccard)
_CONSULTED = re.compile(
    r"(?:在|经|根据)(?:前期)?(?:广泛|公开)?征求(?:社会各界|各方|社会)?意见|征求意见(?:稿)?(?:的)?基础上"
    r"|公开征求意见后|对.{0,20}意见.{0,10}(?:采纳|吸收)"
    r"|征求意见稿.{0,80}征求意见|根据(?:反馈|各方|社会各界)?意见.{0,6}修改完善"
    r"|\b(?:follow(?:s|ed|ing)?|after|in response to)\s+(?:the|a|our|its|this)?\s*"
    r"(?:public\s+)?consultation\b"
    r"|\bcompared (?:to|with) the draft\b|\bfeedback (?:received )?on the draft\b"
    r"|\bhaving considered the (?:responses|feedback|comments)\b"
    # an EU act's recital: "the Commission consulted stakeholders on a draft of this Regulation"
    r"|\bconsulted (?:\w+ ){0,3}on (?:a|the) draft\b"
    r"|\btook (?:the |all )?(?:feedback|comments|views)(?: received)? into account\b"
    r"|\bin response to (?:the )?comments\b|\bnotice of proposed rulemaking\b"
    r"|\bdraft of the \w+ was open for (?:public )?(?:feedback|comment)"
    r"|\bdraft (?:was |had been )?(?:published|released|issued) for (?:public )?"
    r"(?:comment|consultation|feedback)",
    re.I,
)

_ZH_NAME = re.compile(r"《([^《》]{2,120})》")
_ZH_TITLE_NAME = re.compile(
    r"关于(?:印发|发布|公布|公开征求|征求)(?P<n>.{2,80}?)(?:意见)?的(?:通知|公告|通告)"
)
# A body's opinions or decision titled as themselves: the name is the title after the body.
_ZH_OWN_TITLE = re.compile(rf"^[\u4e00-\u9fff、 ]{{2,40}}?(?P<n>关于.{{4,80}}{ZH_OPINION_ENDING})$")
_DRAFT_MARKS = re.compile(
    r"[（(]\s*(?:草案)?(?:公开)?(?:征求意见稿|草案|送审稿|draft|consultation draft)\s*[）)]"
    r"|征求意见稿|送审稿",
    re.I,
)
_ZH_BARE_NAME = re.compile(
    r"^[\u4e00-\u9fff“”、0-9（）]{4,60}"
    r"(?:规定|办法|条例|细则|指南|指引|规范|标准|方案|计划|意见|措施|要求|准则)(?:（[^）]{2,12}）)?$"
)
_KEY_DROP = re.compile(r"[\s\W_]+", re.I)
_NAME_PARTS = re.compile(r"\s*(?::|\s[–—-]\s)\s*")
_WORD = re.compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)*")
_IDENTIFIER = re.compile(r"^\d+(?:[-.]\d+)+$")  # 700-3, 27-04: a document's own number
_NOT_NAME_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "for",
        "on",
        "in",
        "and",
        "to",
        "by",
        "with",
        "its",
        "their",
        "under",
        "into",
        "from",
        "this",
        "that",
        "draft",
        "drafts",
        "consultation",
        "consultations",
        "proposed",
        "proposal",
        "final",
        "public",
        "comment",
        "comments",
        "request",
        "requests",
        "seeks",
        "seeking",
        "invites",
        "call",
        "evidence",
        "views",
        "notice",
        "rulemaking",
        "have",
        "your",
        "say",
        "targeted",
        "stakeholder",
        "government",
        "response",
        "outcome",
        "version",
        "open",
        "feedback",
    ]
)
_PLACE = re.compile(r"^([\u4e00-\u9fff]{2,7}?[省市区县州])")


def instrument_key(title: str) -> str | None:
    """The name of the instrument a Chinese title carries (《…》, or 关于印发 … 的通知), draft
    markers dropped, so a draft and its final share it; None for other titles."""
    if not has_cjk(title):
        return None
    found = _ZH_NAME.findall(title)
    name = max(found, key=len) if found else None
    if name is None and (match := _ZH_TITLE_NAME.search(title)):
        name = match.group("n")
    if name is None and (match := _ZH_OWN_TITLE.match(title)):  # 交通运输部关于推进…的实施意见
        name = match.group("n")
    if name is None and _ZH_BARE_NAME.match(title):  # a rule published under its own name
        name = title
    return _name_key(name) if name else None


def _name_key(name: str) -> str | None:
    """An instrument's name as a key: draft markers, spaces and punctuation dropped."""
    return _KEY_DROP.sub("", _DRAFT_MARKS.sub("", name).lower())[:200] or None


def same_instrument(final_title: str, draft_title: str) -> bool:
    """True when two titles name the same instrument (Chinese: equal names; English: enough
    shared content words, and no conflicting document identifiers)."""
    if has_cjk(final_title) != has_cjk(draft_title):
        return False
    if has_cjk(final_title):
        final_stem, draft_stem = (
            _rule_stem(instrument_key(final_title)),
            _rule_stem(instrument_key(draft_title)),
        )
        if final_stem is None or draft_stem is None:
            return False
        if not _PLAN_PERIOD.search(draft_stem):  # a plan gains its years on adoption
            final_stem = _PLAN_PERIOD.sub("", final_stem)
        return _one_word_apart(final_stem, draft_stem)
    own, theirs = _identifiers(final_title), _identifiers(draft_title)
    if own and theirs:  # IR 8612 is the final of draft IR 8612, not of AI 700-3
        return bool(own & theirs)
    return any(
        _similar(a, b) for a in _name_variants(final_title) for b in _name_variants(draft_title)
    )


# The two names of a departmental rule (规章制定程序条例 §7: 规章的名称一般称"规定"、"办法"):
# a draft 办法 is often issued, by order, as a 规定 of the same name.
# A rule often gains 管理 on adoption (流通办法 -> 流通管理办法): the same name.
_RULE_KIND = re.compile(r"(?:管理)?(?:暂行)?(?:办法|规定)$|若干(?:政策)?措施$|若干政策$")
# A plan's years, which it often gains on adoption (行动方案 -> 行动方案（2027—2029年）): a
# key's "20272029年" ending. Two plans that both state years must state the same ones.
_PLAN_PERIOD = re.compile(r"\d{4}\d{4}年$|\d{4}年?版$")  # or an edition: 指南（2026年版）
_TRIAL = re.compile(r"(?:试行|暂行)$")  # 《…规定（试行）》: adopted for a trial period


# A field qualifier opening a name, which adoption may drop when the rest names the subject
# (人工智能智能体服务安全管理规定 -> 智能体服务安全管理暂行规定).
_FIELD_QUALIFIER = re.compile(r"^人工智能(?=.{6})")


MIN_WORD_DROP_NAME = 10  # characters: a shorter name is too generic to lose a word
MAX_DROPPED_WORD = 2  # a two-character word (服务, 管理, 应用) dropped or gained on adoption


def _one_word_apart(a: str, b: str | None) -> bool:
    """Equal names, or one that is the other with one word of up to two characters more
    (生成式人工智能服务数据标注… -> 生成式人工智能数据标注…), both long enough to stay specific."""
    if a == b:
        return True
    if b is None:
        return False
    short, long = sorted((a, b), key=len)
    if len(short) < MIN_WORD_DROP_NAME or not 0 < len(long) - len(short) <= MAX_DROPPED_WORD:
        return False
    cut = len(long) - len(short)
    return any(long[:i] + long[i + cut :] == short for i in range(len(short) + 1))


def _rule_stem(key: str | None) -> str | None:
    """An instrument key without its 办法 / 规定 ending (暂行规定 too) or a trial mark (试行),
    which adoption may change, nor the 管理 a rule's name gains (办法 -> 管理办法), nor a
    leading 人工智能; a name that gains other words (标识办法 -> 标识规则) is a rename."""
    if not key:
        return None
    return _RULE_KIND.sub("规章", _TRIAL.sub("", _FIELD_QUALIFIER.sub("", key)))


# The formal opening of an EU act's title, before its name: "Commission Implementing
# Regulation (EU) 2026/2210 of 18 November 2026 laying down …".
_EU_ACT_OPENING = re.compile(
    r"^(?:Commission\s+)?(?:Implementing\s+|Delegated\s+)?(?:Regulation|Directive|Decision)"
    r"\s+\(EU\)\s+\d{4}/\d+\s+of\s+\d{1,2}\s+\w+\s+\d{4}\s+"
    r"(?:laying down|on|amending|supplementing|establishing|specifying)?\s*",
    re.I,
)


def _name_variants(title: str) -> list[frozenset[str]]:
    """The content words of the whole title, of each part around a colon or dash, and of an
    EU act's name after its formal opening."""
    parts = [title, *_NAME_PARTS.split(title), _EU_ACT_OPENING.sub("", title)]
    return [words for part in parts if (words := _content_words(part))]


def _content_words(text: str) -> frozenset[str]:
    return frozenset(
        _stem(w)
        for w in _WORD.findall(text.lower())
        if w not in _NOT_NAME_WORDS and not w.isdigit() and not _IDENTIFIER.match(w)
    )


def _stem(word: str) -> str:
    """amending, amendment, amendments -> amend: drafts and finals word their titles apart."""
    return _SUFFIX.sub("", word) if len(word) > 5 else word


_SUFFIX = re.compile(r"(?:ments?|ing|ed|es|s)$")


def _identifiers(title: str) -> set[str]:
    """Report numbers in a title (NIST AI 700-3, IR 8612, M-27-04), not years and not the
    numbers of cited acts (Regulation (EU) 2024/1689)."""
    return {
        m.group(1)
        for m in _REPORT_NUMBER.finditer(title)
        if "-" in m.group(1) or "." in m.group(1) or not _YEAR.fullmatch(m.group(1))
    }


_REPORT_NUMBER = re.compile(r"(?<![/\d.-])(\d{2,5}(?:[-.]\d+)*)(?![\d/])")
_YEAR = re.compile(r"19\d\d|20\d\d|\d{2}")


def _similar(a: frozenset[str], b: frozenset[str]) -> bool:
    shared = len(a & b)
    if shared < MIN_SHARED_WORDS:
        return False
    return shared / min(len(a), len(b)) >= MIN_OVERLAP and shared / len(a | b) >= MIN_JACCARD


# What a final's text says of its consultation: nothing (False), that it follows one (True),
# or the keys of the drafts it names as consulted on (a non-empty frozenset, also true).
Consulted = bool | frozenset[str]


@dataclass(frozen=True, slots=True)
class DraftRef:
    """A stored draft (or, looking the other way, final): where, what, who, when; and for a
    final, what its text says of a consultation (follows_consultation)."""

    url: str
    title: str
    issuer: str | None
    published: date | None
    consulted: Consulted = False


# A final naming the draft that was consulted on: "就《…（征求意见稿）》向社会公开征求意见".
_NAMED_DRAFT = re.compile(
    r"《(?P<n>[^《》]{2,120}?(?:征求意见稿|草案|送审稿)\s*[）)]?)》[^。；]{0,40}?征求[^。；]{0,8}?意见"
)


# An English final naming its draft by title: "supersedes the initial public draft,
# Guidelines for Documenting AI Evaluations, released for comment".
_NAMED_EN_DRAFT = re.compile(
    r"\b[Dd]raft,?\s+(?:(?:titled|entitled|called)\s+)?[\"“]?"
    r"(?P<n>[A-Z][\w’'-]*(?:\s+(?:[A-Z0-9][\w’'.-]*|of|for|on|and|the|in|to|a|an|with|by))+)"
)


def follows_consultation(text: str) -> Consulted:
    """The keys of the drafts a final's text names as consulted on; else True when it says it
    was adopted after a consultation ("在广泛征求意见的基础上", "following the consultation",
    "Compared to the draft"); else False."""
    found = [m.group("n") for p in (_NAMED_DRAFT, _NAMED_EN_DRAFT) for m in p.finditer(text)]
    named = frozenset(k for name in found if (k := _name_key(name)))
    return named or _CONSULTED.search(text) is not None


def named_key(title: str) -> str | None:
    """The key a final's text names a draft by: its instrument name, else its whole title."""
    return instrument_key(title) or _name_key(title)


def adopted_draft(final: DraftRef, drafts: Iterable[DraftRef]) -> DraftRef | None:
    """The latest of `drafts` that `final` adopts: the same instrument (else the draft its text
    names, else, when it says it follows a consultation, a renamed one), a compatible issuer,
    published before the final and not more than MAX_DRAFT_AGE before it."""
    fitting = [
        d
        for d in drafts
        if d.url != final.url
        and _before(d.published, final.published)
        and same_body(final.issuer, d.issuer)
    ]
    same = [d for d in fitting if same_instrument(final.title, d.title)]
    if not same and isinstance(final.consulted, frozenset):  # the final names its draft
        same = [d for d in fitting if named_key(d.title) in final.consulted]
    if not same:
        same = [
            d
            for d in fitting
            if (final.consulted or same_act_kind(final.title, d.title))
            and renamed_instrument(final.title, d.title)
        ]
    return max(same, key=lambda d: d.published or date.min, default=None)


# An EU act's kind as a Have your say initiative names it ("implementing act on AI regulatory
# sandboxes") and as the Journal titles it ("Commission Implementing Regulation (EU) …").
_ACT_KIND = re.compile(
    r"\b(implementing|delegated)\s+(?:act|regulation|decision|directive)\b", re.I
)


def same_act_kind(final_title: str, draft_title: str) -> bool:
    """True when both titles name one kind of EU act (implementing or delegated): a draft
    act consulted on under that name is adopted as that kind of act, renamed."""
    kinds = [_ACT_KIND.search(t) for t in (final_title, draft_title)]
    return all(kinds) and len({k.group(1).lower() for k in kinds if k}) == 1


def renamed_instrument(final_title: str, draft_title: str) -> bool:
    """The looser name match of a final renamed on adoption: most content words (English)
    or character pairs (Chinese) shared; conflicting report numbers still veto."""
    if has_cjk(final_title) != has_cjk(draft_title):
        return False
    if has_cjk(final_title):
        a, b = instrument_key(final_title), instrument_key(draft_title)
        if not a or not b:
            return False
        pairs_a, pairs_b = _bigrams(a), _bigrams(b)
        return len(pairs_a & pairs_b) / len(pairs_a | pairs_b) >= MIN_RENAMED_BIGRAMS
    own, theirs = _identifiers(final_title), _identifiers(draft_title)
    if own and theirs and not own & theirs:
        return False
    return any(
        _renamed_similar(a, b)
        for a in _name_variants(final_title)
        for b in _name_variants(draft_title)
    )


def _renamed_similar(a: frozenset[str], b: frozenset[str]) -> bool:
    shared = len(a & b)
    return shared >= MIN_RENAMED_SHARED and shared / min(len(a), len(b)) >= MIN_RENAMED_OVERLAP


def same_body(a: str | None, b: str | None) -> bool:
    """Issuers that may be one body: unknown, one containing the other, most character pairs
    shared (国家发展改革委 ~ 国家发展和改革委员会), or offices of one province or city (a
    department drafts, the general office issues: 重庆市…委员会 ~ 重庆市人民政府办公厅)."""
    if not a or not b:
        return True
    if "、" in a or "、" in b:  # a joint document: any of its bodies (教育部、中央网信办)
        return any(same_body(x, y) for x in a.split("、") for y in b.split("、"))
    a, b = _KEY_DROP.sub("", a.lower()), _KEY_DROP.sub("", b.lower())
    if a in b or b in a or _short_name(a, b) or _short_name(b, a):
        return True
    if _unit_of(a, b) or _unit_of(b, a):
        return True
    place_a, place_b = _PLACE.match(a), _PLACE.match(b)
    if place_a and place_b and place_a.group(1) == place_b.group(1):
        return True
    pairs_a, pairs_b = _bigrams(a), _bigrams(b)
    union = pairs_a | pairs_b
    return bool(union) and len(pairs_a & pairs_b) / len(union) >= MIN_ISSUER_BIGRAMS


MIN_SHORT_NAME = 4  # characters: shorter abbreviations (国办) match too much


def _unit_of(unit: str, body: str) -> bool:
    """True when `unit` is a unit named after `body` by its short name (国家药监局综合司 of
    国家药品监督管理局): the office drafts, the body issues."""
    return has_cjk(unit) and any(
        _short_name(unit[:i], body) for i in range(MIN_SHORT_NAME, len(unit))
    )


def _short_name(short: str, full: str) -> bool:
    """True when `short` is a Chinese body's short name: `full` with characters left out, in
    order, and the same kind of body (市场监管总局 for 国家市场监督管理总局)."""
    if len(short) < MIN_SHORT_NAME or not has_cjk(short) or short[-1] != full[-1]:
        return False
    rest = iter(full)
    return all(char in rest for char in short)


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _before(draft: date | None, final: date | None) -> bool:
    if draft is None or final is None:
        return True
    return draft <= final and final - draft <= MAX_DRAFT_AGE
