"""The extraction workers start when pages are to be fetched, not with the run (issue 17):
an unchanged re-run sends no worker the lexicon, baseline and glossary."""

from __future__ import annotations

import asyncio

from policywatch.baseline import load_baseline
from policywatch.classify import load_lexicon
from policywatch.pipeline import Extractor
from policywatch.worker import PageJob

PAGE = (
    "<html><head><title>Ministry publishes AI safety rules</title></head><body><article>"
    + "".join(
        f"<p>The ministry published rules {n} on artificial intelligence safety, with testing "
        "duties for providers of large models and a register of high-risk systems.</p>"
        for n in range(4)
    )
    + "</article></body></html>"
).encode()


def test_workers_start_with_the_first_page_and_not_after_close() -> None:
    extractor = Extractor(2, load_lexicon(), load_baseline(None))
    try:
        assert extractor._pool is None  # nothing to extract yet: no worker process
        result = asyncio.run(extractor.run(PageJob("https://gov.example/a.html", PAGE, "utf-8")))
        assert result.error is None and result.article is not None
        assert extractor._pool is not None
    finally:
        extractor.close()
    extractor.warm()
    assert extractor._pool is None  # a closed extractor starts no workers again


def test_warm_soon_starts_the_workers_in_the_background() -> None:
    extractor = Extractor(2, load_lexicon(), load_baseline(None))
    try:
        extractor.warm_soon()
        extractor.warm_soon()  # a second call starts nothing more
        extractor.warm()  # waits for the starter thread, then finds the pool
        assert extractor._pool is not None
    finally:
        extractor.close()


def test_the_forkservers_warm_up_pages_extract() -> None:
    """Both sample pages the forkserver warms the extraction code with are processed whole
    (a sample that stopped extracting would warm nothing and fail no run)."""
    from policywatch import forkserver, warmup

    assert forkserver.PRELOAD == ["policywatch.warmup"]
    assert warmup.warm() == len(warmup.SAMPLES) == 2
