"""Warm the extraction code once in the workers' forkserver, so every worker forks ready.

A worker's first pages cost 0.5 s of CPU more than later ones: trafilatura's and our
regular expressions compile on first use, the glossary's alternations too (issue 17). The
forkserver preloads this module: it processes one English and one Chinese page, and the
workers inherit the compiled patterns (Python's `re` cache and the module globals) by fork.
The forkserver starts before the CLI imports Prefect, so this runs on the other core.
"""

from __future__ import annotations

from policywatch.classify import load_lexicon
from policywatch.glossary import cached_glossary
from policywatch.worker import PageJob, init_worker, process_page

_PARAGRAPHS_EN = (
    "The Department for Science, Innovation and Technology today published its consultation "
    "on an AI assurance code of practice for providers of general-purpose AI models.",
    "Comments are invited until 15 January 2027. The code sets out testing, documentation "
    "and incident reporting duties, following the AI Act's obligations in the European Union.",
    "Executive Order 14110 and NIST AI 100-1 are cited as international reference points.",
)
_PARAGRAPHS_ZH = (
    "各省、自治区、直辖市工业和信息化主管部门：",
    "为规范人工智能生成合成内容标识，我部起草了《人工智能安全治理办法（征求意见稿）》，"
    "现向社会公开征求意见，意见反馈截止时间为2026年12月10日。",
    "国家互联网信息办公室、国家发展改革委关于大模型备案和数据安全的要求同时适用。",
)


def _page(title: str, paragraphs: tuple[str, ...], lang: str) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta name="PubDate" content="2026-11-02 10:00"></head><body><nav><a href="/">Home</a>'
        f"</nav><article><h1>{title}</h1>{body}</article><footer>© 2026</footer></body></html>"
    ).encode()


SAMPLES = (
    ("https://warmup.invalid/en.html", _page("AI assurance consultation", _PARAGRAPHS_EN, "en")),
    (
        "https://warmup.invalid/zh.html",
        _page("关于公开征求《人工智能安全治理办法（征求意见稿）》意见的通知", _PARAGRAPHS_ZH, "zh"),
    ),
)


def warm() -> int:
    """Process the sample pages with the built-in lexicon and glossary; the pages that
    extracted (a warm-up never fails a run: a failed page is only less warm)."""
    init_worker(load_lexicon(), (), cached_glossary())
    results = [process_page(PageJob(url, body, "utf-8")) for url, body in SAMPLES]
    return sum(1 for r in results if r.article is not None)


warm()
