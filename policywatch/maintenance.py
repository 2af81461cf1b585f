"""Recompute stored items' derived keys: band keys fingerprinted with an older
dedupe.FINGERPRINT_VERSION, and the cross-language evidence keys of live items stored before
that layer existed (`policywatch db refingerprint`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from policywatch.crosslang import is_chinese, story_keys
from policywatch.dedupe import FINGERPRINT_VERSION, fingerprint
from policywatch.glossary import Glossary
from policywatch.models import Article
from policywatch.storage import Store

BATCH = 200  # items read per query


@dataclass(frozen=True, slots=True)
class Refreshed:
    """What a refingerprint run did."""

    items: int
    version: int


def refingerprint(
    store: Store, glossary: Glossary, progress: Callable[[int], None] | None = None
) -> Refreshed:
    """Recompute the keys of every stale item, in id order, one transaction per item (an
    interrupted run resumes where it stopped: finished items are no longer stale)."""
    done, after = 0, 0
    while batch := store.stale_items(FINGERPRINT_VERSION, after, BATCH):
        for item in batch:
            article = _article(item)
            keys = story_keys(article, glossary)
            language = "zh" if is_chinese(article) else "en"
            band_keys = fingerprint(article.text).band_keys
            store.refresh_keys(item, band_keys, FINGERPRINT_VERSION, keys, language)
            done += 1
        after = batch[-1]["id"]
        if progress is not None:
            progress(done)
    return Refreshed(done, FINGERPRINT_VERSION)


def _article(item: Any) -> Article:
    """A stored item as the Article the keys are computed from."""
    return Article(
        url=item["url"],
        title=item["title"] or "",
        text=item["text"] or "",
        published=item["published"],
        language=item["language"],
        document_number=item["document_number"],
        cites=tuple(json.loads(item["cites"])) if item["cites"] else (),
    )
