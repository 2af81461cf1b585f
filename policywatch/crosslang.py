"""The cross-language layer of duplicate detection: a Chinese notice and an English report of
it are one story when enough language-independent evidence agrees.

Evidence is a set of keys per article, the same in both languages: document numbers
(工信部科〔2026〕215号 ~ "No. 215 [2026]"), cited instrument identifiers, numbers with their
magnitudes (100亿元 ~ "10 billion yuan", 30% ~ "30 percent"), target years, dates, and the
glossary's bodies, places, zones, programmes and policy terms (policywatch.glossary). Keys are
computed where the page is processed and stored in an index (storage), so candidates are found
by shared keys, not by a scan; `cross_match` then decides on two key sets. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from policywatch.dates import date_spans
from policywatch.glossary import Glossary
from policywatch.instruments import has_cjk
from policywatch.models import Article

LAYER = "cross-language"
WINDOW = timedelta(days=14)  # the two must be published within this of each other
# Weight of a shared key, by kind: identifiers are near-proof, a shared body or place is weak
# (one ministry publishes many notices a week). Set on bench/data/crosslang's tune half.
WEIGHTS = {
    "doc": 4.0,
    "id": 4.0,
    "order": 2.0,
    "num": 1.5,
    "pct": 1.5,
    "date": 1.0,
    "year": 1.0,
    "program": 1.5,
    "zone": 1.0,
    "term": 1.0,
    "sector": 0.5,  # healthcare, energy, SMEs: listed by nearly every plan
    "body": 0.5,
    "place": 0.5,
}
SPECIFIC = frozenset(("doc", "id", "order", "num", "pct", "date", "year", "program", "term"))
MIN_SCORE = 5.0  # summed weight of the shared keys ...
MIN_COVERAGE = 0.5  # ... as a share of the smaller side's total weight ...
MIN_SPECIFIC = 2  # ... with at least this many shared keys that are not just bodies or places
MIN_NUMBER = 10  # smaller numbers (五方面, "three tasks") are everywhere


@dataclass(frozen=True, slots=True)
class CrossMatch:
    """Why two items in different languages are one story: score and the keys they share."""

    score: float
    coverage: float
    shared: tuple[str, ...]


def is_chinese(article: Article) -> bool:
    """The article's language is Chinese (stated, or Chinese characters in its title/text)."""
    if article.language:
        return article.language.lower().startswith("zh")
    return has_cjk(f"{article.title}{article.text[:500]}")


def language_of(row: Mapping[str, Any]) -> str:
    """A stored item's language code ('zh-CN' counts as zh); items that state none are zh
    when their title or text holds Chinese characters, else en."""
    stated = row.get("language")
    if stated:
        return str(stated).split("-")[0].lower()
    return "zh" if has_cjk(f"{row.get('title') or ''}{(row.get('text') or '')[:500]}") else "en"


def story_keys(article: Article, glossary: Glossary) -> frozenset[str]:
    """The language-independent evidence of one article, as 'kind:value' keys."""
    zh = is_chinese(article)
    text = f"{article.title}\n{article.text}"
    text = _DATELINE.sub("", text)
    keys = _documents(article, text) | glossary.entities(text, zh)
    dates = date_spans(text, article.published, nearest=True)
    keys |= {f"date:{day.isoformat()}" for _, day in dates}
    plain = _UNNUMBERED.sub(" ", _blank(text, [span for span, _ in dates]))
    keys |= _years(plain, article.published) | _quantities(plain, zh) | _counted(plain, zh)
    return frozenset(keys)


def cross_match(a: Iterable[str], b: Iterable[str]) -> CrossMatch | None:
    """A CrossMatch when the keys of two articles agree enough to be one story, else None.
    Different own document numbers veto."""
    keys_a, keys_b = frozenset(a), frozenset(b)
    docs_a, docs_b = _of_kind(keys_a, "doc"), _of_kind(keys_b, "doc")
    if docs_a and docs_b and not docs_a & docs_b:
        return None
    shared = keys_a & keys_b
    score = _weight(shared)
    smaller = min(_weight(keys_a), _weight(keys_b))
    coverage = score / smaller if smaller else 0.0
    specific = sum(1 for k in shared if _kind(k) in SPECIFIC)
    if score < MIN_SCORE or coverage < MIN_COVERAGE or specific < MIN_SPECIFIC:
        return None
    return CrossMatch(round(score, 2), round(coverage, 3), tuple(sorted(shared)))


def lookup_keys(keys: Iterable[str]) -> list[str]:
    """The keys candidates are looked up by: the specific ones. A match needs MIN_SPECIFIC of
    them shared, so nothing is lost, and bodies and places (thousands of items each) are not
    scanned."""
    return sorted(k for k in keys if _kind(k) in SPECIFIC)


def within_window(a: date | None, b: date | None) -> bool:
    """Both dated and published within WINDOW of each other."""
    return a is not None and b is not None and abs(a - b) <= WINDOW


def _kind(key: str) -> str:
    return key.partition(":")[0]


def _of_kind(keys: frozenset[str], kind: str) -> frozenset[str]:
    return frozenset(k for k in keys if _kind(k) == kind)


def _weight(keys: Iterable[str]) -> float:
    return sum(WEIGHTS.get(_kind(k), 0.0) for k in keys)


# -- document numbers and identifiers ------------------------------------------------------

_ZH_DOC = re.compile(r"[〔\[【（(［]\s*(\d{4})\s*[〕\]】）)］]\s*第?\s*0*(\d{1,5})\s*号")
_EN_DOC = (
    re.compile(r"\bNo\.\s*0*(?P<n>\d{1,5})\s*[\[(（]\s*(?P<y>\d{4})\s*[\])）]"),
    re.compile(r"[\[(]\s*(?P<y>\d{4})\s*[\])]\s*No\.\s*0*(?P<n>\d{1,5})\b"),
    re.compile(r"\bNo\.\s*0*(?P<n>\d{1,5}) of (?P<y>\d{4})\b"),
)
_ZH_ORDER = re.compile(r"令\s*第\s*0*(\d{1,5})\s*号")
_EN_ORDER = re.compile(r"\b(?:Decree|Order)\s+No\.\s*0*(\d{1,5})\b")
# Not quantities: document numbers, serials and clock times (dates are blanked by position).
_UNNUMBERED = re.compile(
    r"[〔\[【（(［]\s*\d{4}\s*[〕\]】）)］]\s*第?\s*\d{1,5}\s*号|第\s*\d{1,5}\s*号"
    r"|\bNo\.\s*\d{1,5}|\d{1,2}:\d{2}"
)
# A wire dateline names the agency's city, not the story's: "BEIJING, Oct. 14 (Xinhua) --".
_DATELINE = re.compile(
    r"^\s*[A-Z][A-Z .'-]{2,30},\s+[A-Z][a-z]{2,8}\.?\s+\d{1,2}\s*\([^)]{2,30}\)\s*-+", re.M
)


def _blank(text: str, spans: list[range]) -> str:
    """text with the given character ranges replaced by spaces."""
    chars = list(text)
    for span in spans:
        chars[span.start : span.stop] = " " * len(span)
    return "".join(chars)


def _documents(article: Article, text: str) -> set[str]:
    """doc:YEAR-SERIAL of GB/T 9704 numbers (own, cited, or written the English way),
    order:N of 令第N号 / "Decree No. N", id: of EU/UK/US identifiers."""
    keys = {f"doc:{y}-{int(n)}" for y, n in _ZH_DOC.findall(text)}
    for pattern in _EN_DOC:
        keys.update(f"doc:{m['y']}-{int(m['n'])}" for m in pattern.finditer(text))
    keys.update(f"order:{int(n)}" for n in _ZH_ORDER.findall(text))
    keys.update(f"order:{int(n)}" for n in _EN_ORDER.findall(text))
    own = (article.document_number or "", *article.cites)
    keys.update(f"doc:{y}-{int(n)}" for ident in own for y, n in _ZH_DOC.findall(ident))
    keys.update(f"id:{c.lower()}" for c in article.cites if not has_cjk(c))
    return keys


# -- years and quantities ------------------------------------------------------------------

_YEAR = re.compile(r"(?<![\d.])(20\d{2})(?![\d.])")
_ZH_QUANTITY = re.compile(
    r"(?<![\d.,])(\d+(?:,\d{3})*(?:\.\d+)?)\s*(万亿|亿|万|千)?\s*(%|％|个百分点)?"
)
_EN_QUANTITY = re.compile(
    r"(?<![\d.,])(\d+(?:,\d{3})*(?:\.\d+)?)\s*(trillion|billion|million|thousand|bn)?\b"
    r"\s*(%|percent|per cent|percentage points?)?",
    re.I,
)
_SCALE = {
    "万亿": 1e12,
    "亿": 1e8,
    "万": 1e4,
    "千": 1e3,
    "trillion": 1e12,
    "billion": 1e9,
    "bn": 1e9,
    "million": 1e6,
    "thousand": 1e3,
}


_EN_UNITS = {
    w: n
    for n, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_EN_TENS = {
    w: 10 * n
    for n, w in enumerate(
        ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    )
    if n > 1
}
_EN_WORDS = re.compile(
    r"\b(?:(?P<tens>"
    + "|".join(_EN_TENS)
    + r")(?:[- ](?P<unit>"
    + "|".join(list(_EN_UNITS)[1:10])
    + r"))?"
    r"|(?P<teen>ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
    r"|(?:a|one) (?P<hundred>hundred))\b",
    re.I,
)
_ZH_DIGITS = dict(zip("零一二两三四五六七八九", (0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_ZH_COUNTED = re.compile(
    r"(?<![零一二两三四五六七八九十百千])([零一二两三四五六七八九十百千]{1,6})(?=[个项家条所座批类名大])"
)


def _counted(text: str, zh: bool) -> set[str]:
    """num:VALUE of numbers written in words, from ten up: "forty major projects" ~ 四十个."""
    if zh:
        values = [_zh_numeral(m) for m in _ZH_COUNTED.findall(text)]
    else:
        values = [_en_numeral(m) for m in _EN_WORDS.finditer(text)]
    return {f"num:{v:.4g}" for v in values if v is not None and v >= MIN_NUMBER}


def _en_numeral(match: re.Match[str]) -> int:
    if match["hundred"]:
        return 100
    if match["teen"]:
        return _EN_UNITS[match["teen"].lower()]
    return _EN_TENS[match["tens"].lower()] + _EN_UNITS.get((match["unit"] or "zero").lower(), 0)


def _zh_numeral(numeral: str) -> int | None:
    """十 10, 二十 20, 三十五 35, 一百 100, 一百二十 120; None when not a plain numeral."""
    total, digit = 0, None
    for char in numeral:
        if char in _ZH_DIGITS:
            if digit is not None:
                return None  # 二三 is not a numeral
            digit = _ZH_DIGITS[char]
        else:
            total += (1 if digit is None else digit) * {"十": 10, "百": 100, "千": 1000}[char]
            digit = None
    return total + (digit or 0)


def _years(text: str, published: date | None) -> set[str]:
    """Years other than the publication year (targets: 到2028年, "by 2028")."""
    this_year = published.year if published else None
    return {f"year:{y}" for y in _YEAR.findall(text) if int(y) != this_year}


def _quantities(text: str, zh: bool) -> set[str]:
    """num:VALUE (magnitudes applied, 4 significant digits) and pct:VALUE of the text's
    numbers, leaving out years and numbers below MIN_NUMBER."""
    found: set[str] = set()
    for number, scale, percent in (_ZH_QUANTITY if zh else _EN_QUANTITY).findall(text):
        value = float(number.replace(",", "")) * _SCALE.get(scale.lower(), 1.0)
        if percent:
            found.add(f"pct:{value:.4g}")
        elif value >= MIN_NUMBER and not (not scale and _YEAR.fullmatch(number)):
            found.add(f"num:{value:.4g}")
    return found
