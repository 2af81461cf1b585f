"""The bilingual glossary of named bodies, places, zones, programmes and policy terms: every
Chinese and English form of one entity maps to its id, so a Chinese notice and its English
report can be seen to speak of the same things (policywatch.crosslang).

Built in: policywatch/data/glossary.yaml (bodies, places, zones, programmes) and
glossary-terms.yaml (policy terms). Users add entries with POLICYWATCH_GLOSSARY (same format);
a user entry with a built-in id replaces it. Forms are unique across entries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from policywatch.config import describe_error, read_yaml
from policywatch.errors import ConfigError
from policywatch.trie import trie_regex

VARIABLE = "POLICYWATCH_GLOSSARY"
BUILT_IN = ("glossary.yaml", "glossary-terms.yaml")
Kind = Literal["body", "place", "zone", "program", "term", "sector"]


class Entity(BaseModel):
    """One glossary entry: an id, its kind and its forms in each language."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    kind: Kind
    zh: tuple[str, ...] = Field(min_length=1)
    en: tuple[str, ...] = Field(min_length=1)


class GlossaryFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    entities: tuple[Entity, ...] = ()


@dataclass(frozen=True)
class LazyPattern:
    """A regular expression compiled on first use: the glossary's alternations take 0.15 s
    to compile, which the main process of an ingest never needs (the workers match)."""

    source: str
    flags: int = 0

    @cached_property
    def compiled(self) -> re.Pattern[str]:
        return re.compile(self.source, self.flags)


@dataclass(frozen=True)
class Glossary:
    """Compiled forms: one alternation per language (longest form first), each form mapping
    to 'kind:id'. English acronyms match case-sensitively, other English forms ignore case."""

    keys: dict[str, str]
    zh: LazyPattern | None
    en_words: LazyPattern | None
    en_acronyms: LazyPattern | None

    def entities(self, text: str, zh: bool) -> set[str]:
        """The 'kind:id' keys of every glossary form found in text."""
        patterns = (self.zh,) if zh else (self.en_words, self.en_acronyms)
        found: set[str] = set()
        for pattern in patterns:
            if pattern is not None:
                matches = pattern.compiled.finditer(text)
                found.update(self.keys[_collapse(m.group(1))] for m in matches)
        return found


def load_glossary(extra: Path | None = None) -> Glossary:
    """The built-in glossary, plus (replacing same ids) the entries of a user file."""
    entries: dict[str, Entity] = {}
    for name in BUILT_IN:
        ref = resources.files("policywatch") / "data" / name
        with resources.as_file(ref) as path:
            entries.update((e.id, e) for e in _read(path).entities)
    if extra is not None:
        entries.update((e.id, e) for e in _read(extra).entities)
    return compile_glossary(tuple(entries.values()), extra)


@lru_cache(maxsize=4)
def cached_glossary(extra: Path | None = None) -> Glossary:
    """load_glossary, once per process and file (worker processes call it per page)."""
    return load_glossary(extra)


def _read(path: Path) -> GlossaryFile:
    data, node = read_yaml(path, VARIABLE)
    if data is None:
        return GlossaryFile()
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: top level must be a mapping with 'entities:'")
    try:
        return GlossaryFile.model_validate(data)
    except ValidationError as exc:
        message = describe_error(path, data, node, exc, {"entities": "entity"})
        raise ConfigError(" ".join(message.split())) from None


def compile_glossary(entries: tuple[Entity, ...], source: Path | None = None) -> Glossary:
    """Map every form to its entity; a form claimed by two entities is a ConfigError."""
    keys: dict[str, str] = {}
    for entity in entries:
        for form in (*entity.zh, *entity.en):
            folded = _stem(form)
            key = f"{entity.kind}:{entity.id}"
            if keys.get(folded, key) != key:
                where = source or "the built-in glossary"
                raise ConfigError(
                    f"{where}: entity {entity.id!r}: form {form!r} already belongs to "
                    f"{keys[folded]!r} (a form may name one entity only)"
                )
            keys[folded] = key
    zh = [f for e in entries for f in e.zh]
    en = [f for e in entries for f in e.en]
    acronyms = [f for f in en if _is_acronym(f)]
    words = [f for f in en if not _is_acronym(f)]
    return Glossary(keys, _alternation(zh), _english(words, re.I), _english(acronyms, 0))


def _stem(form: str) -> str:
    """The key a form is stored under: English words by their stem, acronyms and Chinese as
    written (lower-cased)."""
    return _fold(form) if form.isascii() and not _is_acronym(form) else _collapse(form)


def _fold(form: str) -> str:
    """The stem a form is matched by and looked up under: spaces collapsed, lower-cased, a
    plural -s off ("humanoid robots" -> "humanoid robot"; not "congress")."""
    folded = _collapse(form)
    plural = folded.endswith("s") and not folded.endswith("ss") and len(folded) > 4
    return folded[:-1] if plural else folded


def _collapse(text: str) -> str:
    """Spaces collapsed, lower-cased: what a matched stem is looked up as."""
    return " ".join(text.split()).lower()


def _is_acronym(form: str) -> bool:
    """MIIT, CAC, UN, 6G, AI PC: short forms that must keep their case."""
    letters = [c for c in form if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters) and len(form) <= 12


def _alternation(forms: list[str]) -> LazyPattern | None:
    """Chinese forms as substrings, longest first (no word boundaries in Chinese)."""
    if not forms:
        return None
    ends = [(f, "(?!门)" if f.endswith("部") else "") for f in forms]
    return LazyPattern(f"({trie_regex(ends, _char)})")  # 教育部门 (departments) is not 教育部


def _english(forms: list[str], flags: int) -> LazyPattern | None:
    """Whole-word English forms, spaces matching any whitespace, an optional plural -s."""
    if not forms:
        return None
    ends = [(f, "") for f in {_fold(f) if flags else f for f in forms}]
    return LazyPattern(rf"(?<![\w-])({trie_regex(ends, _char)})(?:e?s)?(?![\w-])", flags)


def _char(char: str) -> str:
    """A form's character in the regex: a space matches any whitespace."""
    return r"\s+" if char == " " else re.escape(char)
