"""Full-text search over stored items: the query language, ranking and snippets (pure).

Syntax (README "Searching the store"):
- words and Chinese strings separated by spaces must all occur (AND), case-insensitive;
  Chinese needs no word spaces: 算力 finds 智能算力 and 算力券;
- "a quoted phrase" must occur as written (spaces included);
- `-word` excludes items containing it;
- `OR` between two terms accepts either: `labelling OR 标识`.
Matching is by substring, so `regulat` finds regulation and regulatory. The store finds the
candidates (SQLite FTS5 trigram index, PostgreSQL pg_trgm; terms under three characters are
scanned); ranking and snippets are computed here, the same on both databases.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from policywatch.errors import ConfigError

TITLE_WEIGHT = 5.0  # a match in the title counts as much as five in the text
SNIPPET_CHARS = 160  # characters of context around the first match
MARK_OPEN, MARK_CLOSE = "[", "]"  # highlight in table and CSV output (JSON carries both)
_TOKEN = re.compile(r'\s*(?:(-)?"([^"]*)"|(\S+))')


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: groups of alternatives that must all match, and excluded terms."""

    required: tuple[tuple[str, ...], ...]  # each group: any one of its terms (OR)
    excluded: tuple[str, ...] = ()

    @property
    def terms(self) -> tuple[str, ...]:
        """Every positive term, for highlighting."""
        return tuple(t for group in self.required for t in group)


def parse_query(text: str) -> Query:
    """Parse the search syntax; ConfigError for an empty query, an unclosed quote or a
    dangling OR, naming what is wrong."""
    if text.count('"') % 2:
        raise ConfigError(f"search {text!r}: unclosed quote")
    groups: list[list[str]] = []
    excluded: list[str] = []
    pending_or = False
    for negated, phrase, word in _TOKEN.findall(text.strip()):
        if word == "OR" and not phrase:
            if not groups or pending_or:
                raise ConfigError(f"search {text!r}: OR needs a term on each side")
            pending_or = True
            continue
        term, negative = _term(negated, phrase, word)
        if not term:
            continue
        if negative:
            excluded.append(term)
        elif pending_or:
            groups[-1].append(term)
        else:
            groups.append([term])
        pending_or = False
    if pending_or:
        raise ConfigError(f"search {text!r}: OR needs a term on each side")
    if not groups:
        raise ConfigError(f"search {text!r}: give at least one word or phrase to find")
    return Query(tuple(tuple(g) for g in groups), tuple(excluded))


def _term(negated: str, phrase: str, word: str) -> tuple[str, bool]:
    if word:
        negative = word.startswith("-") and len(word) > 1
        return (word[1:] if negative else word).lower(), negative
    return " ".join(phrase.split()).lower(), bool(negated)


def matches(query: Query, title: str, text: str) -> bool:
    """True when the item satisfies every group and contains no excluded term."""
    haystack = f"{title}\n{text}".lower()
    if any(term in haystack for term in query.excluded):
        return False
    return all(any(term in haystack for term in group) for group in query.required)


def score(query: Query, title: str, text: str) -> float:
    """Occurrences of the terms, title matches weighted higher, per 1,000 text characters
    (so a short notice about 算力 outranks a long report mentioning it once)."""
    title_l, text_l = title.lower(), text.lower()
    hits = sum(TITLE_WEIGHT * title_l.count(t) + text_l.count(t) for t in query.terms)
    return hits / (1 + len(text_l) / 1000)


def snippet(query: Query, text: str, width: int = SNIPPET_CHARS) -> str:
    """The text around the first match, with every term marked [like this]."""
    lowered = text.lower()
    found = [i for t in query.terms if (i := lowered.find(t)) >= 0]
    start = max(0, min(found) - width // 3) if found else 0
    piece = " ".join(text[start : start + width].split())
    return ("…" if start else "") + highlight(query.terms, piece) + "…"


def highlight(terms: Sequence[str], text: str) -> str:
    """Mark every occurrence of the terms, case-insensitively, longest terms first."""
    ordered = sorted({t for t in terms if t}, key=len, reverse=True)
    if not ordered:
        return text
    pattern = re.compile("|".join(re.escape(t) for t in ordered), re.I)
    return pattern.sub(lambda m: f"{MARK_OPEN}{m.group(0)}{MARK_CLOSE}", text)


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result: the item, its score and a highlighted snippet."""

    item_id: int
    url: str
    title: str
    published: str | None
    source: str
    status: str
    region: str | None
    score: float
    snippet: str

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.item_id,
            "url": self.url,
            "title": self.title,
            "published": self.published,
            "source": self.source,
            "status": self.status,
            "region": self.region,
            "score": round(self.score, 3),
            "snippet": self.snippet,
        }


def rank(query: Query, rows: Sequence[Mapping[str, Any]]) -> list[Hit]:
    """The candidate rows that truly match, best first (score, then newest)."""
    hits = [_hit(query, row) for row in rows if matches(query, _s(row["title"]), _s(row["text"]))]
    return sorted(hits, key=lambda h: (-h.score, -(_ordinal(h.published)), -h.item_id))


def _hit(query: Query, row: Mapping[str, Any]) -> Hit:
    title, body = _s(row["title"]), _s(row["text"])
    published = row["published"]
    return Hit(
        item_id=row["id"],
        url=row["url"],
        title=highlight(query.terms, title),
        published=published.isoformat() if published else None,
        source=row["source_id"],
        status=row["status"],
        region=row["region"],
        score=score(query, title, body),
        snippet=snippet(query, body),
    )


def _s(value: object) -> str:
    return value if isinstance(value, str) else ""


def _ordinal(day: str | None) -> int:
    return int(day.replace("-", "")) if day else 0
