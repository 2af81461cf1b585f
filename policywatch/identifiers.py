"""Identifiers of English-language instruments (EU, UK, US conventions, shared
POLICY-CONVENTIONS.md): which ones a text cites, and which one is the page's own.

A page's own identifier stands where the instrument names itself: a Federal Register header
("[Docket No. BIS-2026-0012]"), a "Report Number:" line, the title ("NIST AI 100-2e2026,
Adversarial …", "Commission Implementing Regulation (EU) 2026/2210 of …"), a heading line of
the text ("Executive Order 14362 of May 4, 2026", "STATUTORY INSTRUMENTS / 2026 No. 1045"),
or the act adopting it ("adopted by Commission Communication C(2026) 4120 final"). One it only
mentions further down is a citation. Pure functions, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

_EU_ACT = re.compile(
    r"(?<![A-Za-z])(?:Commission\s+)?(?P<kind>Implementing\s+|Delegated\s+)?"
    r"(?P<form>Regulation|Directive|Decision)\s+\(EU\)\s+(?P<number>\d{4}/\d+)",
    re.I,
)
_COMMISSION_DOC = re.compile(
    r"(?<![A-Za-z])(?P<series>COM|C|SWD)\((?P<year>\d{4})\) ?(?P<n>\d+) final\b"
)
_EXECUTIVE_ORDER = re.compile(r"(?<![A-Za-z])Executive Order (?:No\. )?(?P<n>1\d{4})\b", re.I)
_UK_SI = re.compile(r"(?<![A-Za-z])S\.?I\.? (?P<year>\d{4})/(?P<n>\d+)\b")
_UK_SI_LINE = re.compile(r"(?P<year>\d{4}) No\. (?P<n>\d+)")  # legislation.gov.uk's own form
# A regulations.gov docket: NIST-2024-0001, OSTP-TECH-2026-0014, FDA-2027-D-0142.
_DOCKET = re.compile(r"(?<![A-Za-z\d-])[A-Z]{2,8}(?:-[A-Z]{2,8})?-\d{4}-(?:[A-Z]-)?\d{4}\b")
_NIST = re.compile(
    r"(?<![A-Za-z])NIST[ .](?P<series>AI|SP|IR|CSWP)[ .]"
    r"(?P<n>\d+(?:-\d+)?(?:e\d{4}|[A-Z](?![a-z]))?)"
)
_OMB_MEMO = re.compile(r"(?<![A-Za-z\d-])M-\d{2}-\d{2}\b")

# A Federal Register header or label naming the document's docket ("[Docket No. …]",
# "Agency/Docket Number: …"), and the sentence saying where comments on this document go
# ("… through www.regulations.gov under docket NIST-2026-0003").
_DOCKET_HEADER = re.compile(
    r"(?:^|\n)\s*\[?(?:Agency/)?Docket (?:Nos?\.|Numbers?|ID)[:\s]*(?P<v>[^\]\n]{4,80})", re.I
)
_DOCKET_NAMED = re.compile(r"\bdocket(?: (?:number|No\.|ID))?[:\s]+(?=[A-Z]{2,8}-)", re.I)
# Where comments go, or (a final rule's ADDRESSES) where the comments received are kept.
_COMMENTS_GO = re.compile(
    r"\b(?:submit(?:ted)?|submissions?|sen[dt]|filed?)\b"
    r"|\bcomments received\b.{0,80}\bregulations\.gov\b",
    re.I,
)
_NUMBER_LABEL = re.compile(
    r"(?:^|\n)\s*(?:Report|Publication|Document) (?:Number|No\.)\s*:?\s*(?P<v>[^\n]{4,60})", re.I
)
# "The guidelines were adopted by Commission Communication C(2026) 4120 final".
# and "The Commission has adopted Delegated Regulation (EU) 2027/1180 amending …".
_ADOPTED_BY = re.compile(
    r"\b(?:(?:adopted|approved) by (?:a |the )?(?:Commission )?(?:Communication|Decision)"
    r"|has (?:today |now )?adopted(?: the| a| its)?) ",
    re.I,
)
# What stands before an identifier a title only cites: "… amending Annex III to Regulation
# (EU) 2024/1689", "… under Article 50 of …", "Guidance implementing Executive Order 14110".
_CITING = re.compile(
    r"\b(?:amending|amends|supplementing|implementing|implements|under|pursuant to|to|of|in"
    r"|replacing|repealing|for)\s+(?:(?:Annex|Article|Articles|Section|Part)\s+[\w()]+"
    r"\s+(?:to|of)\s+)?(?:the\s+)?$",
    re.I,
)
HEAD_LINES = 8  # an instrument names itself in the first lines of its text
HEADER_CHARS = 2000


def _eu_act(m: re.Match[str]) -> str:
    kind = (m["kind"] or "").split()
    return " ".join([*(k.title() for k in kind), m["form"].title(), "(EU)", m["number"]])


def _commission_doc(m: re.Match[str]) -> str:
    return f"{m['series']}({m['year']}) {m['n']} final"


def _executive_order(m: re.Match[str]) -> str:
    return f"Executive Order {m['n']}"


def _uk_si(m: re.Match[str]) -> str:
    return f"SI {m['year']}/{m['n']}"


def _nist(m: re.Match[str]) -> str:
    return f"NIST {m['series']} {m['n']}"


def _as_printed(m: re.Match[str]) -> str:
    return m.group(0)


# Every English identifier form with the function writing it the one way it is stored.
FORMS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (_EU_ACT, _eu_act),
    (_COMMISSION_DOC, _commission_doc),
    (_EXECUTIVE_ORDER, _executive_order),
    (_UK_SI, _uk_si),
    (_NIST, _nist),
    (_OMB_MEMO, _as_printed),
    (_DOCKET, _as_printed),
)


def cited(text: str) -> Iterable[tuple[str, int]]:
    """Every English identifier in text, normalised, with where it stands."""
    for pattern, spell in FORMS:
        for m in pattern.finditer(text):
            yield spell(m), m.start()


def first_identifier(text: str) -> str | None:
    """The identifier standing first in text, normalised, or None."""
    found = sorted(cited(text), key=lambda pair: pair[1])
    return found[0][0] if found else None


def own_identifier(
    titles: Iterable[str | None], text: str, docket_label: str | None = None
) -> str | None:
    """The identifier the instrument gives itself, or None. `titles` are the page's titles
    (meta, `<title>`, heading, kicker), most official first; `text` its main text;
    `docket_label` what the page's "Agency/Docket Number" label says, if it has one."""
    header = text[:HEADER_CHARS]
    if docket := _federal_register_docket(docket_label, header):
        return docket
    if (label := _NUMBER_LABEL.search(header)) and (number := first_identifier(label["v"])):
        return number
    for title in titles:
        if title and (named := _title_identifier(title)):
            return named
    return _heading_line(text.split("\n")[:HEAD_LINES]) or _adopting_act(header)


def _federal_register_docket(label: str | None, header: str) -> str | None:
    """The regulations.gov docket a Federal Register document files itself under: in its
    docket label or header, else in the sentence saying where comments on it go."""
    stated = [label or "", *(line["v"] for line in _DOCKET_HEADER.finditer(header))]
    for value in stated:
        if found := _DOCKET.search(value):
            return found.group(0)
    for named in _DOCKET_NAMED.finditer(header):
        sentence = _sentence_around(header, named.start())
        if _COMMENTS_GO.search(sentence) and (found := _DOCKET.match(header, named.end())):
            return found.group(0)
    return None


def _sentence_around(text: str, at: int) -> str:
    """The sentence of text holding position `at` (full stops inside a web address kept)."""
    start = max(text.rfind(". ", 0, at), text.rfind("\n", 0, at)) + 1
    ends = [i for i in (text.find(". ", at), text.find("\n", at)) if i >= 0]
    return text[start : min(ends, default=len(text))]


def _title_identifier(title: str) -> str | None:
    """The first identifier of a title that the title does not merely cite."""
    for identifier, start in sorted(cited(title), key=lambda pair: pair[1]):
        if not _CITING.search(title[max(0, start - 60) : start]):
            return identifier
    return None


def _heading_line(lines: list[str]) -> str | None:
    """An identifier opening one of the first lines ("Executive Order 14362 of May 4, 2026",
    "COMMISSION IMPLEMENTING REGULATION (EU) 2026/2210", a line "2026 No. 1045")."""
    for line in (" ".join(raw.split()) for raw in lines):
        if si := _UK_SI_LINE.fullmatch(line):
            return _uk_si(si)
        found = sorted(cited(line), key=lambda pair: pair[1])
        if found and found[0][1] == 0:
            return found[0][0]
    return None


def _adopting_act(header: str) -> str | None:
    """The Commission document that adopted the text, named right after "adopted by"."""
    for m in _ADOPTED_BY.finditer(header):
        for pattern, spell in FORMS[:2]:  # an EU act or a Commission document
            if doc := pattern.match(header, m.end()):
                return spell(doc)
    return None
