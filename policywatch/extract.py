"""Extraction: main text and metadata from HTML already fetched (trafilatura, no downloads)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import trafilatura
from lxml.html import HtmlElement
from trafilatura.settings import Document, use_config
from trafilatura.utils import load_html

from policywatch import identifiers, instruments
from policywatch.adoption import instrument_key
from policywatch.discover import plausible_date
from policywatch.errors import ExtractError
from policywatch.govmeta import (
    GovMeta,
    cited_identifiers,
    document_number,
    issuer,
    read_gov_meta,
)
from policywatch.models import Article
from policywatch.siteowner import site_owner

MIN_TEXT_CHARS = 80  # below this trafilatura found boilerplate, not an article
MAX_HTML_CHARS = 5_000_000  # beyond this parsing time and memory explode; refuse
MAX_JUNK_SHARE = 0.05  # more control/undecodable characters than this: binary, not a page
_JUNK = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
_CONFIG = use_config()
_CONFIG.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")  # signal-based timeouts break in threads
_CONFIG.set("DEFAULT", "MIN_OUTPUT_SIZE", "40")


def extract_article(html: str, url: str, fallback_title: str | None = None) -> Article:
    """Extract title, main text, date, author, site name and language, or raise ExtractError."""
    if len(html) > MAX_HTML_CHARS:
        raise ExtractError(url, f"page of {len(html)} characters is too large to extract")
    if looks_binary(html):
        raise ExtractError(url, "binary data, not an HTML page (wrong Content-Type?)")
    try:
        tree = load_html(html)
        gov = read_gov_meta(tree) if tree is not None else GovMeta()
        doc = trafilatura.bare_extraction(
            tree if tree is not None else html,
            url=url,
            with_metadata=True,
            include_comments=False,
            config=_CONFIG,
        )
    except Exception as exc:  # trafilatura/lxml raise many types on hostile input
        raise ExtractError(url, f"extraction crashed: {type(exc).__name__}: {exc}") from None
    if not isinstance(doc, Document) or not (doc.text or "").strip():
        raise ExtractError(url, "no main text found (not an article page, or script-rendered)")
    text = _strip_heading(_strip_heading((doc.text or "").strip(), doc.title), gov.info.get("标题"))
    if len(text) < MIN_TEXT_CHARS:
        raise ExtractError(url, f"main text too short ({len(text)} characters)")
    title = _title(gov.official_title(doc.title), fallback_title, text)
    published = _date(gov.published()) or _date(gov.fallback_published(doc.date))
    news = gov.reports_news()
    ids = _identifiers(gov, text, instruments.about_an_instrument(title) or news)
    instrument = _instrument(title, text, published, gov, ids["issuer"], news)
    ids = _with_own_identifier(ids, instrument, (title, doc.title), gov, text)
    return Article(
        url=url,
        title=title,
        text=text,
        published=published,
        author=doc.author or None,
        sitename=doc.sitename or None,
        language=doc.language or None,
        **_with_site_owner(
            ids,
            instruments.issued_document(instrument["stage"], ids["document_number"], title),
            tree,
            gov,
        ),
        **instrument,
    )


def _identifiers(gov: GovMeta, text: str, commentary: bool) -> dict[str, Any]:
    """Document number, issuer and cited instruments (policywatch.govmeta); an
    interpretation or analysis of an instrument issues nothing, so it has no issuer."""
    number = document_number(gov, text)
    return {
        "document_number": number,
        "issuer": None if commentary else issuer(gov, text),
        "cites": cited_identifiers(text, number),
    }


def _with_own_identifier(
    ids: dict[str, Any],
    instrument: dict[str, Any],
    titles: tuple[str | None, ...],
    gov: GovMeta,
    text: str,
) -> dict[str, Any]:
    """An English draft or final without a Chinese number: the identifier it gives itself
    (Executive Order 14362, Implementing Regulation (EU) 2026/2210, a docket; see
    policywatch.identifiers). Read only for instruments: news cites identifiers too."""
    if ids["document_number"] or not instrument["stage"] or instruments.has_cjk(titles[0] or ""):
        return ids
    names = (gov.kicker, gov.meta.get("wt.z_doctitle"), gov.meta.get("citation_title"), *titles)
    own = identifiers.own_identifier(names, text, gov.info.get("docket"))
    if own is None:
        return ids
    return {**ids, "document_number": own, "cites": cited_identifiers(text, own)}


def _with_site_owner(
    ids: dict[str, Any], document: bool, tree: HtmlElement | None, gov: GovMeta
) -> dict[str, Any]:
    """A document (instruments.issued_document) that names no issuer is its site owner's,
    when the page names one (policywatch.siteowner); news and analysis stay without. Read
    only then: it costs 7 ms a page (trafilatura leaves the furniture be)."""
    if tree is None or ids["issuer"] is not None or not document:
        return ids
    return {**ids, "issuer": site_owner(tree, gov.meta)}


def _instrument(
    title: str,
    text: str,
    published: date | None,
    gov: GovMeta,
    issuer: str | None,
    news: bool,
) -> dict[str, Any]:
    """Stage, comment deadline, effective date and name key (policywatch.instruments); a
    page its site files as news (GovMeta.reports_news) has no stage."""
    period = gov.info.get("comment_period")
    byline = " ".join(gov.info.get(k, "") for k in ("source", "author"))
    declared = instruments.declared_stage(gov.info.get("status"), period, byline)
    if news:
        declared = instruments.REPORT
    stage_ = instruments.stage(title, text, declared, issuer)
    return {
        "stage": stage_,
        "consultation_deadline": _deadline(text, published, stage_, gov),
        "effective_date": instruments.effective_date(text, published),
        "instrument_key": instrument_key(title) if stage_ else None,
    }


def _deadline(text: str, published: date | None, stage_: str | None, gov: GovMeta) -> date | None:
    """The comment deadline of the main text, else of the page's own paragraphs: extractors
    drop boxes such as NIST's "Request for comments" that state the comment period."""
    period = gov.info.get("comment_period")
    found = instruments.consultation_deadline(text, published, stage_, period)
    if found is None and stage_ == instruments.DRAFT:
        found = instruments.consultation_deadline("\n".join(gov.paragraphs), published, stage_)
    return found


def looks_binary(text: str, sample: int = 65_536) -> bool:
    """True when control or undecodable characters make up a sizeable share of the text."""
    head = text[:sample]
    return bool(head) and len(_JUNK.findall(head)) > MAX_JUNK_SHARE * len(head)


def _strip_heading(text: str, title: str | None) -> str:
    """Drop a first line repeating the headline, so copies with new headlines compare equal."""
    first, _, rest = text.partition("\n")
    if title and rest and " ".join(first.split()) == " ".join(title.split()):
        return rest.strip()
    return text


def _title(extracted: str | None, fallback: str | None, text: str) -> str:
    for candidate in (extracted, fallback):
        if candidate and candidate.strip():
            return " ".join(candidate.split())[:500]
    return text.split("\n", 1)[0][:120]


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        parsed = date.fromisoformat(value[:10])
    except ValueError:
        return None
    return plausible_date(parsed)
