"""Values a page states beside a label outside any table: "Published by:" in a GOV.UK list,
"Publication date" and "Feedback period" in the Commission's, "Published: April 22, 2027 ·
Status: Final" in a NIST byline, "Issued by: …". Read from the body's text nodes in order."""

from __future__ import annotations

import re

from lxml import etree
from lxml.html import HtmlElement

from policywatch.dates import find_dates

# A label piece, by the info key its value is stored under.
LABELS = {
    "publication date": "发布日期",
    "publication": "发布日期",
    "published": "发布日期",
    "date published": "发布日期",
    "发布时间": "发布日期",
    "发布日期": "发布日期",
    "published by": "published_by",
    "issued by": "published_by",
    "agency": "published_by",  # the Federal Register's "Agency: Federal Trade Commission"
    "文号": "发文字号",
    "feedback period": "comment_period",
    "comment period": "comment_period",
    "consultation period": "comment_period",
    "status": "status",
    "来源": "source",
    "作者": "author",
}
_INLINE = re.compile(
    r"\b(?P<label>Date Published|Publication date|Publication|Published by|Issued by|Published"
    r"|Status)"
    r"(?::\s*|\s+(?=[A-Z0-9]))(?P<value>[^·|;]{2,80}?)\s*(?=[·|;]|$)"
)
MAX_PIECES = 600  # text nodes read from the top of the body (labels sit there)


# Plain strings, not lxml's "smart" ones that know their parent: a page has thousands of text
# nodes and building a smart string for each took half this function's time.
_BODY_TEXT = etree.XPath(
    "//body//text()[not(ancestor::script) and not(ancestor::style)]", smart_strings=False
)


def body_pieces(tree: HtmlElement) -> list[str]:
    """The body's text nodes (no scripts or styles), whitespace collapsed, top first."""
    nodes = _BODY_TEXT(tree)
    assert isinstance(nodes, list)
    pieces = (" ".join(str(n).split()) for n in nodes[:MAX_PIECES])
    return [p for p in pieces if p]


def labelled_values(pieces: list[str]) -> dict[str, str]:
    """Info key -> value: the piece after a label piece, or 'Label: value' inside a piece
    (the first of each key wins)."""
    found: dict[str, str] = {}
    for piece, following in zip(pieces, [*pieces[1:], ""], strict=True):
        key = LABELS.get(piece.rstrip("：: ").lower())
        if key and following:
            found.setdefault(key, following)
        for match in _INLINE.finditer(piece):
            inline_key = LABELS[match.group("label").lower()]
            value = match.group("value").strip(" ,")
            if inline_key != "发布日期" or find_dates(value):
                found.setdefault(inline_key, re.sub(r"^the\s+", "", value))
        by = _INLINE_BY_DATE.search(piece)
        if by and find_dates(by.group(1)):  # "March 9, 2027 · Issued by: …"
            found.setdefault("发布日期", by.group(1))
    return found


_INLINE_BY_DATE = re.compile(r"^([^·|]{6,40}?)\s*[·|]\s*(?:Published|Issued) by\b")
