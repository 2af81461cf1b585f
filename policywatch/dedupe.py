"""Layered duplicate detection, cheapest layer first: URL, exact text, near-duplicate, containment.

The store keeps ``Fingerprint.band_keys`` (MinHash-LSH band keys) in ``lsh_buckets``, so finding
candidates needs no texts in memory; ``compare`` then verifies the few candidates exactly.
Shingles are word n-grams for space-separated scripts and character n-grams for Chinese and
Japanese, so one MinHash serves both. Cross-language matching would be a further layer after
these (its own ``Match.layer``); nothing here assumes one language per story.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from policywatch.urls import canonical_url

U64 = npt.NDArray[np.uint64]

# Bump when anything below changes the band keys. Each item stores the version its keys were
# computed with; `policywatch db refingerprint` recomputes older ones from items.text.
FINGERPRINT_VERSION = 1

# Shingle length in tokens. A token is a word in space-separated scripts and a single character
# in Chinese/Japanese runs; 5 words or 5 characters are rare enough to ignore shared stock phrases
# ("The municipal government announced", "为深入贯彻落实") yet survive small edits.
WORD_SHINGLE = 5
CJK_SHINGLE = 5
# A text is "CJK" (character shingles) when at least this share of its tokens are CJK characters.
CJK_TOKEN_SHARE = 0.5

# Too little evidence below this: such texts match only by exact hash, never near/containment.
# Counted in words; CJK characters count as half a word (so 60 characters = 30 words).
MIN_WORDS = 30
CJK_CHARS_PER_WORD = 2

# Content lines: near-duplicate and containment shingles come only from lines (trafilatura writes
# one paragraph per line) that end like a sentence and have at least MIN_LINE_WORDS words.
# Headlines, navigation, cookie banners, "related articles" links and share/footer lines do not
# end like sentences, and they are what different pages of one site have in common. If the
# content lines hold fewer than MIN_WORDS words, all lines are used instead.
MIN_LINE_WORDS = 8
_SENTENCE_END = re.compile(
    r"[.!?;:\u3002\uff01\uff1f\uff1b\uff1a\u2026][\"'\u201d\u2019\u300d\u300f)\]\uff09]*\s*$"
)

# Jaccard similarity of content-shingle sets at or above which two texts are near-duplicates.
# Measured (bench/dedup_quality.py): copies with a new headline, site boilerplate, reordered
# paragraphs or other punctuation score 0.85-1.0; different announcements on the same topic,
# region and event type, even sharing a site template and stock phrases, score at most 0.1.
NEAR_DUPLICATE_JACCARD = 0.5
# Share of the smaller text's content shingles found anywhere in the larger text at or above which
# the smaller is a trimmed copy of the larger. Measured: copies keeping 60% of the paragraphs
# (with or without boilerplate) score 0.92-1.0; different announcements at most 0.17.
CONTAINMENT_THRESHOLD = 0.7
# Containment is only considered when the smaller text has at least this share of the larger
# one's shingles: a short announcement quoted whole inside a long weekly round-up is not a copy.
# Kept in line with the LSH threshold below, which finds candidates down to Jaccard ~0.3.
CONTAINMENT_MIN_SIZE_RATIO = 0.3

# MinHash-LSH: BANDS bands of ROWS hash values. Two texts become candidates when any band agrees,
# with probability 1 - (1 - J**ROWS)**BANDS: 0.93 at J=0.3, 0.985 at J=0.35, 0.998 at J=0.4,
# but 0.09 at J=0.1 and 1e-5 at J=0.005 (unrelated texts), so few false candidates. Each stored
# item costs BANDS rows in lsh_buckets; ROWS=2 would find J=0.3 surely but flood the lookup with
# candidates sharing stock phrases, ROWS=4 would miss most trimmed copies.
BANDS = 96
ROWS = 3
NUM_PERM = BANDS * ROWS

# Shingles processed per step of the vectorised MinHash (bounds temporary memory).
_CHUNK = 2048
_WORD_BIT = np.uint64(1 << 40)  # keeps word ids apart from CJK code points

_CJK = (
    "\u3005-\u3007\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\U00020000-\U0003134f"
)
_CJK_RUN = re.compile(f"([{_CJK}]+)")
_CJK_GAP = re.compile(f" (?:(?=[{_CJK}])|(?<=[{_CJK}] ))")  # a space next to a CJK character


@dataclass(frozen=True)
class Fingerprint:
    """What the store keeps per item: exact-text hash and LSH band keys (signed 64-bit)."""

    text_hash: str
    band_keys: tuple[int, ...]
    size: int  # number of distinct shingles


@dataclass(frozen=True)
class Match:
    """Why two items are duplicates: the layer that matched and its score (0-1)."""

    layer: str  # "url" | "exact" | "near" | "containment"
    score: float


_LINE_BREAK = re.compile("[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")


class _Separators(dict[int, int | None]):
    """str.translate table built lazily: punctuation, symbols, separators and controls become
    spaces, invisible format characters and lone surrogates disappear, the rest stays."""

    def __missing__(self, codepoint: int) -> int | None:
        category = unicodedata.category(chr(codepoint))
        value: int | None = codepoint
        if category[0] in "PSZ" or category == "Cc":
            value = 0x20
        elif category in ("Cf", "Cs"):
            value = None
        self[codepoint] = value
        return value


_SEPARATORS = _Separators()


class _Line(NamedTuple):
    text: str  # normalised
    words: float  # length in words (see _words)
    sentence: bool  # ends like a sentence (judged before punctuation was removed)


def normalise_text(text: str) -> str:
    """NFKC, casefold, punctuation and whitespace to single spaces, no space by CJK. Idempotent.

    Full-width and half-width forms, curly and straight quotes, and line breaks inside Chinese
    paragraphs all normalise to the same string.
    """
    return _join(_lines(text))


def text_hash(text: str) -> str:
    """Hex SHA-1 of the normalised text: the exact-duplicate layer's key (40 characters)."""
    return hashlib.sha1(normalise_text(text).encode("utf-8")).hexdigest()


def shingles(text: str) -> set[int]:
    """Hashed shingles of a text's content lines: word n-grams, or character n-grams for CJK."""
    return set(_shingle_array(_content(_lines(text)))[0].tolist())


def fingerprint(text: str | Prepared) -> Fingerprint:
    """Exact hash plus MinHash-LSH band keys; texts too short for near matching get no band keys."""
    prepared = prepare(text)
    digest = hashlib.sha1(prepared.full.encode("utf-8")).hexdigest()
    if not prepared.long_enough:
        return Fingerprint(digest, (), int(prepared.content.size))
    keys = _band_keys(minhash(prepared.content))
    return Fingerprint(digest, tuple(keys.view(np.int64).tolist()), int(prepared.content.size))


@dataclass(frozen=True)
class Prepared:
    """A text normalised and shingled once, to compare against many candidates."""

    full: str  # normalise_text(text)
    content: U64  # shingles of the content lines
    long_enough: bool  # enough words for the near and containment layers

    @cached_property
    def all_shingles(self) -> U64:
        """Shingles of the whole text (the containment layer's haystack), computed on demand."""
        return _shingle_array([self.full])[0]


def prepare(text: str | Prepared) -> Prepared:
    """Normalise and shingle a text once (idempotent on a Prepared)."""
    if isinstance(text, Prepared):
        return text
    lines = _lines(text)
    content, long_enough = _shingle_array(_content(lines))
    return Prepared(_join(lines), content, long_enough)


def compare(text_a: str | Prepared, text_b: str | Prepared) -> Match | None:
    """Verify whether a new text (a) duplicates a stored candidate (b), cheapest layer first.

    Pass `prepare(text)` for a text compared with many candidates: it is shingled once.
    """
    a, b = prepare(text_a), prepare(text_b)
    if a.full and a.full == b.full:
        return Match("exact", 1.0)
    if not (a.long_enough and b.long_enough):
        return None
    jaccard = _jaccard(a.content, b.content)
    if jaccard >= NEAR_DUPLICATE_JACCARD:
        return Match("near", jaccard)
    small, large = (b, a) if a.content.size > b.content.size else (a, b)
    if small.content.size < CONTAINMENT_MIN_SIZE_RATIO * large.content.size:
        return None  # containment of the smaller in the larger
    containment = _contained(small.content, large.all_shingles)
    return Match("containment", containment) if containment >= CONTAINMENT_THRESHOLD else None


def compare_urls(url_a: str, url_b: str) -> Match | None:
    """The URL layer: both URLs have the same canonical form (callers pass valid http(s) URLs)."""
    return Match("url", 1.0) if canonical_url(url_a) == canonical_url(url_b) else None


def _jaccard(a: U64, b: U64) -> float:
    common = _common(a, b)
    return common / (a.size + b.size - common)


def _contained(part: U64, whole: U64) -> float:
    """Share of ``part``'s shingles that occur in ``whole``."""
    return _common(part, whole) / part.size if part.size else 0.0


def _common(a: U64, b: U64) -> int:
    """How many values two sorted, distinct shingle arrays share: a binary search of the smaller
    in the larger, 2-3x faster than np.intersect1d/np.isin (which sort both again)."""
    small, large = (a, b) if a.size <= b.size else (b, a)
    if small.size == 0:
        return 0
    at = np.searchsorted(large, small)
    at[at == large.size] = 0
    return int(np.count_nonzero(large[at] == small))


def _lines(text: str) -> list[_Line]:
    """The text's non-empty lines, normalised, each with its length and whether it ends like a
    sentence. One NFKC/casefold pass over the whole text, CJK work only if it has CJK."""
    text = unicodedata.normalize("NFKC", text).casefold()
    has_cjk = _CJK_RUN.search(text) is not None
    lines = []
    for raw in _LINE_BREAK.split(text):
        line = " ".join(unicodedata.normalize("NFKC", raw.translate(_SEPARATORS)).split())
        if has_cjk:
            line = _CJK_GAP.sub("", line)
        if line:
            words = _words(line) if has_cjk else float(line.count(" ") + 1)
            lines.append(_Line(line, words, _SENTENCE_END.search(raw.rstrip()[-6:]) is not None))
    return lines


def _join(lines: list[_Line]) -> str:
    """Normalised lines as one normalised string."""
    return _CJK_GAP.sub("", " ".join(line.text for line in lines))


def _content(lines: list[_Line]) -> list[str]:
    """Blocks of consecutive content lines (shingles must not span a dropped line), or all lines
    as one block if the content lines hold fewer than MIN_WORDS words."""
    kept = [line.sentence and line.words >= MIN_LINE_WORDS for line in lines]
    if sum(line.words for line, keep in zip(lines, kept, strict=True) if keep) < MIN_WORDS:
        return [_join(lines)]
    blocks: list[list[_Line]] = [[]]
    for line, keep in zip(lines, kept, strict=True):
        if keep:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [_join(block) for block in blocks if block]


def _words(normalised: str) -> float:
    """Length in words, CJK characters counting 1/CJK_CHARS_PER_WORD."""
    rest = _CJK_RUN.sub(" ", normalised)
    cjk = len(normalised) - len(rest.replace(" ", "")) - normalised.count(" ")
    return len(rest.split()) + cjk / CJK_CHARS_PER_WORD


def _shingle_array(blocks: list[str]) -> tuple[U64, bool]:
    """Sorted distinct shingle hashes of normalised text blocks, and whether they are long enough
    for near matching. Word shingles, or character shingles if most tokens are CJK."""
    tokens = [_token_ids(block) for block in blocks]
    total = sum(ids.size for ids, _ in tokens)
    cjk = sum(count for _, count in tokens)
    if total == 0:
        return np.empty(0, dtype=np.uint64), False
    long_enough = total - cjk + cjk / CJK_CHARS_PER_WORD >= MIN_WORDS
    size = CJK_SHINGLE if cjk >= CJK_TOKEN_SHARE * total else WORD_SHINGLE
    hashes = [_ngram_hashes(ids, min(size, ids.size)) for ids, _ in tokens if ids.size]
    return np.unique(np.concatenate(hashes)), long_enough


def _token_ids(normalised: str) -> tuple[U64, int]:
    """Token ids in text order (CJK characters by code point, words by CRC-32) and CJK count."""
    parts: list[U64] = []
    cjk_count = 0
    for index, part in enumerate(_CJK_RUN.split(normalised)):
        if index % 2:
            chars = np.frombuffer(part.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
            parts.append(chars)
            cjk_count += chars.size
        elif part and part != " ":
            ids = np.fromiter(map(zlib.crc32, part.encode("utf-8").split()), dtype=np.uint64)
            parts.append(ids | _WORD_BIT)
    if not parts:
        return np.empty(0, dtype=np.uint64), 0
    return np.concatenate(parts), cjk_count


def _ngram_hashes(ids: U64, size: int) -> U64:
    """Hash every run of ``size`` consecutive token ids (polynomial hash, then a 64-bit mixer)."""
    count = ids.size - size + 1
    hashes = np.zeros(count, dtype=np.uint64)
    for offset in range(size):
        hashes = hashes * _POLY + ids[offset : offset + count]
    return _mix64(hashes)


def _mix64(values: U64) -> U64:
    """MurmurHash3's 64-bit finaliser: spreads every input bit over the whole output."""
    values = values ^ (values >> np.uint64(33))
    values = values * np.uint64(0xFF51AFD7ED558CCD)
    values = values ^ (values >> np.uint64(33))
    values = values * np.uint64(0xC4CEB9FE1A85EC53)
    return values ^ (values >> np.uint64(33))


def minhash(hashes: U64) -> npt.NDArray[np.uint32]:
    """MinHash signature (NUM_PERM values) of shingle hashes, vectorised with numpy.

    Each permutation is x -> a*x + b mod 2**32 (a odd: a bijection) on the low 32 bits of the
    already well-mixed shingle hashes; processed in chunks to bound temporary memory.
    """
    signature = np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32)
    values = hashes.astype(np.uint32)
    for start in range(0, values.size, _CHUNK):
        chunk = values[start : start + _CHUNK]
        permuted = _PERM_A * chunk
        permuted += _PERM_B
        np.minimum(signature, permuted.min(axis=1), out=signature)
    return signature


def _band_keys(signature: npt.NDArray[np.uint32]) -> U64:
    """One 64-bit key per band: the band's rows and its index hashed together."""
    rows = signature.reshape(BANDS, ROWS).astype(np.uint64)
    keys = (np.arange(1, BANDS + 1, dtype=np.uint64) * _BAND_SALT).astype(np.uint64)
    for row in range(ROWS):
        keys = _mix64(keys ^ rows[:, row]) * _POLY
    return _mix64(keys)


def _constant(label: str, index: int = 0) -> int:
    """A fixed pseudo-random 64-bit constant derived from a label (stable across versions)."""
    digest = hashlib.blake2b(f"policywatch.dedupe.{label}.{index}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


_POLY = np.uint64(_constant("poly") | 1)
_BAND_SALT = np.uint64(_constant("band") | 1)
_PERM_A = np.array(
    [[_constant("perm-a", i) & 0xFFFFFFFF | 1] for i in range(NUM_PERM)], dtype=np.uint32
)
_PERM_B = np.array(
    [[_constant("perm-b", i) & 0xFFFFFFFF] for i in range(NUM_PERM)], dtype=np.uint32
)
