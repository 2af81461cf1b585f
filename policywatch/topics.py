"""topics.yaml, the relevance lexicon's file format, validated by frozen pydantic models that
reject unknown keys (like sources.yaml); errors are one line with file:line and the key.

The built-in lexicon (policywatch/data/topics.yaml) and a user's file have the same shape;
`merge` lays a later file over an earlier one: scalars replace, term sections merge by term
(weight 0 removes one), topics and regions merge by name (null removes one).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from policywatch.config import line_of, read_yaml
from policywatch.errors import ConfigError

VARIABLE = "POLICYWATCH_TOPICS"
TOPIC_NAME = r"^[a-z][a-z0-9_-]{0,31}$"

Term = Annotated[str, StringConstraints(min_length=1, pattern=r"^\S(?:.*\S)?$")]
Weight = Annotated[float, Field(ge=0, le=10)]
TermSection = list[Term] | dict[Term, Weight]  # a list means weight 1.0 each
TopicName = Annotated[str, StringConstraints(pattern=TOPIC_NAME)]
RegionName = Annotated[str, StringConstraints(min_length=1, pattern=r"\S")]


class TopicsFile(BaseModel):
    """One topics file as written (every key optional: a user file changes what it names)."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)
    threshold: float | None = Field(None, ge=0, le=1)
    saturation: float | None = Field(None, ge=0.1, le=100)
    title_weight: float | None = Field(None, ge=0, le=100)
    lead_weight: float | None = Field(None, ge=0, le=100)
    tail_weight: float | None = Field(None, ge=0, le=100)
    lead_chars: int | None = Field(None, ge=0, le=1_000_000)
    topic_min: float | None = Field(None, ge=0, le=1000)
    topic_ratio: float | None = Field(None, ge=0, le=1)
    fallback_topic: TopicName | None = None
    ai: TermSection | None = None
    policy: TermSection | None = None
    penalty: TermSection | None = None
    topics: dict[TopicName, TermSection | None] | None = None
    regions: dict[RegionName, list[Term] | None] | None = None


SCALARS = (
    "threshold",
    "saturation",
    "title_weight",
    "lead_weight",
    "tail_weight",
    "lead_chars",
    "topic_min",
    "topic_ratio",
)


def read_topics(path: Path) -> TopicsFile:
    """Read and validate one topics file (an empty file changes nothing)."""
    data, node = read_yaml(path, VARIABLE)
    if data is None:
        return TopicsFile()
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: top level must be a mapping (threshold:, ai:, policy:, ...)")
    try:
        return TopicsFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(path, node, exc)) from None


def merge(base: dict[str, Any], parsed: TopicsFile) -> dict[str, Any]:
    """Lay one file's settings over `base` (the merged settings of the files before it)."""
    out = dict(base)
    given = parsed.model_fields_set
    for key in given & set(SCALARS):
        out[key] = getattr(parsed, key)
    if "fallback_topic" in given:
        out["fallback_topic"] = parsed.fallback_topic
    for key in ("ai", "policy", "penalty"):
        if getattr(parsed, key) is not None:
            out[key] = _merge_terms(out.get(key, {}), getattr(parsed, key))
    for name, terms in (parsed.topics or {}).items():
        topics = out.setdefault("topics", {})
        if terms is None:
            topics.pop(name, None)
        else:
            topics[name] = _merge_terms(topics.get(name, {}), terms)
    for region, names in (parsed.regions or {}).items():
        regions = out.setdefault("regions", {})
        if names is None:
            regions.pop(region, None)
        else:
            regions[region] = list(dict.fromkeys([*regions.get(region, []), *names]))
    return out


def _merge_terms(base: dict[str, float], section: Any) -> dict[str, float]:
    """Merge a term section: user weights replace defaults, weight 0 removes a term."""
    weights = dict.fromkeys(section, 1.0) if isinstance(section, list) else dict(section)
    out = dict(base)
    for term, weight in weights.items():
        if weight == 0:
            out.pop(term, None)
        else:
            out[term] = float(weight)
    return out


# -- one-line errors -------------------------------------------------------------------------

_SECTION_HINT = "a list of terms or a term: weight mapping (weights from 0 to 10)"


def _describe(path: Path, node: Any, exc: ValidationError) -> str:
    """pydantic's most specific error as 'file:line: key 'a.b': message'."""
    err = max(exc.errors(), key=lambda e: len(_key_path(e["loc"])))
    keys = _key_path(err["loc"])
    line = line_of(node, list(keys))
    where = f"{path}:{line}" if line else str(path)
    field = ".".join(str(k) for k in keys if not isinstance(k, int))
    items = [k for k in keys if isinstance(k, int)]
    if items:  # a term in a list: "key 'policy': term 1: ..."
        return f"{where}: key {field!r}: term {items[-1] + 1}: {_message(keys, err)}"
    if err["type"] == "extra_forbidden":
        known = ", ".join(TopicsFile.model_fields)
        return f"{where}: unknown key {field!r} (known keys: {known})"
    return f"{where}: key {field!r}: {_message(keys, err)}"


def _key_path(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """The YAML keys of a pydantic location (union member and dict-key markers dropped)."""
    return tuple(
        part
        for part in loc
        if not (isinstance(part, str) and (part == "[key]" or "[" in part or part in _TYPES))
    )


_TYPES = frozenset(("str", "float", "int", "list", "dict", "constrained-str"))


def _message(keys: tuple[Any, ...], err: Any) -> str:
    """What the value should be, by where it stands."""
    if keys == ("topics",) and err["type"] in ("list_type", "dict_type"):
        return "must be a mapping topic: terms"
    section = keys and keys[0] in ("ai", "policy", "penalty", "topics") and len(keys) <= 2
    if section and err["type"] in ("list_type", "dict_type"):
        return f"must be {_SECTION_HINT}"
    if "pattern" in err["type"] and keys and keys[0] in ("topics", "fallback_topic"):
        return f"topic names are lowercase words such as 'regulation' (got {err['input']!r})"
    if keys[:1] == ("regions",) and err["type"] in ("list_type", "dict_type"):
        return "must be a mapping region: [names]" if len(keys) == 1 else "must be a list of names"
    return str(err["msg"])
