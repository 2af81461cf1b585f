"""Configuration: sources.yaml and POLICYWATCH_* environment, validated once at the edge.

Models are frozen and reject unknown keys; every error names the file, the line, the source
and the field, and says how to fix it. Secrets (SMTP password) come only from the environment.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from cssselect import GenericTranslator, SelectorError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from policywatch.errors import ConfigError

SourceKind = Literal["feed", "sitemap", "listing", "page"]
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FetchSettings(_Frozen):
    """Politeness and safety limits for fetching; `fetch:` section of sources.yaml."""

    user_agent: str = "policywatch/0.1 (+https://github.com/policywatch/policywatch)"
    concurrency: int = Field(16, ge=1, le=256)
    per_host: int = Field(2, ge=1, le=64)
    delay: float = Field(1.0, ge=0, le=120, description="seconds between requests to one host")
    timeout: float = Field(20.0, gt=0, le=600)
    retries: int = Field(2, ge=0, le=10)
    max_bytes: int = Field(5_000_000, ge=10_000)
    respect_robots: bool = True
    max_items_per_source: int = Field(200, ge=1)


class Source(_Frozen):
    """One monitored site: how to discover its articles and how to label them."""

    id: str
    name: str
    kind: SourceKind
    url: str
    region: str | None = None
    language: str | None = None
    tags: tuple[str, ...] = ()
    enabled: bool = True
    link_pattern: str | None = None
    link_selector: str | None = None
    next_page: str | None = Field(None, description="CSS selector of the 'older' link (backfill)")
    max_pages: int = Field(5, ge=1, le=500)
    delay: float | None = Field(None, ge=0, le=120)
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    issuer: str | None = Field(
        None,
        min_length=2,
        max_length=200,
        description="the body whose site this is: the issuer of its documents that name none",
    )

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError(
                "must be a lowercase slug: letters, digits, '-' or '_' (e.g. 'cac-policy')"
            )
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s:]+(:\d+)?(/\S*)?$", value):
            raise ValueError(
                "must be an absolute http:// or https:// URL (e.g. https://www.example.gov/news/)"
            )
        return value

    @field_validator("link_pattern")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(
                    f"not a valid regular expression ({exc}; escape ( [ . ? with a backslash)"
                ) from None
        return value

    @field_validator("link_selector", "next_page")
    @classmethod
    def _css(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                GenericTranslator().css_to_xpath(value)
            except SelectorError as exc:
                raise ValueError(
                    f"not a valid CSS selector ({exc}; write it like 'ul.list li a')"
                ) from None
        return value

    @property
    def host(self) -> str:
        return _host_of(self.url)


class SourcesFile(_Frozen):
    """The whole sources.yaml: fetch defaults plus the list of sources."""

    fetch: FetchSettings = FetchSettings()
    sources: tuple[Source, ...] = ()

    def enabled(self, only: tuple[str, ...] | list[str] = ()) -> tuple[Source, ...]:
        """Enabled sources, or exactly the named ones (error for unknown ids)."""
        if not only:
            return tuple(s for s in self.sources if s.enabled)
        known = {s.id: s for s in self.sources}
        unknown = [i for i in only if i not in known]
        if unknown:
            raise ConfigError(
                f"unknown source id(s): {', '.join(unknown)} (see `policywatch sources list`)"
            )
        return tuple(known[i] for i in only)


def _host_of(url: str) -> str:
    from urllib.parse import urlsplit

    return (urlsplit(url).hostname or "").lower()


def load_sources(path: str | Path) -> SourcesFile:
    """Read and validate sources.yaml; raise a one-line ConfigError with file:line, source, fix."""
    path = Path(path)
    try:
        return _load(path)
    except ConfigError as exc:
        raise ConfigError(" ".join(str(exc).split())) from None


def _load(path: Path) -> SourcesFile:
    data, node = read_yaml(path, "POLICYWATCH_SOURCES")
    return _validate(path, data, node)


def read_yaml(path: Path, variable: str) -> tuple[Any, Any]:
    """The parsed YAML of a configuration file and its node tree (for line numbers); a
    ConfigError naming the file, and the variable that points at it, otherwise."""
    try:
        raw_text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found (set {variable} or create it)") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory (point {variable} at a file)") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason}; save the file as UTF-8)"
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot read ({exc.strerror or exc}; check permissions)"
        ) from None
    return _parse_yaml(path, raw_text)


# libyaml's parser where PyYAML was built with it: the built-in glossary and lexicon took
# 0.33 s of every start-up in the pure-Python one (issue 17); same nodes, marks and errors.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse_yaml(path: Path, raw_text: str) -> tuple[Any, Any]:
    """Parse YAML, keeping the node tree for line numbers; refuse duplicate keys."""
    loader = _LOADER(raw_text)  # one parse: the node tree, then data built from it
    try:
        node = loader.get_single_node()
        _check_duplicate_keys(path, node)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(
            f"{where}: invalid YAML: {problem} (check indentation and quoting)"
        ) from None
    finally:
        loader.dispose()
    return data, node


def _check_duplicate_keys(path: Path, node: Any) -> None:
    """YAML silently keeps the last of two equal keys; a config file should not."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in current.value:
                name = str(key.value)
                if name in seen:
                    raise ConfigError(
                        f"{path}:{key.start_mark.line + 1}: duplicate key {name!r} "
                        "(a key may appear once per entry; remove one of them)"
                    )
                seen.add(name)
                stack.append(value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)


def line_of(node: Any, loc: list[Any]) -> int | None:
    """1-based line of the deepest YAML node on the path `loc` (keys and list indexes)."""
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if part < len(node.value) else None
        else:
            node = None
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def _validate(path: Path, data: Any, node: Any) -> SourcesFile:
    if data is None:
        raise ConfigError(f"{path}: file is empty (add a 'sources:' list with at least one source)")
    if not isinstance(data, dict):
        line = f":{node.start_mark.line + 1}" if node is not None else ""
        raise ConfigError(
            f"{path}{line}: top level is a {_yaml_type(data)}; it must be a mapping "
            "with a 'sources:' list (and optionally 'fetch:')"
        )
    try:
        parsed = SourcesFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(path, data, node, exc)) from None
    _check_unique(path, parsed, node)
    return parsed


def _describe(path: Path, data: dict[str, Any], node: Any, exc: ValidationError) -> str:
    """Turn pydantic's first error into one line: file:line: source 'x': field 'y': message."""
    return describe_error(path, data, node, exc, {"sources": "source"})


def describe_error(
    path: Path, data: dict[str, Any], node: Any, exc: ValidationError, lists: dict[str, str]
) -> str:
    """pydantic's first error as one line: file:line: <noun> 'id': field 'y': message, where
    `lists` maps each top-level list key to the noun of its entries."""
    err = exc.errors()[0]
    loc = list(err["loc"])
    line = line_of(node, loc)
    where = f"{path}:{line}" if line else str(path)
    subject = ""
    noun = lists.get(str(loc[0])) if loc else None
    if noun and len(loc) >= 2 and isinstance(loc[1], int):
        index = loc[1]
        entries = data.get(str(loc[0]))
        entry = entries[index] if isinstance(entries, list) and index < len(entries) else None
        sid = entry.get("id") if isinstance(entry, dict) else None
        subject = f"{noun} {sid!r}: " if sid else f"{noun} #{index + 1}: "
        loc = loc[2:]
    field = ".".join(str(p) for p in loc)
    return f"{where}: {subject}{_field_message(field, err)}"


# Hints for pydantic error types: what the value should look like.
_TYPE_HINTS = {
    "int_parsing": "use a whole number, e.g. 5",
    "int_type": "use a whole number, e.g. 5",
    "int_from_float": "use a whole number, e.g. 5",
    "float_parsing": "use a number, e.g. 1.5",
    "float_type": "use a number, e.g. 1.5",
    "bool_parsing": "use true or false",
    "bool_type": "use true or false",
    "string_type": "use a quoted string",
    "tuple_type": "use a list, e.g. [a, b]",
    "list_type": "use a list, e.g. [a, b]",
    "dict_type": "use a mapping of key: value pairs",
    "model_type": "use a mapping of key: value pairs",
    "model_attributes_type": "use a mapping of key: value pairs",
}


def _field_message(field: str, err: Any) -> str:
    kind, msg = err["type"], err["msg"].removeprefix("Value error, ")
    if kind == "extra_forbidden":
        return f"unknown key {field!r} (remove it or check its spelling)"
    if kind == "missing":
        return f"missing required field {field!r} (add it)"
    if field == "sources" and kind in ("tuple_type", "list_type"):
        return "'sources' must be a list of entries, each starting with '- id: ...'"
    if not field and kind in ("model_type", "dict_type", "model_attributes_type"):
        got = _yaml_type(err.get("input"))
        return f"expected a mapping with id, name, kind and url, got a {got}"
    hint = _TYPE_HINTS.get(kind)
    if hint is None and kind in ("greater_than", "greater_than_equal", "less_than_equal"):
        hint = "change the value"
    text = f"{msg} ({hint})" if hint else msg
    return f"field {field!r}: {text}" if field else text


def _yaml_type(value: Any) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return "string" if isinstance(value, str) else type(value).__name__


def _check_unique(path: Path, parsed: SourcesFile, node: Any) -> None:
    seen: dict[str, int] = {}
    for index, source in enumerate(parsed.sources):
        if source.id in seen:
            line = line_of(node, ["sources", index]) or "?"
            raise ConfigError(
                f"{path}:{line}: source {source.id!r}: duplicate id (also at source "
                f"#{seen[source.id] + 1}; ids must be unique, rename one)"
            )
        seen[source.id] = index


# Settings live in policywatch.settings; re-exported here for existing callers.
from policywatch.settings import (  # noqa: E402
    ENV_PREFIX,
    Settings,
    SmtpSettings,
    check_timezone,
    settings_from_env,
)

__all__ = [
    "ENV_PREFIX",
    "SLUG",
    "FetchSettings",
    "Settings",
    "SmtpSettings",
    "Source",
    "SourceKind",
    "SourcesFile",
    "check_timezone",
    "load_sources",
    "settings_from_env",
]
