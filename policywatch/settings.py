"""Runtime settings: every POLICYWATCH_* variable, read and validated by one pydantic-settings
model (errors name the variable at fault, in one format).

Paths resolve from the working folder `POLICYWATCH_HOME` (default: the current directory):
sources.yaml, topics.yaml, baseline/, data/ and reports/ are looked up there unless set one by
one; a relative path in a variable is relative to the working folder too. `VARIABLES` lists
every variable with its default, for `policywatch config` and the `.env.example` of `init`.
Secrets (the SMTP password, a database password) come only from the environment and are masked
wherever settings are shown.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, InitSettingsSource, SettingsConfigDict
from pydantic_settings import PydanticBaseSettingsSource as Source

from policywatch.errors import ConfigError

ENV_PREFIX = "POLICYWATCH_"
MASK = "********"
DEFAULT_INGEST_CRON = "0 */6 * * *"
DEFAULT_BRIEFING_CRON = "0 8 * * 1"
DEFAULT_TIMEZONE = "UTC"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
TAG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")  # a source tag (config.SLUG)
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _split(value: Any) -> Any:
    """A comma-separated variable as the tuple of its non-empty items."""
    items = value.split(",") if isinstance(value, str) else None
    return value if items is None else tuple(item.strip() for item in items if item.strip())


def _flag(value: Any) -> Any:
    """A boolean variable: true/false, yes/no, on/off, 1/0."""
    if isinstance(value, str) and value.lower() not in (*_TRUE, *_FALSE):
        raise ValueError(f"{value!r}: use true or false")
    return value.lower() in _TRUE if isinstance(value, str) else value


def _level(value: str) -> str:
    """A log level in any case (info, INFO), upper-cased."""
    if value.upper() not in LOG_LEVELS:
        raise ValueError(f"{value.upper()!r}: use one of {LOG_LEVELS}")
    return value.upper()


def _zone(name: str, variable: str = "") -> str:
    """name, checked to be an IANA timezone (a variable given: ConfigError naming it)."""
    hint = "use an IANA name such as 'Europe/Berlin' or 'Asia/Shanghai'"
    try:
        return ZoneInfo(name).key
    except (ZoneInfoNotFoundError, ValueError):
        raise _invalid(f"unknown timezone {name!r} ({hint})", variable) from None


def _cron(expression: str, variable: str = "") -> str:
    """expression, checked to be five-field cron by cronsim, as Prefect's server (see _zone)."""
    from cronsim import CronSim, CronSimError  # imported when a schedule is read

    try:
        if len(expression.split()) != 5:
            raise CronSimError("five fields expected")
        CronSim(expression, datetime(2026, 1, 1))
    except CronSimError:
        hint = "five fields, e.g. '0 */6 * * *'"
        raise _invalid(f"{expression!r} is not a cron expression ({hint})", variable) from None
    return expression


def _tags(value: Any) -> Any:
    """Comma-separated source tags, one ingest-<tag> deployment each: checked, each kept once."""
    if bad := [tag for tag in _split(value) if not TAG.match(tag)]:
        raise ValueError(f"{bad[0]!r} is not a source tag")
    return tuple(dict.fromkeys(_split(value)))


Security = Literal["starttls", "ssl", "none"]
_FOLDERS = {  # path fields whose folder, when set, must exist: the hint of the error
    "home": "e.g. with `policywatch init DIR`",
    "baseline_dir": "or unset the variable to use $POLICYWATCH_HOME/baseline",
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class SmtpSettings(_Frozen):
    """SMTP delivery, from POLICYWATCH_SMTP_* / POLICYWATCH_MAIL_*; password never in YAML."""

    host: str | None = Field(None, validation_alias="SMTP_HOST")
    port: int = Field(587, validation_alias="SMTP_PORT")
    user: str | None = Field(None, validation_alias="SMTP_USER")
    password: str | None = Field(None, repr=False, validation_alias="SMTP_PASSWORD")
    security: Security = Field("starttls", validation_alias="SMTP_SECURITY")
    mail_from: str = "policywatch@localhost"
    mail_to: tuple[str, ...] = ()

    lower_security = field_validator("security", mode="before")(
        lambda v: v.lower() if isinstance(v, str) else v
    )
    split_mail_to = field_validator("mail_to", mode="before")(_split)


class ScheduleSettings(_Frozen):
    """When the scheduled deployments run, and how ingest is split over workers."""

    timezone: str = DEFAULT_TIMEZONE
    ingest_cron: str = DEFAULT_INGEST_CRON
    briefing_cron: str = DEFAULT_BRIEFING_CRON
    split_tags: tuple[str, ...] = Field((), validation_alias="INGEST_SPLIT")

    valid_timezone = field_validator("timezone")(_zone)
    valid_crons = field_validator("ingest_cron", "briefing_cron")(_cron)
    valid_tags = field_validator("split_tags", mode="before")(_tags)


class Settings(BaseSettings):
    """Runtime settings from POLICYWATCH_* variables (all optional; names: see _values)."""

    model_config = SettingsConfigDict(frozen=True, env_prefix=ENV_PREFIX, hide_input_in_errors=True)

    home: Path = Path(".")
    sources_path: Path = Field(Path("sources.yaml"), validation_alias="SOURCES")
    topics_path: Path | None = Field(None, validation_alias="TOPICS")
    subscriptions_path: Path | None = Field(None, validation_alias="SUBSCRIPTIONS")
    glossary_path: Path | None = Field(None, validation_alias="GLOSSARY")
    data_dir: Path = Path("data")
    db_url: str = ""  # unset: sqlite:///$DATA_DIR/policywatch.db
    reports_dir: Path = Path("reports")
    baseline_dir: Path = Path("baseline")
    builtin_baseline: bool = True
    timezone: str = DEFAULT_TIMEZONE
    smtp: SmtpSettings = SmtpSettings()
    workers: int = Field(0, ge=0, description="extraction processes; 0 = number of cores")
    schedules: ScheduleSettings = ScheduleSettings()
    log_level: str = "WARNING"

    valid_timezone = field_validator("timezone")(_zone)
    valid_flag = field_validator("builtin_baseline", mode="before")(_flag)
    valid_level = field_validator("log_level")(_level)

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: Source, *_: Source, **__: Source
    ) -> tuple[Source, ...]:
        """Keyword arguments, then the mapping being read: no .env file, no secrets folder."""
        environ, fields = _READING.get()
        values = _values(settings_cls, environ, settings_cls.model_config.get("env_prefix", ""))
        read = {key: value for key, value in values.items() if not fields or key in fields}
        return init_settings, InitSettingsSource(settings_cls, read)

    @field_validator(
        "home", "sources_path", "topics_path", "subscriptions_path", "glossary_path", "data_dir",
        "reports_dir", "baseline_dir", mode="before",
    )  # fmt: skip
    @classmethod
    def _in_home(cls, value: str | Path | None, info: ValidationInfo) -> Path | None:
        """A path from the working folder (itself absolute); unset YAML files only if there."""
        name = str(info.field_name)
        path = Path(value or f"{name.removesuffix('_path')}.yaml").expanduser()
        path = info.data.get("home", Path()) / path
        if value is None:
            return path if path.is_file() else None
        if isinstance(value, str) and name in _FOLDERS and not path.is_dir():
            what = "is not a folder" if path.exists() else "no such folder"
            raise ValueError(f"{path}: {what} (create it, {_FOLDERS[name]})")
        return path.absolute() if name == "home" else path

    @field_validator("db_url")
    @classmethod
    def _db_url(cls, value: str, info: ValidationInfo) -> str:
        """Unset: the SQLite database in the data folder."""
        return value or f"sqlite:///{info.data.get('data_dir', Path('data')) / 'policywatch.db'}"


_Reading = tuple[Mapping[str, str], tuple[str, ...]]  # what Settings() reads: mapping, fields
_READING: ContextVar[_Reading] = ContextVar("policywatch_settings", default=(os.environ, ()))


def _values(model: type[BaseModel], env: Mapping[str, str], prefix: str) -> dict[str, Any]:
    """model's fields set in env, by alias or name (upper-cased: the variable); nested as dicts."""
    values: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        key, kind = field.validation_alias or name, field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            value: Any = _values(kind, env, prefix)
        else:
            value = env.get(prefix + str(key).upper(), "").strip()
        if value:
            values[str(key)] = value
    return values


def _load(environ: Mapping[str, str] | None, *fields: str) -> Settings:
    """Settings from environ alone (default os.environ; with fields, only those read)."""
    token = _READING.set((os.environ if environ is None else environ, fields))
    try:
        return Settings()
    except ValidationError as exc:
        err = exc.errors()[0]
        key = [str(part) for part in err["loc"] if isinstance(part, str)][-1]
        raise _invalid(err["msg"].removeprefix("Value error, "), ENV_PREFIX + key.upper()) from None
    finally:
        _READING.reset(token)


def _invalid(problem: str, variable: str = "") -> Exception:
    """The one error format, naming the variable at fault (a bare ValueError inside the model)."""
    return ConfigError(f"environment {variable}: {problem}") if variable else ValueError(problem)


def settings_from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from the environment; errors name the variable at fault."""
    return _load(environ)


def schedules_from_env(environ: Mapping[str, str] | None = None) -> ScheduleSettings:
    """POLICYWATCH_TIMEZONE / _INGEST_CRON / _BRIEFING_CRON / _INGEST_SPLIT alone, validated."""
    return _load(environ, "schedules").schedules


def log_level_from_env(environ: Mapping[str, str] | None = None) -> str:
    """POLICYWATCH_LOG_LEVEL alone (read first, even for `init`), in any case (info, INFO)."""
    return _load(environ, "log_level").log_level


def check_cron(expression: str, variable: str) -> None:
    """ConfigError naming the variable unless expression is a five-field cron expression."""
    _cron(expression, variable)


def check_timezone(name: str) -> None:
    """ConfigError naming POLICYWATCH_TIMEZONE unless name is an IANA timezone."""
    _zone(name, ENV_PREFIX + "TIMEZONE")


@dataclass(frozen=True, slots=True)
class Variable:
    """One POLICYWATCH_* variable: its default (as documented) and what it means."""

    name: str
    default: str
    meaning: str
    secret: bool = False


VARIABLES: tuple[Variable, ...] = (
    Variable("HOME", "the current directory", "working folder every other path is looked up in"),
    Variable("SOURCES", "$HOME/sources.yaml", "the sources file"),
    Variable(
        "TOPICS", "$HOME/topics.yaml if present, else built-in", "relevance lexicon extension"
    ),
    Variable(
        "SUBSCRIPTIONS",
        "$HOME/subscriptions.yaml if present, else none",
        "briefing profiles, alert rules and source-failure notices",
    ),
    Variable(
        "GLOSSARY",
        "$HOME/glossary.yaml if present, else built-in only",
        "your bilingual glossary entries (added to the built-in)",
    ),
    Variable("DB_URL", "sqlite:///$DATA_DIR/policywatch.db", "any SQLAlchemy database URL"),
    Variable("DATA_DIR", "$HOME/data", "database (default) and Prefect home"),
    Variable("REPORTS_DIR", "$HOME/reports", "the briefing archive"),
    Variable("BASELINE_DIR", "$HOME/baseline", "your baseline documents (added to the built-in)"),
    Variable("BUILTIN_BASELINE", "true", "include the four built-in seed documents"),
    Variable("TIMEZONE", "UTC", "IANA timezone of weeks and schedules"),
    Variable("WORKERS", "0", "extraction processes; 0 = number of cores"),
    Variable("SMTP_HOST", "", "SMTP server; unset = write the email as reports/YYYY-Www.eml"),
    Variable("SMTP_PORT", "587", "SMTP port"),
    Variable("SMTP_USER", "", "SMTP user name"),
    Variable("SMTP_PASSWORD", "", "SMTP password (environment only)", secret=True),
    Variable("SMTP_SECURITY", "starttls", "starttls, ssl or none"),
    Variable("MAIL_FROM", "policywatch@localhost", "sender address"),
    Variable("MAIL_TO", "", "comma-separated recipients"),
    Variable("INGEST_CRON", "0 */6 * * *", "schedule of the ingest deployment"),
    Variable("BRIEFING_CRON", "0 8 * * 1", "schedule of the weekly_briefing deployment"),
    Variable("INGEST_SPLIT", "", "comma-separated source tags: one ingest-<tag> deployment each"),
    Variable("LOG_LEVEL", "WARNING", "log level on stderr"),
    Variable("DEMO_DIR", "demo-output", "output folder of `policywatch demo`"),
)


def mask_url(url: str) -> str:
    """A URL with any password replaced by the mask (database URLs, apprise URLs)."""
    scheme, sep, rest = url.partition("://")
    userinfo, at, host = rest.rpartition("@")
    if not sep or not at or ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:{MASK}@{host}"


def resolved_settings(environ: Mapping[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(variable, resolved value, origin) for every variable: `environment` when set,
    else `default`; secrets masked. Validates everything first (ConfigError on bad input)."""
    env = os.environ if environ is None else environ
    values = _resolved_values(settings_from_env(env))
    rows = []
    for var in VARIABLES:
        raw = (env.get(ENV_PREFIX + var.name) or "").strip()
        value = values.get(var.name, raw or var.default)
        value = MASK if var.secret and value else value
        rows.append((ENV_PREFIX + var.name, value, "environment" if raw else "default"))
    return rows


def _resolved_values(settings: Settings) -> dict[str, str]:
    """What each variable resolves to in `settings` (paths made absolute)."""
    smtp = settings.smtp
    return {
        "HOME": str(settings.home),
        "SOURCES": str(settings.sources_path),
        "TOPICS": str(settings.topics_path) if settings.topics_path else "(built-in lexicon)",
        "SUBSCRIPTIONS": str(settings.subscriptions_path or "(none: mail POLICYWATCH_MAIL_TO)"),
        "GLOSSARY": str(settings.glossary_path or "(built-in glossary)"),
        "DB_URL": mask_url(settings.db_url),
        "DATA_DIR": str(settings.data_dir),
        "REPORTS_DIR": str(settings.reports_dir),
        "BASELINE_DIR": str(settings.baseline_dir),
        "BUILTIN_BASELINE": str(settings.builtin_baseline).lower(),
        "TIMEZONE": settings.timezone,
        "WORKERS": str(settings.workers or os.cpu_count() or 1),
        "SMTP_HOST": smtp.host or "",
        "SMTP_PORT": str(smtp.port),
        "SMTP_USER": smtp.user or "",
        "SMTP_PASSWORD": smtp.password or "",
        "SMTP_SECURITY": smtp.security,
        "MAIL_FROM": smtp.mail_from,
        "MAIL_TO": ", ".join(smtp.mail_to),
    }


def env_example() -> str:
    """The `.env.example` that `policywatch init` writes: every variable with its default."""
    lines = [
        "# policywatch settings: every POLICYWATCH_* variable with its default.",
        "# Export the ones you change (e.g. in a systemd unit or your shell profile);",
        "# secrets such as the SMTP password belong in the environment, never in files.",
        "",
    ]
    for var in VARIABLES:
        lines.append(f"# {var.meaning} (default: {var.default or 'unset'})")
        lines.append(f"# {ENV_PREFIX}{var.name}=")
    return "\n".join(lines) + "\n"
