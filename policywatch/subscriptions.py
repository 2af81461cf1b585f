"""`subscriptions.yaml`: weekly briefing profiles, instant alert rules and source-failure notices.

Validated once into frozen models that reject unknown keys (errors name file:line and the
profile or rule). Recipients are email addresses or apprise URLs; secrets in URLs are
`${ENV_VAR}` references, expanded only when sending and masked in everything shown.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from policywatch.config import SLUG, describe_error, line_of, read_yaml
from policywatch.crosslang import language_of
from policywatch.errors import ConfigError
from policywatch.settings import MASK

VARIABLE = "POLICYWATCH_SUBSCRIPTIONS"
ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
EMAIL = re.compile(r"^[^@\s:/]+@[^@\s:/]+\.[^@\s:/]+$|^[^<>]*<[^@\s:/]+@[^@\s:/]+>$")
STAGES = ("draft", "final")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Match(_Frozen):
    """Which items a profile or rule wants: every given key must hold; within a list, any
    value may. Omitted keys (or an omitted `match`) accept everything."""

    topics: tuple[str, ...] | None = None
    regions: tuple[str, ...] | None = None
    sources: tuple[str, ...] | None = None
    tags: tuple[str, ...] | None = None
    languages: tuple[str, ...] | None = None
    stages: tuple[str, ...] | None = None
    issuers: tuple[str, ...] | None = None
    keywords: tuple[str, ...] | None = None
    min_relevance: float | None = Field(None, ge=0)

    @field_validator("stages")
    @classmethod
    def _stages(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for stage in value or ():
            if stage not in STAGES:
                raise ValueError(f"stage {stage!r}: use draft or final")
        return value


class _Delivery(_Frozen):
    to: tuple[str, ...] = Field(min_length=1)

    @field_validator("to")
    @classmethod
    def _recipients(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for index, recipient in enumerate(value):
            check_recipient(recipient, index)
        return value


class Profile(_Delivery):
    """A weekly briefing profile: its own briefing, archive folder and delivery ledger."""

    id: str
    name: str = Field(min_length=1)
    match: Match = Match()

    _slug = field_validator("id")(classmethod(lambda cls, v: _check_slug(v)))


class AlertRule(_Delivery):
    """Sent after each ingest: the new stories it matches, each story once per rule."""

    id: str
    match: Match = Match()

    _slug = field_validator("id")(classmethod(lambda cls, v: _check_slug(v)))


class SourceFailing(_Delivery):
    """Told once per failure streak of a source, when it reaches `after` failed runs."""

    after: int = Field(3, ge=1)


class SubscriptionsFile(_Frozen):
    briefings: tuple[Profile, ...] = ()
    alerts: tuple[AlertRule, ...] = ()
    source_failing: SourceFailing | None = None

    def profile(self, profile_id: str) -> Profile:
        """The profile with this id; ConfigError listing the known ones otherwise."""
        return _by_id(self.briefings, profile_id, "briefing profile")

    def rule(self, rule_id: str) -> AlertRule:
        """The alert rule with this id; ConfigError listing the known ones otherwise."""
        return _by_id(self.alerts, rule_id, "alert rule")


def _by_id(entries: Sequence[Any], wanted: str, noun: str) -> Any:
    for entry in entries:
        if entry.id == wanted:
            return entry
    known = ", ".join(e.id for e in entries) or "none"
    raise ConfigError(f"no {noun} {wanted!r} in the subscriptions file (known: {known})")


def _check_slug(value: str) -> str:
    if not SLUG.match(value):
        raise ValueError(f"{value!r} is not a slug (lowercase letters, digits, '-' and '_')")
    return value


def check_recipient(recipient: str, index: int) -> None:
    """ValueError unless `recipient` is an email address or an apprise URL whose secrets are
    `${VAR}` references (a password or token written into the file is refused)."""
    where = f"to[{index}] {mask_recipient(recipient)!r}"
    if "://" not in recipient:
        if not EMAIL.match(recipient.strip()):
            raise ValueError(f"{where}: neither an email address nor an apprise URL")
        return
    scheme, _, rest = recipient.partition("://")
    userinfo = rest.split("/", 1)[0].rpartition("@")[0]
    if ":" in userinfo and not ENV_REFERENCE.search(userinfo.split(":", 1)[1]):
        raise ValueError(f"{where}: write the password as ${{VAR}} and set VAR in the environment")
    if not re.fullmatch(r"[a-z][a-z0-9+.-]*", scheme):
        raise ValueError(f"{where}: {scheme!r} is not a URL scheme")


def is_email(recipient: str) -> bool:
    return "://" not in recipient


def mask_recipient(recipient: str) -> str:
    """A recipient as shown: passwords in the URL's user part masked; ${VAR} kept as written."""
    scheme, sep, rest = recipient.partition("://")
    if not sep:
        return recipient
    host_part, slash, path = rest.partition("/")
    userinfo, at, host = host_part.rpartition("@")
    if at and ":" in userinfo and not ENV_REFERENCE.fullmatch(userinfo.split(":", 1)[1]):
        userinfo = f"{userinfo.split(':', 1)[0]}:{MASK}"
    return f"{scheme}://{userinfo}{at}{host}{slash}{path}"


@dataclass(frozen=True)
class Expanded:
    """A recipient with its `${VAR}` references filled in, and the values to mask."""

    url: str
    secrets: tuple[str, ...]

    def redact(self, text: str) -> str:
        """`text` with every expanded secret replaced by the mask."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        return text


def expand(recipient: str, environ: Mapping[str, str] | None = None) -> Expanded:
    """Fill in `${VAR}` from the environment; ConfigError naming the variable if unset."""
    env = os.environ if environ is None else environ
    secrets: list[str] = []

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if not env.get(name):
            raise ConfigError(f"environment variable {name} is not set")
        secrets.append(env[name])
        return env[name]

    return Expanded(ENV_REFERENCE.sub(value, recipient), tuple(secrets))


def load_subscriptions(path: Path, environ: Mapping[str, str] | None = None) -> SubscriptionsFile:
    """Read and validate subscriptions.yaml, apprise URLs and their `${VAR}`s included; a
    one-line ConfigError with file:line and the profile or rule otherwise."""
    data, node = read_yaml(path, VARIABLE)
    if data is None:
        return SubscriptionsFile()
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}:1: top level must be a mapping with 'briefings:', 'alerts:' or "
            "'source_failing:'"
        )
    try:
        parsed = SubscriptionsFile.model_validate(data)
    except ValidationError as exc:
        message = describe_error(path, data, node, exc, {"briefings": "profile", "alerts": "rule"})
        raise ConfigError(" ".join(message.split())) from None
    _check_ids(path, node, parsed.briefings, "briefings", "profile")
    _check_ids(path, node, parsed.alerts, "alerts", "rule")
    _check_channels(path, node, parsed, environ)
    return parsed


def _check_channels(
    path: Path, node: Any, parsed: SubscriptionsFile, environ: Mapping[str, str] | None
) -> None:
    """Every apprise URL expands and is one apprise can send to."""
    entries: list[tuple[list[Any], str, tuple[str, ...]]] = [
        (["briefings", i], f"profile {p.id!r}", p.to) for i, p in enumerate(parsed.briefings)
    ]
    entries += [(["alerts", i], f"rule {r.id!r}", r.to) for i, r in enumerate(parsed.alerts)]
    if parsed.source_failing:
        entries.append((["source_failing"], "source_failing", parsed.source_failing.to))
    for loc, subject, recipients in entries:
        for index, recipient in enumerate(recipients):
            if is_email(recipient):
                continue
            line = line_of(node, [*loc, "to", index]) or line_of(node, loc) or "?"
            where = f"{path}:{line}: {subject}: to[{index}] {mask_recipient(recipient)!r}"
            try:
                channel_for(expand(recipient, environ))
            except ConfigError as exc:
                raise ConfigError(f"{where}: {exc}") from None


def channel_for(recipient: Expanded) -> Any:
    """The apprise plugin object for an expanded URL; ConfigError if apprise has none."""
    import apprise

    plugin = apprise.Apprise.instantiate(recipient.url, suppress_exceptions=True)
    if plugin is None:
        scheme = recipient.url.partition("://")[0]
        raise ConfigError(
            f"not a URL apprise can send to (scheme {scheme!r} unknown or the URL is "
            "incomplete; see https://github.com/caronc/apprise/wiki)"
        )
    return plugin


def _check_ids(path: Path, node: Any, entries: Sequence[Any], key: str, noun: str) -> None:
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        if entry.id in seen:
            line = line_of(node, [key, index]) or "?"
            raise ConfigError(f"{path}:{line}: {noun} {entry.id!r}: duplicate id (rename one)")
        seen.add(entry.id)


def matches(match: Match, row: Mapping[str, Any], tags: Sequence[str] = ()) -> bool:
    """Whether a stored item (a row of `items`) and its source's `tags` meet `match`."""
    checks = (
        _any_of(match.topics, _json_list(row.get("topics"))),
        _any_of(match.regions, [row.get("region")]),
        _any_of(match.sources, [row.get("source_id")]),
        _any_of(match.tags, tags),
        _any_of(match.languages, [language_of(row)]),
        _any_of(match.stages, [row.get("stage")]),
        _issuer(match.issuers, row.get("issuer")),
        _keywords(match.keywords, f"{row.get('title') or ''}\n{row.get('text') or ''}"),
        match.min_relevance is None or (row.get("relevance") or 0) >= match.min_relevance,
    )
    return all(checks)


def _any_of(wanted: tuple[str, ...] | None, values: Sequence[Any]) -> bool:
    if wanted is None:
        return True
    have = {str(v).casefold() for v in values if v}
    return any(w.casefold() in have for w in wanted)


def _issuer(wanted: tuple[str, ...] | None, issuer: str | None) -> bool:
    """An issuer matches when one of the wanted names is part of it (国家网信办 in 国家互联网
    信息办公室 does not, so list both spellings)."""
    if wanted is None:
        return True
    folded = (issuer or "").casefold()
    return bool(folded) and any(w.casefold() in folded for w in wanted)


def _keywords(wanted: tuple[str, ...] | None, text: str) -> bool:
    if wanted is None:
        return True
    folded = text.casefold()
    return any(w.casefold() in folded for w in wanted)


def _json_list(value: Any) -> list[Any]:
    import json

    if not value:
        return []
    return list(json.loads(value)) if isinstance(value, str) else list(value)
