"""The public body that owns the site a page is on, as the page names it: the site-name meta
tag, the `<title>` suffix, the copyright or 主办单位 line, the header or footer.

A draft or final instrument on a body's own site that names no issuer anywhere else is that
body's (the labelled sets' authors read it so, and it is what an analyst filters on):
policywatch.extract uses the owner then, never for news or analysis.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

# English names of public bodies ("National Institute of Standards and Technology").
PUBLIC_BODY = re.compile(
    r"\b(?:Commission|Office|Institute|Agency|Ministry|Department|Authority|Administration"
    r"|Council|Board|Bureau|Directorate|Committee|Parliament|White House)\b"
)
# Chinese names of ministries, commissions, bureaus, provincial departments (厅), as in
# "中华人民共和国商务部" without the state.
BODY_NAME = re.compile(r"[\u4e00-\u9fff]{2,20}(?:部|委员会|委|总局|局|厅|署|办公室|院)")
_STATE = "中华人民共和国"
_ACRONYM = re.compile(r"\s*\((?:[A-Z][A-Za-z]{1,7})\)$")
_SITE_WORD = re.compile(r"\s+(?:website|web site|portal|homepage)$", re.I)
_TITLE_SEPARATORS = re.compile(
    r"\s+[-|–—]\s+|\s*[_｜|]\s*|--|(?<=[\u4e00-\u9fff》）])-(?=[\u4e00-\u9fff])"
)
# "版权所有：中华人民共和国科学技术部", "主办单位：…", "© Ofcom 2026", "© 2026 European Commission".
_HOLDER = re.compile(
    r"(?:版权所有|主办单位|主办)\s*[:：]?\s*(?P<zh>[\u4e00-\u9fff]{2,30})"
    r"|(?:©|Copyright)\s*(?:\d{4}\s*)?(?P<en>[A-Z][\w&'’ -]{1,60}?)(?=\s*(?:\d{4}|[|.,;]|$))"
)
_FURNITURE_XPATH = (
    "//header | //footer | //*[contains(@class, 'header') or contains(@id, 'header')"
    " or contains(@class, 'footer') or contains(@id, 'footer') or contains(@class, 'logo')]"
)
# Texts of the header or footer itself, and its logo's alt text, not its menus ("AI Office"
# in the site's nav).
_OWN_TEXT = (
    ".//text()[not(ancestor::nav) and not(ancestor::li) and not(ancestor::ul)]"
    " | .//img[not(ancestor::nav)]/@alt"
)
_SEGMENTS = re.compile(r"\s*[|,;·•]\s*|\.\s+|\n")
MAX_ENGLISH_WORDS = 9
# An address (a number in it) or a link's words are no body's name, whatever words they hold.
_NOT_A_NAME = re.compile(r"\d|^(?:Contact|Follow|Visit|About|Subscribe|Email|Write to)\b", re.I)


def site_owner(tree: HtmlElement, meta: dict[str, str]) -> str | None:
    """The body the page names as its site's owner, or None (a portal, a news site)."""
    furniture = tree.xpath(_FURNITURE_XPATH)  # one pass over the tree, read twice
    title_tails = _title_tails(tree)
    holders = _holders(furniture or [tree])
    candidates = [
        *(
            part
            for key in ("sitename", "og:site_name", "application-name")
            for part in _TITLE_SEPARATORS.split(meta.get(key, ""))
        ),
        *title_tails,
        *holders,
        *_furniture_names(furniture),
    ]
    for candidate in candidates:
        if name := body_name(candidate):
            return name
    # A name that is no body by its form ("Ofcom") counts when title and copyright agree.
    return next((t for t in title_tails if t in holders), None)


def body_name(text: str) -> str | None:
    """text as a public body's name (the state prefix and a trailing acronym dropped), or
    None when it is not one."""
    name = _ACRONYM.sub("", " ".join(text.split())).strip(" .")
    name = _SITE_WORD.sub("", name)  # "European Commission website"
    if not name:
        return None
    if not name.isascii():
        name = name.removeprefix(_STATE)
        return name if BODY_NAME.fullmatch(name) else None
    words = name.split()
    if len(words) > MAX_ENGLISH_WORDS or not name[0].isupper() or not PUBLIC_BODY.search(name):
        return None
    if _NOT_A_NAME.search(name):  # "HEADQUARTERS 100 Bureau Drive", "Contact the Commission"
        return None
    return name.removeprefix("The ").removeprefix("the ")


def _title_tails(tree: HtmlElement) -> list[str]:
    """The segments after the first of the `<title>` ("… - Ofcom" -> ["Ofcom"])."""
    titles = [" ".join(t.text_content().split()) for t in tree.iter("title")]
    if not titles:
        return []
    return [part for part in _TITLE_SEPARATORS.split(titles[0])[1:] if part]


def _holders(nodes: list[HtmlElement]) -> list[str]:
    """The holders named by copyright and 主办单位 lines of the nodes."""
    found = []
    for node in nodes:
        for match in _HOLDER.finditer(" ".join(node.text_content().split())):
            found.append((match["zh"] or match["en"] or "").strip())
    return [name for name in found if name]


def _furniture_names(furniture: list[HtmlElement]) -> list[str]:
    """Short segments of the header and footer texts, where a site names its owner."""
    segments = []
    for node in furniture:
        for piece in node.xpath(_OWN_TEXT):  # in reading order: the logo's name comes first
            segments.extend(_SEGMENTS.split(str(piece)))
    return segments
