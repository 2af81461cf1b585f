"""CPU-bound page processing, run in worker processes: decode, extract, fingerprint, classify.

trafilatura holds the GIL, so pages are spread over processes. Everything here is pure and
picklable; the lexicon and baseline are installed once per process by `init_worker`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from policywatch.baseline import BaselineDoc, match_baseline
from policywatch.classify import Lexicon, classify
from policywatch.crosslang import story_keys
from policywatch.decode import decode_body
from policywatch.dedupe import Fingerprint, Prepared, fingerprint, prepare
from policywatch.errors import PolicywatchError
from policywatch.glossary import Glossary, cached_glossary
from policywatch.instruments import issued_document
from policywatch.models import Article, Relevance

_STATE: dict[str, object] = {}


@dataclass(frozen=True, slots=True)
class PageJob:
    """A fetched page to process, with the source's classification settings."""

    url: str
    body: bytes
    charset: str | None
    fallback_title: str | None = None
    source_region: str | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    source_issuer: str | None = None  # sources.yaml `issuer`: the body whose site this is


@dataclass(frozen=True, slots=True)
class PageResult:
    """Extraction outcome: an article with fingerprint and relevance, or an error."""

    url: str
    article: Article | None = None
    fingerprint: Fingerprint | None = None
    relevance: Relevance | None = None
    baseline_id: str | None = None
    error: str | None = None
    prepared: Prepared | None = None
    cross_keys: frozenset[str] = frozenset()


def init_worker(
    lexicon: Lexicon, baseline: tuple[BaselineDoc, ...], glossary: Glossary | None = None
) -> None:
    """Install per-process state (called by the pool initializer, or once in-process);
    without a glossary, the built-in one."""
    _STATE["lexicon"] = lexicon
    _STATE["baseline"] = baseline
    _STATE["glossary"] = glossary or cached_glossary()


def with_source_issuer(article: Article, job: PageJob) -> Article:
    """A document (a draft, a final, a numbered instrument or a call) that names no issuer
    gets the source's `issuer`: every page of the source comes from that body's own site.
    News and events keep none."""
    is_document = issued_document(article.stage, article.document_number, article.title)
    if job.source_issuer is None or article.issuer is not None or not is_document:
        return article
    return replace(article, issuer=job.source_issuer)


def process_page(job: PageJob) -> PageResult:
    """Decode, extract, fingerprint and classify one page; errors become a failed result."""
    # Imported here: trafilatura (with courlan and urllib3, 0.2 s) is the workers' (the
    # forkserver warms it), not the main process's start-up.
    from policywatch.extract import extract_article

    try:
        html = decode_body(job.body, job.charset)
        article = with_source_issuer(extract_article(html, job.url, job.fallback_title), job)
    except PolicywatchError as exc:
        return PageResult(job.url, error=str(exc))
    lexicon = _STATE["lexicon"]
    baseline = _STATE["baseline"]
    assert isinstance(lexicon, Lexicon) and isinstance(baseline, tuple)
    prepared = prepare(article.text)  # shingled here, in parallel: the store reuses it
    fp = fingerprint(prepared)
    relevance = classify(
        article.title,
        article.text,
        lexicon=lexicon,
        source_region=job.source_region,
        include=job.include,
        exclude=job.exclude,
    )
    baseline_id = match_baseline(prepared, fp, baseline)
    glossary = _STATE["glossary"]
    assert isinstance(glossary, Glossary)
    keys = story_keys(article, glossary)
    return PageResult(job.url, article, fp, relevance, baseline_id, None, prepared, keys)
