"""AI-policy relevance scoring, topics and region of an extracted item (English and Chinese).

An item is relevant when it is about AI *and* about public policy: both kinds of evidence are
weighted term hits (title and lead count more than the tail), saturated and multiplied. The
lexicon lives in ``policywatch/data/topics.yaml``, extended by a user file (POLICYWATCH_TOPICS).
Every decision is explained by ``Relevance.fired`` ("ai:人工智能", "topic:regulation:办法").
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from policywatch.errors import ConfigError
from policywatch.models import Relevance
from policywatch.topics import SCALARS, merge, read_topics
from policywatch.trie import trie_regex

Terms = tuple[tuple[str, float], ...]  # (term, weight)

_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9]{1,5}$")
_MAX_FIRED = 48
_SEPARATORS = re.compile(r"[\s.\-]+")
_SPACES = re.compile(r"\s+")
_ASCII_RUN = re.compile(r"[ -`{-~]*[a-z][ -~]*")  # printable ASCII runs with a letter (lowercased)
_NON_WORD = re.compile(r"\W")
_ANY_ENDING = r"[a-z0-9\-]*"  # the tail of an open-ended term ("regulat*")


# ---------------------------------------------------------------- term matching


def term_pattern(term: str) -> str:
    """Regex for one term: substring for Chinese, whole words for English.

    Words with a capital letter match case-sensitively, others in any case; acronyms also
    match with dots ("A.I."); a trailing "*" matches any word ending; a plural "s" is allowed.
    """
    if _CJK.search(term):
        return f"(?i:{re.escape(term)})"
    words = term.split()
    prefix = words[-1].endswith("*")
    if prefix:
        words[-1] = words[-1][:-1]
    body = r"[\s\-]+".join(_word_pattern(w) for w in words)
    body += r"[\w\-]*" if prefix else r"(?:s|es)?"
    return rf"(?<![A-Za-z0-9]){body}(?![A-Za-z0-9])"


def _word_pattern(word: str) -> str:
    """One word of an English term; an acronym such as AI or US also matches A.I. or U.S."""
    if _ACRONYM.match(word):
        return r"\.?".join(re.escape(c) for c in word) + r"\.?"
    body = r"[\s\-]?".join(re.escape(p) for p in word.split("-"))
    return body if any(c.isupper() for c in word) else f"(?i:{body})"


def _key(text: str) -> str:
    """Lookup key of a term or matched text: lowercase, without spaces, hyphens and dots."""
    return _SEPARATORS.sub("", text.lower())


def _variants(term: str) -> list[str]:
    """Literal lowercase spellings of an English term ("A.I.", "five year", "five-year")."""
    original = term.rstrip("*").split()
    spellings = [""]
    for i, word in enumerate(w.lower() for w in original):
        forms = {word, word.replace("-", " "), word.replace("-", "")}
        if _ACRONYM.match(original[i]):
            forms |= {".".join(word) + ".", ".".join(word)}
        glue = ("",) if i == 0 else (" ", "-")
        spellings = [s + g + f for s in spellings for g in glue for f in forms]
    return spellings


@dataclass(frozen=True, eq=False)
class _Term:
    """A lexicon term as indexed: what one hit adds to which labels; its case check if any."""

    term: str
    exact: re.Pattern[str] | None
    hits: tuple[tuple[str, str, float], ...]  # (label, term named in `fired`, weight)


@dataclass(frozen=True)
class _Index:
    """Every term of a lexicon in two trie regexes (English, Chinese) over lowercased text."""

    english: re.Pattern[str] | None
    cjk: re.Pattern[str] | None
    by_key: dict[str, tuple[_Term, ...]]
    prefixes: tuple[tuple[str, tuple[_Term, ...]], ...]
    literal: dict[str, _Term]  # Chinese terms by lowercase spelling

    def count(self, source: str, lowered: str, start: int, end: int) -> Counter[_Term]:
        """How often each term occurs in source[start:end] (`lowered` is source.lower())."""
        found: Counter[_Term] = Counter()
        if self.cjk is not None:
            for literal, n in Counter(self.cjk.findall(lowered, start, end)).items():
                found[self.literal[literal]] += n
        if self.english is not None:
            for run in _ASCII_RUN.finditer(lowered, start, end):
                for m in self.english.finditer(lowered, run.start(), run.end()):
                    term = self.resolve(m.group(), source[m.start() : m.end()])
                    if term is not None:
                        found[term] += 1
        return found

    def resolve(self, matched: str, original: str) -> _Term | None:
        """The English term a match stands for (plurals, word endings; case-checked)."""
        key = _key(matched)
        candidates = self.by_key.get(key)
        if candidates is None and key.endswith("es"):
            candidates = self.by_key.get(key[:-2])
        if candidates is None and key.endswith("s"):
            candidates = self.by_key.get(key[:-1])
        if candidates is None:
            candidates = next((t for p, t in self.prefixes if key.startswith(p)), ())
        return next((c for c in candidates if c.exact is None or c.exact.fullmatch(original)), None)


def _contains(outer: str, inner: str) -> bool:
    """Whether term `inner` occurs within term `outer` (as whole words for English)."""
    if outer == inner:
        return True
    if outer.endswith("*") or inner.endswith("*"):
        return False
    if _is_cjk(inner):
        return inner.lower() in outer.lower()
    return _padded_words(inner) in _padded_words(outer)


@functools.cache
def _is_cjk(term: str) -> bool:
    return _CJK.search(term) is not None


@functools.cache
def _padded_words(term: str) -> str:
    """' lower case words ' of a term: _build_index compares every pair of terms, so each
    term is normalised once rather than once per pair."""
    return f" {' '.join(term.lower().replace('-', ' ').split())} "


def _first_key(term: str) -> str:
    """What an inner term must share with any term containing it: its first word (English)
    or its first character (Chinese)."""
    if _is_cjk(term):
        return term.lower()[:1]
    words = _padded_words(term).split()
    return words[0] if words else ""


def _first_keys(outer: str) -> set[str]:
    """Every first key an inner term of `outer` can have: its words and its characters."""
    return {"", *_padded_words(outer).split(), *outer.lower()}


def _by_first_key(terms: Mapping[str, object]) -> dict[str, list[tuple[int, str]]]:
    """A group's terms (with their position in it) by first key, so that _build_index checks
    containment only for the few terms that can be contained, not for every pair."""
    found: dict[str, list[tuple[int, str]]] = {}
    for position, term in enumerate(terms):
        found.setdefault(_first_key(term), []).append((position, term))
    return found


def _trie(spellings: Iterable[tuple[str, bool]]) -> str:
    """English spellings (literal, open_ended) as one trie regex; open-ended ones accept any
    word ending."""
    return trie_regex(
        (literal, _ANY_ENDING if open_ended else "") for literal, open_ended in spellings
    )


def _build_index(groups: Sequence[Mapping[str, tuple[str, float]]]) -> _Index:
    """Index groups of {term: (label, weight)}. A match counts, in every group, as the longest
    of that group's terms it contains, as if each group were matched on its own."""
    all_terms = sorted({t for terms in groups for t in terms}, key=lambda t: (-len(t), t))
    by_key: dict[str, list[_Term]] = {}
    prefixes: dict[str, list[_Term]] = {}
    literal: dict[str, _Term] = {}
    group_firsts = [_by_first_key(terms) for terms in groups]
    for term in all_terms:
        hits = []
        keys = _first_keys(term)
        for terms, firsts in zip(groups, group_firsts, strict=True):
            maybe = sorted({p for k in keys for p in firsts.get(k, ())})  # in the group's order
            inner = max((t for _, t in maybe if _contains(term, t)), key=len, default=None)
            if inner is not None:
                hits.append((terms[inner][0], inner, terms[inner][1]))
        if _is_cjk(term):
            literal.setdefault(term.lower(), _Term(term, None, tuple(hits)))
            continue
        exact = re.compile(term_pattern(term)) if any(c.isupper() for c in term) else None
        table = prefixes if term.endswith("*") else by_key
        table.setdefault(_key(term.rstrip("*")), []).append(_Term(term, exact, tuple(hits)))
    english = [(v, t.endswith("*")) for t in all_terms if not _is_cjk(t) for v in _variants(t)]
    return _Index(
        re.compile(rf"(?<![a-z0-9])(?:{_trie(english)})(?:e?s)?(?![a-z0-9])") if english else None,
        re.compile(trie_regex((k, "") for k in literal)) if literal else None,
        {k: tuple(v) for k, v in by_key.items()},
        tuple((k, tuple(v)) for k, v in sorted(prefixes.items(), key=lambda kv: -len(kv[0]))),
        literal,
    )


@dataclass
class _Evidence:
    """Weighted hits per label, and the fired (label, term) pairs in order of discovery."""

    totals: dict[str, float] = field(default_factory=dict)
    fired: dict[tuple[str, str], int] = field(default_factory=dict)

    def add(self, label: str, term: str, weight: float, times: int = 1) -> None:
        """Add `times` hits; each repeat of a term counts half as much as the one before."""
        seen = self.fired.get((label, term), 0)
        self.fired[(label, term)] = seen + times
        gain = 2 * weight * 0.5**seen * (1 - 0.5**times)  # sum of weight * 0.5**k over the hits
        self.totals[label] = self.totals.get(label, 0.0) + gain

    def get(self, label: str) -> float:
        return self.totals.get(label, 0.0)


# ---------------------------------------------------------------- lexicon


@dataclass(frozen=True)
class Lexicon:
    """Terms, weights and thresholds for classify(); frozen, hashable and picklable."""

    ai: Terms
    policy: Terms
    penalty: Terms = ()
    topics: tuple[tuple[str, Terms], ...] = ()
    regions: tuple[tuple[str, tuple[str, ...]], ...] = ()
    threshold: float = 0.5
    saturation: float = 2.0
    title_weight: float = 3.0
    lead_weight: float = 2.0
    tail_weight: float = 0.5
    lead_chars: int = 250
    topic_min: float = 2.0
    topic_ratio: float = 0.5
    fallback_topic: str | None = None
    origin: tuple[str, ...] = ()
    _index: _Index = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        def group(label: str, terms: Terms) -> dict[str, tuple[str, float]]:
            return {t: (label, w) for t, w in terms}

        regions = {t: (f"region:{name}", 1.0) for name, names in self.regions for t in names}
        groups = [group("ai", self.ai), group("policy", self.policy)]
        groups += [group("penalty", self.penalty)]
        groups += [group(f"topic:{name}", terms) for name, terms in self.topics]
        object.__setattr__(self, "_index", _build_index([*groups, regions]))

    @property
    def topic_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.topics)


def load_lexicon(path: str | Path | None = None) -> Lexicon:
    """Built-in lexicon, extended by the user's topics.yaml at `path` (None: built-in only)."""
    ref = resources.files("policywatch") / "data" / "topics.yaml"
    with resources.as_file(ref) as builtin:
        merged = merge({}, read_topics(builtin))
        origin = [str(builtin)]
    if path is not None:
        merged = merge(merged, read_topics(Path(path)))
        origin.append(str(path))
    return _to_lexicon(merged, tuple(origin))


def _to_lexicon(data: dict[str, Any], origin: tuple[str, ...]) -> Lexicon:
    """Freeze merged data into a Lexicon, checking that fallback_topic names a topic."""
    topics = data.get("topics", {})
    fallback = data.get("fallback_topic")
    if fallback is not None and fallback not in topics:
        raise ConfigError(f"{origin[-1]}: key 'fallback_topic': {fallback!r} is not a topic")
    scalars = {k: data[k] for k in SCALARS if k in data}
    return Lexicon(
        ai=_freeze(data.get("ai", {})),
        policy=_freeze(data.get("policy", {})),
        penalty=_freeze(data.get("penalty", {})),
        topics=tuple((name, _freeze(terms)) for name, terms in topics.items()),
        regions=tuple((name, tuple(names)) for name, names in data.get("regions", {}).items()),
        fallback_topic=fallback,
        origin=origin,
        **scalars,
    )


def _freeze(terms: Mapping[str, float]) -> Terms:
    return tuple(terms.items())


# ---------------------------------------------------------------- classification


def classify(
    title: str,
    text: str,
    *,
    lexicon: Lexicon,
    source_region: str | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> Relevance:
    """Score one item for AI-policy relevance; give its topics, region and the terms that fired.

    `include` terms force relevance, `exclude` terms block it (exclude wins over include).
    """
    evidence = _Evidence()
    _scan(lexicon, _SPACES.sub(" ", title), _SPACES.sub(" ", text), evidence)
    score = _score(evidence, lexicon)
    forced = _forced(title, text, include, exclude)
    relevant = forced[0] == "include" if forced else score >= lexicon.threshold
    topics = _pick_topics(evidence, lexicon) if relevant else ()
    region = source_region or _pick_region(evidence, lexicon)
    fired = _fired(evidence, topics, region, forced)
    return Relevance(round(score, 4), relevant, topics, region, fired)


def _scan(lexicon: Lexicon, title: str, text: str, ev: _Evidence) -> None:
    """Add the term hits of title, lead and tail, each zone with its own weight."""
    cut = _lead_end(text, lexicon.lead_chars)
    low_title, low_text = _lower(title), _lower(text)
    zones = (
        (title, low_title, 0, len(title), lexicon.title_weight),
        (text, low_text, 0, cut, lexicon.lead_weight),
        (text, low_text, cut, len(text), lexicon.tail_weight),
    )
    for source, lowered, start, end, factor in zones:
        if start >= end:
            continue
        for term, times in lexicon._index.count(source, lowered, start, end).items():
            for label, name, weight in term.hits:
                ev.add(label, name, weight * factor, times)


def _lead_end(text: str, lead_chars: int) -> int:
    """End of the lead: the first non-word character at or after `lead_chars`."""
    if lead_chars >= len(text):
        return len(text)
    m = _NON_WORD.search(text, lead_chars)
    return m.start() if m else len(text)


def _lower(text: str) -> str:
    """Lowercase keeping every character's position (a few letters lengthen when lowered)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _score(ev: _Evidence, lexicon: Lexicon) -> float:
    """AI evidence times policy evidence (less commercial noise), each saturated to 0..1."""
    ai = 1.0 - math.exp(-ev.get("ai") / lexicon.saturation)
    policy_net = max(0.0, ev.get("policy") - ev.get("penalty"))
    policy = 1.0 - math.exp(-policy_net / lexicon.saturation)
    return ai * policy


def _pick_topics(ev: _Evidence, lexicon: Lexicon) -> tuple[str, ...]:
    """Topics with enough evidence, close enough to the strongest; else the best or fallback."""
    scores = {n: ev.get(f"topic:{n}") for n in lexicon.topic_names if ev.get(f"topic:{n}") > 0}
    if not scores:
        return (lexicon.fallback_topic,) if lexicon.fallback_topic else ()
    best = max(scores.values())
    floor = max(lexicon.topic_min, lexicon.topic_ratio * best)
    chosen = tuple(name for name in lexicon.topic_names if scores.get(name, 0.0) >= floor)
    return chosen or (max(scores, key=lambda n: scores[n]),)


def _pick_region(ev: _Evidence, lexicon: Lexicon) -> str | None:
    """The detected region with most weighted mentions (ties: earlier in the lexicon)."""
    candidates = [
        (ev.get(f"region:{name}"), -i, name)
        for i, (name, _) in enumerate(lexicon.regions)
        if not name.startswith("_")
    ]
    best = max((c for c in candidates if c[0] > 0), default=None)
    return best[2] if best else None


@lru_cache(maxsize=256)
def _compiled_terms(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regex for a source's include or exclude list (cached: sources repeat)."""
    cleaned = [t for t in terms if t.strip()]
    if not cleaned:
        return None
    return re.compile("|".join(f"({term_pattern(t.strip())})" for t in cleaned))


def _forced(
    title: str, text: str, include: Sequence[str], exclude: Sequence[str]
) -> tuple[str, str] | None:
    """("exclude"|"include", term) for the first forcing term found; exclude is checked first."""
    for kind, terms in (("exclude", exclude), ("include", include)):
        pattern = _compiled_terms(tuple(terms))
        if pattern is None:
            continue
        m = pattern.search(title) or pattern.search(text)
        if m:
            cleaned = [t.strip() for t in terms if t.strip()]
            return kind, cleaned[(m.lastindex or 1) - 1]
    return None


def _fired(
    ev: _Evidence, topics: tuple[str, ...], region: str | None, forced: tuple[str, str] | None
) -> tuple[str, ...]:
    """Explanation: ai:/policy:/penalty:term, topic:name:term (chosen topics), region:name:term."""
    out = [f"{forced[0]}:{forced[1]}"] if forced else []
    keep = {"ai", "policy", "penalty", *(f"topic:{t}" for t in topics), f"region:{region}"}
    out += [f"{label}:{term}" for (label, term) in ev.fired if label in keep]
    return tuple(dict.fromkeys(out))[:_MAX_FIRED]
