"""Extractive summaries: the first informative sentences of an article, verbatim.

Nothing is paraphrased or generated: sentences are copied from the text, skipping datelines,
bylines, photo credits and short fragments. English and Chinese sentence endings are handled.
"""

from __future__ import annotations

import re

ELLIPSIS = "…"

# A sentence ends at . ! ? (followed by space) or at 。！？ (no space needed), plus closing quotes.
_EN_END = re.compile(r"""(?<=[.!?])["'”’)\]]*\s+(?=["'“‘(\[]?[A-Z0-9\u4e00-\u9fff])""")
_ZH_END = re.compile(r"(?<=[。！？])[”’」』）)]*")
_ABBREV = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|Sen|Rep|Gov|Gen|St|Jr|Sr|No|Nos|Art|Arts|Sec|Para|Fig|Vol|vs|etc"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec|Inc|Ltd|Co|Corp)|\b[A-Z]|\be\.g|\bi\.e)\.$"
)
# "By Jane Doe, Technology Correspondent" (checked only on short paragraphs).
_BYLINE = re.compile(r"^(?:By|BY|Written by|Posted by)\s+[A-Z\u4e00-\u9fff]")
_BYLINE_MAX = 80
# "Published: 18 Nov 2026", "Photo | Reuters", "来源：新华网" and similar labelled lines.
_LABEL = re.compile(
    r"^(?:photo|image|credit|source|published|updated|last updated|posted|share|read more"
    r"|related|tags|author|contact|作者|记者|来源|发布时间|责任编辑|编辑)s?\s*(?:[:：|]|$)",
    re.IGNORECASE,
)
# "BRUSSELS, 18 November 2026 – " or "WASHINGTON (Reuters) - " at the start of a paragraph.
_DATELINE = re.compile(
    r"^[A-Z][A-Z .'-]{2,40}(?:\([^)]{1,40}\))?(?:,[^—–\-\n]{1,40})?\s+[—–-]{1,2}\s+(?=\S)"
)
# "新华社北京11月18日电（记者 张三）" at the start of a Chinese news paragraph.
_ZH_DATELINE = re.compile(r"^[\u4e00-\u9fff]{2,12}\d{1,2}月\d{1,2}日电(?:（[^）]{0,30}）)?\s*")
# The addressees of a notice: "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：" (a line
# ending in a colon, no full stop inside), or "Dear stakeholders," / "Dear colleagues:".
_SALUTATION = re.compile(
    r"^(?:各[^。！？]{1,300}|[^。！？]{2,300}(?:部门|单位|机构|政府|委员会|厅|局|协会|组织))[：:]$"
    r"|^Dear [A-Za-z ,'-]{2,80}[,:]$"
)
_MIN_EN_CHARS = 40
_MIN_EN_WORDS = 6
_MIN_ZH_CHARS = 8
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def summarize(text: str, max_sentences: int = 3, max_chars: int = 420) -> str:
    """First `max_sentences` informative sentences of `text`, verbatim, within `max_chars`."""
    if max_sentences < 1 or max_chars < 2:
        raise ValueError("max_sentences must be >= 1 and max_chars >= 2")
    sentences = [s for s in _sentences(text) if _informative(s)]
    if not sentences:
        fallback = " ".join(text.split())
        return _truncate(fallback, max_chars) if fallback else ""
    return _assemble(sentences, max_sentences, max_chars)


def _sentences(text: str) -> list[str]:
    """Split text into sentences, paragraph by paragraph, dropping leading datelines."""
    out: list[str] = []
    for paragraph in re.split(r"\n\s*\n|\n", text):
        para = " ".join(paragraph.split())
        if not para or _is_byline(para):
            continue
        para = _ZH_DATELINE.sub("", _DATELINE.sub("", para, count=1), count=1)
        out.extend(_split_sentences(para))
    return out


def _is_byline(para: str) -> bool:
    """True for bylines ("By Jane Doe"), labelled lines ("Published: 18 Nov 2026") and the
    salutation opening a notice ("各省、自治区…：", "Dear stakeholders,")."""
    if _SALUTATION.match(para):
        return True
    return bool(_LABEL.match(para)) or (len(para) <= _BYLINE_MAX and bool(_BYLINE.match(para)))


def _split_sentences(para: str) -> list[str]:
    """Split one paragraph at English and Chinese sentence ends, not after abbreviations."""
    pieces: list[str] = []
    for chunk in _ZH_END.split(para) if _CJK.search(para) else [para]:
        pieces.extend(_split_english(chunk))
    return [p.strip() for p in pieces if p.strip()]


def _split_english(chunk: str) -> list[str]:
    """Split at '. ' etc., merging back pieces that ended in a known abbreviation."""
    merged: list[str] = []
    for piece in _EN_END.split(chunk):
        if merged and _ABBREV.search(merged[-1]):
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return merged


def _informative(sentence: str) -> bool:
    """True unless the sentence is a byline, a labelled line, or a short fragment."""
    if _is_byline(sentence):
        return False
    cjk = len(_CJK.findall(sentence))
    if cjk:  # Chinese (possibly mixed with Latin words): a Latin word counts as two characters
        return cjk + 2 * len(re.findall(r"[A-Za-z0-9]+", sentence)) >= _MIN_ZH_CHARS
    return len(sentence) >= _MIN_EN_CHARS and len(sentence.split()) >= _MIN_EN_WORDS


def _assemble(sentences: list[str], max_sentences: int, max_chars: int) -> str:
    """Join sentences until either limit; a too-long first sentence is cut with an ellipsis."""
    summary = ""
    for sentence in sentences[:max_sentences]:
        joined = _join(summary, sentence)
        if len(joined) > max_chars:
            break
        summary = joined
    return summary or _truncate(sentences[0], max_chars)


def _join(left: str, right: str) -> str:
    """Join two sentences: no space after a Chinese full stop, one space otherwise."""
    if not left:
        return right
    return left + right if left[-1] in "。！？”」』）" else f"{left} {right}"


def _truncate(text: str, max_chars: int) -> str:
    """Cut text to at most max_chars, at a word boundary where there is one, adding '…'."""
    if len(text) <= max_chars:
        return text
    head = text[: max_chars - 1]
    cut = head.rfind(" ")
    if cut >= max_chars // 3 and not _CJK.search(head[cut:]):
        head = head[:cut]
    return head.rstrip(" ,;:-–—") + ELLIPSIS
